//! `evowire::packed` against a plain `memcpy` of the same bytes, in the same run.
//!
//! The mesh data set (100,000 triangles) flattened into two packed `Vec<f32>` columns
//! (1.2 million floats, 4.8 MB): encoding is `to_writer` into a reused buffer, decoding is
//! `from_slice` into fresh vectors. The baselines copy the same number of bytes: `memcpy
//! encode` appends the float bytes to a reused `Vec<u8>`, `memcpy decode` copies the encoded
//! payload bytes into new vectors (an allocation plus a copy, as decoding needs). The
//! target (issue #5) is within 2x of the baseline.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use evowire_bench::data::{mesh::Mesh, Dataset};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::Duration;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct PackedMesh {
    #[serde(with = "evowire::packed")]
    normals: Vec<f32>,
    #[serde(with = "evowire::packed")]
    vertices: Vec<f32>,
}

fn packed_mesh() -> PackedMesh {
    let triangles = Mesh::generate(Mesh::FULL_LEN);
    PackedMesh {
        normals: triangles.iter().flat_map(|t| t.normal).collect(),
        vertices: triangles
            .iter()
            .flat_map(|t| t.vertices.into_iter().flatten())
            .collect(),
    }
}

fn float_bytes(floats: &[f32]) -> Vec<u8> {
    floats.iter().flat_map(|f| f.to_le_bytes()).collect()
}

fn bench(c: &mut Criterion) {
    let mesh = packed_mesh();
    let encoded = evowire::to_vec(&mesh).unwrap();
    assert_eq!(evowire::from_slice::<PackedMesh>(&encoded).unwrap(), mesh);
    let raw = [float_bytes(&mesh.normals), float_bytes(&mesh.vertices)];
    let payload = raw[0].len() + raw[1].len();
    println!(
        "packed mesh: {} floats, {payload} payload bytes, {} encoded bytes",
        mesh.normals.len() + mesh.vertices.len(),
        encoded.len()
    );

    let mut group = c.benchmark_group("packed-mesh");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Bytes(payload as u64));

    let mut out = Vec::with_capacity(encoded.len());
    group.bench_function("evowire encode", |b| {
        b.iter(|| {
            out.clear();
            evowire::to_writer(&mut out, black_box(&mesh)).unwrap();
            out.len()
        })
    });
    group.bench_function("memcpy encode", |b| {
        b.iter(|| {
            out.clear();
            for column in black_box(&raw) {
                out.extend_from_slice(column);
            }
            out.len()
        })
    });
    group.bench_function("evowire decode", |b| {
        b.iter(|| evowire::from_slice::<PackedMesh>(black_box(&encoded)).unwrap())
    });
    group.bench_function("memcpy decode", |b| {
        b.iter(|| {
            black_box(&raw)
                .iter()
                .map(|column| column.to_vec())
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
