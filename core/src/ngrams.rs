//! Word n-gram counts of `TfidfBlock` (classifier/features/_ngrams.py), the reference.
//!
//! Covers the case scoring spends its time in: the word analyzer with scikit-learn's default
//! token pattern on ASCII documents, where `\w\w+` is a run of two or more bytes of
//! `[A-Za-z0-9_]`. Every other document is declined and counted by the Python code. The
//! n-grams are found as the reference's `_NgramIndex` finds them (chains of word ids), one
//! document at a time, and come out as the CSR arrays `Rows.from_entries` makes of them.
//!
//! `NgramCounter.presence_dots` is `TfidfBlock.presence_dot`: for a block of binary counts
//! (the context lexicon), each document's sum of weights over its distinct terms, added in
//! column order as the rows' dot product adds them, with no rows built.
//!
//! `NgramPair` is `TfidfBlock.transform_and_presence_dot`: the word block's counts and the
//! context lexicon's sums in one pass over the documents, each tokenised once and each token
//! looked up once, in a table of both vocabularies (the same results as the two counters).
//!
//! `weigh_rows` is the idf and l2 steps of `TfidfBlock.weigh`: a product per value, then a
//! sequential double sum of squares per row, `sqrt` and a division, all correctly rounded IEEE
//! operations, so the result is numpy's to the bit (the logarithm of sublinear tf stays in
//! numpy).

use std::collections::HashMap;

use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadwriteArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::bytes;
use crate::csr::row_ranges;

/// Word id of a token that no vocabulary n-gram holds (`_UNKNOWN` of the reference).
const UNKNOWN: i64 = -1;
/// Documents this long or longer are declined: shorter ones hold fewer than 2^24 tokens, so
/// every count is an integer that float32 holds exactly, as the reference's sum of ones does.
const MAX_BYTES: usize = 1 << 24;

/// Multiplier of the hashes (Fibonacci hashing: the high bits of the product index a table).
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// What a word or phrase leads to: its id and its column (negative: no term).
#[derive(Clone, Copy)]
struct Entry {
    id: i32,
    column: i32,
}

const NONE: Entry = Entry {
    id: UNKNOWN as i32,
    column: -1,
};

/// What a [`WordTable`] holds for a word: one counter's entry, or each of two counters'.
trait Value: Copy {
    /// The value of a word absent from the table.
    const ABSENT: Self;
}

impl Value for Entry {
    const ABSENT: Self = NONE;
}

impl Value for [Entry; 2] {
    const ABSENT: Self = [NONE, NONE];
}

/// A slot of [`WordTable`]: a token of up to 16 bytes packed little-endian, zero-padded
/// (a token holds no zero byte, so the packing is unique; all zero: an empty slot).
#[derive(Clone, Copy)]
struct WordSlot<V> {
    lo: u64,
    hi: u64,
    value: V,
}

/// Tokens -> word ids, open addressing with the keys inline: a lookup reads one slot (the
/// vocabulary's few thousand words fit in the CPU's caches), not a pointer to a string.
struct WordTable<V = Entry> {
    slots: Vec<WordSlot<V>>,
    shift: u32,
    /// Words longer than 16 bytes (few).
    long: HashMap<Box<[u8]>, V>,
}

/// The packed form of a token of at most 16 bytes.
#[inline]
fn pack(token: &[u8]) -> (u64, u64) {
    let mut bytes = [0u8; 16];
    bytes[..token.len()].copy_from_slice(token);
    let (lo, hi) = bytes.split_at(8);
    let word = |b: &[u8]| {
        b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
    };
    (word(lo), word(hi))
}

/// The token of a packed form (its bytes up to the first zero).
fn unpack(lo: u64, hi: u64) -> Vec<u8> {
    let mut bytes = [lo.to_le_bytes(), hi.to_le_bytes()].concat();
    bytes.truncate(bytes.iter().position(|&b| b == 0).unwrap_or(16));
    bytes
}

impl<V: Value> WordTable<V> {
    fn new(words: &[(Vec<u8>, V)]) -> Self {
        let (bits, slots) = table_size(words.len());
        let mut table = WordTable {
            slots: vec![
                WordSlot {
                    lo: 0,
                    hi: 0,
                    value: V::ABSENT,
                };
                slots
            ],
            shift: 64 - bits,
            long: HashMap::new(),
        };
        for (word, value) in words {
            if word.len() > 16 {
                table.long.insert(word.clone().into_boxed_slice(), *value);
                continue;
            }
            let (lo, hi) = pack(word);
            let mask = table.slots.len() - 1;
            let mut at = table.home(lo, hi);
            loop {
                let slot = &mut table.slots[at];
                if (slot.lo == 0 && slot.hi == 0) || (slot.lo == lo && slot.hi == hi) {
                    *slot = WordSlot {
                        lo,
                        hi,
                        value: *value,
                    }; // a repeated word: the last id
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        table
    }

    /// Every word of the table and its value.
    fn words(&self) -> impl Iterator<Item = (Vec<u8>, V)> + '_ {
        let packed = self.slots.iter().filter(|s| s.lo != 0 || s.hi != 0);
        packed.map(|s| (unpack(s.lo, s.hi), s.value)).chain(
            self.long
                .iter()
                .map(|(word, value)| (word.to_vec(), *value)),
        )
    }

    #[inline]
    fn home(&self, lo: u64, hi: u64) -> usize {
        ((lo ^ hi.rotate_left(29)).wrapping_mul(MIX) >> self.shift) as usize
    }

    #[inline]
    fn get(&self, token: &[u8]) -> V {
        if token.len() > 16 {
            return self.long.get(token).copied().unwrap_or(V::ABSENT);
        }
        let (lo, hi) = pack(token);
        self.get_packed(lo, hi)
    }

    /// The value of a packed token of at most 16 bytes.
    #[inline]
    fn get_packed(&self, lo: u64, hi: u64) -> V {
        let mask = self.slots.len() - 1;
        let mut at = self.home(lo, hi);
        loop {
            let slot = self.slots[at & mask];
            if slot.lo == lo && slot.hi == hi {
                return slot.value;
            }
            if slot.lo == 0 && slot.hi == 0 {
                return V::ABSENT;
            }
            at += 1;
        }
    }

    /// The value of every token of `spans` of two or more bytes, in order, to `each` with
    /// the token (lower-cased first if `lowercase`); stops at the first `Err` of `each`.
    #[inline]
    fn look_up<E>(
        &self,
        text: &[u8],
        spans: &[(u32, u32)],
        lowercase: bool,
        lowered: &mut Vec<u8>,
        mut each: impl FnMut(&[u8], V) -> Result<(), E>,
    ) -> Result<(), E> {
        for &(start, end) in spans {
            let (start, end) = (start as usize, end as usize);
            let len = end - start;
            let Some(token) = text.get(start..end).filter(|_| len >= 2) else {
                continue; // the pattern needs two bytes
            };
            let value = if len > 16 || lowercase {
                if lowercase && token.iter().any(u8::is_ascii_uppercase) {
                    lowered.clear();
                    lowered.extend(token.iter().map(u8::to_ascii_lowercase));
                    self.get(lowered)
                } else {
                    self.get(token)
                }
            } else {
                let lo = read_u64(text, start);
                let hi = read_u64(text, start + 8);
                // The token's bytes only (len 2..=16).
                let lo = lo & (u64::MAX >> (64 - 8 * len.min(8)));
                let hi = if len > 8 {
                    hi & (u64::MAX >> (128 - 8 * len))
                } else {
                    0
                };
                self.get_packed(lo, hi)
            };
            each(token, value)?;
        }
        Ok(())
    }
}

/// Slots for `n` keys: a power of two, at most a quarter full. A probe that ends at its first
/// or second slot is a branch the CPU predicts: 4/5 full, as before, took about 0.5 µs more
/// per ad in each n-gram block of the default model, whose tables take ~2.3 MB this way.
fn table_size(n: usize) -> (u32, usize) {
    let slots = (4 * n + 1).max(16).next_power_of_two();
    (slots.trailing_zeros(), slots)
}

/// Keys of a [`PhraseTable`]: `u32` where every key fits (half the memory), else `u64`.
trait Key: Copy + Eq + Send + Sync {
    /// Marks an empty slot: no key is that large.
    const EMPTY: Self;
    /// The key, if a key of this type can hold it.
    fn narrow(key: u64) -> Option<Self>;
    fn wide(self) -> u64;
}

impl Key for u32 {
    const EMPTY: Self = u32::MAX;
    #[inline]
    fn narrow(key: u64) -> Option<Self> {
        u32::try_from(key).ok().filter(|&k| k != u32::MAX)
    }
    #[inline]
    fn wide(self) -> u64 {
        u64::from(self)
    }
}

impl Key for u64 {
    const EMPTY: Self = u64::MAX;
    #[inline]
    fn narrow(key: u64) -> Option<Self> {
        (key != u64::MAX).then_some(key)
    }
    #[inline]
    fn wide(self) -> u64 {
        self
    }
}

/// `phrase * n_words + word` -> the longer phrase, open addressing. A slot holds the key and
/// the phrase's column, all the last n-gram length needs; the phrase's id, to make it one
/// word longer, lies apart.
struct PhraseTable<K> {
    slots: Vec<(K, i32)>,
    ids: Vec<i32>,
    shift: u32,
}

impl<K: Key> PhraseTable<K> {
    /// The table, or `None` if a key does not fit in `K`.
    fn new(pairs: &[(u64, Entry)]) -> Option<Self> {
        let (bits, slots) = table_size(pairs.len());
        let mut table = PhraseTable {
            slots: vec![(K::EMPTY, -1); slots],
            ids: vec![UNKNOWN as i32; slots],
            shift: 64 - bits,
        };
        let mask = slots - 1;
        for &(key, entry) in pairs {
            let key = K::narrow(key)?;
            let mut at = table.home(key);
            while table.slots[at].0 != K::EMPTY && table.slots[at].0 != key {
                at = (at + 1) & mask;
            }
            table.slots[at] = (key, entry.column);
            table.ids[at] = entry.id;
        }
        Some(table)
    }

    #[inline]
    fn home(&self, key: K) -> usize {
        (key.wide().wrapping_mul(MIX) >> self.shift) as usize
    }

    /// The slot of `key`, if the table has it.
    #[inline]
    fn find(&self, key: u64) -> Option<usize> {
        let key = K::narrow(key)?;
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        loop {
            let found = self.slots[at & mask].0;
            if found == key {
                return Some(at & mask);
            }
            if found == K::EMPTY {
                return None;
            }
            at += 1;
        }
    }
}

/// The phrase table in the narrowest keys that hold them.
enum Phrases {
    Narrow(PhraseTable<u32>),
    Wide(PhraseTable<u64>),
}

/// The little-endian word of the 8 bytes at `at` (zeros past the end).
#[inline]
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    match bytes.get(at..at + 8) {
        Some(eight) => word.copy_from_slice(eight),
        None => {
            let tail = bytes.get(at..).unwrap_or_default();
            word[..tail.len()].copy_from_slice(tail); // fewer than 8 bytes
        }
    }
    u64::from_le_bytes(word)
}

/// A vocabulary's word n-grams, built from the reference's `_NgramIndex` of a `TfidfBlock`.
#[pyclass(module = "classifier_core", frozen)]
struct NgramCounter {
    /// ASCII words of two or more bytes -> word id and column (`_NgramIndex.ascii_words`).
    words: WordTable,
    /// `phrase * n_words + word` -> the longer phrase (`sorted_keys` -> `sorted_children`).
    phrases: Phrases,
    n_words: i64,
    /// Columns of the block: every column is below.
    n_terms: usize,
    /// N-gram lengths counted: `lo..=hi` (`ngram_range`).
    lo: i64,
    hi: usize,
    lowercase: bool,
    /// Whether the counts are float32 (else float64): the block's dtype.
    float32: bool,
    /// The word block's preparation of its text (`_wordtext.word_text`), if it reads one.
    word_text: Option<WordText>,
}

const _: () = assert!(std::mem::align_of::<NgramCounter>() <= crate::PYCLASS_ALIGN);

/// `_wordtext.word_text` on tokens: tokens that start with the emoji prefix are left out, an
/// obscured phone token reads as a plain one. A token that holds the obscured phone token
/// within it (which `str.replace` would rewrite in part) declines its document.
struct WordText {
    emoji_prefix: Vec<u8>,
    obscured_phone: Vec<u8>,
    /// The entry of the plain phone token.
    phone: Entry,
}

impl WordText {
    /// What becomes of a token: `None` to leave it out, `Some(Some(entry))` for the phone
    /// alias, `Some(None)` to look it up as it is; `Err` declines the document.
    #[inline]
    fn prepare(&self, token: &[u8]) -> Result<Option<Option<Entry>>, Declined> {
        // First bytes compared before the slices: most tokens differ there.
        if token.first() == self.emoji_prefix.first() && token.starts_with(&self.emoji_prefix) {
            return Ok(None);
        }
        let phone = self.obscured_phone.as_slice();
        // Tokens are short: a plain scan of the few long enough to hold the phone token. (A
        // memchr `Finder` kept here would be over-aligned for a pyclass: see `lib.rs`.)
        if token.len() >= phone.len() && token.windows(phone.len()).any(|w| w == phone) {
            return if token == phone {
                Ok(Some(Some(self.phone)))
            } else {
                Err(Declined)
            };
        }
        Ok(Some(None))
    }
}

/// A document the counter leaves to the Python code.
struct Declined;

/// The CSR arrays of a batch, before they become numpy arrays.
struct Counts<T> {
    data: Vec<T>,
    indices: Vec<i32>,
    indptr: Vec<i64>,
}

impl<T> Counts<T> {
    /// Empty rows with room for the counts of `texts`: an entry per 4 bytes of text (ads have
    /// one per 4.5), so that nothing is copied as they grow.
    fn for_texts(texts: &[Option<&[u8]>]) -> Self {
        let room = texts.iter().flatten().map(|t| t.len() / 4 + 1).sum();
        let mut indptr = Vec::with_capacity(texts.len() + 1);
        indptr.push(0);
        Counts {
            data: Vec::with_capacity(room),
            indices: Vec::with_capacity(room),
            indptr,
        }
    }
}

/// A data type of the counts: float32 or float64, as the block's.
trait Count: Copy + Send + numpy::Element {
    /// A count below 2^24, exact in either type.
    fn of(count: u32) -> Self;
}

impl Count for f32 {
    fn of(count: u32) -> Self {
        count as f32
    }
}

impl Count for f64 {
    fn of(count: u32) -> Self {
        f64::from(count)
    }
}

/// Buffers reused from one document to the next.
#[derive(Default)]
struct Scratch {
    /// Bit map of the word bytes, and the start and end of every run of them.
    words: Vec<u64>,
    spans: Vec<(u32, u32)>,
    tokens: Vec<Entry>,
    phrases: Vec<Entry>,
    columns: Vec<i32>,
    lowered: Vec<u8>,
}

/// The start and end of every run of word bytes of `text` (tokens of one byte too), with
/// `words` as scratch: runs of ones of a bit mask of the word bytes.
fn token_spans(text: &[u8], words: &mut Vec<u64>, spans: &mut Vec<(u32, u32)>) {
    spans.clear();
    bytes::bitmap_into(text, bytes::word, words);
    bytes::for_each_run(words, |start, end| spans.push((start as u32, end as u32)));
}

impl NgramCounter {
    /// The entries of a document's tokens, one-byte tokens left out (the pattern needs two).
    fn tokens(&self, text: &[u8], scratch: &mut Scratch) -> Result<(), Declined> {
        let Scratch {
            tokens,
            lowered,
            spans,
            words,
            ..
        } = scratch;
        token_spans(text, words, spans);
        tokens.clear();
        self.words
            .look_up(text, spans, self.lowercase, lowered, |token, entry| {
                self.push_token(token, entry, tokens)
            })
    }

    /// Adds a token of entry `entry` to `tokens` as the block reads it (see [`WordText`]).
    #[inline]
    fn push_token(
        &self,
        token: &[u8],
        entry: Entry,
        tokens: &mut Vec<Entry>,
    ) -> Result<(), Declined> {
        let entry = match &self.word_text {
            None => entry,
            Some(prepared) => match prepared.prepare(token)? {
                None => return Ok(()),
                Some(alias) => alias.unwrap_or(entry),
            },
        };
        tokens.push(entry);
        Ok(())
    }

    /// The column of every vocabulary n-gram of the document's tokens, in any order: the
    /// reference's loop over n, one word longer at a time, for all positions at once.
    fn ngram_columns<K: Key>(&self, table: &PhraseTable<K>, scratch: &mut Scratch) {
        let Scratch {
            tokens,
            phrases,
            columns,
            ..
        } = scratch;
        columns.clear();
        phrases.clear();
        phrases.extend_from_slice(tokens);
        for n in 1..=self.hi {
            if n > 1 {
                if tokens.len() < n {
                    break;
                }
                // phrases[i] becomes the phrase of tokens i .. i + n - 1.
                phrases.pop();
                let last = n == self.hi; // its phrases are not made longer: no id needed
                let mut any = false;
                for (phrase, word) in phrases.iter_mut().zip(&tokens[n - 1..]) {
                    let found = if phrase.id >= 0 && word.id >= 0 {
                        let key = i64::from(phrase.id)
                            .wrapping_mul(self.n_words)
                            .wrapping_add(i64::from(word.id));
                        table.find(key as u64)
                    } else {
                        None
                    };
                    *phrase = match found {
                        Some(at) => Entry {
                            id: if last { 0 } else { table.ids[at] },
                            column: table.slots[at].1,
                        },
                        None => NONE,
                    };
                    any |= phrase.id >= 0;
                }
                if !any {
                    break; // no longer phrase can exist
                }
            }
            if n as i64 >= self.lo {
                columns.extend(phrases.iter().filter(|p| p.column >= 0).map(|p| p.column));
            }
        }
    }

    /// CSR counts of the documents (`None`: declined, an empty row here), and the
    /// documents declined on the way.
    fn count_all<T: Count>(&self, texts: &[Option<&[u8]>]) -> (Counts<T>, Vec<usize>) {
        let mut out = Counts::for_texts(texts);
        let mut scratch = Scratch::default();
        let mut tally = Tally::new(self.n_terms);
        let mut declined = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            if let Some(text) = text {
                if self.tally(text, &mut scratch, &mut tally).is_err() {
                    declined.push(i);
                    out.indptr.push(out.indices.len() as i64);
                    continue;
                }
                tally.drain(&mut out.indices, &mut out.data);
            }
            out.indptr.push(out.indices.len() as i64);
        }
        (out, declined)
    }

    /// Tallies the vocabulary n-grams of one document.
    fn tally(&self, text: &[u8], scratch: &mut Scratch, tally: &mut Tally) -> Result<(), Declined> {
        self.tokens(text, scratch)?;
        self.tally_tokens(scratch, tally);
        Ok(())
    }

    /// Tallies the vocabulary n-grams of the tokens in `scratch`.
    fn tally_tokens(&self, scratch: &mut Scratch, tally: &mut Tally) {
        match (&self.phrases, self.hi) {
            (Phrases::Narrow(table), 1 | 2) => self.tally_pairs(table, &scratch.tokens, tally),
            (Phrases::Wide(table), 1 | 2) => self.tally_pairs(table, &scratch.tokens, tally),
            (Phrases::Narrow(table), _) => self.ngram_columns(table, scratch),
            (Phrases::Wide(table), _) => self.ngram_columns(table, scratch),
        }
        if self.hi > 2 {
            for &column in &scratch.columns {
                tally.add(column as usize);
            }
        }
    }

    /// `ngram_columns` and the tally for n-grams of one or two words (the default blocks):
    /// each word, then each pair of neighbours, straight to the tally (the order of the
    /// columns makes no difference to it).
    fn tally_pairs<K: Key>(&self, table: &PhraseTable<K>, tokens: &[Entry], tally: &mut Tally) {
        if self.lo <= 1 {
            for token in tokens.iter().filter(|t| t.column >= 0) {
                tally.add(token.column as usize);
            }
        }
        if self.hi < 2 {
            return;
        }
        for pair in tokens.windows(2) {
            let (phrase, word) = (pair[0], pair[1]);
            if phrase.id < 0 || word.id < 0 {
                continue;
            }
            let key = i64::from(phrase.id)
                .wrapping_mul(self.n_words)
                .wrapping_add(i64::from(word.id));
            if let Some(at) = table.find(key as u64) {
                let column = table.slots[at].1;
                if column >= 0 {
                    tally.add(column as usize);
                }
            }
        }
    }

    /// Each document's sum of `weights` over the distinct columns it holds, in column order
    /// (0.0 where `None`), and the documents declined on the way.
    fn presence_sums(&self, texts: &[Option<&[u8]>], weights: &[f64]) -> (Vec<f64>, Vec<usize>) {
        let mut sums = Vec::with_capacity(texts.len());
        let mut scratch = Scratch::default();
        let mut tally = Tally::new(self.n_terms);
        let mut declined = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let mut sum = 0.0;
            if let Some(text) = text {
                if self.tally(text, &mut scratch, &mut tally).is_ok() {
                    sum = tally.drain_sum(weights);
                } else {
                    declined.push(i);
                }
            }
            sums.push(sum);
        }
        (sums, declined)
    }
}

/// Counts of one document's columns, given back in column order as `Rows.from_entries` sorts
/// them: a count per column and two levels of bit masks of the columns seen, so that
/// reading them back costs a few words per document and no sort.
struct Tally {
    counts: Vec<u32>,
    /// Bit c: column c was seen.
    seen: Vec<u64>,
    /// Bit w: word w of `seen` is not zero.
    words: Vec<u64>,
}

impl Tally {
    fn new(n_columns: usize) -> Self {
        let n_seen = n_columns.div_ceil(64);
        Tally {
            counts: vec![0; n_columns],
            seen: vec![0; n_seen],
            words: vec![0; n_seen.div_ceil(64)],
        }
    }

    #[inline]
    fn add(&mut self, column: usize) {
        // Columns are checked to be below n_columns when the counter is built.
        if let Some(count) = self.counts.get_mut(column) {
            *count += 1;
            self.seen[column / 64] |= 1 << (column % 64);
            self.words[column / 4096] |= 1 << (column / 64 % 64);
        }
    }

    /// Each column seen and its count, in column order, to `visit`; then forgets them.
    #[inline]
    fn drain_each(&mut self, mut visit: impl FnMut(usize, u32)) {
        for (w, summary) in self.words.iter_mut().enumerate() {
            let mut bits = std::mem::take(summary);
            while bits != 0 {
                let word = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let mut seen = std::mem::take(&mut self.seen[word]);
                while seen != 0 {
                    let column = word * 64 + seen.trailing_zeros() as usize;
                    seen &= seen - 1;
                    visit(column, std::mem::take(&mut self.counts[column]));
                }
            }
        }
    }

    /// The sum of `weights` over the columns seen, added in column order from 0.0 (as
    /// `row_dots` adds binary rows), and forgets them.
    fn drain_sum(&mut self, weights: &[f64]) -> f64 {
        let mut sum = 0.0;
        // Weights cover every column: checked by the caller.
        self.drain_each(|column, _| sum += weights[column]);
        sum
    }

    /// Appends the columns seen and their counts, in column order, and forgets them.
    fn drain<T: Count>(&mut self, columns: &mut Vec<i32>, counts: &mut Vec<T>) {
        self.drain_each(|column, count| {
            columns.push(column as i32);
            counts.push(T::of(count));
        });
    }
}

/// The ASCII bytes of a document this counter handles, or `None` (declined).
fn ascii_text<'a>(item: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    let text = item.downcast::<PyString>().ok()?.to_str().ok()?; // lone surrogates fail
    (text.is_ascii() && text.len() < MAX_BYTES).then_some(text.as_bytes())
}

#[pymethods]
impl NgramCounter {
    /// The counter of an `_NgramIndex`: its ASCII words (word, id) of two or more bytes,
    /// `n_words`, `sorted_keys`, `sorted_children`, `columns`, and the block's settings;
    /// `word_text`: the word block's preparation (emoji prefix, obscured and plain phone
    /// tokens), or `None` for a block that reads the text as it is.
    #[new]
    #[pyo3(signature = (words, n_words, keys, children, columns, n_terms, lo, hi, lowercase, float32, word_text=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        words: Vec<(String, i64)>,
        n_words: i64,
        keys: PyReadonlyArray1<'_, i64>,
        children: PyReadonlyArray1<'_, i64>,
        columns: PyReadonlyArray1<'_, i64>,
        n_terms: usize,
        lo: i64,
        hi: usize,
        lowercase: bool,
        float32: bool,
        word_text: Option<(String, String, String)>,
    ) -> PyResult<Self> {
        let (keys, children) = (keys.as_array(), children.as_array());
        let columns = columns.as_array();
        let bad = |what: &str| PyValueError::new_err(format!("n-gram index: {what}"));
        if keys.len() != children.len() {
            return Err(bad("keys and children differ in length"));
        }
        // What a phrase id leads to, its column beside it (an id past the columns: no term).
        let entry = |id: i64| -> PyResult<Entry> {
            let id32 = i32::try_from(id).map_err(|_| bad("phrase id out of range"))?;
            let column = usize::try_from(id)
                .ok()
                .and_then(|i| columns.get(i).copied())
                .unwrap_or(-1);
            let column = match usize::try_from(column) {
                Err(_) => -1, // no term
                Ok(c) if c < n_terms && c <= i32::MAX as usize => c as i32,
                Ok(_) => return Err(bad("column out of range")),
            };
            Ok(Entry { id: id32, column })
        };
        let words = words
            .into_iter()
            // Only what a token can be: two or more word bytes (the packing needs no zero).
            .filter(|(word, id)| {
                word.len() >= 2
                    && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && *id >= 0
            })
            .map(|(word, id)| Ok((word.into_bytes(), entry(id)?)))
            .collect::<PyResult<Vec<_>>>()?;
        let words_table = WordTable::new(&words);
        let word_text = match word_text {
            None => None,
            Some((emoji_prefix, obscured_phone, phone)) => {
                if obscured_phone.is_empty() {
                    return Err(bad("empty obscured phone token"));
                }
                let phone = if lowercase {
                    phone.to_ascii_lowercase()
                } else {
                    phone
                };
                Some(WordText {
                    emoji_prefix: emoji_prefix.into_bytes(),
                    obscured_phone: obscured_phone.into_bytes(),
                    phone: words_table.get(phone.as_bytes()),
                })
            }
        };
        let pairs = keys
            .iter()
            .zip(children.iter())
            .map(|(&key, &child)| {
                let key = u64::try_from(key).map_err(|_| bad("negative key"))?;
                Ok((key, entry(child)?))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(NgramCounter {
            words: words_table,
            phrases: match PhraseTable::new(&pairs) {
                Some(table) => Phrases::Narrow(table),
                None => Phrases::Wide(PhraseTable::new(&pairs).ok_or_else(|| bad("key"))?),
            },
            n_words,
            n_terms,
            lo,
            hi,
            lowercase,
            float32,
            word_text,
        })
    }

    /// CSR counts of a list of documents: `(data, indices, indptr, declined)`, as
    /// `Rows.from_entries` gives them; `declined` lists the documents left to Python (not
    /// ASCII `str`, 16 MiB or longer, or an obscured phone token inside a longer token),
    /// which have empty rows here.
    fn count<'py>(
        &self,
        py: Python<'py>,
        documents: &Bound<'py, PyList>,
    ) -> PyResult<(PyObject, PyObject, PyObject, Vec<usize>)> {
        // Owned references keep the texts alive while the GIL is released.
        let items: Vec<Bound<'py, PyAny>> = documents.iter().collect();
        let texts: Vec<Option<&[u8]>> = items.iter().map(ascii_text).collect();
        let not_ascii = (0..texts.len()).filter(|&i| texts[i].is_none());
        let ((data, indices, indptr), mut declined) = if self.float32 {
            let (counts, declined) = py.allow_threads(|| self.count_all::<f32>(&texts));
            (arrays(py, counts), declined)
        } else {
            let (counts, declined) = py.allow_threads(|| self.count_all::<f64>(&texts));
            (arrays(py, counts), declined)
        };
        declined.extend(not_ascii);
        declined.sort_unstable();
        Ok((data, indices, indptr, declined))
    }

    /// `(sums, declined)`: for each document, the sum of `weights` over the distinct terms it
    /// holds, added in column order: the `row_dots` of a block of binary counts (no idf, no
    /// norm), with no rows built. Declined documents, as for `count`, have a sum of 0.0.
    fn presence_dots<'py>(
        &self,
        py: Python<'py>,
        documents: &Bound<'py, PyList>,
        weights: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Vec<usize>)> {
        let weights = weights.as_slice()?;
        if weights.len() < self.n_terms {
            return Err(PyValueError::new_err(format!(
                "presence_dots: {} weights for {} terms",
                weights.len(),
                self.n_terms
            )));
        }
        let items: Vec<Bound<'py, PyAny>> = documents.iter().collect();
        let texts: Vec<Option<&[u8]>> = items.iter().map(ascii_text).collect();
        let not_ascii = (0..texts.len()).filter(|&i| texts[i].is_none());
        let (sums, mut declined) = py.allow_threads(|| self.presence_sums(&texts, weights));
        declined.extend(not_ascii);
        declined.sort_unstable();
        Ok((sums.into_pyarray(py), declined))
    }
}

/// Two counters that read the same documents, the word block's and the context lexicon's:
/// each document is tokenised once and each token looked up once, in a table of both
/// counters' words. The word text of either (see [`WordText`]) is applied per counter, so
/// the results are those of the two counters on their own, bit for bit.
#[pyclass(module = "classifier_core", frozen)]
struct NgramPair {
    /// The counter of `count_and_presence_dots`'s counts, and that of its sums.
    counts: Py<NgramCounter>,
    sums: Py<NgramCounter>,
    /// Words of either counter -> their entries in `counts` and in `sums`.
    words: WordTable<[Entry; 2]>,
}

const _: () = assert!(std::mem::align_of::<NgramPair>() <= crate::PYCLASS_ALIGN);

impl NgramPair {
    /// `count_all` of `counts` and `presence_sums` of `sums`, in one pass over the texts.
    #[allow(clippy::type_complexity)]
    fn count_and_sum<T: Count>(
        &self,
        texts: &[Option<&[u8]>],
        weights: &[f64],
    ) -> ((Counts<T>, Vec<usize>), (Vec<f64>, Vec<usize>)) {
        let (first, second) = (self.counts.get(), self.sums.get());
        let mut out = Counts::for_texts(texts);
        let mut sums = Vec::with_capacity(texts.len());
        let (mut declined, mut declined_sums) = (Vec::new(), Vec::new());
        let (mut a, mut b) = (Scratch::default(), Scratch::default());
        let (mut tally_a, mut tally_b) = (Tally::new(first.n_terms), Tally::new(second.n_terms));
        for (i, text) in texts.iter().enumerate() {
            let mut sum = 0.0;
            if let Some(text) = text {
                token_spans(text, &mut a.words, &mut a.spans);
                a.tokens.clear();
                b.tokens.clear();
                let (mut ok_a, mut ok_b) = (true, true);
                // Each counter stops taking tokens at its first refusal (`Declined`).
                let _ = self.words.look_up(
                    text,
                    &a.spans,
                    first.lowercase,
                    &mut a.lowered,
                    |token, [entry_a, entry_b]| {
                        ok_a = ok_a && first.push_token(token, entry_a, &mut a.tokens).is_ok();
                        ok_b = ok_b && second.push_token(token, entry_b, &mut b.tokens).is_ok();
                        if ok_a || ok_b {
                            Ok(())
                        } else {
                            Err(Declined)
                        }
                    },
                );
                if ok_a {
                    first.tally_tokens(&mut a, &mut tally_a);
                    tally_a.drain(&mut out.indices, &mut out.data);
                } else {
                    declined.push(i);
                }
                if ok_b {
                    second.tally_tokens(&mut b, &mut tally_b);
                    sum = tally_b.drain_sum(weights);
                } else {
                    declined_sums.push(i);
                }
            }
            out.indptr.push(out.indices.len() as i64);
            sums.push(sum);
        }
        ((out, declined), (sums, declined_sums))
    }
}

#[pymethods]
impl NgramPair {
    /// The pair of two counters of the same `lowercase` setting.
    #[new]
    fn new(counts: Py<NgramCounter>, sums: Py<NgramCounter>) -> PyResult<Self> {
        let (first, second) = (counts.get(), sums.get());
        if first.lowercase != second.lowercase {
            return Err(PyValueError::new_err(
                "n-gram pair: the counters lower-case differently",
            ));
        }
        let mut both: HashMap<Vec<u8>, [Entry; 2]> = HashMap::new();
        for (word, entry) in first.words.words() {
            both.entry(word).or_insert([NONE, NONE])[0] = entry;
        }
        for (word, entry) in second.words.words() {
            both.entry(word).or_insert([NONE, NONE])[1] = entry;
        }
        let words = WordTable::new(&both.into_iter().collect::<Vec<_>>());
        Ok(NgramPair {
            counts,
            sums,
            words,
        })
    }

    /// `counts.count(documents)` and `sums.presence_dots(documents, weights)` in one pass:
    /// `(data, indices, indptr, declined, sums, declined_sums)`.
    #[allow(clippy::type_complexity)]
    fn count_and_presence_dots<'py>(
        &self,
        py: Python<'py>,
        documents: &Bound<'py, PyList>,
        weights: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<(
        PyObject,
        PyObject,
        PyObject,
        Vec<usize>,
        Bound<'py, PyArray1<f64>>,
        Vec<usize>,
    )> {
        let weights = weights.as_slice()?;
        let n_terms = self.sums.get().n_terms;
        if weights.len() < n_terms {
            return Err(PyValueError::new_err(format!(
                "count_and_presence_dots: {} weights for {n_terms} terms",
                weights.len(),
            )));
        }
        let items: Vec<Bound<'py, PyAny>> = documents.iter().collect();
        let texts: Vec<Option<&[u8]>> = items.iter().map(ascii_text).collect();
        let not_ascii: Vec<usize> = (0..texts.len()).filter(|&i| texts[i].is_none()).collect();
        let ((data, indices, indptr), mut declined, (sums, mut declined_sums)) =
            if self.counts.get().float32 {
                let ((counts, declined), sums) =
                    py.allow_threads(|| self.count_and_sum::<f32>(&texts, weights));
                (arrays(py, counts), declined, sums)
            } else {
                let ((counts, declined), sums) =
                    py.allow_threads(|| self.count_and_sum::<f64>(&texts, weights));
                (arrays(py, counts), declined, sums)
            };
        for list in [&mut declined, &mut declined_sums] {
            list.extend(&not_ascii);
            list.sort_unstable();
        }
        Ok((
            data,
            indices,
            indptr,
            declined,
            sums.into_pyarray(py),
            declined_sums,
        ))
    }
}

/// The numpy arrays of CSR counts.
fn arrays<T: Count>(py: Python<'_>, counts: Counts<T>) -> (PyObject, PyObject, PyObject) {
    (
        counts.data.into_pyarray(py).into_any().unbind(),
        counts.indices.into_pyarray(py).into_any().unbind(),
        counts.indptr.into_pyarray(py).into_any().unbind(),
    )
}

/// A float type of CSR data: how the reference squares and divides it.
trait Float: Copy + numpy::Element {
    fn square(self) -> f64;
    fn divided(self, norm: f64) -> Self;
}

impl Float for f32 {
    #[inline]
    fn square(self) -> f64 {
        f64::from(self * self) // (X.data * X.data).astype(np.float64): float32 product
    }
    #[inline]
    fn divided(self, norm: f64) -> Self {
        (f64::from(self) / norm) as f32 // rounded to nearest, as astype(np.float32)
    }
}

impl Float for f64 {
    #[inline]
    fn square(self) -> f64 {
        self * self
    }
    #[inline]
    fn divided(self, norm: f64) -> Self {
        self / norm
    }
}

/// Each value times its column's idf (in the data's type, as numpy's `data *= idf[indices]`),
/// then each row divided by its l2 norm if `l2`.
fn weigh<T: Float + std::ops::Mul<Output = T>>(
    data: &mut [T],
    indices: &[i32],
    indptr: &[i64],
    idf: Option<&[T]>,
    l2: bool,
) -> PyResult<()> {
    if let Some(idf) = idf {
        if indices.len() != data.len() {
            return Err(PyValueError::new_err("data and indices differ in length"));
        }
        for (value, &column) in data.iter_mut().zip(indices) {
            let weight = usize::try_from(column)
                .ok()
                .and_then(|c| idf.get(c))
                .ok_or_else(|| PyValueError::new_err("a column has no idf"))?;
            *value = *value * *weight;
        }
    }
    if !l2 {
        return Ok(());
    }
    for (start, end) in row_ranges(indptr, data.len())? {
        let row = &mut data[start..end];
        // row_sums: one addition after the other, from 0.0, in float64.
        let mut sum = 0.0f64;
        for &value in row.iter() {
            sum += value.square();
        }
        let norm = sum.sqrt();
        let norm = if norm == 0.0 { 1.0 } else { norm };
        for value in row.iter_mut() {
            *value = value.divided(norm);
        }
    }
    Ok(())
}

/// `weigh` on a numpy array of `T`, with `idf` (if given) of the same type.
fn weigh_array<T: Float + std::ops::Mul<Output = T>>(
    array: &Bound<'_, PyArray1<T>>,
    indices: &[i32],
    indptr: &[i64],
    idf: Option<&Bound<'_, PyAny>>,
    l2: bool,
) -> PyResult<()> {
    let mut array: PyReadwriteArray1<T> = array.try_readwrite()?;
    let idf = match idf {
        Some(idf) => Some(
            idf.downcast::<PyArray1<T>>()
                .map_err(|_| PyValueError::new_err("idf must be of the data's type"))?
                .try_readonly()?,
        ),
        None => None,
    };
    let idf = idf.as_ref().map(|a| a.as_slice()).transpose()?;
    weigh(array.as_slice_mut()?, indices, indptr, idf, l2)
}

/// The idf and l2 steps of `TfidfBlock.weigh`, in place, on CSR `data` (float32 or float64,
/// contiguous; `idf`, if given, of the same type): each value times its column's idf, then
/// each row divided by its l2 norm (if `l2`), with the reference's operations. The GIL stays
/// held: Python code could write to the arrays meanwhile.
#[pyfunction]
#[pyo3(signature = (data, indices, indptr, idf=None, l2=true))]
fn weigh_rows(
    data: &Bound<'_, PyAny>,
    indices: PyReadonlyArray1<'_, i32>,
    indptr: PyReadonlyArray1<'_, i64>,
    idf: Option<&Bound<'_, PyAny>>,
    l2: bool,
) -> PyResult<()> {
    let (indices, indptr) = (indices.as_slice()?, indptr.as_slice()?);
    if let Ok(array) = data.downcast::<PyArray1<f32>>() {
        weigh_array(array, indices, indptr, idf, l2)
    } else if let Ok(array) = data.downcast::<PyArray1<f64>>() {
        weigh_array(array, indices, indptr, idf, l2)
    } else {
        Err(PyValueError::new_err(
            "data must be a float32 or float64 array",
        ))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NgramCounter>()?;
    m.add_class::<NgramPair>()?;
    m.add_function(wrap_pyfunction!(weigh_rows, m)?)?;
    Ok(())
}
