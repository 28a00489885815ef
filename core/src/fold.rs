//! Port of `_skeleton` in `classifier/text/_fold.py`: the skeleton of a text and its folded
//! runs of non-ASCII characters.
//!
//! Folding one non-ASCII character needs Unicode names, the emoji library and unidecode: that
//! data stays in Python. A run missing from the cache here is folded by a call back into
//! `classifier.text._fold._fold_run` (the reference), then kept: ads repeat the same emoji and
//! fancy words, so after a warm-up almost every run is a hit. Texts with mojibake, which Python
//! repairs with ftfy first, are declined.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use rustc_hash::FxHashMap;

/// Entries kept before the cache is emptied (as `_CACHE_SIZE` in Python).
const CACHE_SIZE: usize = 50_000;

/// Non-ASCII run -> (skeleton, folded text), both as `_fold_run` returns them.
type RunCache = FxHashMap<Box<str>, (Box<str>, Rc<str>)>;

thread_local! {
    /// One cache per thread: no lock on the hot path. Never borrowed across a call into
    /// Python.
    static RUN_CACHE: RefCell<RunCache> = RefCell::new(RunCache::default());
}

static FOLD_RUN: GILOnceCell<PyObject> = GILOnceCell::new();
/// Python's `_fix_encoding` (ftfy's repair of mojibake), looked up once.
static FIX_ENCODING: GILOnceCell<PyObject> = GILOnceCell::new();
/// Repairs of one text followed (each gives a new text to analyse): past them, decline.
const MAX_REPAIRS: usize = 4;

/// The skeleton of one text: see `_skeleton` in Python.
pub struct Skeleton<'a> {
    /// The text with no-break spaces and curly apostrophes made ASCII (same length).
    pub text: Cow<'a, str>,
    /// Lower-case ASCII, one byte per code point of `text`.
    pub skeleton: Vec<u8>,
    /// (start, end, folded text) of each run of non-ASCII characters, in code points.
    pub runs: Vec<(usize, usize, Rc<str>)>,
}

/// A lead byte "Â".."ô" read as Latin-1 (`_MOJIBAKE`, first character).
fn is_mojibake_lead(c: char) -> bool {
    ('\u{c2}'..='\u{f4}').contains(&c)
}

/// A continuation byte 0x80-0xBF as Latin-1 or Windows-1252 draws it (`_MOJIBAKE`).
fn is_mojibake_continuation(c: char) -> bool {
    ('\u{80}'..='\u{bf}').contains(&c)
        || matches!(
            c,
            '\u{20ac}'
                | '\u{201a}'
                | '\u{192}'
                | '\u{201e}'
                | '\u{2026}'
                | '\u{2020}'
                | '\u{2021}'
                | '\u{2c6}'
                | '\u{2030}'
                | '\u{160}'
                | '\u{2039}'
                | '\u{152}'
                | '\u{17d}'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201c}'
                | '\u{201d}'
                | '\u{2022}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2dc}'
                | '\u{2122}'
                | '\u{161}'
                | '\u{203a}'
                | '\u{153}'
                | '\u{17e}'
                | '\u{178}'
        )
}

/// Whether two neighbouring characters of `s` match `pattern(first, second)`.
fn has_pair(s: &str, pattern: impl Fn(char, char) -> bool) -> bool {
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            if pattern(p, c) {
                return true;
            }
        }
        prev = Some(c);
    }
    false
}

/// The skeleton and folded text of one run: from the cache, else from Python's `_fold_run`.
/// Appends the skeleton to `skel` and returns the folded text; None (decline) when Python
/// fails or its skeleton is not one ASCII byte per character.
fn fold_run(py: Python<'_>, run: &str, n_chars: usize, skel: &mut Vec<u8>) -> Option<Rc<str>> {
    let hit = RUN_CACHE.with(|cache| {
        let cache = cache.try_borrow().ok()?;
        let (run_skel, folded) = cache.get(run)?;
        skel.extend_from_slice(run_skel.as_bytes());
        Some(folded.clone())
    });
    if hit.is_some() {
        return hit;
    }
    let func = FOLD_RUN
        .import(py, "classifier.text._fold", "_fold_run")
        .ok()?;
    let (run_skel, folded): (String, String) = func.call1((run,)).ok()?.extract().ok()?;
    if !run_skel.is_ascii() || run_skel.len() != n_chars {
        return None;
    }
    skel.extend_from_slice(run_skel.as_bytes());
    let folded: Rc<str> = folded.into();
    RUN_CACHE.with(|cache| {
        if let Ok(mut cache) = cache.try_borrow_mut() {
            if cache.len() >= CACHE_SIZE {
                cache.clear();
            }
            cache.insert(run.into(), (run_skel.into(), folded.clone()));
        }
    });
    Some(folded)
}

// Searchers built once (a one-shot `memmem::find` builds one per call). Statics are aligned
// as their type needs, unlike the fields of a pyclass (see `lib.rs`).
static FIND_NBSP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\u{a0}".as_bytes()));
static FIND_QUOTE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\u{2019}".as_bytes()));

/// `text` with no-break spaces made blanks and curly apostrophes straight, byte by byte.
fn plain_text(text: &str) -> Option<String> {
    const NBSP: &[u8] = "\u{a0}".as_bytes();
    const QUOTE: &[u8] = "\u{2019}".as_bytes();
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(off) = memchr::memchr2(NBSP[0], QUOTE[0], &b[i..]) {
        let p = i + off;
        out.extend_from_slice(&b[i..p]);
        if b[p..].starts_with(NBSP) {
            out.push(b' ');
            i = p + NBSP.len();
        } else if b[p..].starts_with(QUOTE) {
            out.push(b'\'');
            i = p + QUOTE.len();
        } else {
            out.push(b[p]);
            i = p + 1;
        }
    }
    out.extend_from_slice(&b[i..]);
    String::from_utf8(out).ok()
}

/// `_skeleton(text)`, or None where a call into Python fails.
///
/// Needs the GIL only on a cache miss, to call `_fold_run`, and for text with mojibake, which
/// Python's `_fix_encoding` (ftfy) repairs: the skeleton is then that of the repaired text,
/// as in Python.
pub fn skeleton<'a>(py: Python<'_>, text: &'a str) -> Option<Skeleton<'a>> {
    skeleton_within(py, text, MAX_REPAIRS)
}

/// `text` repaired by Python's `_fix_encoding`.
fn fix_encoding(py: Python<'_>, text: &str) -> Option<String> {
    let func = FIX_ENCODING
        .import(py, "classifier.text._fold", "_fix_encoding")
        .ok()?;
    func.call1((text,)).ok()?.extract().ok()
}

/// The skeleton of `text` repaired, if the repair changes it (`Err` then gives it); `Ok` if it
/// does not, and the text is analysed as it is.
fn repaired<'a>(py: Python<'_>, text: &str, repairs: usize) -> Result<(), Option<Skeleton<'a>>> {
    let Some(fixed) = fix_encoding(py, text) else {
        return Err(None);
    };
    if fixed == text {
        return Ok(());
    }
    let Some(repairs) = repairs.checked_sub(1) else {
        return Err(None); // (ftfy settles in one or two)
    };
    Err(skeleton_within(py, &fixed, repairs).map(|inner| Skeleton {
        text: Cow::Owned(inner.text.into_owned()),
        skeleton: inner.skeleton,
        runs: inner.runs,
    }))
}

/// [`skeleton`], with at most `repairs` more repairs of mojibake.
fn skeleton_within<'a>(py: Python<'_>, text: &'a str, repairs: usize) -> Option<Skeleton<'a>> {
    if text.is_ascii() {
        return Some(Skeleton {
            text: Cow::Borrowed(text),
            skeleton: text.as_bytes().to_ascii_lowercase(),
            runs: Vec::new(),
        });
    }
    let has_nbsp = FIND_NBSP.find(text.as_bytes()).is_some();
    let has_quote = FIND_QUOTE.find(text.as_bytes()).is_some();
    let plain: Cow<'a, str> = if has_nbsp || has_quote {
        Cow::Owned(plain_text(text)?)
    } else {
        Cow::Borrowed(text)
    };
    if plain.is_ascii() {
        let skeleton = plain.as_bytes().to_ascii_lowercase();
        return Some(Skeleton {
            text: plain,
            skeleton,
            runs: Vec::new(),
        });
    }
    // The mojibake of a no-break space ("Â\xa0"), looked for in the text as written. A text
    // the repair leaves as it is is analysed as it is (and not repaired again).
    let mut repair_tried = false;
    if has_nbsp && has_pair(text, |a, b| is_mojibake_lead(a) && b == '\u{a0}') {
        if let Err(skeleton) = repaired(py, text, repairs) {
            return skeleton;
        }
        repair_tried = true;
    }
    let s = plain.as_ref();
    let bytes = s.as_bytes();
    let mut skel = Vec::with_capacity(bytes.len());
    let mut runs = Vec::new();
    let mut i = 0; // byte offset
    let mut cp = 0; // code-point offset
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            // An ASCII stretch, copied at once (lower-cased with the rest at the end).
            let n = bytes[i..]
                .iter()
                .position(|&b| b >= 0x80)
                .unwrap_or(bytes.len() - i);
            skel.extend_from_slice(&bytes[i..i + n]);
            i += n;
            cp += n;
            continue;
        }
        // A run of non-ASCII characters: `i` is a char boundary (ASCII bytes are).
        let mut j = i;
        let mut n_chars = 0;
        while j < bytes.len() && bytes[j] >= 0x80 {
            if bytes[j] & 0xC0 != 0x80 {
                n_chars += 1;
            }
            j += 1;
        }
        let run = s.get(i..j)?;
        // A lead character "Â".."ô" is encoded 0xC3 0x82..0xB4: most runs have no 0xC3.
        if !repair_tried
            && memchr::memchr(0xC3, run.as_bytes()).is_some()
            && has_pair(run, |a, b| {
                is_mojibake_lead(a) && is_mojibake_continuation(b)
            })
        {
            // Python repairs the text as written (before no-break spaces are replaced).
            if let Err(skeleton) = repaired(py, text, repairs) {
                return skeleton;
            }
            repair_tried = true;
        }
        let folded = fold_run(py, run, n_chars, &mut skel)?;
        runs.push((cp, cp + n_chars, folded));
        cp += n_chars;
        i = j;
    }
    skel.make_ascii_lowercase();
    Some(Skeleton {
        text: plain,
        skeleton: skel,
        runs,
    })
}

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
