//! Peak memory of `dump` and `json` on a large message, whole and cut off by one byte:
//! below 2× the input for `dump` and 4× for `json`.
//!
//! The message is `EVOWIRE_MEMORY_MB` megabytes (default: 200 in release builds, 20 in
//! debug builds), a sequence of small records written by v1 of a type and read with the
//! schema of v2, so that `json` also has a note for every record. Peak RSS is the child's
//! `VmHWM` from `/proc/<pid>/status`, read every few milliseconds while it runs (Linux
//! only; elsewhere the test only checks the exit statuses).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use evowire::wire::{encode_varint, WireType};
use evowire_schema::Schema;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct RecordV1 {
    id: u64,
    name: String,
    price: f64,
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RecordV2 {
    id: u64,
    name: String,
    price: f64,
    tags: Vec<String>,
    #[serde(default)]
    venue: Option<String>,
}

fn size_mb() -> u64 {
    std::env::var("EVOWIRE_MEMORY_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 20 } else { 200 })
}

/// Writes a `Vec<RecordV1>` of about `bytes` bytes to `path`, record by record.
fn write_message(path: &Path, bytes: u64) -> u64 {
    let record = |i: u64| RecordV1 {
        id: i,
        name: format!("item-{i}"),
        price: i as f64 * 0.25,
        tags: vec!["a".into(), "bc".into()],
    };
    let size = evowire::to_vec(&record(1_000_000)).unwrap().len() as u64;
    let count = bytes / size;
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(encode_varint(WireType::Sequence, count).as_slice())
        .unwrap();
    for i in 0..count {
        out.write_all(&evowire::to_vec(&record(i)).unwrap())
            .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// Runs `evowire args`, output discarded; returns the exit status and the peak RSS in
/// bytes (0 where `/proc` is not there).
fn peak(args: &[&str]) -> (Option<i32>, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evowire"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut hwm = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let kb = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            if let Some(kb) = kb {
                hwm = hwm.max(kb * 1024);
            }
        }
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit.code(), hwm);
        }
        std::thread::sleep(Duration::from_millis(3));
    }
}

#[test]
fn dump_and_json_stay_near_the_size_of_the_input() {
    let dir = std::env::temp_dir().join(format!("evowire-cli-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let whole = dir.join("big.bin");
    let len = write_message(&whole, size_mb() << 20);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.join("cut.bin");
    std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    drop(bytes);
    let schema = dir.join("v2.json");
    std::fs::write(&schema, Schema::trace::<Vec<RecordV2>>().unwrap().to_json()).unwrap();
    let schema = schema.to_str().unwrap();

    let mut report = Vec::new();
    for (file, ok) in [(&whole, true), (&cut, false)] {
        let file = file.to_str().unwrap();
        let runs: [(&str, Vec<&str>, f64); 2] = [
            ("dump", vec!["dump", file], 2.0),
            ("json", vec!["json", "--compact", "-s", schema, file], 4.0),
        ];
        for (name, args, factor) in runs {
            let (code, hwm) = peak(&args);
            assert_eq!(code, Some(if ok { 0 } else { 1 }), "{name} {file}");
            let ratio = hwm as f64 / len as f64;
            report.push(format!(
                "{name} {}: {} MB peak for {} MB ({ratio:.2}x)",
                if ok { "whole" } else { "cut" },
                hwm >> 20,
                len >> 20
            ));
            assert!(
                hwm == 0 || ratio < factor,
                "{name} on {file}: peak {hwm} bytes for {len} bytes of input"
            );
        }
    }
    eprintln!("{}", report.join("\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}
