//! The five data sets, their borrowed twins and their hand-written prost mirrors.

pub mod entities;
pub mod logs;
pub mod mesh;
pub mod orders;
pub mod saves;

use core::fmt::Debug;
use core::hash::Hash;
use serde::{Deserialize, Serialize};

/// String-like field types: `String` for the owned data sets, `&str` for the borrowed twins.
///
/// The string-bearing data types are generic over it (`Order<S = String>`), so the borrowed
/// variant (`OrderRef<'a> = Order<&'a str>`) has exactly the same shape and wire bytes.
pub trait Text: AsRef<str> + Clone + Debug + Eq + Ord + Hash {}
impl Text for String {}
impl Text for &str {}

/// A deterministic `BuildHasher` for the `HashMap`s in the data sets: the iteration order (and
/// so the encoded bytes) is the same in every run, which keeps instruction counts stable.
pub type FixedState = core::hash::BuildHasherDefault<std::hash::DefaultHasher>;

/// One benchmark data set: how to build it and the types every format encodes.
pub trait Dataset: 'static {
    /// Name used on the command line and in criterion group names.
    const NAME: &'static str;
    /// Number of top-level records in the full-size data set.
    const FULL_LEN: usize;
    /// Whether the data set has strings, so that a borrowed (`&str`) decode is meaningful.
    const HAS_BORROWED: bool;

    /// The owned value all serde formats and bitcode encode.
    type Value: Serialize
        + for<'de> Deserialize<'de>
        + bitcode::Encode
        + for<'de> bitcode::Decode<'de>
        + PartialEq
        + Debug;
    /// The same shape with `&'a str` in place of `String` (equal to `Value` without strings).
    type Borrowed<'a>: Serialize + Deserialize<'a> + bitcode::Decode<'a> + Debug;
    /// The hand-written prost mirror of `Value`.
    type Proto: prost::Message + Default + PartialEq;

    /// Whether the data set's types derive evowire's experimental `Encode`/`Decode`
    /// (`evowire-derive`), so that [`Format::EvowireDerive`](crate::Format::EvowireDerive)
    /// applies.
    const HAS_DERIVE: bool = false;

    /// Encodes with evowire's experimental derive into `buf`; `None` without [`Self::HAS_DERIVE`].
    fn derive_encode(value: &Self::Value, buf: &mut Vec<u8>) -> Option<evowire::Result<()>> {
        let _ = (value, buf);
        None
    }

    /// Decodes with evowire's experimental derive; `None` without [`Self::HAS_DERIVE`].
    fn derive_decode(bytes: &[u8]) -> Option<evowire::Result<Self::Value>> {
        let _ = bytes;
        None
    }

    /// Decodes the borrowed twins with evowire's experimental derive; `None` without
    /// [`Self::HAS_DERIVE`].
    fn derive_decode_borrowed(bytes: &[u8]) -> Option<evowire::Result<Self::Borrowed<'_>>> {
        let _ = bytes;
        None
    }

    /// Builds the data set with `len` top-level records from a fixed seed.
    fn generate(len: usize) -> Self::Value;
    /// Converts to the prost mirror (not part of any measurement).
    fn to_proto(value: &Self::Value) -> Self::Proto;
}

/// The data sets by name, for command-line dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetKind {
    /// [`orders::Orders`]: 10k small trading messages.
    Orders,
    /// [`logs::Logs`]: 5k string-heavy web access log records.
    Logs,
    /// [`mesh::Mesh`]: 100k float-heavy triangles.
    Mesh,
    /// [`entities::Entities`]: 50k small structs of named floats and small integers.
    Entities,
    /// [`saves::Saves`]: deeply structured game saves.
    Saves,
}

impl DatasetKind {
    /// Every data set, in report order.
    pub const ALL: [DatasetKind; 5] = [
        DatasetKind::Orders,
        DatasetKind::Logs,
        DatasetKind::Mesh,
        DatasetKind::Entities,
        DatasetKind::Saves,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Orders => orders::Orders::NAME,
            DatasetKind::Logs => logs::Logs::NAME,
            DatasetKind::Mesh => mesh::Mesh::NAME,
            DatasetKind::Entities => entities::Entities::NAME,
            DatasetKind::Saves => saves::Saves::NAME,
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether the data set's types derive evowire's experimental `Encode`/`Decode`.
    pub fn has_derive(self) -> bool {
        match self {
            DatasetKind::Orders => orders::Orders::HAS_DERIVE,
            DatasetKind::Logs => logs::Logs::HAS_DERIVE,
            DatasetKind::Mesh => mesh::Mesh::HAS_DERIVE,
            DatasetKind::Entities => entities::Entities::HAS_DERIVE,
            DatasetKind::Saves => saves::Saves::HAS_DERIVE,
        }
    }

    /// Whether a borrowed decode applies (the data set has strings).
    pub fn has_borrowed(self) -> bool {
        match self {
            DatasetKind::Orders => orders::Orders::HAS_BORROWED,
            DatasetKind::Logs => logs::Logs::HAS_BORROWED,
            DatasetKind::Mesh => mesh::Mesh::HAS_BORROWED,
            DatasetKind::Entities => entities::Entities::HAS_BORROWED,
            DatasetKind::Saves => saves::Saves::HAS_BORROWED,
        }
    }
}

/// The [`Dataset`] items for a data set whose types derive evowire's experimental
/// `Encode`/`Decode`.
macro_rules! derived {
    () => {
        const HAS_DERIVE: bool = true;

        fn derive_encode(value: &Self::Value, buf: &mut Vec<u8>) -> Option<evowire::Result<()>> {
            Some(evowire::__derive::to_writer(buf, value))
        }

        fn derive_decode(bytes: &[u8]) -> Option<evowire::Result<Self::Value>> {
            Some(evowire::__derive::from_slice(bytes))
        }

        fn derive_decode_borrowed(bytes: &[u8]) -> Option<evowire::Result<Self::Borrowed<'_>>> {
            Some(evowire::__derive::from_slice(bytes))
        }
    };
}
pub(crate) use derived;
