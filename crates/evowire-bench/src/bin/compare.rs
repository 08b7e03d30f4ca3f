//! Instruction counts per operation for every (data set, format, op), with ratios against
//! evowire, as a markdown report.
//!
//! ```text
//! compare [--k K] [--jobs J] [--datasets a,b] [--formats a,b] [--ops a,b] [--out FILE]
//! ```
//!
//! For each combination it runs `valgrind --tool=callgrind bench-one <dataset> <format> <op> N`
//! for N = 1 and N = K (default 3) and reports (Ir(K) - Ir(1)) / (K - 1): the setup (building
//! the data set and the input bytes) and the first, cold operation cancel out. `bench-one` is
//! looked up next to this executable, so build both with the same profile
//! (`run-callgrind.sh` does).

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

struct Measured {
    ir_per_op: u64,
    bytes: usize,
}

fn measure_all(
    bench_one: &Path,
    tasks: &[Task],
    k: u64,
    jobs: usize,
) -> Result<HashMap<(usize, usize, usize), Measured>, String> {
    let queue = Mutex::new(tasks.to_vec());
    let results = Mutex::new(HashMap::new());
    let failure = Mutex::new(None::<String>);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let Some(task) = queue.lock().unwrap().pop() else {
                    break;
                };
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
                            "{:>7} {:>10} {:>15}: {:>13} Ir/op",
                            task.0.name(),
                            task.1.name(),
                            task.2.name(),
                            m.ir_per_op
                        );
                        results.lock().unwrap().insert(key(task), m);
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

fn report(args: &Args, results: &HashMap<(usize, usize, usize), Measured>) -> String {
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
    md
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("compare: {e}\nusage: compare [--k K] [--jobs J] [--datasets a,b] [--formats a,b] [--ops a,b] [--out FILE]");
            return ExitCode::from(2);
        }
    };
    let bench_one = std::env::current_exe()
        .expect("current_exe")
        .with_file_name(format!("bench-one{}", std::env::consts::EXE_SUFFIX));
    if !bench_one.exists() {
        eprintln!(
            "compare: {} not found; build the bins first (run-callgrind.sh)",
            bench_one.display()
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
    let results = match measure_all(&bench_one, &tasks, args.k, args.jobs) {
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
