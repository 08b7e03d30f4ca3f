//! `one-msg <evowire|bincode|postcard> <N>`: decodes one small encoded message N times, for
//! counting the fixed cost of a decode call. The message is the shape evowire-net's one-way
//! benchmark sends (two large integers, a float and a 32-byte string):
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*decode_loop*' one-msg evowire 1001
//! ```
//!
//! The difference between the counts at two values of N, divided by the difference in N, is
//! the cost of one decode.

use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::process::ExitCode;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Msg {
    id: u64,
    timestamp: u64,
    value: f64,
    label: String,
}

/// A decoder of one message; `None` on any error.
type Decode = fn(&[u8]) -> Option<Msg>;

const USAGE: &str = "usage: one-msg <evowire|bincode|postcard> <N>";

/// Decodes `bytes` `n` times with `decode` and returns how many decodes succeeded.
#[inline(never)]
fn decode_loop(bytes: &[u8], n: u64, decode: Decode) -> u64 {
    let mut ok = 0;
    for _ in 0..n {
        if let Some(m) = decode(black_box(bytes)) {
            black_box(&m);
            ok += 1;
        }
    }
    ok
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, n] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let msg = Msg {
        id: 123_456,
        timestamp: 1_718_000_000_000_000 + 123_456,
        value: 21.5,
        label: "sensor/bay-7/temperature/celsius".to_string(),
    };
    let (bytes, decode): (Vec<u8>, Decode) = match format.as_str() {
        "evowire" => (evowire::to_vec(&msg).expect("encode"), |b| {
            evowire::from_slice(b).ok()
        }),
        "bincode" => (bincode::serialize(&msg).expect("encode"), |b| {
            bincode::deserialize(b).ok()
        }),
        "postcard" => (postcard::to_allocvec(&msg).expect("encode"), |b| {
            postcard::from_bytes(b).ok()
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ok = decode_loop(&bytes, n, decode);
    println!("{format} bytes={} decoded={ok}/{n}", bytes.len());
    if ok == n {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
