//! The word list and word counts of `classifier/text/_words.py`, loaded once from Python so
//! that both paths read the very same data (`_words()`, `_word_counts()`).

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyFrozenSet};
use rustc_hash::{FxHashMap, FxHashSet};

/// English words plus ad vocabulary, and the corpus counts that choose between words that
/// differ by a doubled letter.
#[derive(Debug, Default)]
pub struct Lexicon {
    words: FxHashSet<Box<[u8]>>,
    counts: FxHashMap<Box<[u8]>, i64>,
}

impl Lexicon {
    /// A lexicon from explicit data (tests, or a caller that reads the files itself).
    #[allow(dead_code)]
    pub fn new<W, C>(words: W, counts: C) -> Self
    where
        W: IntoIterator<Item = String>,
        C: IntoIterator<Item = (String, i64)>,
    {
        Lexicon {
            words: words.into_iter().map(|w| w.into_bytes().into()).collect(),
            counts: counts
                .into_iter()
                .map(|(w, c)| (w.into_bytes().into(), c))
                .collect(),
        }
    }

    pub fn contains(&self, word: &[u8]) -> bool {
        self.words.contains(word)
    }

    /// `_word_counts().get(word, 0)`.
    pub fn count(&self, word: &[u8]) -> i64 {
        self.counts.get(word).copied().unwrap_or(0)
    }
}

static LEXICON: GILOnceCell<Lexicon> = GILOnceCell::new();

/// The lexicon, read from `classifier.text._words` on first use.
pub fn lexicon(py: Python<'_>) -> PyResult<&'static Lexicon> {
    LEXICON.get_or_try_init(py, || {
        let module = py.import("classifier.text._words")?;
        let words = module.getattr("_words")?.call0()?;
        let words = words.downcast::<PyFrozenSet>()?;
        let counts = module.getattr("_word_counts")?.call0()?;
        let counts = counts.downcast::<PyDict>()?;
        let mut lex = Lexicon::default();
        for w in words.iter() {
            let w: String = w.extract()?;
            lex.words.insert(w.into_bytes().into());
        }
        for (w, c) in counts.iter() {
            let w: String = w.extract()?;
            lex.counts.insert(w.into_bytes().into(), c.extract()?);
        }
        Ok(lex)
    })
}
