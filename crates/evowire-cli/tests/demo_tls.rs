//! `evowire demo --tls`: the same demo over TLS with a certificate generated at start.

mod common;

use common::{evowire_in, text};

#[test]
fn demo_over_tls_runs_unattended_and_exits_zero() {
    let out = evowire_in(
        &std::env::temp_dir(),
        &["demo", "--tls", "--messages", "20000", "--calls", "2000"],
        b"",
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    for expected in [
        "TLS 1.3: A verified B's certificate (subject CN=evowire demo node B, names [\"localhost\"])",
        "   B (v2) receives Order(Order { id: 1, symbol: \"EVO\", qty: 3, note: None })  <- `note` was not sent: it takes its default",
        "   A (v1) reads    Quote { symbol: \"EVO\", price: 12.5 }  <- `currency` skipped",
        "  pushes: 20000 messages of 12 bytes in ",
        "  calls:  2000 request/responses, 64 in flight, in ",
        "closed: A closed the connection, B read to the end of the stream",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
}

#[test]
fn demo_without_tls_says_nothing_about_tls() {
    let out = evowire_in(
        &std::env::temp_dir(),
        &["demo", "--messages", "1000", "--calls", "100"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("TLS"));
}
