//! The error type shared by encoding and decoding.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt::{self, Display};

/// `Result<T, evowire::Error>`.
pub type Result<T> = core::result::Result<T, Error>;

/// What went wrong, without the details: match on this.
///
/// # Examples
///
/// ```
/// let err = evowire::from_slice::<u8>(&[]).unwrap_err();
/// assert_eq!(err.kind(), evowire::ErrorKind::UnexpectedEof);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended in the middle of an item (a byte count beyond the end of a slice
    /// fails at once).
    UnexpectedEof,
    /// A varint was longer than 19 bytes or had bits beyond 128.
    InvalidVarint,
    /// A well-formed integer does not fit the type it is read into.
    IntegerOverflow,
    /// A reserved tag: wire type 7, a wire-type-6 byte other than the absent-field marker
    /// `0x06` or such a marker where no field can be absent, or a fixed32/fixed64 tag with
    /// value bits set.
    InvalidWireType,
    /// The wire type is valid but not one the requested type can be read from.
    UnexpectedWireType,
    /// A string item is not valid UTF-8.
    InvalidUtf8,
    /// An item is well-formed but its value is not allowed here: a `char` outside Unicode,
    /// an `Option` discriminant other than 0 or 1, a map with an odd number of items.
    InvalidValue,
    /// A length prefix does not fit in `usize` (or a declared map length overflows when
    /// serializing).
    LengthOverflow,
    /// A length prefix exceeds [`DecodeOptions::with_max_len`](crate::DecodeOptions::with_max_len).
    LimitExceeded,
    /// Items are nested deeper than the configured maximum depth.
    DepthExceeded,
    /// The value ended before the input did.
    TrailingBytes,
    /// The serde data model construct cannot be written or read by this format.
    Unsupported,
    /// A message from a `Serialize`/`Deserialize` implementation (serde's `custom`).
    Custom,
    /// The underlying reader or writer failed.
    Io,
    /// The encoding needs more bytes than a [`write::Limited`](crate::write::Limited) sink
    /// accepts; the message gives the limit and the bytes needed.
    OutputLimitExceeded,
}

impl Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl ErrorKind {
    /// A short lowercase description, e.g. `"unexpected end of input"`.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::UnexpectedEof => "unexpected end of input",
            ErrorKind::InvalidVarint => "invalid varint",
            ErrorKind::IntegerOverflow => "integer out of range",
            ErrorKind::InvalidWireType => "invalid wire type",
            ErrorKind::UnexpectedWireType => "unexpected wire type",
            ErrorKind::InvalidUtf8 => "invalid utf-8",
            ErrorKind::InvalidValue => "invalid value",
            ErrorKind::LengthOverflow => "length overflow",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::DepthExceeded => "nesting too deep",
            ErrorKind::TrailingBytes => "trailing bytes",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Custom => "custom error",
            ErrorKind::Io => "i/o error",
            ErrorKind::OutputLimitExceeded => "output limit exceeded",
        }
    }
}

/// An encoding or decoding failure: a kind, a message and, when known, the byte offset
/// of the item that failed.
///
/// `Display` is lowercase without a trailing period and ends with `at byte offset N` when
/// the offset is known; [`Error::message`] gives the text without the offset.
///
/// An I/O failure's message is the reader's or writer's own error text, so, as in
/// serde_json, that error is not also its [`source`](core::error::Error::source): the chain
/// goes on with what the I/O error wraps, and each text is printed once.
/// [`Error::io_error_kind`] and the conversion into [`std::io::Error`] keep its kind.
///
/// # Examples
///
/// ```
/// // A string item (wire type 4) where a u32 is expected.
/// let err = evowire::from_slice::<u32>(&[0x0c, b'a']).unwrap_err();
/// assert_eq!(err.kind(), evowire::ErrorKind::UnexpectedWireType);
/// assert_eq!(err.offset(), Some(0));
/// assert_eq!(
///     err.to_string(),
///     "expected an integer (wire type 0, 1 or 2) for u32, found bytes (wire type 4) at byte offset 0"
/// );
/// ```
pub struct Error {
    inner: Box<ErrorImpl>,
}

struct ErrorImpl {
    kind: ErrorKind,
    offset: Option<u64>,
    message: Message,
    #[cfg(feature = "std")]
    io: Option<std::io::Error>,
}

enum Message {
    Static(&'static str),
    Owned(String),
}

impl Error {
    #[cold]
    pub(crate) fn new(kind: ErrorKind, offset: Option<u64>, message: &'static str) -> Self {
        Self::build(kind, offset, Message::Static(message))
    }

    #[cold]
    pub(crate) fn with_message(kind: ErrorKind, offset: Option<u64>, message: String) -> Self {
        Self::build(kind, offset, Message::Owned(message))
    }

    #[cold]
    fn build(kind: ErrorKind, offset: Option<u64>, message: Message) -> Self {
        Error {
            inner: Box::new(ErrorImpl {
                kind,
                offset,
                message,
                #[cfg(feature = "std")]
                io: None,
            }),
        }
    }

    #[cfg(feature = "std")]
    #[cold]
    pub(crate) fn io(err: std::io::Error, offset: Option<u64>) -> Self {
        let kind = if err.kind() == std::io::ErrorKind::UnexpectedEof {
            ErrorKind::UnexpectedEof
        } else {
            ErrorKind::Io
        };
        let mut e = Self::with_message(kind, offset, err.to_string());
        e.inner.io = Some(err);
        e
    }

    /// The output of a [`write::Limited`](crate::write::Limited) sink needed `needed`
    /// bytes, more than its `limit`.
    #[cold]
    pub(crate) fn output_limit(limit: usize, needed: usize) -> Self {
        Self::with_message(
            ErrorKind::OutputLimitExceeded,
            None,
            alloc::format!("the output needs {needed} bytes, more than the limit of {limit} bytes"),
        )
    }

    /// The category of the failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The byte offset (from the start of the input) of the item that failed, when known.
    ///
    /// Errors raised by the format itself always carry one; errors from serde's `custom`
    /// (a missing field, an unknown variant without `#[serde(other)]`) carry the offset at
    /// which decoding stopped.
    pub fn offset(&self) -> Option<u64> {
        self.inner.offset
    }

    /// The description without the `at byte offset N` suffix.
    pub fn message(&self) -> &str {
        match &self.inner.message {
            Message::Static(s) => s,
            Message::Owned(s) => s,
        }
    }

    /// The [`std::io::ErrorKind`] of the reader's or writer's error, when an I/O failure
    /// caused this error.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = evowire::to_writer(&mut [0u8; 2][..], "too long").unwrap_err();
    /// assert_eq!(err.io_error_kind(), Some(std::io::ErrorKind::WriteZero));
    /// assert_eq!(evowire::from_slice::<u8>(&[]).unwrap_err().io_error_kind(), None);
    /// ```
    #[cfg(feature = "std")]
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        self.inner.io.as_ref().map(std::io::Error::kind)
    }

    /// True when the input ended too early: a streaming caller may retry with more bytes.
    pub fn is_eof(&self) -> bool {
        self.inner.kind == ErrorKind::UnexpectedEof
    }

    /// Sets the offset if none is known yet.
    #[cold]
    /// Whether this error was made by [`Error::new`] with exactly `message` (the same
    /// static string, not only the same text).
    #[inline]
    pub(crate) fn is_static(&self, message: &'static str) -> bool {
        matches!(self.inner.message, Message::Static(m) if core::ptr::eq(m, message))
    }

    pub(crate) fn or_offset(mut self, offset: u64) -> Self {
        if self.inner.offset.is_none() {
            self.inner.offset = Some(offset);
        }
        self
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        if let Some(offset) = self.inner.offset {
            write!(f, " at byte offset {offset}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, {:?}", self.inner.kind, self.message())?;
        if let Some(offset) = self.inner.offset {
            write!(f, ", offset {offset}")?;
        }
        f.write_str(")")
    }
}

impl core::error::Error for Error {
    /// What an I/O error wraps, if anything: the I/O error's own text is already this
    /// error's message.
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        #[cfg(feature = "std")]
        if let Some(io) = &self.inner.io {
            return core::error::Error::source(io);
        }
        None
    }
}

impl serde::ser::Error for Error {
    #[cold]
    fn custom<T: Display>(msg: T) -> Self {
        Error::with_message(ErrorKind::Custom, None, msg.to_string())
    }
}

impl serde::de::Error for Error {
    #[cold]
    fn custom<T: Display>(msg: T) -> Self {
        Error::with_message(ErrorKind::Custom, None, msg.to_string())
    }
}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    /// End of input becomes [`std::io::ErrorKind::UnexpectedEof`], an I/O failure keeps its
    /// own kind, anything else becomes [`std::io::ErrorKind::InvalidData`].
    fn from(err: Error) -> Self {
        let kind = match err.kind() {
            ErrorKind::UnexpectedEof => std::io::ErrorKind::UnexpectedEof,
            ErrorKind::Io => match &err.inner.io {
                Some(io) => io.kind(),
                None => std::io::ErrorKind::Other,
            },
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, err)
    }
}
