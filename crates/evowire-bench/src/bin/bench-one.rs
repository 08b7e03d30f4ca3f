//! `bench-one <dataset> <format> <encode|decode|decode-borrowed> <N>`: builds the data set,
//! runs the operation exactly N times and prints one line. Meant for instruction counting:
//!
//! ```sh
//! valgrind --tool=callgrind bench-one orders evowire encode 3
//! ```

use evowire_bench::{run, DatasetKind, Format, Op};
use std::process::ExitCode;

const USAGE: &str = "usage: bench-one <orders|logs|mesh|entities|saves> <evowire|evowire-derive|fcode|bincode|postcard|bitcode|prost|rmp-serde|serde_json> <encode|decode|decode-borrowed> <N>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dataset, format, op, n] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (Some(dataset), Some(format), Some(op), Ok(n)) = (
        DatasetKind::parse(dataset),
        Format::parse(format),
        Op::parse(op),
        n.parse::<u64>(),
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if !run::supported(dataset, format, op) {
        eprintln!(
            "{} is not measured for {} with {} (no strings, or the format cannot borrow)",
            op.name(),
            dataset.name(),
            format.name()
        );
        return ExitCode::from(2);
    }
    let summary = run::run(dataset, format, op, n);
    let per_op = summary.elapsed.as_nanos() / u128::from(n.max(1));
    println!(
        "{} {} {} n={} bytes={} elapsed={:?} per_op={}ns",
        dataset.name(),
        format.name(),
        op.name(),
        n,
        summary.encoded_len,
        summary.elapsed,
        per_op
    );
    ExitCode::SUCCESS
}
