//! Benchmark harness comparing evowire with fcode 1.1, bincode 1.3, postcard, bitcode, prost,
//! rmp-serde and serde_json on five seeded data sets. See the README for the commands.
//!
//! - [`data`]: the data sets (`orders`, `logs`, `mesh`, `entities`, `saves`), their borrowed twins and
//!   their prost mirrors;
//! - [`formats`]: one encode and one decode path per format, each into a reused buffer;
//! - [`run`]: dispatch by name, shared by the `bench-one` and `compare` binaries
//!   (`criterion-report` summarises a `cargo bench` run).

#![warn(missing_docs)]

pub mod data;
pub mod formats;
pub mod rng;
pub mod run;

pub use data::{Dataset, DatasetKind};
pub use formats::{Codec, Decoded, Fixture, Format, Op};
