//! Classes of bytes, sixteen at a time: SSE2 compares through `wide` (safe code), a bit per
//! byte from each compare's mask. The byte-class passes of the normaliser, the indicator
//! scanner and the n-gram counter read their text this way.

use wide::{i8x16, CmpEq, CmpGt, CmpLt};

/// Up to sixteen bytes as a vector, zeros past the end of a shorter group. Bytes of 0x80 and
/// up are negative here: in none of the ranges below.
#[inline]
pub fn load(group: &[u8]) -> i8x16 {
    let mut bytes = [0u8; 16];
    match group.get(..16) {
        Some(sixteen) => bytes.copy_from_slice(sixteen), // one unaligned load
        None => bytes[..group.len()].copy_from_slice(group),
    }
    i8x16::from(bytes.map(|b| b as i8))
}

/// Lanes holding a byte in `lo..=hi` (both below 0x80).
#[inline]
pub fn between(v: i8x16, lo: u8, hi: u8) -> i8x16 {
    v.cmp_gt(i8x16::splat(lo as i8 - 1)) & v.cmp_lt(i8x16::splat(hi as i8 + 1))
}

/// Lanes holding `c` (below 0x80).
#[inline]
pub fn equals(v: i8x16, c: u8) -> i8x16 {
    v.cmp_eq(i8x16::splat(c as i8))
}

/// Lanes holding a byte of `[0-9A-Za-z_]`: what `\w` matches in ASCII text.
#[inline]
pub fn word(v: i8x16) -> i8x16 {
    between(v, b'0', b'9') | between(v, b'a', b'z') | between(v, b'A', b'Z') | equals(v, b'_')
}

/// Bit `i` set for each lane `i < len` of the mask that is set.
#[inline]
pub fn bits(mask: i8x16, len: usize) -> u64 {
    let valid = if len >= 16 { 0xffff } else { (1u64 << len) - 1 };
    (mask.move_mask() as u64) & valid
}

/// Bit `i % 64` of word `i / 64`: `class` holds for `text[i]`; one word more than the text
/// needs, so that a reader may look one word ahead.
pub fn bitmap(text: &[u8], class: impl Fn(i8x16) -> i8x16) -> Vec<u64> {
    let mut words = Vec::new();
    bitmap_into(text, class, &mut words);
    words
}

/// [`bitmap`] into a buffer reused from one text to the next.
pub fn bitmap_into(text: &[u8], class: impl Fn(i8x16) -> i8x16, words: &mut Vec<u64>) {
    words.clear();
    words.reserve(text.len() / 64 + 1);
    // Whole blocks of 64 bytes: four loads, no length checks.
    let (blocks, tail) = text.as_chunks::<64>();
    for block in blocks {
        let (groups, _) = block.as_chunks::<16>();
        let mut word = 0;
        for (g, group) in groups.iter().enumerate() {
            let v = i8x16::from(group.map(|b| b as i8));
            word |= (class(v).move_mask() as u64) << (16 * g);
        }
        words.push(word);
    }
    let mut last = 0;
    for (g, group) in tail.chunks(16).enumerate() {
        last |= bits(class(load(group)), group.len()) << (16 * g);
    }
    words.push(last); // (all zeros if the text ends a block)
}

/// Each run of set bits of a [`bitmap`] as `(start, end)`, in order, one loop turn per run
/// (a byte-by-byte scan would mispredict at every edge).
#[inline]
pub fn for_each_run(words: &[u64], mut each: impl FnMut(usize, usize)) {
    let mut start = 0; // of the run under way, if `inside`
    let mut inside = false;
    for (block, &mask) in words.iter().enumerate() {
        // Bit i: bit i differs from the one before it.
        let mut edges = mask ^ ((mask << 1) | u64::from(inside));
        while edges != 0 {
            let at = block * 64 + edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if inside {
                each(start, at);
            } else {
                start = at;
            }
            inside = !inside;
        }
    }
    // (A bitmap ends with a word of zeros past the text: every run has ended.)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_match_a_byte_test() {
        for len in [1usize, 15, 16, 17, 63, 64, 65, 128, 130] {
            for b in 0..=255u8 {
                for at in [0, len / 2, len - 1] {
                    for other in [0u8, b' ', b'a', b'_', b'Z', 0x7f, 0x80, 0xff] {
                        let mut text = vec![other; len];
                        text[at] = b;
                        let words = bitmap(&text, word);
                        let letters = bitmap(&text, |v| between(v, b'a', b'z'));
                        let sevens = bitmap(&text, |v| equals(v, b'7'));
                        assert_eq!(words.len(), len / 64 + 1);
                        for (i, &c) in text.iter().enumerate() {
                            let bit = |m: &[u64]| (m[i / 64] >> (i % 64)) & 1 == 1;
                            assert_eq!(bit(&words), c.is_ascii_alphanumeric() || c == b'_');
                            assert_eq!(bit(&letters), c.is_ascii_lowercase());
                            assert_eq!(bit(&sevens), c == b'7');
                        }
                        let mut runs = Vec::new();
                        for_each_run(&words, |s, e| runs.push((s, e)));
                        let mut expected = Vec::new();
                        let mut i = 0;
                        while i < len {
                            let j = (i..len)
                                .find(|&j| !(text[j].is_ascii_alphanumeric() || text[j] == b'_'))
                                .unwrap_or(len);
                            if j > i {
                                expected.push((i, j));
                            }
                            i = j + 1;
                        }
                        assert_eq!(runs, expected);
                        let past = |m: &[u64]| m[len / 64] >> (len % 64);
                        assert_eq!((past(&words), past(&letters), past(&sevens)), (0, 0, 0));
                    }
                }
            }
        }
    }
}
