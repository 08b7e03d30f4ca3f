//! Test harness: a private `nats-server` (with JetStream) on a free loopback port.
//!
//! The server binary is `$NATS_SERVER_BIN`, else `nats-server` on `PATH` (or in
//! `/usr/sbin`, where Debian puts it). When it is missing and the tests run as root, the
//! harness installs Debian's package once (`apt-get install -y nats-server`, after an
//! `apt-get update` if needed). When it is still missing the tests FAIL, saying how to
//! install it: no test skips because the server is absent.
//!
//! Tests of one binary that run at the same time share one server; it is killed (and its
//! JetStream directory removed) when the last of them drops its handle.
#![allow(dead_code)]

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
    child: Mutex<Child>,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
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
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
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

/// Starts a new private server (not shared).
pub fn start() -> Server {
    let bin = nats_server_bin();
    let mut last_error = String::new();
    // A free port can be taken by someone else between our probe and the server's bind:
    // try a few times.
    for _ in 0..5 {
        match try_start(bin) {
            Ok(server) => return server,
            Err(e) => last_error = e,
        }
    }
    panic!("cannot start {}: {last_error}", bin.display());
}

fn try_start(bin: &Path) -> Result<Server, String> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free loopback port: {e}"))?
        .port();
    let dir = std::env::temp_dir().join(format!(
        "evowire-nats-test-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let log = dir.join("server.log");
    let child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir.join("js"))
        .arg("-l")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let server = Server {
        child: Mutex::new(child),
        port,
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        let exited = server.child.lock().unwrap().try_wait().ok().flatten();
        if let Some(status) = exited {
            let mut stderr = String::new();
            if let Some(mut err) = server.child.lock().unwrap().stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            return Err(format!(
                "nats-server exited with {status} on port {port}: {stderr}{}",
                server.log()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "nats-server did not accept connections on port {port} within 15 s: {}",
                server.log()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
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
