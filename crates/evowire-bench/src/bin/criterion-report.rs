//! Medians from the last `cargo bench -p evowire-bench` run, with ratios against evowire, as
//! markdown: `criterion-report [CRITERION_DIR]` (default `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion`).

use evowire_bench::{run, DatasetKind, Format, Op};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Median time in nanoseconds of `<dataset>/<op>/<format>`, if that benchmark has run.
fn median_ns(dir: &Path, dataset: DatasetKind, op: Op, format: Format) -> Option<f64> {
    // Criterion replaces the `/` of the group name with `_` in directory names.
    let path = dir
        .join(format!("{}_{}", dataset.name(), op.name()))
        .join(format.name())
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    match ns {
        ns if ns >= 1e9 => format!("{:.2} s", ns / 1e9),
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.1} µs", ns / 1e3),
        ns => format!("{ns:.0} ns"),
    }
}

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| PathBuf::from("target"), PathBuf::from);
            target.join("criterion")
        });
    if !dir.is_dir() {
        eprintln!(
            "criterion-report: {} not found; run `cargo bench -p evowire-bench` first",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let mut md = String::from("Median time per operation (criterion); ratio = peer ÷ evowire: above 1 means evowire is faster.\n\n");
    for dataset in DatasetKind::ALL {
        let ops: Vec<Op> = Op::ALL
            .into_iter()
            .filter(|&op| {
                Format::ALL
                    .iter()
                    .any(|&f| median_ns(&dir, dataset, op, f).is_some())
            })
            .collect();
        if ops.is_empty() {
            continue;
        }
        let _ = writeln!(md, "#### {}\n", dataset.name());
        let mut header = String::from("| format |");
        let mut rule = String::from("|---|");
        for op in &ops {
            let _ = write!(header, " {} | ratio |", op.name());
            rule.push_str("---:|---:|");
        }
        let _ = writeln!(md, "{header}\n{rule}");
        for format in Format::ALL {
            let mut row = format!("| {} |", format.name());
            for &op in &ops {
                let base = median_ns(&dir, dataset, op, Format::Evowire);
                match median_ns(&dir, dataset, op, format) {
                    Some(ns) if run::supported(dataset, format, op) => {
                        let ratio = base.map_or_else(|| "–".into(), |b| format!("{:.2}", ns / b));
                        let _ = write!(row, " {} | {} |", human(ns), ratio);
                    }
                    _ => row.push_str(" – | – |"),
                }
            }
            let _ = writeln!(md, "{row}");
        }
        md.push('\n');
    }
    print!("{md}");
    ExitCode::SUCCESS
}
