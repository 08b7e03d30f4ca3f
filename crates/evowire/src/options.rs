//! Decoding limits. Options only tighten what a decoder accepts; none changes the bytes.
//!
//! [`DecodeOptions`] is plain data: the decode entry points that take it
//! ([`DecodeOptions::from_slice`] and its siblings) live with the
//! [`Deserializer`](crate::Deserializer), which reads it.

/// The default maximum nesting depth: like serde_json, 128 levels.
///
/// Every sequence, map, enum variant and `Some` counts as one level, in typed decoding, in
/// [`Value`](crate::Value) and while skipping unknown items. 128 levels of the deepest
/// recursion this crate does stay well inside a 2 MiB thread stack (tested in debug builds).
pub const DEFAULT_MAX_DEPTH: u32 = 128;

/// Decoding limits, built with by-value `with_*` methods.
///
/// Allocation needs no option: a length prefix never reserves more than the input can back
/// (each item takes at least one byte, and a byte string is only allocated as its bytes
/// arrive), so memory stays proportional to the input.
///
/// # Examples
///
/// ```
/// let opts = evowire::DecodeOptions::new().with_max_depth(16);
/// let v: Vec<Vec<u8>> = opts.from_slice(&[0x0b, 0x0b, 0x08]).unwrap();
/// assert_eq!(v, vec![vec![1]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    max_depth: u32,
    max_len: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl DecodeOptions {
    /// The defaults: [`DEFAULT_MAX_DEPTH`], no length limit beyond the input.
    pub const fn new() -> Self {
        DecodeOptions {
            max_depth: DEFAULT_MAX_DEPTH,
            max_len: usize::MAX,
        }
    }

    /// Sets the maximum nesting depth.
    pub const fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The maximum nesting depth.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// Sets the largest length prefix accepted: the byte count of one string or bytes item,
    /// or the item count of one sequence or map. Longer ones fail with
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) before anything is
    /// read. Useful with [`from_reader`](Self::from_reader) on an untrusted stream, where the
    /// input's size is unknown; a slice already refuses lengths beyond its end.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = evowire::DecodeOptions::new().with_max_len(4);
    /// let err = opts.from_slice::<String>(&[0x2c, b'h', b'e', b'l', b'l', b'o']).unwrap_err();
    /// assert_eq!(err.kind(), evowire::ErrorKind::LimitExceeded);
    /// assert_eq!(err.to_string(), "length 5 exceeds the limit of 4 at byte offset 0");
    /// ```
    pub const fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The largest length prefix accepted (default: no limit beyond the input itself).
    pub const fn max_len(&self) -> usize {
        self.max_len
    }
}
