//! What the test files share: running the binary, and files in a private temp directory.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `evowire` with `args`, feeding `stdin`, in `dir`.
pub fn evowire_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evowire"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // Written from another thread: the child may exit (or fill its output) before reading
    // all of it.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit status and stderr of a run, for messages.
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout).chars().take(2000).collect::<String>(),
        text(&out.stderr)
    )
}

/// A run that ended on purpose: exit status 0, 1 or 2 (never a panic, 101, or a signal).
#[track_caller]
pub fn assert_clean_exit(out: &Output) {
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "not a clean exit: {}",
        show(out)
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "panicked: {}",
        show(out)
    );
}

/// A temp directory of its own for one test, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("evowire-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `name` in the directory and returns its path as a string.
    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    }

    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        evowire_in(&self.0, args, stdin)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
