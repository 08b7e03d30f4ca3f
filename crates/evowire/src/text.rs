//! UTF-8 checking for decoded strings, with an inline fast path for ASCII.
//!
//! Most strings on the wire are short and ASCII (symbols, ids, paths, names). For them the
//! call into `core::str::from_utf8` costs more than the check itself, so ASCII is
//! recognised inline (up to 16 bytes with two overlapping loads, longer strings eight bytes
//! at a time); anything else goes to `from_utf8`, which gives the precise error.

use core::str::Utf8Error;

/// `core::str::from_utf8`, with ASCII input recognised without a call.
#[inline(always)]
pub(crate) fn from_utf8(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if is_ascii(bytes) {
        Ok(ascii_str(bytes))
    } else {
        core::str::from_utf8(bytes)
    }
}

/// `bytes` as a `str` if they are ASCII; `None` leaves the full check to [`from_utf8`].
#[inline(always)]
pub(crate) fn ascii(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        Some(ascii_str(bytes))
    } else {
        None
    }
}

/// Whether every byte is below 0x80. Up to 16 bytes are covered by two possibly
/// overlapping loads (of 1, 4 or 8 bytes) OR-ed together; longer input is OR-ed eight bytes
/// at a time, its last eight bytes (overlapping the words before) covering the remainder.
/// The high bits are tested once.
#[inline(always)]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = bytes.len();
    if n <= 16 {
        if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            return (u64::from_le_bytes(*head) | u64::from_le_bytes(*tail)) & HIGH == 0;
        }
        if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            return (u32::from_le_bytes(*head) | u32::from_le_bytes(*tail)) & 0x8080_8080 == 0;
        }
        return match (bytes.first(), bytes.get(n / 2), bytes.last()) {
            (Some(&a), Some(&b), Some(&c)) => (a | b | c) < 0x80,
            _ => true,
        };
    }
    // The last eight bytes, overlapping the words before them, cover the remainder.
    let mut acc = bytes
        .last_chunk::<8>()
        .map_or(0, |w| u64::from_le_bytes(*w));
    for word in bytes.chunks_exact(8) {
        if let Some(word) = word.first_chunk::<8>() {
            acc |= u64::from_le_bytes(*word);
        }
    }
    acc & HIGH == 0
}

/// Views bytes already checked by [`is_ascii`] as a `str`.
#[allow(unsafe_code)]
#[inline(always)]
fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: the only callers, `from_utf8` and `ascii`, pass `bytes` only after
    // `is_ascii(bytes)` returned true, i.e. every byte is below 0x80. A sequence of such bytes is ASCII, and
    // ASCII is valid UTF-8 (each byte is a one-byte code point), which is the sole
    // requirement of `from_utf8_unchecked`.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;

    /// The fast path agrees with `core::str::from_utf8` on every input, valid or not.
    fn agrees(bytes: &[u8]) {
        assert_eq!(
            from_utf8(bytes),
            core::str::from_utf8(bytes),
            "{bytes:02x?}"
        );
    }

    #[test]
    fn ascii_of_every_length_takes_the_fast_path_and_is_exact() {
        let text: String = (0..100u8).map(|i| char::from(b' ' + i % 90)).collect();
        for len in 0..=text.len() {
            let s = &text[..len];
            assert!(is_ascii(s.as_bytes()));
            assert_eq!(from_utf8(s.as_bytes()), Ok(s));
            assert_eq!(ascii(s.as_bytes()), Some(s));
        }
    }

    #[test]
    fn a_high_byte_in_any_position_leaves_the_fast_path() {
        for len in 1..=40usize {
            for pos in 0..len {
                let mut bytes: Vec<u8> = alloc::vec![b'a'; len];
                bytes[pos] = 0x80; // a lone continuation byte: invalid
                assert!(!is_ascii(&bytes), "len {len} pos {pos}");
                assert_eq!(ascii(&bytes), None);
                agrees(&bytes);
                assert!(from_utf8(&bytes).is_err());
            }
        }
    }

    #[test]
    fn valid_non_ascii_and_invalid_sequences_match_core() {
        for s in [
            "é",
            "naïve café",
            "日本語のテキスト",
            "emoji 🦀 crab",
            "x\u{7f}",
        ] {
            agrees(s.as_bytes());
        }
        for bad in [
            &[0xff][..],
            &[b'a', 0xc3],
            &[0xe2, 0x82],
            &[0xed, 0xa0, 0x80],
            &[b'a', b'b', b'c', b'd', b'e', b'f', b'g', 0xf8, b'h'],
        ] {
            agrees(bad);
            assert!(from_utf8(bad).is_err());
        }
    }
}
