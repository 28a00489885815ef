//! Port of the indicator scanner (`_Matcher` in `classifier/features/_indicators.py`) and of
//! the rule features (`rule_rows` in `classifier/features/_rules.py`), both kept as the
//! reference. Patterns come from Python at run time (a user may pass a lexicon), translated by
//! `classifier/features/_core_regex.py`; a lexicon it cannot translate stays on the Python path.
//!
//! Only ASCII text is handled (nearly every normalised ad): the Python scanner then uses
//! ASCII classes, which the translation reproduces. Other texts are declined (`None`).

mod program;

use crate::bytes;

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use program::{Node, Run};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind, PatternID};
use std::sync::Mutex;

/// Python's `_ASCII_NON_WORD`: the separator the scanner consumes before every match.
const SEPARATOR: &str = r"[\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]";
/// Column codes of `_indicators.py`: a stated age (other negative codes count nothing).
const AGE: i64 = -1;
/// `_AGE_RANGE`: numbers outside it are not ages.
const AGE_RANGE: (i64, i64) = (12, 80);

/// One entry of the Python scanner (`_Matcher._entries`, in the scanner's order).
struct Entry {
    program: Node,
    column: i64,
    /// Without look-arounds the scanner's regex (a superset otherwise) is exact.
    exact: bool,
    /// Bytes a match can start with (after the separator).
    first: u128,
    /// The sets of the first bytes every match consumes (after the separator).
    prefix: Vec<u128>,
    /// An entry that is a negative look-behind of these sets, then no other look-around
    /// (see `Node::not_after`): where its look-behind holds, the DFA's match is exact.
    not_after: Option<Vec<u128>>,
}

impl Entry {
    /// Whether the DFA's match of this entry at `at` is the Python scanner's.
    #[inline]
    fn exact_at(&self, padded: &[u8], at: usize) -> bool {
        if self.exact {
            return true;
        }
        let Some(sets) = &self.not_after else {
            return false;
        };
        // At the start of the text nothing comes before: the look-behind holds.
        let Some(before) = at
            .checked_sub(sets.len())
            .and_then(|from| padded.get(from..at))
        else {
            return true;
        };
        !sets.iter().zip(before).all(|(&set, &b)| contains(set, b))
    }
}

/// Leading bytes checked before the exact matcher runs.
const PREFIX_CHECK: usize = 8;

/// A compiled lexicon: one multi-pattern lazy DFA whose pattern `i` is entry `i` without its
/// look-arounds, between a separator and a half word boundary, in leftmost-first order. As in
/// Python, it is tried (anchored) at each separator followed by a byte some entry starts with.
#[pyclass(frozen, module = "classifier_core")]
struct IndicatorScanner {
    dfa: DFA,
    /// The DFA's states, built as texts need them and kept across calls.
    cache: Mutex<Cache>,
    entries: Vec<Entry>,
    /// For each byte, the entries that can start with it, in the scanner's order.
    by_first: Vec<Vec<usize>>,
    /// For each byte after a separator, the next bytes with which some entry can still match:
    /// other positions are skipped without walking the DFA.
    viable: Vec<u128>,
    /// `SEPARATOR_BYTE` and `START_BYTE` flags of each byte.
    table: [u8; 256],
    /// The bytes some entry starts with that are not word bytes (few or none).
    start_others: Vec<u8>,
}

const _: () = assert!(std::mem::align_of::<IndicatorScanner>() <= crate::PYCLASS_ALIGN);

/// DFA steps allowed per byte of text (ads take about one).
const STEPS_PER_BYTE: usize = 64;
const SEPARATOR_BYTE: u8 = 1;
const START_BYTE: u8 = 2;

/// A text the Rust side does not handle; the Python path does.
struct Declined;

/// A scanner match: the entry's column, and for a stated age the number it states.
type Found = (i64, Option<i64>);

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl IndicatorScanner {
    /// Every match of the Python scanner in `text`, with its column (`_Matcher.scan`), in
    /// `scratch.found`.
    fn matches(
        &self,
        cache: &mut Cache,
        text: &str,
        scratch: &mut Scratch,
    ) -> Result<(), Declined> {
        // \x1c-\x1f: Python's namer (Unicode \s) and scanner (ASCII \s) could disagree there.
        // (A fold with no early exit: the compiler makes it sixteen bytes at a time.)
        let controls = |chunk: &[u8]| {
            chunk
                .iter()
                .fold(false, |any, &b| any | (b.wrapping_sub(0x1c) < 4))
        };
        if !text.is_ascii() || text.as_bytes().chunks(256).any(controls) {
            return Err(Declined);
        }
        let Scratch {
            padded,
            words,
            candidates,
            found,
            after,
            clears,
        } = scratch;
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(text.as_bytes());
        let padded = padded.as_slice();
        let run = Run::new(padded);
        found.clear();
        let mut pos = 0;
        let mut budget = padded
            .len()
            .saturating_mul(STEPS_PER_BYTE)
            .saturating_add(10_000);
        self.candidate_bits(padded, words, candidates);
        while let Some(start) = self.next_candidate(padded, candidates, pos) {
            if cache.clear_count() != *clears {
                *after = [None; 128];
                *clears = cache.clear_count();
            }
            let separator = usize::from(padded.get(start).copied().unwrap_or(b' ') & 0x7f);
            let sid = match after.get(separator).copied().flatten() {
                Some(sid) => sid,
                None => {
                    let sid = self.after_separator(cache, padded.get(start).copied())?;
                    if let Some(slot) = after.get_mut(separator) {
                        *slot = Some(sid);
                    }
                    sid
                }
            };
            let chosen = match self.longest_first(cache, sid, padded, start + 1, &mut budget)? {
                None => None,
                Some((index, end)) => match self.entries.get(index) {
                    Some(entry) if entry.exact_at(padded, start + 1) => Some((entry.column, end)),
                    // Entries before `index` cannot match here; try it and those after, exactly.
                    _ => self.exact_from(cache, &mut budget, &run, padded, start, index)?,
                },
            };
            if run.exhausted() {
                return Err(Declined);
            }
            match chosen {
                Some((column, end)) => {
                    let age = if column == AGE {
                        padded.get(start..end).and_then(first_two_digits)
                    } else {
                        None
                    };
                    found.push((column, age));
                    pos = end;
                }
                None => pos = start + 1,
            }
        }
        Ok(())
    }

    /// The DFA state once a separator byte is consumed (from an anchored start).
    fn after_separator(
        &self,
        cache: &mut Cache,
        separator: Option<u8>,
    ) -> Result<LazyStateID, Declined> {
        let config = start::Config::new().anchored(Anchored::Yes);
        let sid = self.dfa.start_state(cache, &config).map_err(|_| Declined)?;
        self.dfa
            .next_state(cache, sid, separator.unwrap_or(b' '))
            .map_err(|_| Declined)
    }

    /// Bit `i % 64` of word `i / 64`: `padded[i]` (ASCII) is a separator and `padded[i + 1]`
    /// a byte some entry starts with, or a word byte (which the table then tells apart).
    /// Sixteen bytes at a time with SSE2 compares: a byte-by-byte scan cost more than the DFA
    /// walks after most separators.
    fn candidate_bits(&self, padded: &[u8], word: &mut Vec<u64>, candidates: &mut Vec<u64>) {
        bytes::bitmap_into(padded, bytes::word, word);
        // The bytes an entry can start with: word bytes, and the few others.
        let start = candidates;
        start.clear();
        start.extend_from_slice(word);
        for &b in &self.start_others {
            for i in memchr::memchr_iter(b, padded) {
                start[i / 64] |= 1 << (i % 64);
            }
        }
        let valid = |k: usize| match padded.len().checked_sub(64 * k) {
            Some(left) if left < 64 => (1u64 << left) - 1,
            Some(_) => u64::MAX,
            None => 0,
        };
        // In place, word by word: word k reads start words k and k + 1, not yet rewritten.
        for k in 0..word.len() {
            let next = start.get(k + 1).map_or(0, |s| s << 63);
            start[k] = !word[k] & valid(k) & ((start[k] >> 1) | next);
        }
    }

    /// The first position from `pos` on where a match can start: a separator, then a byte
    /// some entry starts with, then one with which it can go on.
    fn next_candidate(&self, padded: &[u8], candidates: &[u64], pos: usize) -> Option<usize> {
        let mut w = pos / 64;
        let mut bits = candidates.get(w)? & (u64::MAX << (pos % 64));
        loop {
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let first = *padded.get(i + 1)?;
                if self.table[usize::from(first)] & START_BYTE != 0
                    && padded.get(i + 2).is_none_or(|&next| {
                        self.viable
                            .get(usize::from(first))
                            .is_some_and(|&set| contains(set, next))
                    })
                {
                    return Some(i);
                }
            }
            w += 1;
            bits = *candidates.get(w)?;
        }
    }

    /// The DFA's match from state `sid` at `start` (after a separator): (entry, end), in
    /// leftmost-first order.
    #[inline]
    fn longest_first(
        &self,
        cache: &mut Cache,
        mut sid: LazyStateID,
        padded: &[u8],
        start: usize,
        budget: &mut usize,
    ) -> Result<Option<(usize, usize)>, Declined> {
        let mut last = None;
        let rest = padded.get(start..).unwrap_or_default();
        for (i, &byte) in rest.iter().enumerate() {
            // An untagged state's transition is a table read; only a tagged one (a match, or
            // a transition not built yet) takes the checked path.
            let mut next = if sid.is_tagged() {
                self.dfa
                    .next_state(cache, sid, byte)
                    .map_err(|_| Declined)?
            } else {
                self.dfa.next_state_untagged(cache, sid, byte)
            };
            if next.is_tagged() {
                if next.is_unknown() {
                    next = self
                        .dfa
                        .next_state(cache, sid, byte)
                        .map_err(|_| Declined)?;
                }
                if next.is_match() {
                    // Matches are seen one byte late.
                    last = Some((self.dfa.match_pattern(cache, next, 0).as_usize(), start + i));
                }
                if next.is_dead() {
                    spend(budget, i + 1)?;
                    return Ok(last);
                }
                if next.is_quit() {
                    return Err(Declined);
                }
            }
            sid = next;
        }
        spend(budget, rest.len() + 1)?;
        sid = self.dfa.next_eoi_state(cache, sid).map_err(|_| Declined)?;
        if sid.is_match() {
            last = Some((
                self.dfa.match_pattern(cache, sid, 0).as_usize(),
                padded.len(),
            ));
        }
        Ok(last)
    }

    /// The first of the entries from `index` on that matches at `start` (after its separator),
    /// exactly: (column, end). Each is tried without its look-arounds by the DFA first (where
    /// that fails, so does the entry), and only then by the exact matcher.
    fn exact_from(
        &self,
        cache: &mut Cache,
        budget: &mut usize,
        run: &Run,
        padded: &[u8],
        start: usize,
        index: usize,
    ) -> Result<Option<(i64, usize)>, Declined> {
        let (Some(rest), Some(&first)) = (padded.get(start + 1..), padded.get(start + 1)) else {
            return Ok(None);
        };
        let candidates = self
            .by_first
            .get(usize::from(first))
            .map_or(&[][..], Vec::as_slice);
        let from = candidates.partition_point(|&i| i < index);
        for &i in &candidates[from..] {
            let Some(entry) = self.entries.get(i) else {
                continue;
            };
            // (Past the end of the text the DFA decides.)
            if !entry
                .prefix
                .iter()
                .zip(rest)
                .all(|(&set, &b)| contains(set, b))
            {
                continue;
            }
            let Some((_, end)) = self.pattern_match(cache, i, padded, start, budget)? else {
                continue;
            };
            if entry.exact_at(padded, start + 1) {
                return Ok(Some((entry.column, end)));
            }
            let exact = run.m(&entry.program, start + 1, &|end| {
                (!padded.get(end).is_some_and(|&b| is_word(b))).then_some(end)
            });
            if let Some(end) = exact {
                return Ok(Some((entry.column, end)));
            }
        }
        Ok(None)
    }

    /// The DFA's match of pattern `pattern` alone (entry `pattern` without its look-arounds)
    /// at the separator at `start`: (pattern, end).
    fn pattern_match(
        &self,
        cache: &mut Cache,
        pattern: usize,
        padded: &[u8],
        start: usize,
        budget: &mut usize,
    ) -> Result<Option<(usize, usize)>, Declined> {
        let pattern = PatternID::new(pattern).map_err(|_| Declined)?;
        let config = start::Config::new().anchored(Anchored::Pattern(pattern));
        let sid = self.dfa.start_state(cache, &config).map_err(|_| Declined)?;
        let separator = padded.get(start).copied().unwrap_or(b' ');
        let sid = self
            .dfa
            .next_state(cache, sid, separator)
            .map_err(|_| Declined)?;
        self.longest_first(cache, sid, padded, start + 1, budget)
    }

    /// Indicator columns (in order, with repeats) and stated ages in range (`scan`).
    fn scan_text(
        &self,
        cache: &mut Cache,
        text: &str,
        scratch: &mut Scratch,
    ) -> Result<(Vec<i64>, Vec<i64>), Declined> {
        self.matches(cache, text, scratch)?;
        let mut columns = Vec::new();
        let mut ages = Vec::new();
        for &(column, age) in &scratch.found {
            if column >= 0 {
                columns.push(column);
            } else if let Some(age) = age.filter(|a| (AGE_RANGE.0..=AGE_RANGE.1).contains(a)) {
                ages.push(age);
            }
        }
        Ok((columns, ages))
    }

    /// `work` with the scanner's DFA cache, or a cache of its own if another thread holds
    /// that one.
    fn with_cache<T>(&self, work: impl FnOnce(&mut Cache) -> T) -> T {
        match self.cache.try_lock() {
            Ok(mut cache) => work(&mut cache),
            Err(_) => work(&mut self.dfa.create_cache()),
        }
    }
}

/// Buffers and DFA start states reused from one text to the next.
struct Scratch {
    padded: Vec<u8>,
    words: Vec<u64>,
    candidates: Vec<u64>,
    found: Vec<Found>,
    /// The DFA state after each separator byte, valid while the cache is not cleared.
    after: [Option<LazyStateID>; 128],
    /// The cache's `clear_count` when `after` was filled.
    clears: usize,
}

impl Scratch {
    fn new(cache: &Cache) -> Self {
        Scratch {
            padded: Vec::new(),
            words: Vec::new(),
            candidates: Vec::new(),
            found: Vec::new(),
            after: [None; 128],
            clears: cache.clear_count(),
        }
    }
}

/// Takes `steps` DFA steps from the budget of a text. A lexicon with unbounded repeats
/// (`x.*y`) could make the scan quadratic, as in Python: past a linear budget the text is
/// declined.
#[inline]
fn spend(budget: &mut usize, steps: usize) -> Result<(), Declined> {
    *budget = budget.checked_sub(steps).ok_or(Declined)?;
    Ok(())
}

fn contains(set: u128, byte: u8) -> bool {
    byte < 128 && (set >> byte) & 1 == 1
}

/// Python's `_ASCII_NON_WORD`.
fn is_separator(byte: u8) -> bool {
    byte < 128 && !is_word(byte)
}

/// For each byte `a` that starts an entry, the bytes `b` such that the DFA is not dead after
/// a separator, `a` and `b` (for any separator byte: they all lead to the same state).
fn viable_pairs(dfa: &DFA, starts: u128) -> Result<Vec<u128>, ()> {
    let mut cache = dfa.create_cache();
    let start = dfa
        .start_state(&mut cache, &start::Config::new().anchored(Anchored::Yes))
        .map_err(|_| ())?;
    let mut viable = vec![0u128; 128];
    for separator in (0u8..128).filter(|&b| is_separator(b)) {
        let sep = dfa
            .next_state(&mut cache, start, separator)
            .map_err(|_| ())?;
        for (a, set) in viable.iter_mut().enumerate() {
            let a = a as u8;
            if !contains(starts, a) {
                continue;
            }
            let after_a = dfa.next_state(&mut cache, sep, a).map_err(|_| ())?;
            for b in 0u8..128 {
                if !dfa
                    .next_state(&mut cache, after_a, b)
                    .map_err(|_| ())?
                    .is_dead()
                {
                    *set |= 1 << b;
                }
            }
        }
    }
    Ok(viable)
}

/// `int(_TWO_DIGITS.search(s).group())`.
fn first_two_digits(bytes: &[u8]) -> Option<i64> {
    bytes
        .windows(2)
        .find(|pair| pair[0].is_ascii_digit() && pair[1].is_ascii_digit())
        .map(|pair| i64::from(pair[0] - b'0') * 10 + i64::from(pair[1] - b'0'))
}

/// The text of a list item, or `None` (declined) for a non-`str` or a lone surrogate.
fn text_of<'a>(item: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    item.downcast::<PyString>().ok()?.to_str().ok()
}

#[pymethods]
impl IndicatorScanner {
    /// `entries`: `(superset regex, program, column)` per scanner entry, in the scanner's
    /// order (see `_core_regex`).
    #[new]
    fn new(entries: Vec<(String, Bound<'_, PyAny>, i64)>) -> PyResult<Self> {
        let mut patterns = Vec::with_capacity(entries.len());
        let mut built = Vec::with_capacity(entries.len());
        for (superset, program, column) in &entries {
            let program = Node::from_py(program)?;
            patterns.push(format!(r"{SEPARATOR}(?:{superset})\b{{end-half}}"));
            let (first, nullable) = program.first();
            built.push(Entry {
                exact: !program.has_look(),
                first: if nullable { u128::MAX } else { first },
                prefix: program.prefix(PREFIX_CHECK),
                not_after: program.not_after(),
                program,
                column: *column,
            });
        }
        let dfa = DFA::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(256 << 20)),
            )
            .configure(
                DFA::config()
                    .match_kind(MatchKind::LeftmostFirst)
                    .starts_for_each_pattern(true)
                    .cache_capacity(64 << 20)
                    .minimum_cache_clear_count(None),
            )
            .build_many(&patterns)
            .map_err(|e| PyValueError::new_err(format!("indicator scanner: {e}")))?;
        let mut by_first = vec![Vec::new(); 128];
        let mut starts = 0u128;
        for (i, entry) in built.iter().enumerate() {
            starts |= entry.first;
            for (byte, list) in by_first.iter_mut().enumerate() {
                if (entry.first >> byte) & 1 == 1 {
                    list.push(i);
                }
            }
        }
        let viable = viable_pairs(&dfa, starts)
            .map_err(|()| PyValueError::new_err("indicator scanner: the DFA gave up"))?;
        let mut table = [0u8; 256];
        for byte in 0..128u8 {
            if is_separator(byte) {
                table[usize::from(byte)] |= SEPARATOR_BYTE;
            }
            if contains(starts, byte) {
                table[usize::from(byte)] |= START_BYTE;
            }
        }
        let start_others = (0u8..128)
            .filter(|&b| contains(starts, b) && !is_word(b))
            .collect();
        Ok(IndicatorScanner {
            table,
            start_others,
            viable,
            cache: Mutex::new(dfa.create_cache()),
            dfa,
            entries: built,
            by_first,
        })
    }

    /// `_Matcher.scan`: (indicator columns with repeats, stated ages), or `None` (declined).
    fn scan(&self, text: &Bound<'_, PyAny>) -> Option<(Vec<i64>, Vec<i64>)> {
        let text = text_of(text)?;
        self.with_cache(|cache| self.scan_text(cache, text, &mut Scratch::new(cache)).ok())
    }

    /// The rows `indicator_rows` builds from `scan_many` (before `log1p`): per row, the match
    /// count of each indicator column, then the age columns (`AGE_FEATURE_NAMES`: stated,
    /// minimum / 100, then a flag per bound of `_AGE_FLAGS` that the minimum is below), as CSR
    /// arrays (data, indices, indptr), and the indices of the declined texts (rows left empty).
    #[allow(clippy::type_complexity)]
    fn rows<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyList>,
        n_indicators: u16,
        flag_bounds: Vec<i64>,
    ) -> (
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<i32>>,
        Bound<'py, PyArray1<i64>>,
        Vec<usize>,
    ) {
        let n_indicators = i32::from(n_indicators);
        let mut data = Vec::new();
        let mut indices = Vec::new();
        let mut indptr = Vec::with_capacity(texts.len() + 1);
        indptr.push(0i64);
        let mut declined = Vec::new();
        self.with_cache(|cache| {
            let mut scratch = Scratch::new(cache);
            for (i, item) in texts.iter().enumerate() {
                let scanned =
                    text_of(&item).and_then(|t| self.scan_text(cache, t, &mut scratch).ok());
                let Some((mut found, stated)) = scanned else {
                    declined.push(i);
                    indptr.push(data.len() as i64);
                    continue;
                };
                found.sort_unstable();
                for run in found.chunk_by(|a, b| a == b) {
                    let column = run
                        .first()
                        .and_then(|&c| i32::try_from(c).ok())
                        .unwrap_or(-1);
                    data.push(run.len() as f64);
                    indices.push(column);
                }
                if let Some(&min) = stated.iter().min() {
                    data.extend([1.0, min as f64 / 100.0]);
                    indices.extend([n_indicators, n_indicators + 1]);
                    for (column, &bound) in (n_indicators + 2..).zip(&flag_bounds) {
                        if min < bound {
                            data.push(1.0);
                            indices.push(column);
                        }
                    }
                }
                indptr.push(data.len() as i64);
            }
        });
        (
            PyArray1::from_vec(py, data),
            PyArray1::from_vec(py, indices),
            PyArray1::from_vec(py, indptr),
            declined,
        )
    }
}

/// The rules of a rule file, each one regex; only whether it matches counts
/// (`_rules.rule_rows`). Patterns are exact translations (`_core_regex.rule_regex`).
#[pyclass(frozen, module = "classifier_core")]
struct RuleSet {
    set: regex::bytes::RegexSet,
    /// `_EMOJI_TOKEN` on ASCII text: emoji tokens are dropped before the rules run.
    emoji: regex::bytes::Regex,
}

const _: () = assert!(std::mem::align_of::<RuleSet>() <= crate::PYCLASS_ALIGN);

#[pymethods]
impl RuleSet {
    #[new]
    fn new(patterns: Vec<String>) -> PyResult<Self> {
        let set = regex::bytes::RegexSetBuilder::new(&patterns)
            .unicode(false)
            .size_limit(256 << 20)
            .dfa_size_limit(64 << 20)
            .build()
            .map_err(|e| PyValueError::new_err(format!("rule set: {e}")))?;
        let emoji = regex::bytes::RegexBuilder::new(r"emoji_[0-9A-Za-z_]+ ?")
            .unicode(false)
            .build()
            .map_err(|e| PyValueError::new_err(format!("emoji token: {e}")))?;
        Ok(RuleSet { set, emoji })
    }

    /// A dense (n_texts, n_rules) float64 array of 1.0 where a rule matches, and the indices
    /// of the declined (non-ASCII) texts, whose rows are left at zero.
    fn rows<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyList>,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<usize>)> {
        let n_rules = self.set.len();
        let mut dense = vec![0.0f64; texts.len() * n_rules];
        let mut declined = Vec::new();
        for (i, item) in texts.iter().enumerate() {
            let Some(text) = text_of(&item).filter(|t| t.is_ascii()) else {
                declined.push(i);
                continue;
            };
            let bytes = text.as_bytes();
            let stripped = if text.contains("emoji_") {
                self.emoji.replace_all(bytes, &b""[..])
            } else {
                std::borrow::Cow::Borrowed(bytes)
            };
            for rule in self.set.matches(&stripped).iter() {
                if let Some(cell) = dense.get_mut(i * n_rules + rule) {
                    *cell = 1.0;
                }
            }
        }
        let array = PyArray1::from_vec(py, dense).reshape([texts.len(), n_rules])?;
        Ok((array, declined))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<IndicatorScanner>()?;
    m.add_class::<RuleSet>()?;
    Ok(())
}
