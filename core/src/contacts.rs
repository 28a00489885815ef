//! Port of `_analyse` in `classifier/text/_contacts.py`: the skeleton of an ad, its trigger
//! words, and its contact data (phones, e-mails, URLs, handles), ranked and merged.
//!
//! Python's regular expressions use look-arounds and backtracking; each is replaced here by a
//! hand-written matcher that takes the same path (each one's comment says why the
//! backtracking there has a single way to succeed). Scans over the skeleton are linear: where
//! Python rescans (long runs of "l", chains of ".com"), the matchers remember the last scan.

mod phones;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFrozenSet, PyList, PyString, PyTuple};

use crate::analysis::{Analysis, Span};
use crate::bytes;
use crate::fold;

pub(crate) const PHONE_TOKEN: &str = "xphonex";
pub(crate) const PHONE_OBF_TOKEN: &str = "xphoneobfx";
pub(crate) const EMAIL_TOKEN: &str = "xemailx";
pub(crate) const URL_TOKEN: &str = "xurlx";
pub(crate) const HANDLE_TOKEN: &str = "xhandlex";

// Priorities when spans overlap (`_EMAIL_RANK` ...); the long-digit guard ranks last.
const EMAIL_RANK: u8 = 0;
const URL_RANK: u8 = 1;
const HANDLE_RANK: u8 = 2;
const PHONE_RANK: u8 = 3;

/// `_TRIGGER_WORDS`: bit `k` of a word mask is `TRIGGER_WORDS[k]`.
pub(crate) const TRIGGER_WORDS: [&[u8]; 45] = [
    // `_DIGIT_WORD_STARTS` (0..10)
    b"zero",
    b"one",
    b"two",
    b"three",
    b"four",
    b"five",
    b"six",
    b"seven",
    b"eight",
    b"nine",
    // `_HANDLE_KEYWORDS` (10..24)
    b"snap",
    b"snapchat",
    b"sc",
    b"kik",
    b"ig",
    b"insta",
    b"instagram",
    b"twitter",
    b"telegram",
    b"tg",
    b"wechat",
    b"wickr",
    b"skype",
    b"tiktok",
    // "at", "dot" (24, 25)
    b"at",
    b"dot",
    // `_NUMBER_WORD_TRIGGERS` (26..45)
    b"ten",
    b"eleven",
    b"twelve",
    b"thirteen",
    b"fourteen",
    b"fifteen",
    b"sixteen",
    b"seventeen",
    b"eighteen",
    b"nineteen",
    b"twenty",
    b"thirty",
    b"forty",
    b"fourty",
    b"fifty",
    b"sixty",
    b"seventy",
    b"eighty",
    b"ninety",
];
const DIGIT_WORD_STARTS: u64 = (1 << 10) - 1;
const HANDLE_KEYWORDS: u64 = ((1 << 24) - 1) & !DIGIT_WORD_STARTS;
const AT_WORD: u64 = 1 << 24;
const DOT_WORD: u64 = 1 << 25;

/// Letters in the longest trigger word.
const MAX_TRIGGER_LEN: usize = 9;
/// Bit `c - b'a'`: some trigger word starts with the letter `c`.
const TRIGGER_FIRSTS: u32 = {
    let mut bits = 0;
    let mut k = 0;
    while k < TRIGGER_WORDS.len() {
        bits |= 1 << (TRIGGER_WORDS[k][0] - b'a');
        k += 1;
    }
    bits
};
const _: () = {
    let mut k = 0;
    while k < TRIGGER_WORDS.len() {
        assert!(TRIGGER_WORDS[k].len() <= MAX_TRIGGER_LEN);
        k += 1;
    }
};

/// A word of one to nine letters as an integer (its bytes, little-endian): one load, one
/// mask, no loop over its letters.
fn word_key(sb: &[u8], start: usize, len: usize) -> u128 {
    let mut buf = [0u8; 16];
    match sb.get(start..start + 16) {
        Some(chunk) => buf.copy_from_slice(chunk),
        None => buf[..len].copy_from_slice(&sb[start..start + len]),
    }
    u128::from_le_bytes(buf) & ((1u128 << (8 * len)) - 1)
}

/// Perfect hash table of the trigger words: a multiplier that sends each key to its own slot
/// (found when first used), and per slot (key, bit); key 0 for an empty slot. A lookup is one
/// multiply and one compare, with no branch to mispredict.
struct TriggerTable {
    multiplier: u64,
    slots: [(u128, u8); 256],
}

fn fold_key(key: u128) -> u64 {
    (key as u64) ^ ((key >> 64) as u64).wrapping_mul(0xff51_afd7_ed55_8ccd)
}

impl TriggerTable {
    fn slot(&self, key: u128) -> usize {
        (fold_key(key).wrapping_mul(self.multiplier) >> 56) as usize
    }
}

static TRIGGER_TABLE: std::sync::LazyLock<TriggerTable> = std::sync::LazyLock::new(|| {
    let keys: Vec<u128> = TRIGGER_WORDS
        .iter()
        .map(|w| word_key(w, 0, w.len()))
        .collect();
    let mut multiplier: u64 = 0x9E37_79B9_7F4A_7C15;
    loop {
        let mut table = TriggerTable {
            multiplier,
            slots: [(0, 0); 256],
        };
        let mut clash = false;
        for (k, &key) in keys.iter().enumerate() {
            let i = table.slot(key);
            clash |= table.slots[i].0 != 0;
            table.slots[i] = (key, k as u8);
        }
        if !clash {
            return table;
        }
        // The next odd multiplier (a 64-bit LCG step): a handful of tries find one.
        multiplier = multiplier
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
            | 1;
    }
});

/// The trigger words among the words of the skeleton (`_LETTERS_ONLY` split). Words are
/// found on a bitmap of its letters (no branch per byte) and looked up by key.
fn trigger_words(sb: &[u8]) -> u64 {
    let bits = bytes::bitmap(sb, |v| bytes::between(v, b'a', b'z'));
    let table = &*TRIGGER_TABLE;
    let mut mask = 0;
    // Word starts are the letters after a non-letter, taken chunk by chunk from the bitmap:
    // the words are independent of each other, so the lookups overlap.
    let mut carry = 0u64; // whether the last byte of the previous chunk was a letter
    for (w, &b) in bits.iter().enumerate() {
        let mut starts = b & !((b << 1) | carry);
        carry = b >> 63;
        while starts != 0 {
            let s = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            let mut len = (!(b >> s)).trailing_zeros() as usize;
            if s + len == 64 && len < 10 {
                // The word goes on in the next chunk (ten letters are enough to tell).
                len += (!bits.get(w + 1).copied().unwrap_or(0)).trailing_zeros() as usize;
            }
            let first = sb[w * 64 + s].wrapping_sub(b'a');
            if len > MAX_TRIGGER_LEN || TRIGGER_FIRSTS >> first & 1 == 0 {
                continue; // no trigger word is that long, or starts with that letter
            }
            let key = word_key(sb, w * 64 + s, len);
            let (slot_key, bit) = table.slots[table.slot(key)];
            mask |= u64::from(slot_key == key) << bit;
        }
    }
    mask
}

/// Finders of the fixed strings looked for in every ad.
static FIND_DOT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"dot"));
static FIND_HTTP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"http"));
static FIND_WWW: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"www"));

// ---------------------------------------------------------------------------------------------
// Byte classes of the Python module
// ---------------------------------------------------------------------------------------------

fn is_letter(c: u8) -> bool {
    c.is_ascii_lowercase()
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `_SEP_CHARS`: blanks and punctuation, never "$" or a newline.
const fn sep_char(c: u8) -> bool {
    matches!(c, 0 | 1 | b'\t' | 0x0b | 0x0c | b' ')
        || (c >= 33 && c < 127 && !c.is_ascii_alphanumeric() && c != b'$')
}

const SEP: u8 = 1;
/// `_PHONE_CHARS`: a separator, a digit, or "o", "l", "i".
const PHONE: u8 = 2;

/// Byte classes looked up once per byte in the linear scans.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut class = 0;
        if sep_char(b) {
            class |= SEP | PHONE;
        }
        if b.is_ascii_digit() || b == b'o' || b == b'l' || b == b'i' {
            class |= PHONE;
        }
        table[c] = class;
        c += 1;
    }
    table
};

fn is_sep(c: u8) -> bool {
    CLASSES[c as usize] & SEP != 0
}

/// `_PHONE_CHARS`.
fn is_phone_char(c: u8) -> bool {
    CLASSES[c as usize] & PHONE != 0
}

/// `_EMAIL_LOCAL`.
fn is_email_local(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || b"._%+-".contains(&c)
}

/// `[a-z0-9-]`: a label of a domain (`_DOMAIN_NAME_CHAR`).
fn is_label(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'
}

/// `_DOMAIN_CHAR`.
fn is_domain(c: u8) -> bool {
    is_label(c) || c == b'.'
}

/// `\s` of a bytes pattern.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `\w` of a bytes pattern, for `\b`.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn word_boundary(sb: &[u8], p: usize) -> bool {
    let before = p > 0 && sb.get(p - 1).is_some_and(|&c| is_word(c));
    let after = sb.get(p).is_some_and(|&c| is_word(c));
    before != after
}

fn at(sb: &[u8], p: usize, lit: &[u8]) -> bool {
    sb.get(p..).is_some_and(|rest| rest.starts_with(lit))
}

fn skip_while(sb: &[u8], mut p: usize, pred: impl Fn(u8) -> bool) -> usize {
    while p < sb.len() && pred(sb[p]) {
        p += 1;
    }
    p
}

fn skip_space(sb: &[u8], p: usize) -> usize {
    skip_while(sb, p, is_space)
}

/// Every start of `needle` in `haystack`, overlapping ones included (`_find_all`).
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(haystack, needle)
}

/// Python's `bytes.rstrip(chars)`.
fn rstrip<'a>(s: &'a [u8], chars: &[u8]) -> &'a [u8] {
    let mut end = s.len();
    while end > 0 && chars.contains(&s[end - 1]) {
        end -= 1;
    }
    &s[..end]
}

fn ascii_string(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

// ---------------------------------------------------------------------------------------------
// The text, by code point
// ---------------------------------------------------------------------------------------------

/// The analysed text, indexed by code point as in Python (the skeleton has one byte each).
pub(crate) struct TextView<'a> {
    s: &'a str,
    ascii: bool,
    chars: std::cell::OnceCell<Vec<char>>,
}

impl<'a> TextView<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            s,
            ascii: s.is_ascii(),
            chars: std::cell::OnceCell::new(),
        }
    }

    fn chars(&self) -> Option<&[char]> {
        if self.ascii {
            None
        } else {
            Some(self.chars.get_or_init(|| self.s.chars().collect()))
        }
    }

    /// `text[i]` (None out of range).
    fn char_at(&self, i: usize) -> Option<char> {
        match self.chars() {
            None => self.s.as_bytes().get(i).map(|&b| b as char),
            Some(chars) => chars.get(i).copied(),
        }
    }

    /// `text[start:end]`.
    fn slice(&self, start: usize, end: usize) -> std::borrow::Cow<'a, str> {
        match self.chars() {
            None => {
                let end = end.min(self.s.len());
                std::borrow::Cow::Borrowed(self.s.get(start.min(end)..end).unwrap_or(""))
            }
            Some(chars) => {
                let end = end.min(chars.len());
                std::borrow::Cow::Owned(chars[start.min(end)..end].iter().collect())
            }
        }
    }

    fn as_str(&self) -> &'a str {
        self.s
    }
}

// ---------------------------------------------------------------------------------------------
// E-mails and handles from "@"
// ---------------------------------------------------------------------------------------------

/// `_EMAIL_DOMAIN.match(sb, p)`: the end of group 1 and its start.
fn email_domain(sb: &[u8], p: usize) -> Option<(usize, usize)> {
    // " ?": with the blank first; without it the domain would start at a blank and fail.
    let q = if sb.get(p) == Some(&b' ') { p + 1 } else { p };
    let first_end = skip_while(sb, q, is_label);
    if first_end == q {
        return None;
    }
    // First alternative: a lazy run of labels, then a common top-level domain. Each label is
    // maximal (a shorter one leaves a label character where "." must follow).
    const COMMON: [&[u8]; 11] = [
        b"com", b"net", b"org", b"ca", b"co", b"me", b"io", b"info", b"biz", b"us", b"uk",
    ];
    let mut pos = first_end;
    loop {
        if sb.get(pos) != Some(&b'.') {
            break;
        }
        for tld in COMMON {
            if at(sb, pos + 1, tld) {
                let e = pos + 1 + tld.len();
                let blocked = match sb.get(e) {
                    Some(b'-') => true,
                    Some(b'.') => sb
                        .get(e + 1)
                        .is_some_and(|&c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                    _ => false,
                };
                if !blocked {
                    return Some((q, e));
                }
            }
        }
        let next = skip_while(sb, pos + 1, is_label);
        if next == pos + 1 {
            break;
        }
        pos = next;
    }
    // Second alternative: greedy labels, the last all-letter label of two or more letters
    // after the first is the top-level domain.
    let mut pos = first_end;
    let mut best = None;
    while sb.get(pos) == Some(&b'.') {
        let next = skip_while(sb, pos + 1, is_label);
        if next == pos + 1 {
            break;
        }
        let label = &sb[pos + 1..next];
        if label.len() >= 2 && label.iter().all(|c| c.is_ascii_lowercase()) {
            best = Some(next);
        }
        pos = next;
    }
    best.map(|e| (q, e))
}

/// `_HANDLE_NAME.match(sb, p)`: its end.
fn handle_name(sb: &[u8], p: usize) -> Option<usize> {
    let c = *sb.get(p)?;
    if !(c.is_ascii_lowercase() || c == b'_') {
        return None;
    }
    let mut e = p + 1;
    while e < sb.len()
        && e - p < 30
        && (sb[e].is_ascii_lowercase() || sb[e].is_ascii_digit() || sb[e] == b'_' || sb[e] == b'.')
    {
        e += 1;
    }
    (e - p >= 2).then_some(e)
}

const DIGIT_WORDS: [&[u8]; 11] = [
    b"zero", b"oh", b"one", b"two", b"three", b"four", b"five", b"six", b"seven", b"eight", b"nine",
];
const MAIL_HOSTS: [&[u8]; 11] = [
    b"gmail",
    b"hotmail",
    b"yahoo",
    b"outlook",
    b"icloud",
    b"protonmail",
    b"proton",
    b"live",
    b"aol",
    b"ymail",
    b"msn",
];

/// `_skip_glued_phone`.
fn skip_glued_phone(sb: &[u8], start: usize, stop: usize) -> usize {
    let mut pos = start;
    let mut n_digits = 0;
    while pos < stop && b"0123456789().+- ".contains(&sb[pos]) {
        n_digits += usize::from(sb[pos].is_ascii_digit());
        pos += 1;
    }
    if n_digits < 10 || pos == stop {
        return start;
    }
    while pos < stop && !is_alnum(sb[pos]) {
        pos += 1;
    }
    pos
}

/// `_at_spans`.
fn at_spans(sb: &[u8], found: &mut Vec<Found>) {
    for at_pos in memchr::memchr_iter(b'@', sb) {
        let domain = email_domain(sb, at_pos + 1);
        let stop = if at_pos > 0 && sb[at_pos - 1] == b' ' {
            at_pos - 1
        } else {
            at_pos
        };
        let mut start = stop;
        while start > 0 && is_email_local(sb[start - 1]) {
            start -= 1;
        }
        while start < stop && !is_alnum(sb[start]) {
            start += 1;
        }
        let start = skip_glued_phone(sb, start, stop);
        if let (Some((ds, de)), true) = (domain, start < stop) {
            let key = format!(
                "email:{}@{}",
                ascii_string(&sb[start..stop]),
                ascii_string(&sb[ds..de])
            );
            found.push(Found::new(EMAIL_RANK, start, de, EMAIL_TOKEN, Some(key)));
        } else if let Some(name_end) = handle_name(sb, at_pos + 1) {
            let name = &sb[at_pos + 1..name_end];
            let glued = at_pos > 0 && is_email_local(sb[at_pos - 1]);
            let ok = !DIGIT_WORDS.contains(&name)
                && (!glued
                    || (b"0123456789_".contains(&sb[at_pos - 1])
                        && !MAIL_HOSTS.iter().any(|h| name.starts_with(h))));
            if ok {
                let name = rstrip(name, b".");
                found.push(Found::new(
                    HANDLE_RANK,
                    at_pos,
                    at_pos + 1 + name.len(),
                    HANDLE_TOKEN,
                    Some(format!("handle:{}", ascii_string(name))),
                ));
            }
        }
    }
}

/// `_EMAIL_SPELLED.finditer(sb)`: "mia (at) gmail dot com".
///
/// The user name and host are maximal runs (a shorter one leaves one of their characters
/// where a blank, bracket or "." must follow), blanks are maximal runs, and the alternatives
/// of each separator start with different characters: one way to match from each start.
fn spelled_emails(sb: &[u8], found: &mut Vec<Found>) {
    let user_char = |c: u8| is_email_local(c);
    let mut p = 0;
    while p < sb.len() {
        let c = sb[p];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) || (p > 0 && user_char(sb[p - 1])) {
            p += 1;
            continue;
        }
        match spelled_email_at(sb, p) {
            Some((end, key)) => {
                found.push(Found::new(EMAIL_RANK, p, end, EMAIL_TOKEN, Some(key)));
                p = end;
            }
            None => p += 1,
        }
    }
}

fn spelled_email_at(sb: &[u8], p: usize) -> Option<(usize, String)> {
    let user_end = skip_while(sb, p, is_email_local);
    let q = skip_space(sb, user_end);
    let mut after_at = None;
    if sb.get(q).is_some_and(|c| b"([{<".contains(c)) {
        let r = skip_space(sb, q + 1);
        if at(sb, r, b"at") {
            let r2 = skip_space(sb, r + 2);
            if sb.get(r2).is_some_and(|c| b")]}>".contains(c)) {
                after_at = Some(r2 + 1);
            }
        }
    } else if q > user_end && at(sb, q, b"at") {
        let r = q + 2;
        let r2 = skip_space(sb, r);
        if r2 > r
            && MAIL_HOSTS
                .iter()
                .any(|h| at(sb, r2, h) && word_boundary(sb, r2 + h.len()))
        {
            after_at = Some(r2);
        }
    }
    let host = skip_space(sb, after_at?);
    let host_end = skip_while(sb, host, is_label);
    if host_end == host {
        return None;
    }
    let q2 = skip_space(sb, host_end);
    let after_dot = match sb.get(q2) {
        Some(b'(' | b'[' | b'{' | b'<') => {
            let r = skip_space(sb, q2 + 1);
            if !at(sb, r, b"dot") {
                return None;
            }
            let r2 = skip_space(sb, r + 3);
            if !sb.get(r2).is_some_and(|c| b")]}>".contains(c)) {
                return None;
            }
            r2 + 1
        }
        Some(b'.') => q2 + 1,
        _ if q2 > host_end && at(sb, q2, b"dot") => {
            let r = q2 + 3;
            let r2 = skip_space(sb, r);
            if r2 == r {
                return None;
            }
            r2
        }
        _ => return None,
    };
    let t = skip_space(sb, after_dot);
    const TLDS: [&[u8]; 7] = [b"com", b"ca", b"net", b"org", b"me", b"io", b"co"];
    let tld = TLDS
        .iter()
        .find(|tld| at(sb, t, tld) && word_boundary(sb, t + tld.len()))?;
    let key = format!(
        "email:{}@{}.{}",
        ascii_string(&sb[p..user_end]),
        ascii_string(&sb[host..host_end]),
        ascii_string(tld)
    );
    Some((t + tld.len(), key))
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

static HTTP: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
    regex::bytes::Regex::new(r"https?:/+[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+").expect("valid")
});
static WWW: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
    regex::bytes::Regex::new(r"www\. ?[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+").expect("valid")
});

/// `_TLDS`, in the order of the alternation.
const URL_TLDS: [&[u8]; 20] = [
    b"com", b"ca", b"net", b"org", b"cc", b"me", b"co", b"io", b"ly", b"xxx", b"tv", b"info",
    b"biz", b"us", b"uk", b"link", b"site", b"online", b"club", b"app",
];

fn is_path(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || b"-._~/?#=&%".contains(&c)
}

/// `_url_spans`.
fn url_spans(sb: &[u8], dot_word: bool, found: &mut Vec<Found>) {
    for (rx, guard, needle) in [(&*HTTP, b':', &*FIND_HTTP), (&*WWW, b'w', &*FIND_WWW)] {
        if memchr::memchr(guard, sb).is_some() && needle.find(sb).is_some() {
            for m in rx.find_iter(sb) {
                let url = rstrip(m.as_bytes(), b".,;:!?)]'\"");
                found.push(Found::new(
                    URL_RANK,
                    m.start(),
                    m.start() + url.len(),
                    URL_TOKEN,
                    None,
                ));
            }
        }
    }
    for (start, end) in spelled_domains(sb, dot_word) {
        found.push(Found::new(URL_RANK, start, end, URL_TOKEN, None));
    }
    // `_TLD.finditer`: a "." and a top-level domain not followed by a letter. The walk back
    // to the domain's first character is remembered per run of domain characters.
    let mut scan = 0;
    let mut ptr = 0;
    let mut run_begin = 0;
    let mut first_alnum: Option<(usize, usize)> = None; // (run_begin, first alnum at or after)
    let mut path_memo: Option<(usize, usize)> = None; // (from, end) of a run of path chars
    while let Some(off) = memchr::memchr(b'.', sb.get(scan..).unwrap_or(&[])) {
        let p = scan + off;
        // Every top-level domain starts with one of these letters: most "." are skipped here.
        if !sb.get(p + 1).is_some_and(|c| b"abcilmnostux".contains(c)) {
            scan = p + 1;
            continue;
        }
        let tld_end = URL_TLDS.iter().find_map(|tld| {
            let e = p + 1 + tld.len();
            (at(sb, p + 1, tld) && !sb.get(e).is_some_and(|&c| is_letter(c))).then_some(e)
        });
        let Some(e) = tld_end else {
            scan = p + 1;
            continue;
        };
        scan = e;
        // Back to the domain's first character, no further than the previous match: from
        // there the run is known.
        let mut q = p;
        while q > ptr && is_domain(sb[q - 1]) {
            q -= 1;
        }
        if q > ptr {
            run_begin = q;
        }
        ptr = p;
        let f = match first_alnum {
            Some((rb, f)) if rb == run_begin => f,
            _ => {
                let f = skip_while(sb, run_begin, |c| is_domain(c) && !is_alnum(c));
                first_alnum = Some((run_begin, f));
                f
            }
        };
        let start = f.min(p);
        if start == p || (start > 0 && sb[start - 1] == b'_') {
            continue;
        }
        let end = if sb.get(e) == Some(&b'/') {
            match path_memo {
                Some((from, end)) if from <= e + 1 && e < end => end,
                _ => {
                    let end = skip_while(sb, e + 1, is_path);
                    path_memo = Some((e + 1, end));
                    end
                }
            }
        } else {
            e
        };
        found.push(Found::new(URL_RANK, start, end, URL_TOKEN, None));
    }
}

/// `_SPELLED_TLD.match(sb, p)`: its end.
fn spelled_tld(sb: &[u8], p: usize) -> Option<usize> {
    let c0 = *sb.get(p)?;
    let q = if c0 == b' ' && at(sb, p + 1, b".") {
        p + 2
    } else if (c0 == b'(' || c0 == b'[')
        && at(sb, p + 1, b".")
        && sb.get(p + 2).is_some_and(|c| b")]".contains(c))
    {
        p + 3
    } else if at(sb, p, b" dot ")
        || ((c0 == b'(' || c0 == b'[')
            && at(sb, p + 1, b"dot")
            && sb.get(p + 4).is_some_and(|c| b")]".contains(c)))
    {
        p + 5
    } else {
        return None;
    };
    [b"com" as &[u8], b"net", b"org", b"ca"]
        .iter()
        .find(|tld| {
            at(sb, q, tld)
                && !sb
                    .get(q + tld.len())
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        .map(|tld| q + tld.len())
}

/// `_spelled_domains`: "name .com", "name(.)com", "name dot com".
fn spelled_domains(sb: &[u8], dot_word: bool) -> Vec<(usize, usize)> {
    // " ." and " dot" with brackets read as blanks (`_BRACKETS_AS_BLANKS`).
    let opens = |p: usize| p > 0 && matches!(sb[p - 1], b' ' | b'(' | b'[');
    let mut seps: Vec<usize> = memchr::memchr_iter(b'.', sb)
        .filter(|&p| opens(p))
        .map(|p| p - 1)
        .collect();
    if dot_word {
        seps.extend(FIND_DOT.find_iter(sb).filter(|&p| opens(p)).map(|p| p - 1));
    }
    if seps.is_empty() {
        return Vec::new();
    }
    seps.sort_unstable();
    let mut spans = Vec::new();
    let mut last_end = 0;
    for sep in seps {
        if sep < last_end {
            continue;
        }
        if sb.get(sep + 1) == Some(&b'.') && !sb.get(sep + 2).is_some_and(|c| b"cno)]".contains(c))
        {
            continue;
        }
        let Some(tail_end) = spelled_tld(sb, sep) else {
            continue;
        };
        let mut start = sep;
        while start > last_end && is_label(sb[start - 1]) {
            start -= 1;
        }
        while start < sep && sb[start] == b'-' {
            start += 1;
        }
        if start < sep {
            spans.push((start, tail_end));
            last_end = tail_end;
        }
    }
    spans
}

// ---------------------------------------------------------------------------------------------
// Handles after a keyword
// ---------------------------------------------------------------------------------------------

const NOT_HANDLES: [&[u8]; 22] = [
    b"me",
    b"only",
    b"is",
    b"available",
    b"text",
    b"call",
    b"dm",
    b"message",
    b"ask",
    b"same",
    b"add",
    b"follow",
    b"my",
    b"for",
    b"and",
    b"or",
    b"the",
    b"too",
    b"also",
    b"premium",
    b"yes",
    b"no",
];

/// `_KEYWORD_HANDLE` after the letters `start..p1`: the span of the name.
///
/// Blanks and separator runs are maximal (a shorter one leaves a character that nothing after
/// it can start with), "@" is taken when there, and the name is greedy at the end.
fn keyword_handle_from(sb: &[u8], p1: usize) -> Option<(usize, usize)> {
    let q = skip_space(sb, p1);
    for option in [Some(b"id" as &[u8]), Some(b"name"), None] {
        let p2 = match option {
            Some(word) if at(sb, q, word) => q + word.len(),
            Some(_) => continue,
            None => q,
        };
        let p3 = skip_space(sb, p2);
        let p4 = match sb.get(p3) {
            Some(b':' | b'=' | b';') => skip_while(sb, p3, |c| b":=;".contains(&c)),
            Some(b'-') => skip_while(sb, p3, |c| c == b'-'),
            _ if word_boundary(sb, p3) && at(sb, p3, b"is") && word_boundary(sb, p3 + 2) => p3 + 2,
            _ => continue,
        };
        let p5 = skip_space(sb, p4);
        let name_at = |n: usize| -> Option<usize> {
            let c = *sb.get(n)?;
            if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
                return None;
            }
            let mut e = n + 1;
            while e < sb.len() && e - n < 30 && (is_label(sb[e]) || sb[e] == b'_' || sb[e] == b'.')
            {
                e += 1;
            }
            (e - n >= 3).then_some(e)
        };
        if sb.get(p5) == Some(&b'@') {
            if let Some(e) = name_at(p5 + 1) {
                return Some((p5 + 1, e));
            }
        }
        if let Some(e) = name_at(p5) {
            return Some((p5, e));
        }
    }
    None
}

/// `_KEYWORD_HANDLE.match(sb, start)`: `[a-z]+` gives back letters one at a time.
fn keyword_handle(sb: &[u8], start: usize) -> Option<(usize, usize)> {
    let letters_end = skip_while(sb, start, is_letter);
    (start + 1..=letters_end)
        .rev()
        .find_map(|p1| keyword_handle_from(sb, p1))
}

/// `_keyword_handle_spans`.
fn keyword_handle_spans(sb: &[u8], words: u64, found: &mut Vec<Found>) {
    for (k, keyword) in TRIGGER_WORDS.iter().enumerate() {
        if words & HANDLE_KEYWORDS & (1 << k) == 0 {
            continue;
        }
        for start in find_all(sb, keyword) {
            if start > 0 && is_letter(sb[start - 1]) {
                continue;
            }
            let Some((ns, ne)) = keyword_handle(sb, start) else {
                continue;
            };
            if ne - start > 60 {
                continue;
            }
            let name = rstrip(&sb[ns..ne], b".-");
            if !NOT_HANDLES.contains(&name) && !name.iter().all(u8::is_ascii_digit) {
                found.push(Found::new(
                    HANDLE_RANK,
                    ns,
                    ns + name.len(),
                    HANDLE_TOKEN,
                    Some(format!("handle:{}", ascii_string(name))),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ranking and merging
// ---------------------------------------------------------------------------------------------

/// One find: the tuples `(rank, start, end, token, key)` that Python sorts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    rank: u8,
    start: usize,
    end: usize,
    token: &'static str,
    key: Option<String>,
}

impl Found {
    fn new(rank: u8, start: usize, end: usize, token: &'static str, key: Option<String>) -> Self {
        Self {
            rank,
            start,
            end,
            token,
            key,
        }
    }
}

/// Why an analysis was declined; the Python reference then handles the text.
#[derive(Debug)]
pub(crate) struct Decline;

/// `_analyse(text)`, or None where the Python reference must run (a failed call back into
/// Python, mojibake that one repair after another does not settle).
///
/// Python is called back (hence `py`) for what stays data-heavy there: folding a run of
/// non-ASCII characters missing from the cache (`_fold._fold_run`), repairing mojibake
/// (`_fold._fix_encoding`, ftfy) and numbers outside North America
/// (`_contacts._international_phones`, which uses `phonenumbers`). Everything else runs in
/// Rust.
pub fn analyse<'a>(py: Python<'_>, text: &'a str) -> Option<Analysis<'a>> {
    let skel = fold::skeleton(py, text)?;
    let sb = skel.skeleton.as_slice();
    let view = TextView::new(skel.text.as_ref());
    let words = trigger_words(sb);
    let digits: Vec<u8> = sb
        .iter()
        .map(|&c| if c.is_ascii_digit() { b'0' } else { c })
        .collect();
    let mut found: Vec<Found> = Vec::new();
    if memchr::memchr(b'@', sb).is_some() {
        at_spans(sb, &mut found);
    }
    let has = |needle: &[u8]| memchr::memmem::find(sb, needle).is_some();
    if words & AT_WORD != 0 && (words & DOT_WORD != 0 || has(b"(at)") || has(b"[at]")) {
        spelled_emails(sb, &mut found);
    }
    if memchr::memchr(b'.', sb).is_some() || FIND_DOT.find(sb).is_some() {
        url_spans(sb, words & DOT_WORD != 0, &mut found);
    }
    if words & HANDLE_KEYWORDS != 0 {
        keyword_handle_spans(sb, words, &mut found);
    }
    let any_digit = memchr::memchr(b'0', &digits).is_some();
    if any_digit || words & DIGIT_WORD_STARTS != 0 {
        let digit_words: Vec<&[u8]> = (0..10)
            .filter(|k| words & (1 << k) != 0)
            .map(|k| TRIGGER_WORDS[k])
            .collect();
        for (start, end, token, key) in
            phones::phone_spans(py, sb, &digits, &digit_words, &view).ok()?
        {
            let mut start = start;
            while start > 0 && (sb[start - 1] == b'(' || sb[start - 1] == b'+') {
                start -= 1;
            }
            found.push(Found::new(PHONE_RANK, start, end, token, key));
        }
        // Last guard for privacy: no run of seven digits or more outside a span.
        let digit_bits = bytes::bitmap(sb, |v| bytes::between(v, b'0', b'9'));
        bytes::for_each_run(&digit_bits, |start, end| {
            if end - start >= 7 {
                found.push(Found::new(PHONE_RANK + 1, start, end, PHONE_TOKEN, None));
            }
        });
    }
    let mut spans: Vec<Found> = Vec::new();
    if found.len() == 1 {
        spans = found;
    } else if !found.is_empty() {
        found.sort();
        for f in found {
            let (mut start, mut end) = (f.start, f.end);
            if f.rank == URL_RANK {
                // A web address glued to an e-mail or another address: keep the part outside.
                for s in &spans {
                    if s.start <= start && start < s.end && s.end < end {
                        start = s.end;
                    } else if start < s.start && s.start < end && end <= s.end {
                        end = s.start;
                    }
                }
            }
            if spans.iter().all(|s| end <= s.start || start >= s.end) {
                spans.push(Found { start, end, ..f });
            }
        }
        spans.sort_by(|a, b| {
            (a.start, a.end, a.token, &a.key).cmp(&(b.start, b.end, b.token, &b.key))
        });
    }
    let spans = spans
        .into_iter()
        .map(|f| {
            // A span also takes the invisible marks after it (the keycap of "3️⃣").
            let end = skip_while(sb, f.end, |c| c == 0);
            Span {
                start: f.start,
                end,
                token: f.token.to_string(),
                key: f.key,
            }
        })
        .collect();
    Some(Analysis {
        text: skel.text,
        skeleton: skel.skeleton,
        runs: skel.runs,
        spans,
        words,
    })
}

/// The trigger words as Python bytes, made once.
static WORD_OBJECTS: pyo3::sync::GILOnceCell<Vec<Py<PyBytes>>> = pyo3::sync::GILOnceCell::new();

/// `classifier_core.analyse(text)`: the five fields of `_Analysis` as a tuple, or None to
/// decline (a `str` with lone surrogates, or a failed call back into Python).
#[pyfunction]
#[pyo3(name = "analyse")]
fn py_analyse<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<PyObject> {
    let Ok(pystr) = text.downcast::<PyString>() else {
        return Ok(py.None());
    };
    let Ok(s) = pystr.to_str() else {
        return Ok(py.None());
    };
    let Some(found) = analyse(py, s) else {
        return Ok(py.None());
    };
    let text_obj: Bound<'py, PyAny> = match &found.text {
        std::borrow::Cow::Borrowed(_) => pystr.clone().into_any(),
        std::borrow::Cow::Owned(owned) => PyString::new(py, owned).into_any(),
    };
    let Ok(skeleton) = std::str::from_utf8(&found.skeleton) else {
        return Ok(py.None());
    };
    let skeleton = PyString::new(py, skeleton);
    let runs = PyList::empty(py);
    for (start, end, folded) in &found.runs {
        runs.append((*start, *end, &**folded))?;
    }
    let spans = PyList::empty(py);
    for span in &found.spans {
        spans.append((
            span.start,
            span.end,
            span.token.as_str(),
            span.key.as_deref(),
        ))?;
    }
    let word_objects = WORD_OBJECTS.get_or_init(py, || {
        TRIGGER_WORDS
            .iter()
            .map(|w| PyBytes::new(py, w).unbind())
            .collect()
    });
    let words = PyFrozenSet::new(
        py,
        word_objects
            .iter()
            .enumerate()
            .filter(|(k, _)| found.words & (1 << k) != 0)
            .map(|(_, w)| w.bind(py)),
    )?;
    Ok(PyTuple::new(
        py,
        [
            text_obj,
            skeleton.into_any(),
            runs.into_any(),
            spans.into_any(),
            words.into_any(),
        ],
    )?
    .into_any()
    .unbind())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(py_analyse, m)?)?;
    Ok(())
}
