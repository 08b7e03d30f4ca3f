//! Running one (data set, format, operation) by name: used by `bench-one` (under callgrind)
//! and by `compare` (sizes).

use crate::data::{
    entities::Entities, logs::Logs, mesh::Mesh, orders::Orders, saves::Saves, Dataset, DatasetKind,
};
use crate::formats::{Codec, Fixture, Format, Op};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// What [`run`] did.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Encoded size of the data set in this format.
    pub encoded_len: usize,
    /// Wall time of the measured loop (setup excluded).
    pub elapsed: Duration,
}

/// Runs `op` exactly `n` times on the full-size data set and returns the encoded size and the
/// loop's wall time. Setup (building the data set, the prost mirror and, for decodes, the
/// input bytes) happens before the loop and is the same for every `n`, so the difference of
/// two instruction counts with different `n` is the cost of the operations alone.
///
/// # Panics
///
/// If `op` is [`Op::DecodeBorrowed`] and the data set or format has no borrowed decode (see
/// [`supported`]).
pub fn run(dataset: DatasetKind, format: Format, op: Op, n: u64) -> Summary {
    match dataset {
        DatasetKind::Orders => run_for::<Orders>(format, op, n),
        DatasetKind::Logs => run_for::<Logs>(format, op, n),
        DatasetKind::Mesh => run_for::<Mesh>(format, op, n),
        DatasetKind::Entities => run_for::<Entities>(format, op, n),
        DatasetKind::Saves => run_for::<Saves>(format, op, n),
    }
}

/// Whether `op` applies to this data set and format (borrowed decodes need strings and a
/// format that can borrow; the experimental derive needs data types that derive it).
pub fn supported(dataset: DatasetKind, format: Format, op: Op) -> bool {
    (format != Format::EvowireDerive || dataset.has_derive())
        && (op != Op::DecodeBorrowed || (dataset.has_borrowed() && format.borrows()))
}

/// The encoded size of the full-size data set in `format`.
pub fn encoded_len(dataset: DatasetKind, format: Format) -> usize {
    run(dataset, format, Op::Encode, 0).encoded_len
}

fn run_for<D: Dataset>(format: Format, op: Op, n: u64) -> Summary {
    assert!(
        format.applies_to::<D>()
            && (op != Op::DecodeBorrowed || (D::HAS_BORROWED && format.borrows())),
        "{} on {} with {} is not measured",
        op.name(),
        D::NAME,
        format.name()
    );
    let fixture = Fixture::<D>::full();
    let mut codec = Codec::new();
    let bytes = codec.encode(format, &fixture).to_vec();
    let start = Instant::now();
    match op {
        Op::Encode => encode_loop(&mut codec, format, &fixture, n),
        Op::Decode => decode_loop::<D>(&mut codec, format, &bytes, n),
        Op::DecodeBorrowed => decode_borrowed_loop::<D>(&mut codec, format, &bytes, n),
    }
    Summary {
        encoded_len: bytes.len(),
        elapsed: start.elapsed(),
    }
}

// The measured loops are separate non-inlined functions so that callgrind's
// `--toggle-collect='*_loop*'` can isolate them too.

#[inline(never)]
fn encode_loop<D: Dataset>(codec: &mut Codec, format: Format, fixture: &Fixture<D>, n: u64) {
    for _ in 0..n {
        black_box(codec.encode(format, black_box(fixture)).len());
    }
}

#[inline(never)]
fn decode_loop<D: Dataset>(codec: &mut Codec, format: Format, bytes: &[u8], n: u64) {
    for _ in 0..n {
        drop(black_box(codec.decode::<D>(format, black_box(bytes))));
    }
}

#[inline(never)]
fn decode_borrowed_loop<D: Dataset>(codec: &mut Codec, format: Format, bytes: &[u8], n: u64) {
    for _ in 0..n {
        drop(black_box(
            codec.decode_borrowed::<D>(format, black_box(bytes)),
        ));
    }
}
