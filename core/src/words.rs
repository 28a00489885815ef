//! Port of the second half of `normalize_text`: `_normalized` in
//! `classifier/text/_normalize.py` (contact tokens and folded runs put in place) and the word
//! rules of `classifier/text/_words.py` (`_normalize_words`). The Python code is the reference.
//!
//! Text that this port cannot reproduce exactly is declined (`None`), and the Python path
//! handles it: lone surrogates, offsets that do not fit the text, or non-ASCII left after
//! folding (Python's `str.lower` and `str.isprintable` would then apply Unicode rules).

mod lexicon;
mod rules;

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyList, PyString, PyTuple};

use crate::analysis::Analysis;
use crate::contacts::TRIGGER_WORDS;
pub use lexicon::{lexicon, Lexicon};
pub use rules::normalize_words;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(py_normalized, m)?)?;
    Ok(())
}

/// A contact span as the word rules need it: offsets and token (the key plays no part).
type SpanRef<'a> = (usize, usize, &'a str);
/// A folded non-ASCII run: code-point offsets and its folded text.
type RunRef<'a> = (usize, usize, &'a str);

/// `_normalized(found)` of an analysis done in Rust. `fold` stands for Python's `_fold`,
/// called on the rare part of a run that a contact span cuts (`None` declines).
pub fn normalized(
    a: &Analysis<'_>,
    lex: &Lexicon,
    fold: &mut dyn FnMut(&str) -> Option<String>,
) -> Option<String> {
    let runs: Vec<RunRef<'_>> = a.runs.iter().map(|(s, e, f)| (*s, *e, &**f)).collect();
    let spans: Vec<SpanRef<'_>> = a
        .spans
        .iter()
        .map(|s| (s.start, s.end, s.token.as_str()))
        .collect();
    let number_words = TRIGGER_WORDS
        .iter()
        .enumerate()
        .any(|(k, w)| a.words & (1 << k) != 0 && rules::is_number_trigger(w));
    normalized_parts(&a.text, &a.skeleton, &runs, &spans, number_words, lex, fold)
}

/// `_normalized` on the fields of an analysis (`skeleton`: ASCII bytes); `number_words`
/// tells whether its trigger words hold a number word from ten up.
pub fn normalized_parts(
    text: &str,
    skeleton: &[u8],
    runs: &[RunRef<'_>],
    spans: &[SpanRef<'_>],
    number_words: bool,
    lex: &Lexicon,
    fold: &mut dyn FnMut(&str) -> Option<String>,
) -> Option<String> {
    let folded = if runs.is_empty() {
        replace_spans(skeleton, spans)?
    } else {
        fold_text(text, runs, spans, fold)?
    };
    if !folded.is_ascii() {
        return None;
    }
    String::from_utf8(normalize_words(folded, number_words, lex)).ok()
}

/// `_replace_spans` on the (ASCII) skeleton: a blank only where the token would touch a word.
fn replace_spans(text: &[u8], spans: &[SpanRef<'_>]) -> Option<Vec<u8>> {
    if !text.is_ascii() {
        return None; // offsets would count code points
    }
    // "@" and "$" count as letters: the word rules read them as "a" and "s" ("c@xurlx").
    let wordy = |c: u8| c.is_ascii_alphanumeric() || c == b'@' || c == b'$';
    let mut out = Vec::with_capacity(text.len() + 8 * spans.len());
    let mut pos = 0;
    for &(start, end, token) in spans {
        if start < pos || end < start || end > text.len() {
            return None;
        }
        out.extend_from_slice(&text[pos..start]);
        if start > 0 && wordy(text[start - 1]) {
            out.push(b' ');
        }
        out.extend_from_slice(token.as_bytes());
        if end < text.len() && wordy(text[end]) {
            out.push(b' ');
        }
        pos = end;
    }
    out.extend_from_slice(&text[pos..]);
    Some(out)
}

/// The new text of an edit of the `runs` branch, borrowed where it can be.
enum New<'a> {
    /// A contact token, between blanks.
    Token(&'a str),
    /// A folded run.
    Folded(&'a str),
    /// A part of a run folded by Python.
    Owned(String),
}

impl New<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            New::Token(t) => {
                out.push(b' ');
                out.extend_from_slice(t.as_bytes());
                out.push(b' ');
            }
            New::Folded(f) => out.extend_from_slice(f.as_bytes()),
            New::Owned(f) => out.extend_from_slice(f.as_bytes()),
        }
    }

    /// The text, for ties in the sort (Python sorts the tuples, text last).
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }
}

type RunEdit<'a> = (usize, usize, New<'a>);

/// The `runs` branch of `_normalized`: tokens between blanks for the spans, folded text for
/// the runs (`_fold_edits`), edits applied (`_apply_edits`), lower-cased.
fn fold_text(
    text: &str,
    runs: &[RunRef<'_>],
    spans: &[SpanRef<'_>],
    fold: &mut dyn FnMut(&str) -> Option<String>,
) -> Option<Vec<u8>> {
    let mut edits: Vec<RunEdit<'_>> = Vec::with_capacity(spans.len() + runs.len());
    edits.extend(spans.iter().map(|&(s, e, t)| (s, e, New::Token(t))));
    fold_edits(text, runs, spans, fold, &mut edits)?;
    edits.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| a.2.bytes().cmp(&b.2.bytes()))
    });
    // Code-point offsets to byte offsets: a cursor walks the text once (edits are sorted).
    let mut cursor = (0usize, 0usize); // (code point, byte)
    let mut to_byte = |cp: usize| -> Option<usize> {
        if cp < cursor.0 {
            return None;
        }
        let rest = text.get(cursor.1..)?;
        let skip = cp - cursor.0;
        let byte = if skip == 0 {
            cursor.1
        } else {
            cursor.1 + rest.char_indices().nth(skip).map_or(rest.len(), |(b, _)| b)
        };
        if skip > 0 && byte == text.len() && rest.chars().count() < skip {
            return None; // past the end of the text
        }
        cursor = (cp, byte);
        Some(byte)
    };
    let mut out = Vec::with_capacity(text.len() + 16);
    let (mut pos, mut pos_byte) = (0usize, 0usize);
    for (start, end, new) in &edits {
        if *start < pos {
            continue; // a run found twice
        }
        if end < start {
            return None;
        }
        let start_byte = to_byte(*start)?;
        out.extend_from_slice(text.get(pos_byte..start_byte)?.as_bytes());
        new.write(&mut out);
        pos = *end;
        pos_byte = to_byte(*end)?;
    }
    out.extend_from_slice(text.get(pos_byte..)?.as_bytes());
    out.make_ascii_lowercase();
    Some(out)
}

/// `_fold_edits`: the runs, or the parts of them that no contact span covers.
fn fold_edits<'a>(
    text: &str,
    runs: &[RunRef<'a>],
    spans: &[SpanRef<'_>],
    fold: &mut dyn FnMut(&str) -> Option<String>,
    edits: &mut Vec<RunEdit<'a>>,
) -> Option<()> {
    // A part of a run, folded by `fold` (rare: a contact span cuts the run).
    let mut part = |from: usize, to: usize| -> Option<New<'a>> {
        if from > to {
            return None;
        }
        let mut bytes = text.char_indices().map(|(b, _)| b).chain([text.len()]);
        let start = bytes.nth(from)?;
        let end = if to == from {
            start
        } else {
            bytes.nth(to - from - 1)?
        };
        Some(New::Owned(fold(text.get(start..end)?)?))
    };
    let mut k = 0; // runs and spans are sorted: skip the spans that end before the run
    for &(start, end, folded) in runs {
        while k < spans.len() && spans[k].1 <= start {
            k += 1;
        }
        if k == spans.len() || spans[k].0 >= end {
            edits.push((start, end, New::Folded(folded)));
            continue;
        }
        let mut pos = start;
        for &(s, e, _) in spans[k..].iter().filter(|sp| sp.0 < end) {
            // a run straddling a contact ("3️⃣ 🌹" after a phone)
            if s > pos {
                edits.push((pos, s, part(pos, s)?));
            }
            pos = pos.max(e);
        }
        if pos < end {
            edits.push((pos, end, part(pos, end)?));
        }
    }
    Some(())
}

/// Python's `classifier.text._fold._fold`, for the parts of runs cut by a contact.
static PY_FOLD: GILOnceCell<Py<PyAny>> = GILOnceCell::new();

pub fn py_fold(py: Python<'_>, s: &str) -> Option<String> {
    let f = PY_FOLD.import(py, "classifier.text._fold", "_fold").ok()?;
    f.call1((s,)).ok()?.extract().ok()
}

/// `(start, end, text)` from the first three items of a tuple; `None` if they are not that.
fn triple<'py>(item: &Bound<'py, PyAny>) -> Option<(usize, usize, Bound<'py, PyString>)> {
    let t = item.downcast::<PyTuple>().ok()?;
    if t.len() < 3 {
        return None;
    }
    Some((
        t.get_item(0).ok()?.extract().ok()?,
        t.get_item(1).ok()?.extract().ok()?,
        t.get_item(2).ok()?.downcast_into::<PyString>().ok()?,
    ))
}

fn triples<'py>(list: &Bound<'py, PyAny>) -> Option<Vec<(usize, usize, Bound<'py, PyString>)>> {
    let list = list.downcast::<PyList>().ok()?;
    list.iter().map(|item| triple(&item)).collect()
}

fn borrow<'a>(items: &'a [(usize, usize, Bound<'_, PyString>)]) -> Option<Vec<RunRef<'a>>> {
    items
        .iter()
        .map(|(s, e, t)| Some((*s, *e, t.to_str().ok()?)))
        .collect()
}

/// `_normalized(found)` from the five fields of an `_Analysis`, or `None` to decline (the
/// Python path then runs): `text`, `skeleton`, `runs` (start, end, folded), `spans` (start,
/// end, token, key) and `words` (a set of bytes).
#[pyfunction]
#[pyo3(name = "normalized")]
fn py_normalized(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    skeleton: &Bound<'_, PyAny>,
    runs: &Bound<'_, PyAny>,
    spans: &Bound<'_, PyAny>,
    words: &Bound<'_, PyAny>,
) -> PyResult<Option<String>> {
    let lex = lexicon(py)?;
    let Some(run_objs) = triples(runs) else {
        return Ok(None);
    };
    let Some(span_objs) = triples(spans) else {
        return Ok(None);
    };
    let (Some(runs), Some(spans)) = (borrow(&run_objs), borrow(&span_objs)) else {
        return Ok(None);
    };
    // Only the run branch reads the text, and only the other one the skeleton.
    let source = if runs.is_empty() { skeleton } else { text };
    let Some(source) = source
        .downcast::<PyString>()
        .ok()
        .and_then(|s| s.to_str().ok())
    else {
        return Ok(None); // lone surrogates, or not a string
    };
    let number_words = match words.try_iter() {
        Ok(items) => items.flatten().any(|w| {
            w.downcast::<pyo3::types::PyBytes>()
                .is_ok_and(|b| rules::is_number_trigger(b.as_bytes()))
        }),
        Err(_) => return Ok(None),
    };
    let mut fold = |s: &str| py_fold(py, s);
    Ok(normalized_parts(
        source,
        source.as_bytes(),
        &runs,
        &spans,
        number_words,
        lex,
        &mut fold,
    ))
}
