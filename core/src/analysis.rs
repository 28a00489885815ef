//! What one analysis of an ad finds: the Rust twin of `_Analysis` in
//! `classifier/text/_contacts.py`. `contacts` fills it; `words` turns it into normalised text.

use std::borrow::Cow;
use std::rc::Rc;

/// A contact span: code-point offsets into `Analysis::text`, its placeholder token, its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub token: String,
    pub key: Option<String>,
}

/// One ad, analysed. Offsets count code points, as in Python; `skeleton` is ASCII with one byte
/// per code point of `text`, so its byte offsets are code-point offsets too.
#[derive(Debug, Clone, Default)]
pub struct Analysis<'a> {
    /// The ad with no-break spaces and curly apostrophes made ASCII (same length): borrowed
    /// when there were none.
    pub text: Cow<'a, str>,
    pub skeleton: Vec<u8>,
    /// (start, end, folded text) of each run of non-ASCII characters.
    pub runs: Vec<(usize, usize, Rc<str>)>,
    /// Contact data, sorted and non-overlapping.
    pub spans: Vec<Span>,
    /// The words of the ad that trigger a rule: bit `k` is `contacts::TRIGGER_WORDS[k]`.
    pub words: u64,
}
