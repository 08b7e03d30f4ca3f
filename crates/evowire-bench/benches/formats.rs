//! Criterion: encode, decode and borrowed decode of every data set in every format, side by
//! side. Groups are `<dataset>/<op>` with one benchmark per format; the encoded sizes are
//! printed once before the measurements. Short settings (2 s, 20 samples, flat sampling) keep
//! the whole run near ten minutes on a 2-core machine; see the README for the numbers.

use criterion::{criterion_group, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use evowire_bench::data::{
    entities::Entities, logs::Logs, mesh::Mesh, orders::Orders, saves::Saves, Dataset,
};
use evowire_bench::{Codec, Fixture, Format};
use std::hint::black_box;
use std::time::Duration;

fn configure<M: criterion::measurement::Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    bytes: usize,
) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Bytes(bytes as u64));
}

fn bench_dataset<D: Dataset>(c: &mut Criterion) {
    let fixture = Fixture::<D>::full();
    let mut codec = Codec::new();
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| f.applies_to::<D>())
        .collect();
    let encoded: Vec<(Format, Vec<u8>)> = formats
        .iter()
        .copied()
        .map(|f| (f, codec.encode(f, &fixture).to_vec()))
        .collect();
    // Throughput is reported against evowire's size for every format, so MB/s compare
    // like for like (the same data per second).
    let evowire_len = encoded[0].1.len();

    let mut group = c.benchmark_group(format!("{}/encode", D::NAME));
    configure(&mut group, evowire_len);
    for &format in &formats {
        group.bench_function(format.name(), |b| {
            b.iter(|| codec.encode(format, black_box(&fixture)).len())
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("{}/decode", D::NAME));
    configure(&mut group, evowire_len);
    for (format, bytes) in &encoded {
        group.bench_function(format.name(), |b| {
            b.iter(|| codec.decode::<D>(*format, black_box(bytes)))
        });
    }
    group.finish();

    if D::HAS_BORROWED {
        let mut group = c.benchmark_group(format!("{}/decode-borrowed", D::NAME));
        configure(&mut group, evowire_len);
        for (format, bytes) in encoded.iter().filter(|(f, _)| f.borrows()) {
            group.bench_function(format.name(), |b| {
                b.iter(|| drop(codec.decode_borrowed::<D>(*format, black_box(bytes))))
            });
        }
        group.finish();
    }
}

fn print_sizes() {
    fn row<D: Dataset>() -> String {
        let fixture = Fixture::<D>::full();
        let mut codec = Codec::new();
        let sizes: Vec<String> = Format::ALL
            .into_iter()
            .map(|f| match f.applies_to::<D>() {
                true => codec.encode(f, &fixture).len().to_string(),
                false => "–".to_string(),
            })
            .collect();
        format!("| {} | {} |", D::NAME, sizes.join(" | "))
    }
    let names: Vec<&str> = Format::ALL.into_iter().map(Format::name).collect();
    println!("Encoded sizes (bytes):\n");
    println!("| data set | {} |", names.join(" | "));
    println!("|---|{}", "---:|".repeat(names.len()));
    for line in [
        row::<Orders>(),
        row::<Logs>(),
        row::<Mesh>(),
        row::<Entities>(),
        row::<Saves>(),
    ] {
        println!("{line}");
    }
    println!();
}

fn all(c: &mut Criterion) {
    bench_dataset::<Orders>(c);
    bench_dataset::<Logs>(c);
    bench_dataset::<Mesh>(c);
    bench_dataset::<Entities>(c);
    bench_dataset::<Saves>(c);
}

criterion_group!(benches, all);

fn main() {
    // `cargo test --benches` / `--test` mode runs each benchmark once; skip the size table there.
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_sizes();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
