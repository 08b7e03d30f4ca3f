//! Wire primitives: tag bytes, varints, zig-zag. Pure functions with no serde in sight, so
//! the network crate, the CLI and the fuzzers can reuse them.
//!
//! Section numbers (§) refer to `SPEC.md` in this crate.

/// The wire type held in the low three bits of every tag byte (SPEC §2).
///
/// # Examples
///
/// ```
/// use evowire::wire::WireType;
/// assert_eq!(WireType::from_tag(0xd0), WireType::Int);
/// assert_eq!(WireType::from_tag(0x0b), WireType::Sequence);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum WireType {
    /// 0: a varint whose first 4 bits live in the tag byte (§3).
    Int = 0,
    /// 1: four little-endian bytes follow the tag (§4).
    Fixed32 = 1,
    /// 2: eight little-endian bytes follow the tag (§4).
    Fixed64 = 2,
    /// 3: a varint item count, then that many items (§5).
    Sequence = 3,
    /// 4: a varint byte count, then that many raw bytes (§6).
    Bytes = 4,
    /// 5: a varint discriminant, then exactly one item (§7).
    Variant = 5,
    /// 6: the evowire absent-field marker, only inside a struct or tuple (§9).
    Absent = 6,
    /// 7: reserved; always an error.
    Reserved = 7,
}

impl WireType {
    /// The wire type of a tag byte.
    #[inline]
    pub const fn from_tag(tag: u8) -> WireType {
        match tag & 7 {
            0 => WireType::Int,
            1 => WireType::Fixed32,
            2 => WireType::Fixed64,
            3 => WireType::Sequence,
            4 => WireType::Bytes,
            5 => WireType::Variant,
            6 => WireType::Absent,
            _ => WireType::Reserved,
        }
    }

    /// A short human name, as used in error messages.
    pub const fn name(self) -> &'static str {
        match self {
            WireType::Int => "integer",
            WireType::Fixed32 => "fixed32",
            WireType::Fixed64 => "fixed64",
            WireType::Sequence => "sequence",
            WireType::Bytes => "bytes",
            WireType::Variant => "variant",
            WireType::Absent => "absent-field marker",
            WireType::Reserved => "reserved",
        }
    }

    /// Whether a varint starts in the tag byte of this wire type.
    #[inline]
    pub const fn has_varint(self) -> bool {
        matches!(
            self,
            WireType::Int | WireType::Sequence | WireType::Bytes | WireType::Variant
        )
    }
}

/// The tag byte of a fixed32 item (SPEC §4): the value bits are always zero.
pub const TAG_FIXED32: u8 = WireType::Fixed32 as u8;
/// The tag byte of a fixed64 item (SPEC §4).
pub const TAG_FIXED64: u8 = WireType::Fixed64 as u8;
/// The absent-field marker byte (SPEC §9).
pub const TAG_ABSENT: u8 = WireType::Absent as u8;
/// A unit value: an int item holding 0, one byte (SPEC §5).
pub const TAG_UNIT: u8 = 0x00;
/// The tag of variant 1, which is how `Some` starts (SPEC §7).
pub const TAG_SOME: u8 = WireType::Variant as u8 | (1 << 3);

/// The longest varint including its tag byte: 4 + 18 × 7 = 130 bits hold any `u128` (§3).
pub const MAX_VARINT_LEN: usize = 19;
/// The longest varint holding a `u64`, tag byte included: 4 + 9 × 7 = 67 bits.
pub const MAX_VARINT64_LEN: usize = 10;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarintError {
    /// The input ended before the stop bit.
    Eof,
    /// More than 19 bytes, or bits beyond the 128th.
    Invalid,
    /// A valid varint too large for the requested width.
    Overflow,
}

/// An encoded varint: up to [`MAX_VARINT_LEN`] bytes on the stack.
#[derive(Clone, Copy)]
pub struct VarintBytes {
    bytes: [u8; MAX_VARINT_LEN],
    len: u8,
}

impl VarintBytes {
    /// The encoded bytes, tag byte first.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Encodes `value` as a varint that starts in a tag byte of wire type `wire` (SPEC §3).
///
/// # Examples
///
/// The worked example of the format description: 10042 is `D0 F3 04`.
///
/// ```
/// use evowire::wire::{encode_varint, WireType};
/// assert_eq!(encode_varint(WireType::Int, 10042).as_slice(), &[0xd0, 0xf3, 0x04]);
/// ```
#[inline]
pub fn encode_varint(wire: WireType, value: u64) -> VarintBytes {
    let mut bytes = [0u8; MAX_VARINT_LEN];
    let len = encode_varint_into(wire, value, &mut bytes);
    VarintBytes {
        bytes,
        len: len as u8,
    }
}

/// Encodes a 64-bit varint into the front of `out` and returns the number of bytes written
/// (1 to 10). Bytes of `out` past that number may be overwritten.
///
/// The 7-bit groups are spread over eight bytes at once (three mask-and-shift steps) and
/// stored with one 8-byte write; only a value of 61 bits or more needs a tenth byte.
#[inline]
pub fn encode_varint_into(wire: WireType, value: u64, out: &mut [u8; MAX_VARINT_LEN]) -> usize {
    let head = wire as u8 | (((value & 0x0f) as u8) << 3);
    let rest = value >> 4;
    if rest == 0 {
        out[0] = head;
        return 1;
    }
    out[0] = head | 0x80;
    if rest < 0x4000 {
        if rest < 0x80 {
            // Two bytes: values below 2048, the most common multi-byte case.
            out[1] = rest as u8;
            return 2;
        }
        // Three bytes: values below 2^18 (ids, counts, durations).
        out[1] = rest as u8 | 0x80;
        out[2] = (rest >> 7) as u8;
        return 3;
    }
    // `rest` has 15 to 60 significant bits (a large id or timestamp gets here after one
    // comparison): spread its low 56 bits into 7-bit groups.
    let x = rest & 0x00ff_ffff_ffff_ffff;
    let x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x00ff_ffff_f000_0000) << 4);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x0fff_c000_0fff_c000) << 2);
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x3f80_3f80_3f80_3f80) << 1);
    let (_, tail) = out.split_at_mut(1);
    let Some(eight) = tail.first_chunk_mut::<8>() else {
        return 1;
    };
    if rest >> 56 == 0 {
        // Continuation bits on every group below the highest non-empty one.
        let top = (63 - x.leading_zeros()) & 56;
        *eight = (x | (0x0080_8080_8080_8080 >> (56 - top))).to_le_bytes();
        2 + (top >> 3) as usize
    } else {
        *eight = (x | 0x8080_8080_8080_8080).to_le_bytes();
        out[9] = (rest >> 56) as u8;
        10
    }
}

/// Encodes a varint of at most 32 bits into the front of `out`, as [`encode_varint_into`]
/// does, and returns the number of bytes written (1 to 5). The 7-bit groups of a value of
/// 2^18 or more are spread with 32-bit steps and stored with one 4-byte write, so 32-bit
/// and smaller integers skip the 64-bit steps and their constants.
#[inline]
pub(crate) fn encode_varint32_into(
    wire: WireType,
    value: u32,
    out: &mut [u8; MAX_VARINT_LEN],
) -> usize {
    if value < 1 << 11 {
        // One or two bytes: the first steps of the 64-bit encoder.
        return encode_varint_into(wire, u64::from(value), out);
    }
    out[0] = wire as u8 | (((value & 0x0f) as u8) << 3) | 0x80;
    let rest = value >> 4;
    if rest < 0x4000 {
        out[1] = rest as u8 | 0x80;
        out[2] = (rest >> 7) as u8;
        return 3;
    }
    // `rest` has 15 to 28 significant bits: three or four 7-bit groups.
    let x = (rest & 0x3fff) | ((rest & 0x0fff_c000) << 2);
    let x = (x & 0x007f_007f) | ((x & 0x3f80_3f80) << 1);
    let (marks, len) = if rest < 1 << 21 {
        (0x8080, 4)
    } else {
        (0x0080_8080, 5)
    };
    let (_, tail) = out.split_at_mut(1);
    if let Some(four) = tail.first_chunk_mut::<4>() {
        *four = (x | marks).to_le_bytes();
    }
    len
}

/// Encodes a 128-bit varint (SPEC §3).
///
/// # Examples
///
/// ```
/// use evowire::wire::{encode_varint128, WireType};
/// assert_eq!(encode_varint128(WireType::Int, u128::MAX).as_slice().len(), 19);
/// ```
#[inline]
pub fn encode_varint128(wire: WireType, value: u128) -> VarintBytes {
    if let Ok(small) = u64::try_from(value) {
        return encode_varint(wire, small);
    }
    let mut bytes = [0u8; MAX_VARINT_LEN];
    bytes[0] = wire as u8 | (((value & 0x0f) as u8) << 3) | 0x80;
    let mut rest = value >> 4;
    let mut i = 1;
    while rest >= 0x80 {
        bytes[i] = (rest as u8) | 0x80;
        rest >>= 7;
        i += 1;
    }
    bytes[i] = rest as u8;
    VarintBytes {
        bytes,
        len: (i + 1) as u8,
    }
}

/// Reads the rest of a varint whose tag byte is `tag`, from `rest` (the bytes after the tag).
/// Returns the value and how many bytes of `rest` it used. Fails with
/// [`VarintError::Overflow`] when the value needs more than 64 bits.
///
/// # Examples
///
/// ```
/// use evowire::wire::take_varint;
/// assert_eq!(take_varint(0xd0, &[0xf3, 0x04, 0xff]), Ok((10042, 2)));
/// ```
#[inline(always)]
pub fn take_varint(tag: u8, rest: &[u8]) -> Result<(u64, usize), VarintError> {
    let value = u64::from((tag >> 3) & 0x0f);
    if tag & 0x80 == 0 {
        return Ok((value, 0));
    }
    if let Some(&next) = rest.first() {
        if next & 0x80 == 0 {
            // Two bytes: values below 2048, the most common multi-byte case.
            return Ok((value | (u64::from(next) << 4), 1));
        }
    }
    match rest.first_chunk::<{ MAX_VARINT64_LEN - 1 }>() {
        Some(chunk) => take_varint_tail(value, chunk, rest),
        None => take_varint_short(tag, rest),
    }
}

/// The common case: nine bytes are available. See [`swar_varint`]; what it leaves (bits
/// beyond 64, or more bytes) goes to the long path, which decides between a non-canonical
/// encoding of a value that fits and a real overflow.
#[inline(always)]
fn take_varint_tail(
    low: u64,
    chunk: &[u8; MAX_VARINT64_LEN - 1],
    rest: &[u8],
) -> Result<(u64, usize), VarintError> {
    match swar_varint(low, chunk) {
        Some(done) => Ok(done),
        None => take_varint_short(0x80 | ((low as u8) << 3), rest),
    }
}

/// Decodes the bytes after a tag whose four low value bits are `low`, when nine bytes are
/// available: the first eight at once (SWAR), the lowest clear continuation bit giving
/// the length, and three mask-and-shift steps squeezing the 7-bit groups together. Bytes
/// 1..=8 carry bits 4..60; a ninth may carry only bits 60..63 and must stop. `None` for
/// anything longer or wider: the caller takes the general path. Never calls anything.
#[inline(always)]
pub(crate) fn swar_varint(low: u64, chunk: &[u8; MAX_VARINT64_LEN - 1]) -> Option<(u64, usize)> {
    const CONTINUATION: u64 = 0x8080_8080_8080_8080;
    let mut word = [0u8; 8];
    word.copy_from_slice(&chunk[..8]);
    let word = u64::from_le_bytes(word);
    let stops = !word & CONTINUATION;
    let (groups, used) = if stops != 0 {
        // Keep the bytes up to and including the first one without a continuation bit.
        let used = (stops.trailing_zeros() as usize + 1) / 8;
        (word & (stops ^ (stops - 1)), used)
    } else {
        (word, 8)
    };
    let x = groups & !CONTINUATION;
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
    let x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
    let value = low | (x << 4);
    if stops != 0 {
        return Some((value, used));
    }
    let last = chunk[MAX_VARINT64_LEN - 2];
    if last <= 0x0f {
        return Some((value | (u64::from(last) << 60), MAX_VARINT64_LEN - 1));
    }
    None
}

#[cold]
#[inline(never)]
fn take_varint_short(tag: u8, rest: &[u8]) -> Result<(u64, usize), VarintError> {
    take_varint128(tag, rest).and_then(narrow_to_u64)
}

#[inline]
fn narrow_to_u64((value, used): (u128, usize)) -> Result<(u64, usize), VarintError> {
    match u64::try_from(value) {
        Ok(v) => Ok((v, used)),
        Err(_) => Err(VarintError::Overflow),
    }
}

/// Reads the rest of a varint of up to 128 bits (SPEC §3). The encoding may be at most 19
/// bytes long including the tag, and its last byte may not carry bits past the 128th.
///
/// # Examples
///
/// ```
/// use evowire::wire::{take_varint128, VarintError};
/// assert_eq!(take_varint128(0x80, &[0x80, 0x00]), Ok((0, 2)));
/// assert_eq!(take_varint128(0x80, &[0xff; 18]), Err(VarintError::Invalid));
/// ```
pub fn take_varint128(tag: u8, rest: &[u8]) -> Result<(u128, usize), VarintError> {
    let mut value = u128::from((tag >> 3) & 0x0f);
    if tag & 0x80 == 0 {
        return Ok((value, 0));
    }
    let mut shift = 4u32;
    for (i, &b) in rest.iter().enumerate() {
        if i == MAX_VARINT_LEN - 2 {
            // The 19th byte holds bits 123..=129: it must stop and fit 5 bits.
            if b & 0x80 != 0 || b > 0x1f {
                return Err(VarintError::Invalid);
            }
        }
        value |= u128::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
        shift += 7;
    }
    Err(VarintError::Eof)
}

/// Zig-zag maps signed to unsigned so small magnitudes stay small: 0, -1, 1, -2 → 0, 1, 2, 3.
///
/// # Examples
///
/// ```
/// assert_eq!(evowire::wire::zigzag_encode(-2), 3);
/// ```
#[inline]
pub const fn zigzag_encode(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// The inverse of [`zigzag_encode`].
#[inline]
pub const fn zigzag_decode(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Zig-zag for 128-bit integers.
#[inline]
pub const fn zigzag_encode128(value: i128) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

/// The inverse of [`zigzag_encode128`].
#[inline]
pub const fn zigzag_decode128(value: u128) -> i128 {
    ((value >> 1) as i128) ^ -((value & 1) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn roundtrip64(v: u64) -> usize {
        let enc = encode_varint(WireType::Int, v);
        let bytes = enc.as_slice();
        assert_eq!(take_varint(bytes[0], &bytes[1..]), Ok((v, bytes.len() - 1)));
        assert_eq!(
            take_varint128(bytes[0], &bytes[1..]),
            Ok((u128::from(v), bytes.len() - 1))
        );
        bytes.len()
    }

    #[test]
    fn worked_example_10042() {
        assert_eq!(
            encode_varint(WireType::Int, 10042).as_slice(),
            &[0xd0, 0xf3, 0x04]
        );
        assert_eq!(take_varint(0xd0, &[0xf3, 0x04]), Ok((10042, 2)));
    }

    #[test]
    fn varint_length_boundaries() {
        assert_eq!(roundtrip64(0), 1);
        assert_eq!(roundtrip64(15), 1);
        assert_eq!(roundtrip64(16), 2);
        assert_eq!(roundtrip64((1 << 11) - 1), 2);
        assert_eq!(roundtrip64(1 << 11), 3);
        assert_eq!(roundtrip64((1 << 60) - 1), 9);
        assert_eq!(roundtrip64(1 << 60), 10);
        assert_eq!(roundtrip64(u64::MAX), 10);
    }

    #[test]
    fn tag_carries_wire_type_and_low_bits() {
        assert_eq!(encode_varint(WireType::Sequence, 3).as_slice(), &[0x1b]);
        assert_eq!(encode_varint(WireType::Bytes, 16).as_slice(), &[0x84, 0x01]);
        assert_eq!(encode_varint(WireType::Variant, 1).as_slice(), &[0x0d]);
    }

    #[test]
    fn u128_boundaries() {
        for v in [0u128, u128::from(u64::MAX) + 1, 1 << 123, u128::MAX] {
            let enc = encode_varint128(WireType::Int, v);
            let b = enc.as_slice();
            assert_eq!(take_varint128(b[0], &b[1..]), Ok((v, b.len() - 1)));
        }
        assert_eq!(
            encode_varint128(WireType::Int, u128::MAX).as_slice().len(),
            19
        );
        let big = encode_varint128(WireType::Int, u128::from(u64::MAX) + 1);
        let b = big.as_slice();
        assert_eq!(take_varint(b[0], &b[1..]), Err(VarintError::Overflow));
    }

    #[test]
    fn non_canonical_small_values_are_accepted() {
        // 0 padded to 19 bytes: longest legal form.
        let mut padded = [0x80u8; 18];
        padded[17] = 0;
        assert_eq!(take_varint(0x80, &padded), Ok((0, 18)));
        assert_eq!(take_varint128(0x80, &padded), Ok((0, 18)));
    }

    #[test]
    fn overlong_and_stray_bits_are_rejected() {
        // 20 bytes.
        let mut long = [0x80u8; 19];
        long[18] = 0;
        assert_eq!(take_varint128(0x80, &long), Err(VarintError::Invalid));
        assert_eq!(take_varint(0x80, &long), Err(VarintError::Invalid));
        // 19th byte with bits past 128.
        let mut stray = [0xffu8; 18];
        stray[17] = 0x20;
        assert_eq!(take_varint128(0xf8, &stray), Err(VarintError::Invalid));
        stray[17] = 0x1f;
        assert_eq!(take_varint128(0xf8, &stray), Ok((u128::MAX, 18)));
        // u64: the tenth byte may hold only bits 60..63.
        let mut ten = [0xffu8; 9];
        ten[8] = 0x10;
        assert_eq!(take_varint(0xf8, &ten), Err(VarintError::Overflow));
        ten[8] = 0x0f;
        assert_eq!(take_varint(0xf8, &ten), Ok((u64::MAX, 9)));
    }

    #[test]
    fn truncated_varints_report_eof() {
        assert_eq!(take_varint(0x80, &[]), Err(VarintError::Eof));
        assert_eq!(take_varint(0x80, &[0x80, 0x80]), Err(VarintError::Eof));
        assert_eq!(take_varint128(0x80, &[0xff; 5]), Err(VarintError::Eof));
    }

    #[test]
    fn zigzag_edges() {
        for v in [0i64, -1, 1, -2, i64::MAX, i64::MIN] {
            assert_eq!(zigzag_decode(zigzag_encode(v)), v);
        }
        assert_eq!(zigzag_encode(-1), 1);
        assert_eq!(zigzag_encode(1), 2);
        assert_eq!(zigzag_encode(i64::MIN), u64::MAX);
        for v in [0i128, -1, i128::MAX, i128::MIN] {
            assert_eq!(zigzag_decode128(zigzag_encode128(v)), v);
        }
        assert_eq!(zigzag_encode128(-42) as u64, zigzag_encode(-42));
    }

    /// The plain loop the format description gives, as a reference for the SWAR encoder.
    fn reference_encode(wire: WireType, value: u64) -> Vec<u8> {
        let mut out = vec![wire as u8 | (((value & 0x0f) as u8) << 3)];
        let mut rest = value >> 4;
        while rest != 0 {
            *out.last_mut().unwrap() |= 0x80;
            out.push((rest & 0x7f) as u8);
            rest >>= 7;
        }
        out
    }

    /// Every power of two and the value below it, the edges of the 10-byte form, and
    /// 20,000 pseudo-random values of every bit length.
    fn sample_values() -> Vec<u64> {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut values = vec![0, 15, 16, u64::MAX, 1 << 60, (1 << 60) - 1, 1 << 59];
        for shift in 0..64 {
            values.push(1 << shift);
            values.push((1 << shift) - 1);
        }
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        values
    }

    #[test]
    fn encoder_matches_the_reference_loop() {
        for v in sample_values() {
            for wire in [
                WireType::Int,
                WireType::Sequence,
                WireType::Bytes,
                WireType::Variant,
            ] {
                assert_eq!(
                    encode_varint(wire, v).as_slice(),
                    reference_encode(wire, v),
                    "{v:#x}"
                );
            }
        }
    }

    #[test]
    fn the_32_bit_encoder_matches_the_reference_loop() {
        // The low and the high half of each sample: every 32-bit length, with edges.
        let values = sample_values()
            .into_iter()
            .flat_map(|v| [v as u32, (v >> 32) as u32]);
        for v in values {
            for wire in [WireType::Int, WireType::Sequence, WireType::Variant] {
                let mut out = [0xa5u8; MAX_VARINT_LEN];
                let n = encode_varint32_into(wire, v, &mut out);
                assert_eq!(&out[..n], reference_encode(wire, u64::from(v)), "{v:#x}");
            }
        }
    }

    #[test]
    fn fast_and_long_paths_agree() {
        // Every length from 1 to 10 bytes, with padding so the 9-byte fast path runs,
        // against the 128-bit reference decoder.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x >> (x % 64);
            let enc = encode_varint(WireType::Int, v);
            let mut padded = enc.as_slice().to_vec();
            padded.extend_from_slice(&[0xff; 12]);
            assert_eq!(
                take_varint(padded[0], &padded[1..]),
                Ok((v, enc.as_slice().len() - 1))
            );
            assert_eq!(
                take_varint128(padded[0], &padded[1..]),
                Ok((u128::from(v), enc.as_slice().len() - 1))
            );
        }
        // Eight continuation bytes then a ninth with stray bits.
        let mut b = [0xffu8; 12];
        b[8] = 0x10;
        assert_eq!(take_varint(0xf8, &b), Err(VarintError::Overflow));
        b[8] = 0x90;
        b[9] = 0x00;
        assert_eq!(take_varint(0xf8, &b), Err(VarintError::Overflow));
        // A non-canonical but fitting 10-byte zero with padding after it.
        let mut z = [0x80u8; 12];
        z[9] = 0x00;
        assert_eq!(take_varint(0x80, &z), Ok((0, 10)));
    }

    #[test]
    fn wire_type_of_every_tag() {
        for tag in 0..=255u8 {
            assert_eq!(WireType::from_tag(tag) as u8, tag & 7);
        }
    }
}
