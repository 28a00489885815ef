//! `normalize_text` for a batch: the analysis (`contacts`) and the word rules (`words`) chained
//! in Rust, with no Python objects built per ad in between.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::{contacts, words};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(normalize_texts, m)?)?;
    Ok(())
}

/// Normalised text and, if asked, the sorted unique contact keys of one text; `None` where the
/// Python path must run (a `str` with lone surrogates, a failed call back).
fn one(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    lex: &words::Lexicon,
    contacts: bool,
) -> Option<(String, Vec<String>)> {
    let text = text.downcast::<PyString>().ok()?.to_str().ok()?;
    if text.is_empty() {
        return Some((String::new(), Vec::new()));
    }
    let found = contacts::analyse(py, text)?;
    let mut fold = |s: &str| words::py_fold(py, s);
    let normalized = words::normalized(&found, lex, &mut fold)?;
    let mut keys = Vec::new();
    if contacts {
        // Python: sorted({key for *_, key in spans if key}); UTF-8 byte order is code-point order.
        keys = found
            .spans
            .into_iter()
            .filter_map(|s| s.key)
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort_unstable();
        keys.dedup();
    }
    Some((normalized, keys))
}

/// `[normalize_text(t) for t in texts]` (with `contacts`: `[normalize_and_extract(t) ...]`)
/// and the indices of the texts the Python path must handle, which hold `None`.
#[pyfunction]
#[pyo3(signature = (texts, contacts = false))]
fn normalize_texts<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyList>,
    contacts: bool,
) -> PyResult<(Bound<'py, PyList>, Vec<usize>)> {
    let lex = words::lexicon(py)?;
    let mut out = Vec::with_capacity(texts.len());
    let mut declined = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        out.push(match one(py, &text, lex, contacts) {
            None => {
                declined.push(i);
                py.None()
            }
            Some((normalized, _)) if !contacts => normalized.into_pyobject(py)?.into_any().unbind(),
            Some((normalized, keys)) => (normalized, keys).into_pyobject(py)?.into_any().unbind(),
        });
    }
    Ok((PyList::new(py, out)?, declined))
}
