//! A small backtracking matcher with the semantics of Python's `re` engine, for the few
//! indicator entries whose look-arounds the (linear-time) scanner cannot express. It runs only
//! anchored, at positions the scanner found, on ASCII text; a step and depth budget bounds it.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use std::cell::Cell;

/// A pattern, as built by `classifier/features/_core_regex.py` (`program`).
#[derive(Debug, Clone)]
pub enum Node {
    /// One byte of a 128-bit set (ASCII).
    Set(u128),
    Seq(Vec<Node>),
    /// Alternatives, tried in order.
    Alt(Vec<Node>),
    /// `min..=max` repeats of a body that never matches empty (checked in Python).
    Rep {
        min: usize,
        max: Option<usize>,
        greedy: bool,
        body: Box<Node>,
    },
    /// A look-ahead, or a look-behind of fixed `width`.
    Look {
        behind: bool,
        negative: bool,
        width: usize,
        body: Box<Node>,
    },
}

impl Node {
    /// Reads the nested tuples of `_core_regex.program`.
    pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Node> {
        let tuple = obj.downcast::<PyTuple>()?;
        let kind: String = tuple.get_item(0)?.extract()?;
        let list = |i: usize| -> PyResult<Vec<Node>> {
            let item = tuple.get_item(i)?;
            let items = item.downcast::<PyList>()?;
            items.iter().map(|n| Node::from_py(&n)).collect()
        };
        match kind.as_str() {
            "set" => {
                let item = tuple.get_item(1)?;
                let bytes = item.downcast::<PyBytes>()?.as_bytes();
                let array: [u8; 16] = bytes
                    .try_into()
                    .map_err(|_| pyo3::exceptions::PyValueError::new_err("a set takes 16 bytes"))?;
                Ok(Node::Set(u128::from_le_bytes(array)))
            }
            "seq" => Ok(Node::Seq(list(1)?)),
            "alt" => Ok(Node::Alt(list(1)?)),
            "rep" => {
                let max: i64 = tuple.get_item(2)?.extract()?;
                Ok(Node::Rep {
                    min: tuple.get_item(1)?.extract()?,
                    max: usize::try_from(max).ok(),
                    greedy: tuple.get_item(3)?.extract()?,
                    body: Box::new(Node::from_py(&tuple.get_item(4)?)?),
                })
            }
            "look" => Ok(Node::Look {
                behind: tuple.get_item(1)?.extract()?,
                negative: tuple.get_item(2)?.extract()?,
                width: tuple.get_item(3)?.extract()?,
                body: Box::new(Node::from_py(&tuple.get_item(4)?)?),
            }),
            _ => Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown program node {kind:?}"
            ))),
        }
    }

    /// Whether the node holds a look-around (its matches then depend on the text around).
    pub fn has_look(&self) -> bool {
        match self {
            Node::Set(_) => false,
            Node::Seq(nodes) | Node::Alt(nodes) => nodes.iter().any(Node::has_look),
            Node::Rep { body, .. } => body.has_look(),
            Node::Look { .. } => true,
        }
    }

    /// For a pattern that is a negative look-behind of a fixed string of sets, then a body
    /// without look-arounds (`(?<!no )incalls?`): those sets. A match of the body is then a
    /// match of the pattern unless the text before it matches them.
    pub fn not_after(&self) -> Option<Vec<u128>> {
        let Node::Seq(nodes) = self else {
            return None;
        };
        let (
            Node::Look {
                behind: true,
                negative: true,
                width,
                body,
            },
            rest,
        ) = nodes.split_first()?
        else {
            return None;
        };
        if rest.iter().any(Node::has_look) {
            return None;
        }
        let sets = match body.as_ref() {
            Node::Set(set) => vec![*set],
            Node::Seq(items) => items
                .iter()
                .map(|item| match item {
                    Node::Set(set) => Some(*set),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?,
            _ => return None,
        };
        (sets.len() == *width).then_some(sets)
    }

    /// The sets of the first bytes that every match consumes, in order (at most `max`): a
    /// check of a few bytes that rules out most entries before the matcher runs.
    pub fn prefix(&self, max: usize) -> Vec<u128> {
        let mut sets = Vec::new();
        self.push_prefix(&mut sets, max);
        sets
    }

    /// Pushes the sets this node's matches start with; whether the node's every match is
    /// exactly those (so that the next node's sets follow them).
    fn push_prefix(&self, sets: &mut Vec<u128>, max: usize) -> bool {
        if sets.len() >= max {
            return false;
        }
        match self {
            Node::Set(set) => {
                sets.push(*set);
                true
            }
            Node::Seq(nodes) => nodes.iter().all(|node| node.push_prefix(sets, max)),
            Node::Look { .. } => true, // consumes nothing
            Node::Rep { min, body, .. } if *min >= 1 => {
                body.push_prefix(sets, max); // the first repeat; then it depends
                false
            }
            Node::Alt(_) | Node::Rep { .. } => false,
        }
    }

    /// The bytes a match can start with, and whether it can be empty.
    pub fn first(&self) -> (u128, bool) {
        match self {
            Node::Set(set) => (*set, false),
            Node::Seq(nodes) => {
                let mut set = 0;
                for node in nodes {
                    let (first, nullable) = node.first();
                    set |= first;
                    if !nullable {
                        return (set, false);
                    }
                }
                (set, true)
            }
            Node::Alt(nodes) => nodes.iter().fold((0, false), |(set, empty), node| {
                let (first, nullable) = node.first();
                (set | first, empty || nullable)
            }),
            Node::Rep { min, body, .. } => {
                let (first, nullable) = body.first();
                (first, nullable || *min == 0)
            }
            Node::Look { .. } => (0, true),
        }
    }
}

/// Calls into the matcher allowed per text, and nested calls: beyond them the text is
/// declined (the Python path, which has no such bound, handles it).
const MAX_STEPS: u32 = 1_000_000;
const MAX_DEPTH: u32 = 2_000;

/// One text being matched, with its budget.
pub struct Run<'t> {
    text: &'t [u8],
    steps: Cell<u32>,
    depth: Cell<u32>,
    exhausted: Cell<bool>,
}

fn contains(set: u128, byte: u8) -> bool {
    byte < 128 && (set >> byte) & 1 == 1
}

impl<'t> Run<'t> {
    pub fn new(text: &'t [u8]) -> Self {
        Run {
            text,
            steps: Cell::new(0),
            depth: Cell::new(0),
            exhausted: Cell::new(false),
        }
    }

    /// Whether the budget ran out (results are then meaningless).
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// The end of the first match of `node` at `pos` (in Python's order) for which the
    /// continuation `k` succeeds, with what `k` returned.
    pub fn m(&self, node: &Node, pos: usize, k: &dyn Fn(usize) -> Option<usize>) -> Option<usize> {
        if self.exhausted.get() {
            return None;
        }
        let steps = self.steps.get() + 1;
        let depth = self.depth.get() + 1;
        if steps > MAX_STEPS || depth > MAX_DEPTH {
            self.exhausted.set(true);
            return None;
        }
        self.steps.set(steps);
        self.depth.set(depth);
        let found = self.m_inner(node, pos, k);
        self.depth.set(depth - 1);
        found
    }

    fn m_inner(
        &self,
        node: &Node,
        pos: usize,
        k: &dyn Fn(usize) -> Option<usize>,
    ) -> Option<usize> {
        match node {
            Node::Set(set) => match self.text.get(pos) {
                Some(&byte) if contains(*set, byte) => k(pos + 1),
                _ => None,
            },
            Node::Seq(nodes) => self.seq(nodes, pos, k),
            Node::Alt(nodes) => {
                for node in nodes {
                    let found = self.m(node, pos, k);
                    if found.is_some() || self.exhausted.get() {
                        return found;
                    }
                }
                None
            }
            Node::Rep {
                min,
                max,
                greedy,
                body,
            } => {
                if let Node::Set(set) = body.as_ref() {
                    self.rep_set(*set, *min, *max, *greedy, pos, k)
                } else {
                    self.rep(body, *min, *max, *greedy, 0, pos, k)
                }
            }
            Node::Look {
                behind,
                negative,
                width,
                body,
            } => {
                let found = if *behind {
                    match pos.checked_sub(*width) {
                        Some(start) => self
                            .m(body, start, &|end| (end == pos).then_some(end))
                            .is_some(),
                        None => false,
                    }
                } else {
                    self.m(body, pos, &Some).is_some()
                };
                if self.exhausted.get() || found == *negative {
                    None
                } else {
                    k(pos)
                }
            }
        }
    }

    fn seq(&self, nodes: &[Node], pos: usize, k: &dyn Fn(usize) -> Option<usize>) -> Option<usize> {
        match nodes.split_first() {
            None => k(pos),
            Some((first, rest)) => self.m(first, pos, &|next| self.seq(rest, next, k)),
        }
    }

    /// A repeated single byte: counted at once, then the counts tried in order (no recursion).
    fn rep_set(
        &self,
        set: u128,
        min: usize,
        max: Option<usize>,
        greedy: bool,
        pos: usize,
        k: &dyn Fn(usize) -> Option<usize>,
    ) -> Option<usize> {
        let rest = self.text.get(pos..).unwrap_or_default();
        let limit = max.unwrap_or(usize::MAX);
        let run = rest
            .iter()
            .take(limit)
            .take_while(|&&byte| contains(set, byte))
            .count();
        if run < min {
            return None;
        }
        let try_count = |count: usize| {
            let steps = self.steps.get() + 1;
            if steps > MAX_STEPS {
                self.exhausted.set(true);
                return None;
            }
            self.steps.set(steps);
            k(pos + count)
        };
        if greedy {
            for count in (min..=run).rev() {
                let found = try_count(count);
                if found.is_some() || self.exhausted.get() {
                    return found;
                }
            }
        } else {
            for count in min..=run {
                let found = try_count(count);
                if found.is_some() || self.exhausted.get() {
                    return found;
                }
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn rep(
        &self,
        body: &Node,
        min: usize,
        max: Option<usize>,
        greedy: bool,
        count: usize,
        pos: usize,
        k: &dyn Fn(usize) -> Option<usize>,
    ) -> Option<usize> {
        let more = |next: usize| self.rep(body, min, max, greedy, count + 1, next, k);
        let can_more = max.is_none_or(|max| count < max);
        if greedy {
            if can_more {
                let found = self.m(body, pos, &more);
                if found.is_some() || self.exhausted.get() {
                    return found;
                }
            }
            if count >= min {
                k(pos)
            } else {
                None
            }
        } else {
            if count >= min {
                let found = k(pos);
                if found.is_some() || self.exhausted.get() {
                    return found;
                }
            }
            if can_more {
                self.m(body, pos, &more)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(bytes: &[u8]) -> Node {
        Node::Set(bytes.iter().fold(0, |set, &b| set | 1 << b))
    }

    fn sets(text: &[u8]) -> Vec<u128> {
        text.iter().map(|&b| 1 << b).collect()
    }

    fn not_after(text: &[u8]) -> Node {
        Node::Look {
            behind: true,
            negative: true,
            width: text.len(),
            body: Box::new(Node::Seq(text.iter().map(|&b| set(&[b])).collect())),
        }
    }

    fn optional(node: Node) -> Node {
        Node::Rep {
            min: 0,
            max: Some(1),
            greedy: true,
            body: Box::new(node),
        }
    }

    #[test]
    fn prefix_and_leading_look_behind() {
        // (?<!no )in ?calls?
        let incalls = Node::Seq(vec![
            not_after(b"no "),
            set(b"i"),
            set(b"n"),
            optional(set(b" ")),
            set(b"c"),
        ]);
        assert_eq!(incalls.prefix(8), sets(b"in"));
        assert_eq!(incalls.prefix(1), sets(b"i"));
        assert_eq!(incalls.not_after(), Some(sets(b"no ")));
        // A repeat of at least one: its first body counts, then nothing is known.
        let digits = Node::Seq(vec![
            Node::Rep {
                min: 1,
                max: None,
                greedy: true,
                body: Box::new(Node::Seq(vec![set(b"0123456789"), set(b"x")])),
            },
            set(b"y"),
        ]);
        assert_eq!(digits.prefix(8), vec![set_bits(b"0123456789"), 1 << b'x']);
        // Another look-around after the body, or a look-behind that is not first: no fast
        // path; an alternation ends the prefix.
        let ahead = Node::Seq(vec![
            not_after(b"no "),
            set(b"b"),
            Node::Look {
                behind: false,
                negative: true,
                width: 0,
                body: Box::new(set(b"w")),
            },
        ]);
        assert_eq!(ahead.not_after(), None);
        assert_eq!(
            Node::Seq(vec![set(b"a"), not_after(b"x")]).not_after(),
            None
        );
        let alt = Node::Seq(vec![
            set(b"a"),
            Node::Alt(vec![set(b"b"), set(b"c")]),
            set(b"d"),
        ]);
        assert_eq!(alt.prefix(8), sets(b"a"));
    }

    fn set_bits(bytes: &[u8]) -> u128 {
        bytes.iter().fold(0, |set, &b| set | 1 << b)
    }
}
