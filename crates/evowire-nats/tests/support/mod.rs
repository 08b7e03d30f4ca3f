//! Test harness: a private `nats-server` (with JetStream) on a free loopback port.
//!
//! The server binary is `$NATS_SERVER_BIN`, else `nats-server` on `PATH` (or in
//! `/usr/sbin`, where Debian puts it). When it is missing and the tests run as root, the
//! harness installs Debian's package once (`apt-get install -y nats-server`, after an
//! `apt-get update` if needed). When it is still missing the tests FAIL, saying how to
//! install it: no test skips because the server is absent.
//!
//! Tests of one binary that run at the same time share one server; it is killed (and its
//! JetStream directory removed) when the last of them drops its handle. A test that stops
//! and restarts a server starts its own ([`start`]); [`cluster`] starts three nodes.
//!
//! Cleanup: a [`Server`] kills its process on drop, which also runs when a test panics.
//! Every server's pid is written to a pid file in `$TMPDIR/evowire-nats-test-pids`, named
//! after the server and holding the test process's pid; each test binary first kills the
//! servers left by test processes that no longer run (killed before they could clean up)
//! and removes their files and directories. Servers stay in the test process's process
//! group, so a Ctrl-C in the terminal, or a CI timeout that kills the group, ends them too.
#![allow(dead_code)]

pub mod cluster;
pub mod js;

use std::ffi::OsString;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use evowire_nats::Client;

const INSTALL_HELP: &str = "the evowire-nats tests need `nats-server` (2.9 or newer, with JetStream). \
Install it with `sudo apt-get install nats-server` (Debian/Ubuntu; then it is /usr/sbin/nats-server) \
or from https://github.com/nats-io/nats-server/releases, or point NATS_SERVER_BIN at the binary";

/// A running private `nats-server`; killed on drop.
pub struct Server {
    child: Mutex<Option<Child>>,
    port: u16,
    dir: PathBuf,
    /// The arguments it was started with, to restart it the same way.
    args: Vec<OsString>,
}

impl Server {
    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Its client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new client connection to it.
    pub async fn client(&self) -> Client {
        Client::connect(self.url())
            .await
            .unwrap_or_else(|e| panic!("connect to the test server at {}: {e}", self.url()))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Kills the server (SIGKILL: no goodbye to clients or cluster peers) and waits until
    /// it is gone. Its JetStream directory stays, for [`restart`](Self::restart).
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut child) = child.take() {
            let _ = child.kill();
            let _ = child.wait();
            forget_pid(child.id());
        }
    }

    /// Starts it again, on the same port with the same arguments and JetStream directory,
    /// and waits until it accepts connections.
    pub fn restart(&self) {
        self.kill();
        let bin = nats_server_bin();
        let mut last_error = String::new();
        // The port was just released; another process may hold it for a moment.
        for _ in 0..50 {
            match spawn(bin, self.port, &self.dir, &self.args) {
                Ok(child) => {
                    *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
                    return;
                }
                Err(e) => last_error = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "cannot restart nats-server on port {}: {last_error}",
            self.port
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server shared by the tests running now (started if none is running).
pub fn server() -> Arc<Server> {
    static CURRENT: Mutex<Weak<Server>> = Mutex::new(Weak::new());
    let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(server) = current.upgrade() {
        return server;
    }
    let server = Arc::new(start());
    *current = Arc::downgrade(&server);
    server
}

/// Starts a new private server with JetStream (not shared).
pub fn start() -> Server {
    start_with(|_, _| Vec::new())
}

/// Starts a new private server with JetStream and the extra arguments `extra(dir, port)`
/// returns (for its directory and client port), retrying on another port if the chosen one
/// was taken.
pub fn start_with(mut extra: impl FnMut(&Path, u16) -> Vec<OsString>) -> Server {
    let bin = nats_server_bin();
    let mut last_error = String::new();
    // A free port can be taken by someone else between our probe and the server's bind:
    // try a few times.
    for _ in 0..5 {
        let port = match free_port() {
            Ok(port) => port,
            Err(e) => {
                last_error = e;
                continue;
            }
        };
        let dir = new_dir();
        let args = extra(&dir, port);
        match spawn(bin, port, &dir, &args) {
            Ok(child) => {
                return Server {
                    child: Mutex::new(Some(child)),
                    port,
                    dir,
                    args,
                }
            }
            Err(e) => {
                last_error = e;
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    panic!("cannot start {}: {last_error}", bin.display());
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

fn new_dir() -> PathBuf {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "evowire-nats-test-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Spawns `nats-server` on `port` with JetStream in `dir`, plus `args`, and waits until it
/// accepts connections.
fn spawn(bin: &Path, port: u16, dir: &Path, args: &[OsString]) -> Result<Child, String> {
    sweep_stale_servers();
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let log = dir.join("server.log");
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let mut child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir.join("js"))
        .arg("-l")
        .arg(&log)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    remember_pid(child.id());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        if let Some(status) = child.try_wait().ok().flatten() {
            forget_pid(child.id());
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            return Err(format!(
                "nats-server exited with {status} on port {port}: {stderr}{}",
                read_log()
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            forget_pid(child.id());
            return Err(format!(
                "nats-server did not accept connections on port {port} within 15 s: {}",
                read_log()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pid_dir() -> PathBuf {
    std::env::temp_dir().join("evowire-nats-test-pids")
}

/// Records a server's pid, owned by this test process.
fn remember_pid(pid: u32) {
    let dir = pid_dir();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(pid.to_string()), std::process::id().to_string());
}

fn forget_pid(pid: u32) {
    let _ = std::fs::remove_file(pid_dir().join(pid.to_string()));
}

/// Whether process `pid` runs (exists and is not a zombie waiting to be reaped).
fn is_running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) state ...": the state follows the last ')'.
    let state = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Kills the servers of test processes that are gone (once per test binary).
fn sweep_stale_servers() {
    static SWEPT: OnceLock<()> = OnceLock::new();
    SWEPT.get_or_init(|| {
        let Ok(entries) = std::fs::read_dir(pid_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let server: Option<u32> = entry.file_name().to_str().and_then(|s| s.parse().ok());
            let owner: Option<u32> = std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            let (Some(server), Some(owner)) = (server, owner) else {
                let _ = std::fs::remove_file(&path);
                continue;
            };
            if is_running(owner) {
                continue; // Its test process still runs (another test binary, now).
            }
            // Only a nats-server: the pid may have been reused since.
            let cmdline = std::fs::read(format!("/proc/{server}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains("nats-server") {
                eprintln!(
                    "evowire-nats tests: killing nats-server {server} left by test process {owner}"
                );
                let _ = Command::new("kill")
                    .args(["-9", &server.to_string()])
                    .status();
            }
            let _ = std::fs::remove_file(&path);
            remove_dirs_of(owner);
        }
    });
}

/// Removes the server directories of the gone test process `owner` (see [`new_dir`]).
fn remove_dirs_of(owner: u32) {
    let prefix = format!("evowire-nats-test-{owner}-");
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Finds (or installs, once per test binary) the `nats-server` binary.
pub fn nats_server_bin() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("NATS_SERVER_BIN") {
            let bin = PathBuf::from(bin);
            return if bin.is_file() {
                Ok(bin)
            } else {
                Err(format!("NATS_SERVER_BIN={} is not a file", bin.display()))
            };
        }
        if let Some(bin) = find_on_path() {
            return Ok(bin);
        }
        let attempt = try_install();
        find_on_path().ok_or_else(|| format!("nats-server is not installed ({attempt})"))
    });
    match found {
        Ok(bin) => bin,
        Err(why) => panic!("{why}; {INSTALL_HELP}"),
    }
}

fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            "/usr/sbin".into(),
            "/usr/local/sbin".into(),
            "/usr/bin".into(),
        ])
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
}

/// Installs Debian's `nats-server` when running as root with apt-get; says what happened.
fn try_install() -> String {
    let uid = Command::new("id").arg("-u").output();
    let root = matches!(&uid, Ok(out) if String::from_utf8_lossy(&out.stdout).trim() == "0");
    if !root {
        return "not root, so the harness did not try `apt-get install nats-server`".into();
    }
    let apt = |args: &[&str]| {
        eprintln!("evowire-nats tests: running apt-get {}", args.join(" "));
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if apt(&["install", "-y", "-q", "nats-server"]) {
        return "installed with apt-get".into();
    }
    // A fresh machine may have no package lists yet.
    if apt(&["update", "-q"]) && apt(&["install", "-y", "-q", "nats-server"]) {
        return "installed with apt-get after apt-get update".into();
    }
    "`apt-get install -y nats-server` failed".into()
}

/// A name unique in this test run, for subjects, streams and consumers.
pub fn unique(prefix: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}", SEQ.fetch_add(1, Ordering::Relaxed))
}
