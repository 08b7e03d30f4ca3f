//! The formats under test and how each one encodes and decodes a data set.
//!
//! Every encode writes into a buffer reused across calls (cleared, never shrunk), which is
//! how a server encodes messages and the path the evowire targets are measured on:
//!
//! | format | encode | decode |
//! |---|---|---|
//! | evowire | `evowire::to_writer(&mut vec, &v)` | `evowire::from_slice` |
//! | evowire-derive | `evowire::__derive::to_writer` (experimental derive) | `evowire::__derive::from_slice` |
//! | fcode 1.1.0 | `fcode::to_writer(&mut vec, &v)` | `fcode::from_bytes` |
//! | bincode 1.3 | `bincode::serialize_into(&mut vec, &v)` | `bincode::deserialize` |
//! | postcard 1 | `postcard::to_extend(&v, vec)` | `postcard::from_bytes` |
//! | bitcode 0.6 | `bitcode::Buffer::encode` (derive mode, not serde) | `bitcode::Buffer::decode` |
//! | prost 0.14 | `Message::encode(&proto, &mut vec)` | `Message::decode(&bytes[..])` |
//! | rmp-serde 1.3 | `rmp_serde::encode::write(&mut vec, &v)` (structs as arrays) | `rmp_serde::from_slice` |
//! | serde_json 1 | `serde_json::to_writer(&mut vec, &v)` | `serde_json::from_slice` |
//!
//! prost encodes and decodes its own hand-written message structs ([`Dataset::Proto`]); the
//! conversion from the serde types is done once, outside every measurement.

use crate::data::Dataset;
use prost::Message;

/// A format under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// This workspace's format.
    Evowire,
    /// The same bytes through the experimental `#[derive(Encode, Decode)]` of
    /// `evowire-derive`, on the data sets whose types derive it ([`Dataset::HAS_DERIVE`]).
    EvowireDerive,
    /// fcode 1.1.0, the format evowire is byte-compatible with.
    Fcode,
    /// bincode 1.3 (fixed-width integers, no evolution).
    Bincode,
    /// postcard 1 (varints, no evolution).
    Postcard,
    /// bitcode 0.6 with its derive (`Encode`/`Decode`), not its serde mode.
    Bitcode,
    /// prost 0.14 on hand-written `prost::Message` mirrors.
    Prost,
    /// rmp-serde 1.3 (MessagePack), default config (structs as arrays).
    RmpSerde,
    /// serde_json 1 (with `float_roundtrip`, so floats decode exactly).
    SerdeJson,
}

impl Format {
    /// Every format, evowire first (the reference of every ratio).
    pub const ALL: [Format; 9] = [
        Format::Evowire,
        Format::EvowireDerive,
        Format::Fcode,
        Format::Bincode,
        Format::Postcard,
        Format::Bitcode,
        Format::Prost,
        Format::RmpSerde,
        Format::SerdeJson,
    ];

    /// The command-line and report name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Evowire => "evowire",
            Format::EvowireDerive => "evowire-derive",
            Format::Fcode => "fcode",
            Format::Bincode => "bincode",
            Format::Postcard => "postcard",
            Format::Bitcode => "bitcode",
            Format::Prost => "prost",
            Format::RmpSerde => "rmp-serde",
            Format::SerdeJson => "serde_json",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the format can decode `&str` fields borrowed from the input.
    pub fn borrows(self) -> bool {
        matches!(
            self,
            Format::Evowire
                | Format::EvowireDerive
                | Format::Fcode
                | Format::Bincode
                | Format::Postcard
                | Format::Bitcode
        )
    }

    /// Whether the format applies to data set `D` (the derive only to the data sets whose
    /// types derive it).
    pub fn applies_to<D: Dataset>(self) -> bool {
        self != Format::EvowireDerive || D::HAS_DERIVE
    }
}

/// An operation under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Encode into a reused buffer.
    Encode,
    /// Decode into the owned types (prost: into its message structs).
    Decode,
    /// Decode into the borrowed (`&str`) twins.
    DecodeBorrowed,
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 3] = [Op::Encode, Op::Decode, Op::DecodeBorrowed];

    /// The command-line and report name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Encode => "encode",
            Op::Decode => "decode",
            Op::DecodeBorrowed => "decode-borrowed",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A data set in every form the formats need: the serde/bitcode value and the prost mirror.
pub struct Fixture<D: Dataset> {
    /// The value serde formats and bitcode encode.
    pub value: D::Value,
    /// The prost mirror of `value`.
    pub proto: D::Proto,
}

impl<D: Dataset> Fixture<D> {
    /// The full-size data set.
    pub fn full() -> Self {
        Self::with_len(D::FULL_LEN)
    }

    /// The data set with `len` top-level records.
    pub fn with_len(len: usize) -> Self {
        let value = D::generate(len);
        let proto = D::to_proto(&value);
        Fixture { value, proto }
    }
}

/// A decoded value: the owned serde/bitcode type, or prost's message type.
#[derive(Debug)]
pub enum Decoded<V, P> {
    /// From a serde format or bitcode.
    Value(V),
    /// From prost.
    Proto(P),
}

/// Reusable encode/decode state: the output buffer and bitcode's buffer.
#[derive(Default)]
pub struct Codec {
    buf: Vec<u8>,
    bitcode: bitcode::Buffer,
}

impl Codec {
    /// Fresh state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encodes the fixture with `format` and returns the bytes (valid until the next call).
    ///
    /// # Panics
    ///
    /// If the format fails to encode (none does on these data sets), or does not apply to
    /// the data set ([`Format::applies_to`]).
    pub fn encode<D: Dataset>(&mut self, format: Format, fixture: &Fixture<D>) -> &[u8] {
        let value = &fixture.value;
        let buf = &mut self.buf;
        buf.clear();
        match format {
            Format::Evowire => evowire::to_writer(&mut *buf, value).expect("evowire encode"),
            Format::EvowireDerive => D::derive_encode(value, buf)
                .expect("the data set derives evowire's Encode")
                .expect("evowire-derive encode"),
            Format::Fcode => fcode::to_writer(buf, value).expect("fcode encode"),
            Format::Bincode => bincode::serialize_into(&mut *buf, value).expect("bincode encode"),
            Format::Postcard => {
                *buf = postcard::to_extend(value, core::mem::take(buf)).expect("postcard encode");
            }
            Format::Bitcode => return self.bitcode.encode(value),
            Format::Prost => fixture.proto.encode(buf).expect("prost encode"),
            Format::RmpSerde => rmp_serde::encode::write(buf, value).expect("rmp-serde encode"),
            Format::SerdeJson => {
                serde_json::to_writer(&mut *buf, value).expect("serde_json encode")
            }
        }
        &self.buf
    }

    /// Decodes `bytes` (produced by [`Codec::encode`] with the same format) into owned values.
    ///
    /// # Panics
    ///
    /// If the bytes do not decode.
    pub fn decode<D: Dataset>(
        &mut self,
        format: Format,
        bytes: &[u8],
    ) -> Decoded<D::Value, D::Proto> {
        Decoded::Value(match format {
            Format::Evowire => evowire::from_slice(bytes).expect("evowire decode"),
            Format::EvowireDerive => D::derive_decode(bytes)
                .expect("the data set derives evowire's Decode")
                .expect("evowire-derive decode"),
            Format::Fcode => fcode::from_bytes(bytes).expect("fcode decode"),
            Format::Bincode => bincode::deserialize(bytes).expect("bincode decode"),
            Format::Postcard => postcard::from_bytes(bytes).expect("postcard decode"),
            Format::Bitcode => self.bitcode.decode(bytes).expect("bitcode decode"),
            Format::Prost => return Decoded::Proto(D::Proto::decode(bytes).expect("prost decode")),
            Format::RmpSerde => rmp_serde::from_slice(bytes).expect("rmp-serde decode"),
            Format::SerdeJson => serde_json::from_slice(bytes).expect("serde_json decode"),
        })
    }

    /// Decodes `bytes` into the borrowed twins (strings point into `bytes`).
    ///
    /// # Panics
    ///
    /// If the bytes do not decode, or the format cannot borrow ([`Format::borrows`]).
    pub fn decode_borrowed<'a, D: Dataset>(
        &mut self,
        format: Format,
        bytes: &'a [u8],
    ) -> D::Borrowed<'a> {
        match format {
            Format::Evowire => evowire::from_slice(bytes).expect("evowire decode"),
            Format::EvowireDerive => D::derive_decode_borrowed(bytes)
                .expect("the data set derives evowire's Decode")
                .expect("evowire-derive decode"),
            Format::Fcode => fcode::from_bytes(bytes).expect("fcode decode"),
            Format::Bincode => bincode::deserialize(bytes).expect("bincode decode"),
            Format::Postcard => postcard::from_bytes(bytes).expect("postcard decode"),
            Format::Bitcode => self.bitcode.decode(bytes).expect("bitcode decode"),
            Format::Prost | Format::RmpSerde | Format::SerdeJson => {
                panic!("{} has no borrowed decode in this benchmark", format.name())
            }
        }
    }
}
