//! Phone numbers, plain or obscured: `_phone_spans` and its helpers in `_contacts.py`.
//!
//! The runs of digit tokens (`_PHONE_RUN_DIGIT`, `_PHONE_RUN_WORD`) are matched by hand: each
//! repetition is "up to four separators, then a token", and a token starts with a character
//! that is no separator, so the greedy repetition has a single way to go on at each step.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use rustc_hash::FxHashMap;

use super::{
    find_all, is_letter, is_phone_char, is_sep, Decline, TextView, EMAIL_TOKEN, HANDLE_TOKEN,
    PHONE_OBF_TOKEN, PHONE_TOKEN, URL_TOKEN,
};

pub(super) type PhoneSpan = (usize, usize, &'static str, Option<String>);

/// `_WORD_ALT`: the digit words in the order of the alternation, with their digits.
const WORD_ALT: [(&[u8], u8); 11] = [
    (b"three", b'3'),
    (b"seven", b'7'),
    (b"eight", b'8'),
    (b"zero", b'0'),
    (b"four", b'4'),
    (b"five", b'5'),
    (b"nine", b'9'),
    (b"one", b'1'),
    (b"two", b'2'),
    (b"six", b'6'),
    (b"oh", b'0'),
];

fn is_oli(c: u8) -> bool {
    matches!(c, b'o' | b'l' | b'i')
}

/// `[a-hjkmnp-z]`: a letter that stands for no digit.
fn is_other_letter(c: u8) -> bool {
    is_letter(c) && !is_oli(c)
}

/// Tokens of `_TOKEN` in `d` (the skeleton with digits as "0"), seen up to `lim` (Python's
/// `endpos`; look-behinds see before the start).
struct Tokens<'a> {
    d: &'a [u8],
    lim: usize,
    /// (from, end, result) of the last `[oli]*` look-ahead: the same for every position of
    /// one run of "o", "l", "i" (a long run would otherwise be rescanned from each letter).
    oli: Option<(usize, usize, bool)>,
    /// Position -> (end, repetitions) of the runs of tokens from there, `UNSEEN` until
    /// computed (`None`: not kept).
    chains: Option<Vec<(u32, u32)>>,
}

const UNSEEN: (u32, u32) = (u32::MAX, 0);

impl<'a> Tokens<'a> {
    fn new(d: &'a [u8], lim: usize, remember: bool) -> Self {
        Self {
            d,
            lim: lim.min(d.len()),
            oli: None,
            // Positions fit in u32 (a longer text is scanned without the memo).
            chains: (remember && d.len() < u32::MAX as usize).then(|| vec![UNSEEN; d.len() + 1]),
        }
    }

    /// `_TOKEN` at `p`: its end.
    fn token_at(&mut self, p: usize) -> Option<usize> {
        let (d, lim) = (self.d, self.lim);
        if p >= lim {
            return None;
        }
        let c = d[p];
        if c == b'0' {
            return Some(p + 1);
        }
        if !(p > 0 && is_letter(d[p - 1])) {
            for (word, _) in WORD_ALT {
                if d[p..lim].starts_with(word) {
                    let e = p + word.len();
                    if !(e < lim && is_letter(d[e])) {
                        return Some(e);
                    }
                }
            }
        }
        if !is_oli(c) || (p > 0 && is_other_letter(d[p - 1])) {
            return None;
        }
        // (?=[oli]*(?!\x00*[a-z])): the whole run of "oli" after it, then no letter after
        // invisible marks.
        let ok = match self.oli {
            Some((from, end, ok)) if from <= p && p < end => ok,
            _ => {
                let mut q = p + 1;
                while q < lim && is_oli(d[q]) {
                    q += 1;
                }
                let mut r = q;
                while r < lim && d[r] == 0 {
                    r += 1;
                }
                let ok = !(r < lim && is_letter(d[r]));
                self.oli = Some((p, q, ok));
                ok
            }
        };
        if !ok {
            return None;
        }
        // (?![*._~+/|-][a-hjkmnp-z]): no spaced-out letters ("l*b*s").
        if p + 2 < lim && b"*._~+/|-".contains(&d[p + 1]) && is_other_letter(d[p + 2]) {
            return None;
        }
        Some(p + 1)
    }

    /// One repetition `SEP{0,4} TOKEN` from `pos`: its end.
    fn step(&mut self, pos: usize) -> Option<usize> {
        let mut n = 0;
        while pos + n < self.lim && is_sep(self.d[pos + n]) {
            n += 1;
            if n > 4 {
                return None;
            }
        }
        self.token_at(pos + n)
    }

    /// As many repetitions as there are from `pos`: (end, count).
    fn chain(&mut self, pos: usize) -> (usize, usize) {
        let Some(mut memo) = self.chains.take() else {
            let (mut cur, mut count) = (pos, 0);
            while let Some(next) = self.step(cur) {
                cur = next;
                count += 1;
            }
            return (cur, count);
        };
        let mut visited = Vec::new();
        let mut cur = pos;
        let (end, tail) = loop {
            match memo.get(cur) {
                Some(&(end, count)) if (end, count) != UNSEEN => {
                    break (end as usize, count as usize);
                }
                _ => {}
            }
            match self.step(cur) {
                Some(next) => {
                    visited.push(cur);
                    cur = next;
                }
                None => {
                    if let Some(slot) = memo.get_mut(cur) {
                        *slot = (cur as u32, 0);
                    }
                    break (cur, 0);
                }
            }
        };
        let n = visited.len();
        for (k, &v) in visited.iter().enumerate() {
            if let Some(slot) = memo.get_mut(v) {
                *slot = (end as u32, (n - k + tail) as u32);
            }
        }
        self.chains = Some(memo);
        (end, n + tail)
    }

    /// `_PHONE_RUN_DIGIT.finditer(d, start, lim)`: push the spans of its matches.
    fn digit_runs(&mut self, start: usize, runs: &mut Vec<(usize, usize)>) {
        let mut p = start;
        while p < self.lim {
            let Some(off) = memchr::memchr(b'0', &self.d[p..self.lim]) else {
                break;
            };
            p += off;
            if p > 0 && self.d[p - 1] == b'0' {
                p += 1;
                continue;
            }
            let (end, count) = self.chain(p + 1);
            if count >= 6 {
                runs.push((p, end));
                p = end;
            } else {
                p += 1;
            }
        }
    }

    /// `_PHONE_RUN_WORD.match(d, start)`: its end.
    fn word_run(&mut self, start: usize) -> Option<usize> {
        let d = self.d;
        if start > 0 && is_letter(d[start - 1]) {
            return None;
        }
        let e = WORD_ALT.iter().find_map(|(word, _)| {
            let e = start + word.len();
            (d.get(start..)?.starts_with(word) && !(e < self.lim && is_letter(d[e]))).then_some(e)
        })?;
        let (end, count) = self.chain(e);
        (count >= 6).then_some(end)
    }
}

/// `_digits_before`.
fn digits_before(digits: &[u8], mut start: usize) -> usize {
    for _ in 0..11 {
        let mut pos = start;
        while pos + 4 > start && pos > 0 && is_sep(digits[pos - 1]) {
            pos -= 1;
        }
        if pos == start || pos == 0 || digits[pos - 1] != b'0' {
            return start;
        }
        start = pos - 1;
        while start > 0 && digits[start - 1] == b'0' {
            start -= 1;
        }
    }
    start
}

/// `_letters_before`.
fn letters_before(sb: &[u8], start: usize) -> usize {
    let mut pos = start;
    while pos > 0 && start - pos < 4 && is_sep(sb[pos - 1]) {
        pos -= 1;
    }
    let mut first = pos;
    while first > 0 && is_oli(sb[first - 1]) {
        first -= 1;
    }
    if first == pos || (first > 0 && is_letter(sb[first - 1])) {
        return start;
    }
    first
}

/// `_phone_spans`. Err: numbers outside North America could not be read (Python failed).
pub(super) fn phone_spans(
    py: Python<'_>,
    sb: &[u8],
    digits: &[u8],
    digit_words: &[&[u8]],
    text: &TextView<'_>,
) -> Result<Vec<PhoneSpan>, Decline> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    if !digit_words.is_empty() {
        let mut tokens = Tokens::new(digits, digits.len(), true);
        tokens.digit_runs(0, &mut runs);
        for word in digit_words {
            for start in find_all(sb, word) {
                if let Some(end) = tokens.word_run(start) {
                    runs.push((digits_before(digits, start), end));
                }
            }
        }
        runs.sort_unstable();
    } else {
        // Stretches of seven or more phone characters, each read up to one character more;
        // only those with a digit can hold a run, so the scan jumps from digit to digit.
        let mut pos = 0;
        while let Some(off) = memchr::memchr(b'0', &digits[pos..]) {
            let digit = pos + off;
            let mut start = digit;
            while start > 0 && is_phone_char(sb[start - 1]) {
                start -= 1;
            }
            let mut end = digit;
            while end < sb.len() && is_phone_char(sb[end]) {
                end += 1;
            }
            if end - start >= 7 {
                Tokens::new(digits, end + 1, false).digit_runs(start, &mut runs);
            }
            pos = end;
        }
    }
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in runs {
        let start = letters_before(sb, start);
        match merged.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut spans = Vec::new();
    for (start, end) in merged {
        if let Some(span) = digits_only_phone(sb, digits, start, end, text) {
            spans.push(span);
            continue;
        }
        let groups = token_groups(sb, start, end, text);
        let Some(first) = groups.first().map(|g| g[0]) else {
            continue;
        };
        if first.digit == b'0' || (first.start > 0 && sb[first.start - 1] == b'+') {
            let intl = international_phones(py, &groups, sb, text)?;
            if intl.is_empty() {
                spans.extend(phones_in_groups(&groups, sb, text));
            } else {
                spans.extend(intl);
            }
            continue;
        }
        let mut found = phones_in_groups(&groups, sb, text);
        if !found.iter().any(|s| s.3.is_some()) {
            let intl = international_phones(py, &groups, sb, text)?;
            if !intl.is_empty() {
                found = intl;
            }
        }
        spans.extend(found);
    }
    Ok(spans)
}

/// The regular expression `_PLAIN_PHONE`, its back-reference spelled out, with `ws` for `\s`.
fn plain_phone_pattern(ws: &str) -> String {
    let alternatives = [
        "[0-9]{3}[0-9]{3}[0-9]{4}".to_string(),
        "[0-9]{3} [0-9]{3} [0-9]{4}".to_string(),
        r"[0-9]{3}\.[0-9]{3}\.[0-9]{4}".to_string(),
        "[0-9]{3}-[0-9]{3}-[0-9]{4}".to_string(),
        format!(r"[0-9]{{3}}\)?{ws}?-?{ws}?[0-9]{{3}}{ws}?-{ws}?[0-9]{{4}}"),
        r"[0-9]{3}\)[ -]?[0-9]{3}[ .-]?[0-9]{4}".to_string(),
        "[0-9]{3}[-.]?[0-9]{7}".to_string(),
    ];
    format!(r"^(?:1(?:[ .-]|{ws}?\(|)?)?(?:{})$", alternatives.join("|"))
}

/// `_PLAIN_PHONE_BYTES` (on the skeleton: `\s` read as a blank).
static PLAIN_PHONE_BYTES: std::sync::LazyLock<regex::bytes::Regex> =
    std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(&plain_phone_pattern(" ")).expect("valid pattern")
    });
/// `_PLAIN_PHONE` (on the text: `\s` is Python's Unicode white space, `str.isspace`).
static PLAIN_PHONE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    let ws = r"[\t\n\x0B\x0C\r\x1C-\x1F \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]";
    regex::Regex::new(&plain_phone_pattern(ws)).expect("valid pattern")
});

fn plain_phone_text(text: &TextView<'_>, start: usize, end: usize) -> bool {
    PLAIN_PHONE.is_match(&text.slice(start, end))
}

/// `_PLAIN_LOCAL.fullmatch(text, start, end)`: "555-0143".
fn plain_local_text(text: &TextView<'_>, start: usize, end: usize) -> bool {
    if end != start + 8 {
        return false;
    }
    (0..8).all(|k| {
        let c = text.char_at(start + k);
        match k {
            3 => matches!(c, Some('-' | '.' | ' ')),
            _ => c.is_some_and(|c| c.is_ascii_digit()),
        }
    })
}

/// The last ten digits of a number, as its key.
fn phone_key(number: &[u8]) -> String {
    let tail = &number[number.len().saturating_sub(10)..];
    format!("phone:{}", super::ascii_string(tail))
}

/// `_DIGIT_GROUPINGS`.
fn usual_grouping(sizes: &[usize]) -> bool {
    matches!(
        sizes,
        [10] | [11] | [3, 7] | [3, 3, 4] | [6, 4] | [3, 3, 2, 2] | [1, 3, 3, 4]
    )
}

/// Python's slice `sb[a:b]` (empty where `a >= b`).
fn slice(sb: &[u8], a: usize, b: usize) -> &[u8] {
    let b = b.min(sb.len());
    &sb[a.min(b)..b]
}

/// `_digits_only_phone`.
fn digits_only_phone(
    sb: &[u8],
    digits: &[u8],
    start: usize,
    end: usize,
    text: &TextView<'_>,
) -> Option<PhoneSpan> {
    let run = slice(sb, start, end);
    if PLAIN_PHONE_BYTES.is_match(run) {
        let number: Vec<u8> = run.iter().copied().filter(u8::is_ascii_digit).collect();
        let token = if text.slice(start, end).is_ascii() {
            PHONE_TOKEN
        } else {
            PHONE_OBF_TOKEN
        };
        return Some((start, end, token, Some(phone_key(&number))));
    }
    let last_digit = slice(digits, start, end)
        .iter()
        .rposition(|&c| c == b'0')
        .map_or(0, |k| start + k + 1);
    let letters = |s: &[u8]| s.iter().filter(|c| c.is_ascii_lowercase()).count();
    if letters(slice(sb, start, last_digit)) > 0 || letters(slice(sb, last_digit, end)) > 1 {
        return None;
    }
    let end = last_digit;
    let segment = slice(sb, start, end);
    let number: Vec<u8> = segment.iter().copied().filter(u8::is_ascii_digit).collect();
    if !((number.len() == 10 && number[0] > b'1')
        || (number.len() == 11 && number[0] == b'1' && number[1] > b'1'))
    {
        return None;
    }
    let sizes: Vec<usize> = segment
        .split(|c| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(<[u8]>::len)
        .collect();
    if sizes.iter().min().is_some_and(|&m| m >= 2) && !usual_grouping(&sizes) {
        return None;
    }
    let token = if plain_phone_text(text, start, end) {
        PHONE_TOKEN
    } else {
        PHONE_OBF_TOKEN
    };
    Some((start, end, token, Some(phone_key(&number))))
}

/// A digit token: (start, end, digit, whether it is a letter standing for a digit).
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    digit: u8,
    letter: bool,
}

impl Tok {
    /// `_is_digit_token`.
    fn is_digit(&self) -> bool {
        self.end - self.start == 1 && !self.letter
    }
}

type Group = Vec<Tok>;

/// `_PHONE_TOKEN_RX` at `p`, seen up to `end`: (token end, digit).
fn phone_token(sb: &[u8], p: usize, end: usize) -> Option<(usize, u8)> {
    let c = sb[p];
    if c.is_ascii_digit() {
        return Some((p + 1, c));
    }
    let rest = &sb[p..end];
    for (word, digit) in WORD_ALT {
        if rest.starts_with(word) {
            return Some((p + word.len(), digit));
        }
    }
    match c {
        b'o' => Some((p + 1, b'0')),
        b'l' | b'i' => Some((p + 1, b'1')),
        _ => None,
    }
}

/// `_token_groups`.
fn token_groups(sb: &[u8], start: usize, end: usize, text: &TextView<'_>) -> Vec<Group> {
    let end = end.min(sb.len());
    let mut groups: Vec<Group> = Vec::new();
    let mut last_end = usize::MAX;
    let mut p = start;
    while p < end {
        let Some((e, digit)) = phone_token(sb, p, end) else {
            p += 1;
            continue;
        };
        let tok = Tok {
            start: p,
            end: e,
            digit,
            letter: e - p == 1 && sb[p] > b'9',
        };
        match groups.last_mut() {
            Some(group) if p == last_end => group.push(tok),
            _ => groups.push(vec![tok]),
        }
        last_end = e;
        p = e;
    }
    // "...0143i travel": the pronoun glued after a number, not a 1.
    let mut out = Vec::with_capacity(groups.len());
    for mut group in groups {
        let n = group.len();
        if n > 1 && text.char_at(group[n - 1].start) == Some('i') && !group[n - 2].letter {
            let last = group.pop().expect("two tokens or more");
            out.push(group);
            out.push(vec![last]);
        } else {
            out.push(group);
        }
    }
    out
}

/// `_phones_in_groups`.
fn phones_in_groups(groups: &[Group], sb: &[u8], text: &TextView<'_>) -> Vec<PhoneSpan> {
    let mut candidates = phone_candidates(groups, sb);
    let mut regrouped: Option<Vec<Group>> = None;
    if candidates.is_empty() && groups.len() >= 3 {
        // Digits glued before an area code ("5'6587 555 0143").
        let sizes: Vec<usize> = groups
            .iter()
            .map(|g| {
                if g.iter().all(Tok::is_digit) {
                    g.len()
                } else {
                    0
                }
            })
            .collect();
        for i in 0..groups.len() - 2 {
            if sizes[i] >= 4 && sizes[i + 1] == 3 && sizes[i + 2] == 4 {
                let mut new: Vec<Group> = groups[..i].to_vec();
                let g = &groups[i];
                new.push(g[..g.len() - 3].to_vec());
                new.push(g[g.len() - 3..].to_vec());
                new.extend(groups[i + 1..].iter().cloned());
                candidates = phone_candidates(&new, sb);
                regrouped = Some(new);
                break;
            }
        }
    }
    let groups: &[Group] = regrouped.as_deref().unwrap_or(groups);
    let mut spans = Vec::new();
    let mut used = vec![false; groups.len()];
    for &(_, _, _, i, j) in &candidates {
        if used[i..=j].iter().any(|&u| u) {
            continue;
        }
        used[i..=j].iter_mut().for_each(|u| *u = true);
        let number: Vec<u8> = groups[i..=j]
            .iter()
            .flat_map(|g| g.iter().map(|t| t.digit))
            .collect();
        let (start, end) = (groups[i][0].start, groups[j][groups[j].len() - 1].end);
        let token = if plain_phone_text(text, start, end) {
            PHONE_TOKEN
        } else {
            PHONE_OBF_TOKEN
        };
        spans.push((start, end, token, Some(phone_key(&number))));
    }
    spans.extend(unmatched_numbers(groups, &used, sb, text));
    spans
}

/// `_phone_candidates`: (distinct separators, cuts, mixed, i, j), sorted.
fn phone_candidates(groups: &[Group], sb: &[u8]) -> Vec<(usize, bool, bool, usize, usize)> {
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let mut left: usize = sizes.iter().sum();
    if left < 10 {
        return Vec::new();
    }
    let last_end = |g: &Group| g[g.len() - 1].end;
    let seps: Vec<&[u8]> = (0..groups.len().saturating_sub(1))
        .map(|k| slice(sb, last_end(&groups[k]), groups[k + 1][0].start))
        .collect();
    let digit_only: Vec<bool> = groups
        .iter()
        .map(|g| {
            let s = slice(sb, g[0].start, last_end(g));
            !s.is_empty() && s.iter().all(u8::is_ascii_digit)
        })
        .collect();
    let breaks: Vec<bool> = seps
        .iter()
        .map(|s| s.contains(&b',') || s.contains(&b';'))
        .collect();
    let mut candidates = Vec::new();
    for i in 0..groups.len() {
        if left < 10 {
            break;
        }
        left -= sizes[i];
        let Some(j) = phone_window(groups, &sizes, &digit_only, &breaks, i, sb) else {
            continue;
        };
        let multi = (i..=j).any(|k| sizes[k] >= 2 && digit_only[k]);
        let mixed = multi && sizes[i..=j].contains(&1);
        let inner = &seps[i..j];
        let spaced = !inner.is_empty() && inner.iter().all(|s| s.contains(&b' '));
        let cuts = spaced
            && ((i > 0 && !seps[i - 1].contains(&b' '))
                || (j < seps.len() && !seps[j].contains(&b' ')));
        // `len(set(inner))`: a window spans eleven groups at most.
        let distinct = (0..inner.len())
            .filter(|&k| !inner[..k].contains(&inner[k]))
            .count();
        candidates.push((distinct, cuts, mixed, i, j));
    }
    candidates.sort_unstable();
    candidates
}

/// `_phone_window`.
fn phone_window(
    groups: &[Group],
    sizes: &[usize],
    digit_only: &[bool],
    breaks: &[bool],
    i: usize,
    sb: &[u8],
) -> Option<usize> {
    let first = &groups[i];
    if sizes[i] == 1 && first[0].letter {
        return None;
    }
    if first[0].start > 0 && is_letter(sb[first[0].start - 1]) && first.iter().any(|t| t.letter) {
        return None;
    }
    let mut total = 0;
    for j in i..groups.len() {
        if j > i && breaks[j - 1] {
            return None;
        }
        total += sizes[j];
        if total > 11 {
            return None;
        }
        if total < 10 || (sizes[j] == 1 && groups[j][0].letter) {
            continue;
        }
        let first_digit = first[0].digit;
        if total == 10 && (first_digit == b'0' || first_digit == b'1') {
            continue;
        }
        if total == 11 {
            let second = if groups[i].len() > 1 {
                groups[i][1].digit
            } else {
                groups[i + 1][0].digit
            };
            if !(first_digit == b'1' && second != b'0' && second != b'1') {
                continue;
            }
        }
        let window = &sizes[i..=j];
        if window.iter().min().is_some_and(|&m| m < 2) || !digit_only[i..=j].iter().all(|&d| d) {
            return Some(j);
        }
        if usual_grouping(window) {
            return Some(j);
        }
    }
    None
}

/// `_unmatched_numbers`.
fn unmatched_numbers(
    groups: &[Group],
    used: &[bool],
    sb: &[u8],
    text: &TextView<'_>,
) -> Vec<PhoneSpan> {
    let mut spans = Vec::new();
    let mut k = 0;
    while k < groups.len() {
        if used[k] {
            k += 1;
            continue;
        }
        let first = k;
        while k < groups.len() && !used[k] {
            k += 1;
        }
        let last = k - 1;
        let sizes: Vec<usize> = groups[first..=last].iter().map(Vec::len).collect();
        let (start, end) = (
            groups[first][0].start,
            groups[last][groups[last].len() - 1].end,
        );
        let total: usize = sizes.iter().sum();
        let ones = sizes.iter().filter(|&&s| s == 1).count();
        if sizes == [3, 4] && plain_local_text(text, start, end) {
            if start == 0 || sb[start - 1] != b'$' {
                spans.push((start, end, PHONE_TOKEN, None));
            }
        } else if total >= 7 && 2 * ones >= sizes.len() {
            spans.push((start, end, PHONE_OBF_TOKEN, None));
        } else if total >= 7
            && sizes.iter().max().is_some_and(|&m| m >= 4)
            && !slice(sb, start, end).iter().any(|c| b"/:,;".contains(c))
        {
            spans.push((start, end, PHONE_TOKEN, None));
        }
    }
    spans
}

static INTERNATIONAL: GILOnceCell<PyObject> = GILOnceCell::new();

/// `_international_phones(groups, sb, text)`: the quick test of Python here, the parse (with
/// `phonenumbers`) by a call back into Python.
fn international_phones(
    py: Python<'_>,
    groups: &[Group],
    sb: &[u8],
    text: &TextView<'_>,
) -> Result<Vec<PhoneSpan>, Decline> {
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let starts = groups
        .iter()
        .any(|g| g[0].digit == b'0' || (g[0].start > 0 && sb[g[0].start - 1] == b'+'));
    let mexican = sizes.windows(3).any(|w| w == [2, 4, 4]);
    if !starts && !mexican {
        return Ok(Vec::new());
    }
    // The parse reads the groups and the skeleton from the byte before the first group to the
    // end of the last: the same number in another ad is read from the cache, offsets moved.
    let base = groups[0][0].start;
    let last = &groups[groups.len() - 1];
    let end = last[last.len() - 1].end;
    let mut key = vec![u8::from(base > 0)];
    key.extend_from_slice(slice(sb, base.saturating_sub(1), end));
    for group in groups {
        key.push(0xFF);
        for t in group {
            key.extend_from_slice(&((t.start - base) as u64).to_le_bytes());
            key.extend_from_slice(&((t.end - base) as u64).to_le_bytes());
            key.extend_from_slice(&[t.digit, u8::from(t.letter)]);
        }
    }
    if let Ok(cache) = INTERNATIONAL_CACHE.lock() {
        if let Some(spans) = cache.get(&key) {
            return Ok(spans
                .iter()
                .map(|(s, e, token, k)| (s + base, e + base, *token, k.clone()))
                .collect());
        }
    }
    let spans = call_international(py, groups, sb, text).map_err(|_| Decline)??;
    if spans.iter().all(|&(s, e, _, _)| s >= base && e >= s) {
        if let Ok(mut cache) = INTERNATIONAL_CACHE.lock() {
            if cache.len() >= INTERNATIONAL_CACHE_SIZE {
                cache.clear();
            }
            let relative = spans
                .iter()
                .map(|(s, e, token, k)| (s - base, e - base, *token, k.clone()))
                .collect();
            cache.insert(key, relative);
        }
    }
    Ok(spans)
}

/// Entries kept before the cache of numbers outside North America is emptied.
const INTERNATIONAL_CACHE_SIZE: usize = 10_000;

/// Groups and skeleton around them -> spans, offsets from the first group.
static INTERNATIONAL_CACHE: std::sync::LazyLock<
    std::sync::Mutex<FxHashMap<Vec<u8>, Vec<PhoneSpan>>>,
> = std::sync::LazyLock::new(|| std::sync::Mutex::new(FxHashMap::default()));

fn call_international(
    py: Python<'_>,
    groups: &[Group],
    sb: &[u8],
    text: &TextView<'_>,
) -> PyResult<Result<Vec<PhoneSpan>, Decline>> {
    let func = INTERNATIONAL.import(py, "classifier.text._contacts", "_international_phones")?;
    let py_groups = PyList::empty(py);
    for group in groups {
        let items = PyList::empty(py);
        for t in group {
            let digit = [t.digit];
            let digit = std::str::from_utf8(&digit).unwrap_or("0");
            items.append(PyTuple::new(
                py,
                [
                    t.start.into_pyobject(py)?.into_any(),
                    t.end.into_pyobject(py)?.into_any(),
                    PyString::new(py, digit).into_any(),
                    pyo3::types::PyBool::new(py, t.letter).to_owned().into_any(),
                ],
            )?)?;
        }
        py_groups.append(items)?;
    }
    let result = func.call1((
        py_groups,
        PyBytes::new(py, sb),
        PyString::new(py, text.as_str()),
    ))?;
    let spans: Vec<(usize, usize, String, Option<String>)> = result.extract()?;
    let mut out = Vec::with_capacity(spans.len());
    for (start, end, token, key) in spans {
        let token = match token.as_str() {
            PHONE_TOKEN => PHONE_TOKEN,
            PHONE_OBF_TOKEN => PHONE_OBF_TOKEN,
            EMAIL_TOKEN => EMAIL_TOKEN,
            URL_TOKEN => URL_TOKEN,
            HANDLE_TOKEN => HANDLE_TOKEN,
            _ => return Ok(Err(Decline)),
        };
        out.push((start, end, token, key));
    }
    Ok(Ok(out))
}
