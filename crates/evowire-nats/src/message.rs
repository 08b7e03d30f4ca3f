//! Message types, versions and the headers that carry them.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

use async_nats::{HeaderMap, HeaderName};
use bytes::{Bytes, BytesMut};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The `Content-Type` header value of every message this crate sends.
pub const CONTENT_TYPE: &str = "application/evowire";
/// Header name: the content type ([`CONTENT_TYPE`]).
pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
/// Header name: the application message type name ([`MessageType::name`]).
pub const HEADER_TYPE: &str = "Evowire-Type";
/// Header name: the sender's message type version, `<major>.<minor>` ([`Version`]).
pub const HEADER_VERSION: &str = "Evowire-Version";
/// The [`HEADER_TYPE`] of a reply that reports a failed request instead of a response.
pub const REMOTE_ERROR_TYPE: &str = "evowire.RemoteError";

const NAME_CONTENT_TYPE: HeaderName = HeaderName::from_static(HEADER_CONTENT_TYPE);
const NAME_TYPE: HeaderName = HeaderName::from_static(HEADER_TYPE);
const NAME_VERSION: HeaderName = HeaderName::from_static(HEADER_VERSION);

/// A message type's version: senders and receivers with the same `major` talk to each other
/// through evowire's schema evolution whatever their `minor`; a different `major` is refused.
///
/// Written in headers as `<major>.<minor>`:
///
/// ```
/// use evowire_nats::Version;
/// let v: Version = "2.7".parse().unwrap();
/// assert_eq!(v, Version::new(2, 7));
/// assert_eq!(v.to_string(), "2.7");
/// assert!("2".parse::<Version>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// Incompatible changes bump this.
    pub major: u16,
    /// Compatible changes (evowire's evolution rules) bump this.
    pub minor: u16,
}

impl Version {
    /// `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Version {
        Version { major, minor }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A header value that is not `<major>.<minor>` with two `u16` numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version `{0}`, expected <major>.<minor>")]
pub struct ParseVersionError(String);

impl FromStr for Version {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Version, ParseVersionError> {
        let err = || ParseVersionError(s.to_owned());
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let num = |p: &str| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse::<u16>().map_err(|_| err())
        };
        Ok(Version::new(num(major)?, num(minor)?))
    }
}

/// What a message is: an application type name and its [`Version`]. Sent in the
/// [`HEADER_TYPE`] and [`HEADER_VERSION`] headers and checked by receivers
/// ([`MessageType::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessageType {
    /// The application's name for the type, e.g. `"shop.Order"`. Stays the same across
    /// versions.
    pub name: &'static str,
    /// The version this side speaks.
    pub version: Version,
}

impl MessageType {
    /// `name` at `major.minor`.
    pub const fn new(name: &'static str, major: u16, minor: u16) -> MessageType {
        MessageType {
            name,
            version: Version::new(major, minor),
        }
    }

    /// The headers sent with a message of this type: `Content-Type: application/evowire`,
    /// `Evowire-Type: <name>`, `Evowire-Version: <major>.<minor>`.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(NAME_CONTENT_TYPE, CONTENT_TYPE);
        headers.insert(NAME_TYPE, self.name);
        headers.insert(NAME_VERSION, self.version.to_string());
        headers
    }

    /// Checks a received message's headers against this type and returns the sender's
    /// version, if it sent one.
    ///
    /// Refused ([`Error::Incompatible`], naming `subject`): a `Content-Type` other than
    /// [`CONTENT_TYPE`], an `Evowire-Type` other than [`name`](Self::name), an
    /// unreadable `Evowire-Version` or one with another major version. A header that is
    /// absent is not checked, so plain NATS publishers (`nats pub`) can still send evowire
    /// payloads.
    ///
    /// ```
    /// use evowire_nats::{MessageType, Version};
    /// const V1: MessageType = MessageType::new("shop.Order", 1, 0);
    /// const V1_3: MessageType = MessageType::new("shop.Order", 1, 3);
    /// const V2: MessageType = MessageType::new("shop.Order", 2, 0);
    ///
    /// assert_eq!(V1.check("orders", Some(&V1_3.headers())).unwrap(), Some(Version::new(1, 3)));
    /// let err = V1.check("orders", Some(&V2.headers())).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "incompatible message on `orders`: sender's shop.Order is version 2.0, \
    ///      this receiver reads 1.0: major versions differ"
    /// );
    /// assert_eq!(V1.check("orders", None).unwrap(), None);
    /// ```
    pub fn check(&self, subject: &str, headers: Option<&HeaderMap>) -> Result<Option<Version>> {
        let Some(headers) = headers else {
            return Ok(None);
        };
        let incompatible = |reason: String| Error::Incompatible {
            subject: subject.to_owned(),
            reason,
        };
        // One pass over the (few) headers: cheaper than three hash lookups.
        let (mut content_type, mut sender_type, mut version) = (None, None, None);
        for (name, values) in headers.iter() {
            let slot = match AsRef::<str>::as_ref(name) {
                HEADER_CONTENT_TYPE => &mut content_type,
                HEADER_TYPE => &mut sender_type,
                HEADER_VERSION => &mut version,
                _ => continue,
            };
            *slot = values.first().map(|v| v.as_str());
        }
        if let Some(ct) = content_type {
            if ct != CONTENT_TYPE {
                return Err(incompatible(format!(
                    "content type `{ct}`, expected `{CONTENT_TYPE}`"
                )));
            }
        }
        if let Some(name) = sender_type {
            if name != self.name {
                return Err(incompatible(format!(
                    "message type `{name}`, this receiver reads `{}`",
                    self.name
                )));
            }
        }
        let Some(version) = version else {
            return Ok(None);
        };
        let version: Version = version
            .parse()
            .map_err(|e: ParseVersionError| incompatible(format!("{HEADER_VERSION}: {e}")))?;
        if version.major != self.version.major {
            return Err(incompatible(format!(
                "sender's {} is version {version}, this receiver reads {}: major versions differ",
                sender_type.unwrap_or(self.name),
                self.version
            )));
        }
        Ok(Some(version))
    }
}

/// A type sent over NATS with this crate: serde both ways, plus its [`MessageType`].
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use evowire_nats::{Message, MessageType};
///
/// #[derive(Serialize, Deserialize)]
/// struct Order { id: u64, qty: u32 }
///
/// impl Message for Order {
///     const TYPE: MessageType = MessageType::new("shop.Order", 1, 0);
/// }
/// ```
///
/// Evolve it by evowire's rules (new fields at the back with `#[serde(default)]`, new enum
/// variants at the back) and bump the minor version; bump the major version for anything
/// else, and receivers of the old major will refuse the new messages with
/// [`Error::Incompatible`] instead of misreading them.
pub trait Message: Serialize + DeserializeOwned {
    /// The type's name and the version this program speaks.
    const TYPE: MessageType;
}

/// [`MessageType::headers`], built once per type and thread and cloned afterwards (the
/// publish path's cost is dominated by async-nats's per-message header map).
pub(crate) fn type_headers(ty: &MessageType) -> HeaderMap {
    const MAX_CACHED: usize = 64;
    thread_local! {
        static CACHE: RefCell<Vec<(MessageType, HeaderMap)>> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, headers)) = cache.iter().find(|(t, _)| t == ty) {
            return headers.clone();
        }
        let headers = ty.headers();
        if cache.len() < MAX_CACHED {
            cache.push((*ty, headers.clone()));
        }
        headers
    })
}

/// The payload of a reply that reports a failed request ([`REMOTE_ERROR_TYPE`]).
#[derive(Serialize, Deserialize)]
pub(crate) struct RemoteError {
    pub(crate) message: String,
}

impl Message for RemoteError {
    const TYPE: MessageType = MessageType::new(REMOTE_ERROR_TYPE, 1, 0);
}

/// Whether a reply reports a failed request.
pub(crate) fn is_remote_error(headers: Option<&HeaderMap>) -> bool {
    headers.is_some_and(|h| {
        h.iter().any(|(name, values)| {
            AsRef::<str>::as_ref(name) == HEADER_TYPE
                && values.first().map(|v| v.as_str()) == Some(REMOTE_ERROR_TYPE)
        })
    })
}

/// Encodes `msg` into a thread-local arena and splits the bytes off: a publish costs no
/// allocation of its own (like publishing pre-encoded `Bytes`), only a reference count on
/// the arena's current chunk, which is freed once every message in it has been sent.
pub(crate) fn encode<T: Message>(msg: &T) -> Result<Bytes> {
    const CHUNK: usize = 64 * 1024;
    thread_local! {
        static ARENA: RefCell<BytesMut> = RefCell::new(BytesMut::new());
    }
    ARENA.with(|arena| {
        let mut arena = arena.borrow_mut();
        if arena.capacity() - arena.len() < CHUNK / 16 {
            arena.reserve(CHUNK);
        }
        match msg.serialize(&mut evowire::Serializer::new(&mut *arena)) {
            Ok(()) => Ok(arena.split().freeze()),
            Err(source) => {
                arena.clear();
                Err(Error::Encode {
                    type_name: T::TYPE.name,
                    source,
                })
            }
        }
    })
}

/// Checks the headers, then decodes the payload as `T`.
pub(crate) fn decode<T: Message>(
    subject: &str,
    headers: Option<&HeaderMap>,
    payload: &[u8],
) -> Result<(T, Option<Version>)> {
    let version = T::TYPE.check(subject, headers)?;
    match evowire::from_slice(payload) {
        Ok(value) => Ok((value, version)),
        Err(source) => Err(Error::Decode {
            subject: subject.to_owned(),
            type_name: T::TYPE.name,
            source,
        }),
    }
}
