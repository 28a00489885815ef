//! The word rules of `classifier/text/_words.py` (`WORD_STEPS`), on folded, lower-case ASCII
//! text held as bytes. Each step mirrors its Python function, cheap trigger first; the regular
//! expressions there are written out as scans here (except number words, a plain regex).

use std::sync::LazyLock;

use regex::bytes::{Captures, Regex};
use wide::{i8x16, CmpEq, CmpLt};

use crate::bytes;

use super::lexicon::Lexicon;

/// A word rule on the text and its views: the new text, or `None` where nothing changed.
type Step<'a> = &'a dyn Fn(&[u8], &Views) -> Option<Vec<u8>>;

/// An edit: replace `text[start..end]` by the bytes.
type Edit = (usize, usize, Vec<u8>);

/// `_normalize_words`: every step of `WORD_STEPS`, in order. `number_words` tells whether the
/// ad's trigger words hold a number word from ten up (the trigger of the first step).
pub fn normalize_words(text: Vec<u8>, number_words: bool, lex: &Lexicon) -> Vec<u8> {
    let mut text = if number_words {
        number_words_step(text)
    } else {
        text
    };
    // The class views serve each step until one changes the text; padding, the last of them,
    // reads the text itself (a new view after repeats would cost more than its own scan).
    let mut views = Views::new(&text);
    let steps: [Step<'_>; 4] = [
        &|t, v| spaced_letters(t, v, lex),
        &|t, v| leet(t, v, lex),
        &|t, _| dollar_s(t),
        &|t, v| repeats(t, v, lex),
    ];
    let last = steps.len() - 1;
    for (k, step) in steps.iter().enumerate() {
        if let Some(changed) = step(&text, &views) {
            text = changed;
            if k < last {
                views = Views::new(&text);
            }
        }
    }
    if let Some(changed) = padding(&text) {
        text = changed;
    }
    // Removing letters, marks and blanks adds no control character: the view still tells.
    blanks(text, views.any(CTRL))
}

/// `_apply_edits`: sorted, and an edit that starts inside the previous one is dropped.
pub fn apply_edits(text: &[u8], edits: &mut [Edit]) -> Vec<u8> {
    edits.sort();
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut pos = 0;
    for (start, end, new) in edits.iter() {
        if *start < pos {
            continue;
        }
        out.extend_from_slice(&text[pos..*start]);
        out.extend_from_slice(new);
        pos = *end;
    }
    out.extend_from_slice(&text[pos..]);
    out
}

fn is_letter(c: u8) -> bool {
    c.is_ascii_lowercase()
}

/// `[a-z0-9]`.
fn is_lower_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

// Classes of a byte: the index of its view (`EQUAL` compares it with the byte before it).
/// ASCII alphanumeric (`_CLASSES` "a").
const ALNUM: usize = 0;
/// "a".."z" (`_is_letter`).
const LETTER: usize = 1;
/// A leet character, "013457@$".
const LEET: usize = 2;
/// Printable, not alphanumeric (`_REPEAT_MASK` 0x80).
const PUNCT: usize = 3;
/// Outside " ".."~": `str.isprintable` is false.
const CTRL: usize = 4;
/// Equal to the byte before it.
const EQUAL: usize = 7;

/// Bit views of the text, one bit per byte and 64 to a word for each class: they stand in for
/// Python's `bytes.translate` views, and their `bytes.find` triggers become bit operations.
/// One pass fills all of them, sixteen bytes at a time (about 0.3 µs per ad less than a table
/// of classes per byte and bit transposes did).
struct Views(Vec<[u64; 8]>);

impl Views {
    fn new(text: &[u8]) -> Views {
        let mut words = Vec::with_capacity(text.len() / 64 + 1);
        let mut before: Option<u8> = None;
        let (blocks, tail) = text.as_chunks::<64>();
        for block in blocks {
            // Whole blocks: each group and the one a byte before it loaded as they are.
            let mut t = [0u64; 8];
            for g in 0..4 {
                let group = &block[16 * g..16 * g + 16];
                let prev = match g {
                    0 => Views::after(before, group),
                    _ => bytes::load(&block[16 * g - 1..16 * g + 15]),
                };
                Views::classes(&mut t, bytes::load(group), prev, 16, 16 * g);
            }
            Views::first_follows(&mut t, before);
            words.push(t);
            before = block.last().copied();
        }
        if !tail.is_empty() {
            let mut t = [0u64; 8];
            for (g, group) in tail.chunks(16).enumerate() {
                let prev = match g {
                    0 => Views::after(before, group),
                    _ => bytes::load(tail.get(16 * g - 1..).unwrap_or_default()),
                };
                Views::classes(&mut t, bytes::load(group), prev, group.len(), 16 * g);
            }
            Views::first_follows(&mut t, before);
            words.push(t);
        }
        Views(words)
    }

    /// The bytes before those of `group`: `before`, then the group moved on by one.
    fn after(before: Option<u8>, group: &[u8]) -> i8x16 {
        let mut prev = [0u8; 16];
        prev[0] = before.unwrap_or(0);
        for (p, &c) in prev[1..].iter_mut().zip(group) {
            *p = c;
        }
        bytes::load(&prev)
    }

    /// The first byte of the text follows none.
    fn first_follows(t: &mut [u64; 8], before: Option<u8>) {
        if before.is_none() {
            t[EQUAL] &= !1;
        }
    }

    /// Sets the class bits of a group of `len` bytes `v` (bytes `prev` before each) at bit
    /// `shift`. Sixteen bytes at a time with SSE2 compares (`wide`), a bit per byte from each
    /// compare's mask.
    #[inline]
    fn classes(t: &mut [u64; 8], v: i8x16, prev: i8x16, len: usize, shift: usize) {
        let lower = bytes::between(v, b'a', b'z');
        let alnum = lower | bytes::between(v, b'0', b'9') | bytes::between(v, b'A', b'Z');
        let is = |c: u8| bytes::equals(v, c);
        let leet = bytes::between(v, b'0', b'1')
            | bytes::between(v, b'3', b'5')
            | is(b'7')
            | is(b'@')
            | is(b'$');
        let punct = bytes::between(v, 33, 126) & !alnum;
        // Below 32 (bytes of 0x80 and up are negative there too), or 127.
        let ctrl = v.cmp_lt(i8x16::splat(32)) | is(127);
        let equal = v.cmp_eq(prev);
        for (k, mask) in [
            (ALNUM, alnum),
            (LETTER, lower),
            (LEET, leet),
            (PUNCT, punct),
            (CTRL, ctrl),
            (EQUAL, equal),
        ] {
            // Padding bytes past the text have no class.
            t[k] |= bytes::bits(mask, len) << shift;
        }
    }

    /// Word `w` of class `k`; zero past the end.
    fn get(&self, k: usize, w: usize) -> u64 {
        self.0.get(w).map_or(0, |a| a[k])
    }

    /// Bit `i` is bit `i + s` (1 <= s <= 63) of `f`, a view given word by word.
    fn ahead(f: impl Fn(usize) -> u64, w: usize, s: u32) -> u64 {
        (f(w) >> s) | (f(w + 1) << (64 - s))
    }

    fn next(&self, k: usize, w: usize, s: u32) -> u64 {
        Views::ahead(|w| self.get(k, w), w, s)
    }

    /// Bit `i` is bit `i - 1` of class `k`.
    fn prev(&self, k: usize, w: usize) -> u64 {
        let lo = if w > 0 { self.get(k, w - 1) >> 63 } else { 0 };
        (self.get(k, w) << 1) | lo
    }

    fn any(&self, k: usize) -> bool {
        self.0.iter().any(|a| a[k] != 0)
    }

    /// The first set bit at or after `from` of the view `f`: `bytes.find` of a trigger.
    fn find(&self, from: usize, f: impl Fn(usize) -> u64) -> Option<usize> {
        let mut w = from / 64;
        let mut word = f(w) & (u64::MAX << (from % 64));
        while w < self.0.len() {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            w += 1;
            word = f(w);
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Number words
// ---------------------------------------------------------------------------------------------

const UNITS: [(&str, u32); 9] = [
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
];
const TEENS: [(&str, u32); 10] = [
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
];
const TENS: [(&str, u32); 9] = [
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fourty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

/// `_NUMBER_WORD_TRIGGERS`: is `word` a number word from ten up?
pub fn is_number_trigger(word: &[u8]) -> bool {
    TEENS
        .iter()
        .chain(TENS.iter())
        .any(|(w, _)| w.as_bytes() == word)
}

/// `_NUMBER_WORDS`; the text is ASCII, so ASCII word boundaries equal Python's.
static NUMBER_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let names = |table: &[(&str, u32)]| table.iter().map(|(w, _)| *w).collect::<Vec<_>>().join("|");
    Regex::new(&format!(
        r"(?-u)\b(?:(?P<tens>{})(?:[ -](?P<unit>{}))?|(?P<teen>{}))\b",
        names(&TENS),
        names(&UNITS),
        names(&TEENS)
    ))
    .ok()
});

fn value(table: &[(&str, u32)], word: &[u8]) -> u32 {
    table
        .iter()
        .find(|(w, _)| w.as_bytes() == word)
        .map_or(0, |(_, v)| *v)
}

/// `_number_words` (its trigger is tested by the caller).
fn number_words_step(text: Vec<u8>) -> Vec<u8> {
    let Some(re) = NUMBER_WORDS.as_ref() else {
        return text;
    };
    let out = re.replace_all(&text, |c: &Captures<'_>| {
        let n = if let Some(teen) = c.name("teen") {
            value(&TEENS, teen.as_bytes())
        } else {
            let tens = c.name("tens").map_or(0, |m| value(&TENS, m.as_bytes()));
            tens + c.name("unit").map_or(0, |m| value(&UNITS, m.as_bytes()))
        };
        n.to_string().into_bytes()
    });
    out.into_owned()
}

// ---------------------------------------------------------------------------------------------
// Spaced letters
// ---------------------------------------------------------------------------------------------

/// `_spaced_letters`. The triggers ".a.a.a." and ".a..a..a." of the padded class view
/// (alphanumeric "a", anything else ".") are three isolated alphanumeric characters, two or
/// three apart; a trigger found at `p` in the padded view has its first character at `p`.
fn spaced_letters(text: &[u8], v: &Views, lex: &Lexicon) -> Option<Vec<u8>> {
    let isolated: Vec<u64> = (0..=v.0.len())
        .map(|w| v.get(ALNUM, w) & !v.prev(ALNUM, w) & !v.next(ALNUM, w, 1))
        .collect();
    let iso = |w: usize| isolated.get(w).copied().unwrap_or(0);
    let trigger = |gap: u32| {
        move |w: usize| iso(w) & Views::ahead(iso, w, gap) & Views::ahead(iso, w, 2 * gap)
    };
    if v.find(0, trigger(2)).is_none() && v.find(0, trigger(3)).is_none() {
        return None;
    }
    let mut edits = Vec::new();
    for gap in [2, 3] {
        let mut found = v.find(0, trigger(gap));
        while let Some(p) = found {
            found = match spaced_match(text, p) {
                Some((end, sep_len)) => {
                    let m = &text[p..end];
                    let joined = rejoin(m, sep_len, lex);
                    if joined != m {
                        edits.push((p, end, joined));
                    }
                    v.find(end, trigger(gap))
                }
                None => v.find(p + 1, trigger(gap)),
            };
        }
    }
    changed(text, edits)
}

/// `_apply_edits` where there are edits.
fn changed(text: &[u8], mut edits: Vec<Edit>) -> Option<Vec<u8>> {
    if edits.is_empty() {
        return None;
    }
    Some(apply_edits(text, &mut edits))
}

/// `_SPACED.match(text, p)`: the end of the match and the length of its separator.
///
/// The separator is one blank or a mark with an optional blank; the blank is taken whenever it
/// is there (without it a blank would follow, which no letter matches). The repetition is
/// greedy; if the look-ahead fails after the last letter, one repetition less leaves a
/// separator next, which the look-ahead always accepts.
fn spaced_match(t: &[u8], p: usize) -> Option<(usize, usize)> {
    let n = t.len();
    let at = |i: usize| t.get(i).copied();
    if !at(p).is_some_and(is_lower_alnum) {
        return None;
    }
    if p > 0 && (is_lower_alnum(t[p - 1]) || matches!(t[p - 1], b'@' | b'$' | b'\'')) {
        return None;
    }
    let i = p + 1;
    let sep_len = match at(i)? {
        b' ' => 1,
        b'.' | b'*' | b'_' | b'~' | b'+' | b'/' | b'|' | b'-' => {
            if at(i + 1) == Some(b' ') {
                2
            } else {
                1
            }
        }
        _ => return None,
    };
    let sep = &t[i..i + sep_len];
    let mut end = i + sep_len;
    if !at(end).is_some_and(is_lower_alnum) {
        return None;
    }
    end += 1;
    let mut prev = None;
    while end + sep_len < n && &t[end..end + sep_len] == sep && is_lower_alnum(t[end + sep_len]) {
        prev = Some(end);
        end += sep_len + 1;
    }
    prev?; // at least one repetition
    let rejected = match at(end) {
        None => false,
        Some(c) if is_lower_alnum(c) || c == b'@' || c == b'$' => true,
        Some(b'\'') => !at(end + 1).is_some_and(is_letter),
        Some(_) => false,
    };
    if !rejected {
        return Some((end, sep_len));
    }
    // One repetition less: at least one must remain.
    let before = prev?;
    if before > i + sep_len + 1 {
        Some((before, sep_len))
    } else {
        None
    }
}

/// `_LEET` applied to bytes.
fn unleet_byte(c: u8) -> u8 {
    match c {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        b'@' => b'a',
        b'$' => b's',
        _ => c,
    }
}

/// `_rejoin`: the items are the single characters of the match.
fn rejoin(m: &[u8], sep_len: usize, lex: &Lexicon) -> Vec<u8> {
    let items: Vec<u8> = m.iter().copied().step_by(sep_len + 1).collect();
    if items.iter().filter(|c| c.is_ascii_alphabetic()).count() < 2 {
        return m.to_vec(); // "2 4 7", "1.5.0": numbers, not a word
    }
    let blank = sep_len == 1 && m.get(1) == Some(&b' ');
    if blank && items.len() < 4 {
        let decoded: Vec<u8> = items.iter().map(|&c| unleet_byte(c)).collect();
        if !lex.contains(&decoded) {
            return m.to_vec(); // "a b c", "u r a": ordinary short words
        }
    }
    if blank
        && (items[0] == b'i' || items[0] == b'a')
        && items.len() > 4
        && !lex.contains(&items)
        && lex.contains(&items[1..])
    {
        let mut out = vec![items[0], b' '];
        out.extend_from_slice(&items[1..]);
        return out; // "i l o v e": "i" is a word of its own
    }
    items
}

// ---------------------------------------------------------------------------------------------
// Leet
// ---------------------------------------------------------------------------------------------

fn is_leet(c: u8) -> bool {
    matches!(c, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'@' | b'$')
}

/// `_LEET_WORD_CHAR`.
fn is_leet_word_char(c: u8) -> bool {
    is_letter(c) || c.is_ascii_digit() || c == b'@' || c == b'$'
}

/// `_leet`: leet runs of one or two characters between letters: "a1a" and "a11a" in the
/// leet view (letters "a", leet characters "1").
fn leet(text: &[u8], v: &Views, lex: &Lexicon) -> Option<Vec<u8>> {
    if !v.any(LEET) {
        return None;
    }
    let one = |w: usize| v.get(LETTER, w) & v.next(LEET, w, 1) & v.next(LETTER, w, 2);
    let two = |w: usize| {
        v.get(LETTER, w) & v.next(LEET, w, 1) & v.next(LEET, w, 2) & v.next(LETTER, w, 3)
    };
    let patterns: [(&dyn Fn(usize) -> u64, usize); 2] = [(&one, 3), (&two, 4)];
    if patterns.iter().all(|(f, _)| v.find(0, f).is_none()) {
        return None;
    }
    let n = text.len();
    let mut edits = Vec::new();
    for (pattern, len) in patterns {
        let mut pos = v.find(0, pattern);
        while let Some(p) = pos {
            let (mut start, mut end) = (p, p + len);
            while start > 0 && is_leet_word_char(text[start - 1]) {
                start -= 1;
            }
            while end < n && is_leet_word_char(text[end]) {
                end += 1;
            }
            let word = &text[start..end];
            if let Some(decoded) = unleet(word, lex) {
                edits.push((start, end, decoded));
            }
            pos = v.find(end, pattern);
        }
    }
    changed(text, edits)
}

/// `_unleet`: the decoded word, or `None` where it stays.
fn unleet(word: &[u8], lex: &Lexicon) -> Option<Vec<u8>> {
    // `_NOT_LEET`: other digits, three digits in a row, a final "4u".
    if word.iter().any(|c| matches!(c, b'2' | b'6' | b'8' | b'9'))
        || word
            .windows(3)
            .any(|w| w.iter().all(|c| c.is_ascii_digit()))
        || word.ends_with(b"4u")
    {
        return None;
    }
    let decoded: Vec<u8> = word.iter().map(|&c| unleet_byte(c)).collect();
    if decoded == word {
        return None;
    }
    if lex.contains(&decoded) {
        return Some(decoded);
    }
    // Without a dictionary match, only simple substitutions: each leet run one character.
    let simple = word
        .chunk_by(|a, b| is_leet(*a) == is_leet(*b))
        .filter(|run| is_leet(run[0]))
        .all(|run| run.iter().all(|&c| c == run[0]));
    simple.then_some(decoded)
}

// ---------------------------------------------------------------------------------------------
// Dollar s
// ---------------------------------------------------------------------------------------------

/// `_dollar_s`: "$" for "s" when no word character or "$" precedes and two letters follow.
fn dollar_s(text: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(b'$', text)?;
    let hits: Vec<usize> = memchr::memchr_iter(b'$', text)
        .filter(|&i| {
            !(i > 0 && (text[i - 1].is_ascii_alphanumeric() || matches!(text[i - 1], b'_' | b'$')))
                && text.get(i + 1).copied().is_some_and(is_letter)
                && text.get(i + 2).copied().is_some_and(is_letter)
        })
        .collect();
    if hits.is_empty() {
        return None;
    }
    let mut out = text.to_vec();
    for i in hits {
        out[i] = b's';
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Repeats
// ---------------------------------------------------------------------------------------------

/// `_repeats`: letters three times in a row ("sooo") and repeated punctuation ("!!!"). Python
/// marks a letter equal to the one before with 0x00 and such a mark with 0x80, and looks for
/// two 0x00 in a row and for runs of 0x80; here those marks are bit views.
fn repeats(text: &[u8], v: &Views, lex: &Lexicon) -> Option<Vec<u8>> {
    if !v.any(EQUAL) {
        return None;
    }
    let same_letter = |w: usize| v.get(EQUAL, w) & v.get(LETTER, w);
    let triple = |w: usize| same_letter(w) & Views::ahead(same_letter, w, 1);
    let same_mark = |w: usize| v.get(EQUAL, w) & v.get(PUNCT, w);
    let b = text;
    let n = b.len();
    let mut edits = Vec::new();
    let mut found = v.find(0, triple);
    while let Some(pos) = found {
        let (mut start, mut end) = (pos - 1, pos + 2);
        while start > 0 && is_letter(b[start - 1]) {
            start -= 1;
        }
        while end < n && is_letter(b[end]) {
            end += 1;
        }
        // Letters glued to digits ("38ddd") are sizes and codes, not elongated words.
        let glued = |c: u8| c.is_ascii_digit() || c == b'_';
        if !((start > 0 && glued(b[start - 1])) || (end < n && glued(b[end]))) {
            let word = &b[start..end];
            let fixed = unelongate(word, lex);
            if fixed != word {
                edits.push((start, end, fixed));
            }
        }
        found = v.find(end, triple);
    }
    // Marks: each run of a mark equal to the one before it is dropped.
    let mut found = v.find(0, same_mark);
    while let Some(pos) = found {
        let mut end = pos + 1;
        while end < n && b[end] == b[pos] {
            end += 1;
        }
        edits.push((pos, end, Vec::new()));
        found = v.find(end, same_mark);
    }
    changed(text, edits)
}

/// `_unelongate` on a word of letters: runs of three or more equal letters are shortened.
fn unelongate(word: &[u8], lex: &Lexicon) -> Vec<u8> {
    // `_LETTER_RUN.split`: pieces between runs, and each run's letter and length.
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut runs: Vec<(u8, usize)> = Vec::new();
    let mut last = 0;
    for chunk_start in word
        .chunk_by(|a, b| a == b)
        .scan(0, |pos, chunk| {
            let start = *pos;
            *pos += chunk.len();
            Some((start, chunk.len()))
        })
        .filter(|&(_, len)| len >= 3)
    {
        let (start, len) = chunk_start;
        pieces.push(&word[last..start]);
        runs.push((word[start], len));
        last = start + len;
    }
    pieces.push(&word[last..]);
    if runs.len() > 3 || runs.is_empty() {
        return word.to_vec();
    }
    let assemble = |counts: &[usize]| -> Vec<u8> {
        let mut out = pieces[0].to_vec();
        for (i, &count) in counts.iter().enumerate() {
            out.extend(std::iter::repeat_n(runs[i].0, count));
            out.extend_from_slice(pieces[i + 1]);
        }
        out
    };
    // A triple first, then doubles and singles in the order of itertools.product([2, 1], ...).
    let triple = assemble(&vec![3; runs.len()]);
    if lex.contains(&triple) {
        return triple;
    }
    let k = runs.len();
    let mut found: Vec<Vec<u8>> = Vec::new();
    for code in 0..(1usize << k) {
        let counts: Vec<usize> = (0..k)
            .map(|i| if code >> (k - 1 - i) & 1 == 0 { 2 } else { 1 })
            .collect();
        let candidate = assemble(&counts);
        if lex.contains(&candidate) {
            found.push(candidate);
        }
    }
    if !found.is_empty() {
        if pieces[k].is_empty() {
            return found.swap_remove(0); // a stretched last letter keeps a double: "tooo"
        }
        let mut best = 0;
        for (i, w) in found.iter().enumerate() {
            if lex.count(w) > lex.count(&found[best]) {
                best = i; // the first of ties wins, as with Python's max
            }
        }
        return found.swap_remove(best);
    }
    // No word: keep a run of three consonants ("ddd"), shorten other runs ("piiics").
    if k == 1 && pieces[0].is_empty() && pieces[1].is_empty() {
        return assemble(&[if runs[0].1 == 3 { 3 } else { 1 }]);
    }
    let counts: Vec<usize> = runs
        .iter()
        .map(|&(c, len)| {
            if len == 3 && !matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y') {
                3
            } else {
                1
            }
        })
        .collect();
    assemble(&counts)
}

// ---------------------------------------------------------------------------------------------
// Padding and blanks
// ---------------------------------------------------------------------------------------------

/// `_padding`: a padding mark between blanks is dropped with the blank after it (" p " in
/// the padding view).
fn padding(text: &[u8]) -> Option<Vec<u8>> {
    let n = text.len();
    let is_pad = |c: u8| matches!(c, b'.' | b'*' | b'|' | b'~' | b'!' | b'?' | b'_' | b'-');
    // Blank, any byte, blank: candidates from a bit view of the blanks.
    let blanks = bytes::bitmap(text, |v| bytes::equals(v, b' '));
    let pair = |w: usize| {
        let at = |w: usize| blanks.get(w).copied().unwrap_or(0);
        at(w) & Views::ahead(at, w, 2)
    };
    let find = |from: usize| -> Option<usize> {
        let mut w = from / 64;
        let mut word = pair(w) & (u64::MAX << (from % 64));
        while w < blanks.len() {
            while word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                if i + 2 < n && is_pad(text[i + 1]) {
                    return Some(i);
                }
                word &= word - 1;
            }
            w += 1;
            word = pair(w);
        }
        None
    };
    let first = find(0)?;
    let mut out = Vec::with_capacity(n);
    let mut last = 0;
    let mut pos = Some(first);
    while let Some(p) = pos {
        if last <= p + 1 {
            out.extend_from_slice(&text[last..p + 1]);
        }
        last = p + 3; // the mark and the blank after it
        pos = find(p + 2);
    }
    if last < n {
        out.extend_from_slice(&text[last..]);
    }
    Some(out)
}

/// Built once: a one-shot `memmem::find` builds a searcher per call.
static FIND_TWO_BLANKS: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"  "));

/// Python's `str.isspace` on ASCII.
fn is_py_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

/// `_blanks`: control characters make it `" ".join(text.split())`; otherwise runs of blanks
/// are squeezed and the ends stripped of blanks.
fn blanks(text: Vec<u8>, controls: bool) -> Vec<u8> {
    if controls {
        let mut out = Vec::with_capacity(text.len());
        for word in text.split(|&c| is_py_space(c)).filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(word);
        }
        return out;
    }
    if FIND_TWO_BLANKS.find(&text).is_none() {
        let start = text.iter().position(|&c| c != b' ').unwrap_or(text.len());
        let end = text
            .iter()
            .rposition(|&c| c != b' ')
            .map_or(start, |e| e + 1);
        if start == 0 && end == text.len() {
            return text;
        }
        return text[start..end].to_vec();
    }
    // Squeezed in place: the text between the blanks to drop (a blank after a blank, or at the
    // start) moves back, found on a bit map of the blanks.
    let mut text = text;
    let n = text.len();
    let (mut kept, mut from) = (0, 0);
    let mut after_blank = 1u64; // the start counts as a blank
    for (w, &blank) in bytes::bitmap(&text, |v| bytes::equals(v, b' '))
        .iter()
        .enumerate()
    {
        let mut drop = blank & ((blank << 1) | after_blank);
        after_blank = blank >> 63;
        while drop != 0 {
            let i = w * 64 + drop.trailing_zeros() as usize;
            drop &= drop - 1;
            text.copy_within(from..i, kept);
            kept += i - from;
            from = i + 1;
        }
    }
    text.copy_within(from..n, kept);
    kept += n - from;
    if kept > 0 && text[kept - 1] == b' ' {
        kept -= 1;
    }
    text.truncate(kept);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classes of a byte, one by one, as `_CLASSES` and `str.isprintable` define them.
    fn classes(b: u8) -> [bool; 5] {
        [
            b.is_ascii_alphanumeric(),
            b.is_ascii_lowercase(),
            matches!(b, b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'@' | b'$'),
            (33..=126).contains(&b) && !b.is_ascii_alphanumeric(),
            !(32..=126).contains(&b),
        ]
    }

    #[test]
    fn views_match_the_classes_of_each_byte() {
        // Every byte value at every position of chunks of each length, after every kind of
        // byte before them (or none).
        for len in [1usize, 15, 16, 17, 63, 64] {
            for b in 0..=255u8 {
                for at in [0, len / 2, len - 1] {
                    for other in [0u8, b' ', b'a', b'7', 0x7f, 0x80, 0xff] {
                        let mut chunk = vec![other; len];
                        chunk[at] = b;
                        for before in [None, Some(other), Some(b)] {
                            // The chunk as the second block of a text whose first block
                            // ends with `before` (or as the whole text): whole blocks and
                            // the tail are filled apart.
                            let mut text = before.map_or(Vec::new(), |c| vec![c; 64]);
                            text.extend_from_slice(&chunk);
                            let views = Views::new(&text);
                            assert_eq!(views.0.len(), text.len().div_ceil(64));
                            let t = views.0[usize::from(before.is_some())];
                            for (i, &c) in chunk.iter().enumerate() {
                                let bit = |k: usize| (t[k] >> i) & 1 == 1;
                                let expected = classes(c);
                                for (k, &class) in
                                    [ALNUM, LETTER, LEET, PUNCT, CTRL].iter().enumerate()
                                {
                                    assert_eq!(
                                        bit(class),
                                        expected[k],
                                        "class {class} of {c} at {i}"
                                    );
                                }
                                let prev = if i == 0 { before } else { Some(chunk[i - 1]) };
                                assert_eq!(bit(EQUAL), prev == Some(c), "equal at {i}");
                            }
                            if len < 64 {
                                // No class past the chunk's end.
                                assert!([ALNUM, LETTER, LEET, PUNCT, CTRL, EQUAL]
                                    .iter()
                                    .all(|&k| t[k] >> len == 0));
                            }
                        }
                    }
                }
            }
        }
    }
}
