//! Instruction counts per operation for every (data set, format, op), with ratios against
//! evowire, as a markdown report.
//!
//! ```text
//! compare [--k K] [--jobs J] [--datasets a,b] [--formats a,b] [--ops a,b] [--out FILE]
//!         [--builds DIR,DIR,...]
//! ```
//!
//! For each combination it runs `valgrind --tool=callgrind bench-one <dataset> <format> <op> N`
//! for N = 1 and N = K (default 3) and reports (Ir(K) - Ir(1)) / (K - 1): the setup (building
//! the data set and the input bytes) and the first, cold operation cancel out. `bench-one` is
//! looked up next to this executable, so build both with the same profile
//! (`run-callgrind.sh` does). With `--builds`, every combination is measured with the
//! `bench-one` of each directory (separate builds of the same source) and each cell reports
//! the median; the report lists the cells where the builds disagreed.

use evowire_bench::{run, DatasetKind, Format, Op};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;

struct Args {
    k: u64,
    jobs: usize,
    datasets: Vec<DatasetKind>,
    formats: Vec<Format>,
    ops: Vec<Op>,
    out: Option<PathBuf>,
    builds: Vec<PathBuf>,
}

fn parse_list<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|name| parse(name).ok_or_else(|| format!("unknown name `{name}`")))
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        k: 3,
        jobs: 1,
        datasets: DatasetKind::ALL.to_vec(),
        formats: Format::ALL.to_vec(),
        ops: Op::ALL.to_vec(),
        out: None,
        builds: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--k" => args.k = value.parse().map_err(|_| "--k needs an integer >= 2")?,
            "--jobs" => args.jobs = value.parse().map_err(|_| "--jobs needs an integer >= 1")?,
            "--datasets" => args.datasets = parse_list(&value, DatasetKind::parse)?,
            "--formats" => args.formats = parse_list(&value, Format::parse)?,
            "--ops" => args.ops = parse_list(&value, Op::parse)?,
            "--out" => args.out = Some(PathBuf::from(value)),
            "--builds" => args.builds = value.split(',').map(PathBuf::from).collect(),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if args.k < 2 || args.jobs == 0 {
        return Err("--k must be >= 2 and --jobs >= 1".into());
    }
    Ok(args)
}

/// Total instructions of one `bench-one` run under callgrind, and the encoded size it printed.
fn callgrind(
    bench_one: &Path,
    task: (DatasetKind, Format, Op),
    n: u64,
) -> Result<(u64, usize), String> {
    let (dataset, format, op) = task;
    let out_file = std::env::temp_dir().join(format!(
        "evowire-bench-{}-{}-{}-{}-{n}.callgrind",
        std::process::id(),
        dataset.name(),
        format.name(),
        op.name()
    ));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(bench_one)
        .args([dataset.name(), format.name(), op.name(), &n.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "bench-one failed under valgrind:\n{stdout}\n{stderr}"
        ));
    }
    let ir = stderr
        .lines()
        .find_map(|line| {
            line.split_once("Collected : ")
                .map(|(_, n)| n.trim().parse::<u64>())
        })
        .ok_or_else(|| format!("no `Collected :` line in valgrind output:\n{stderr}"))?
        .map_err(|e| format!("bad instruction count: {e}"))?;
    let bytes = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("bytes="))
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| format!("no bytes= in bench-one output: {stdout}"))?;
    Ok((ir, bytes))
}

type Task = (DatasetKind, Format, Op);

#[derive(Clone, Copy)]
struct Measured {
    ir_per_op: u64,
    bytes: usize,
}

/// Every task's measurement with each build (`bench_ones`), in build order.
type Results = HashMap<(usize, usize, usize), Vec<Option<Measured>>>;

fn measure_all(
    bench_ones: &[PathBuf],
    tasks: &[Task],
    k: u64,
    jobs: usize,
) -> Result<Results, String> {
    let runs: Vec<(Task, usize)> = tasks
        .iter()
        .flat_map(|&task| (0..bench_ones.len()).map(move |b| (task, b)))
        .collect();
    let queue = Mutex::new(runs);
    let results = Mutex::new(Results::new());
    let failure = Mutex::new(None::<String>);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let Some((task, build)) = queue.lock().unwrap().pop() else {
                    break;
                };
                let bench_one = &bench_ones[build];
                let measured = callgrind(bench_one, task, 1).and_then(|(ir1, bytes)| {
                    let (irk, _) = callgrind(bench_one, task, k)?;
                    Ok(Measured {
                        ir_per_op: irk.saturating_sub(ir1) / (k - 1),
                        bytes,
                    })
                });
                match measured {
                    Ok(m) => {
                        eprintln!(
                            "{:>7} {:>10} {:>15}: {:>13} Ir/op (build {})",
                            task.0.name(),
                            task.1.name(),
                            task.2.name(),
                            m.ir_per_op,
                            build + 1
                        );
                        let mut results = results.lock().unwrap();
                        let cell = results
                            .entry(key(task))
                            .or_insert_with(|| vec![None; bench_ones.len()]);
                        cell[build] = Some(m);
                    }
                    Err(e) => {
                        *failure.lock().unwrap() = Some(e);
                        queue.lock().unwrap().clear();
                    }
                }
            });
        }
    });
    match failure.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(results.into_inner().unwrap()),
    }
}

/// The median over the builds (the lower middle one for an even count).
fn median(cell: &[Option<Measured>]) -> Option<Measured> {
    let mut all: Vec<Measured> = cell.iter().flatten().copied().collect();
    all.sort_by_key(|m| m.ir_per_op);
    all.get(all.len().saturating_sub(1) / 2).copied()
}

fn key((dataset, format, op): Task) -> (usize, usize, usize) {
    let pos = |d| DatasetKind::ALL.iter().position(|x| *x == d).unwrap();
    let fpos = |f| Format::ALL.iter().position(|x| *x == f).unwrap();
    let opos = |o| Op::ALL.iter().position(|x| *x == o).unwrap();
    (pos(dataset), fpos(format), opos(op))
}

fn shell(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{} UTC; `nproc` = {}; CPU: {}; {}; {}",
        shell("date", &["-u", "+%Y-%m-%d %H:%M"]),
        shell("nproc", &[]),
        cpu,
        shell("rustc", &["--version"]),
        shell("valgrind", &["--version"]),
    )
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn report(args: &Args, all: &Results) -> String {
    let results: HashMap<_, Measured> = all
        .iter()
        .filter_map(|(k, cell)| median(cell).map(|m| (*k, m)))
        .collect();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Instructions per operation (callgrind `Ir`, (Ir(N={k}) - Ir(N=1)) / {}).",
        args.k - 1,
        k = args.k
    );
    let _ = writeln!(
        md,
        "Ratio = peer ÷ evowire: above 1 means evowire executes fewer instructions.\n"
    );
    let _ = writeln!(md, "Machine: {}\n", machine());
    if args.builds.len() > 1 {
        let _ = writeln!(
            md,
            "Each cell is the median over {} builds ({}).\n",
            args.builds.len(),
            args.builds
                .iter()
                .map(|b| format!("`{}`", b.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for &dataset in &args.datasets {
        let ops: Vec<Op> = args
            .ops
            .iter()
            .copied()
            .filter(|&op| args.formats.iter().any(|&f| run::supported(dataset, f, op)))
            .collect();
        let _ = writeln!(md, "#### {}\n", dataset.name());
        let mut header = String::from("| format | size (bytes) |");
        let mut rule = String::from("|---|---:|");
        for op in &ops {
            let _ = write!(header, " {} Ir/op | ratio |", op.name());
            rule.push_str("---:|---:|");
        }
        let _ = writeln!(md, "{header}\n{rule}");
        for &format in &args.formats {
            let size = ops
                .iter()
                .find_map(|&op| results.get(&key((dataset, format, op))))
                .map_or_else(|| "–".into(), |m| thousands(m.bytes as u64));
            let mut row = format!("| {} | {} |", format.name(), size);
            for &op in &ops {
                let base = results.get(&key((dataset, Format::Evowire, op)));
                match results.get(&key((dataset, format, op))) {
                    Some(m) => {
                        let ratio = base.map_or_else(
                            || "–".into(),
                            |b| format!("{:.2}", m.ir_per_op as f64 / b.ir_per_op.max(1) as f64),
                        );
                        let _ = write!(row, " {} | {} |", thousands(m.ir_per_op), ratio);
                    }
                    None => row.push_str(" – | – |"),
                }
            }
            let _ = writeln!(md, "{row}");
        }
        md.push('\n');
    }
    if args.builds.len() > 1 {
        md.push_str(&spread(args, all));
    }
    md
}

/// How far the builds' counts spread, and the cells where they differ by more than 0.1 %
/// (smaller differences come from the run's environment as much as from the build).
fn spread(args: &Args, all: &Results) -> String {
    let mut lines = Vec::new();
    let mut widest = (0.0f64, String::new());
    for &dataset in &args.datasets {
        for &format in &args.formats {
            for &op in &args.ops {
                let Some(cell) = all.get(&key((dataset, format, op))) else {
                    continue;
                };
                let counts: Vec<u64> = cell.iter().flatten().map(|m| m.ir_per_op).collect();
                let (Some(&lo), Some(&hi)) = (counts.iter().min(), counts.iter().max()) else {
                    continue;
                };
                let rel = (hi - lo) as f64 / lo.max(1) as f64;
                let name = format!("{} {} {}", dataset.name(), format.name(), op.name());
                if rel > widest.0 {
                    widest = (rel, name.clone());
                }
                if rel > 0.001 {
                    let counts: Vec<String> = counts.iter().map(|&n| thousands(n)).collect();
                    lines.push(format!("- {name}: {}", counts.join(" / ")));
                }
            }
        }
    }
    let mut out = if widest.0 == 0.0 {
        format!(
            "All {} builds gave the same count in every cell.\n",
            args.builds.len()
        )
    } else {
        format!(
            "Widest spread between the builds: {:.2} % ({}).\n",
            widest.0 * 100.0,
            widest.1
        )
    };
    if !lines.is_empty() {
        out.push_str("\nCells where the builds differ by more than 0.1 % (build 1 / 2 / ...):\n\n");
        out.push_str(&lines.join("\n"));
        out.push('\n');
    }
    out
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("compare: {e}\nusage: compare [--k K] [--jobs J] [--datasets a,b] [--formats a,b] [--ops a,b] [--out FILE] [--builds DIR,DIR,...]");
            return ExitCode::from(2);
        }
    };
    let name = format!("bench-one{}", std::env::consts::EXE_SUFFIX);
    let bench_ones: Vec<PathBuf> = if args.builds.is_empty() {
        vec![std::env::current_exe()
            .expect("current_exe")
            .with_file_name(&name)]
    } else {
        args.builds.iter().map(|dir| dir.join(&name)).collect()
    };
    if let Some(missing) = bench_ones.iter().find(|b| !b.exists()) {
        eprintln!(
            "compare: {} not found; build the bins first (run-callgrind.sh)",
            missing.display()
        );
        return ExitCode::FAILURE;
    }
    let mut tasks = Vec::new();
    for &dataset in &args.datasets {
        for &format in &args.formats {
            for &op in &args.ops {
                if run::supported(dataset, format, op) {
                    tasks.push((dataset, format, op));
                }
            }
        }
    }
    // Largest work first, so parallel jobs finish together; pop() takes from the end.
    tasks.reverse();
    let results = match measure_all(&bench_ones, &tasks, args.k, args.jobs) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("compare: {e}");
            return ExitCode::FAILURE;
        }
    };
    let md = report(&args, &results);
    print!("{md}");
    if let Some(path) = &args.out {
        if let Err(e) = std::fs::write(path, &md) {
            eprintln!("compare: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
