//! Encode a message, decode it, and let an old and a new version of the message type read
//! each other's bytes.
//!
//! Run with `cargo run --release --example quickstart`.

use serde::{Deserialize, Serialize};

/// Version 1 of an order, as deployed on the old nodes.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct OrderV1 {
    id: u64,
    side: SideV1,
    price: f64,
    qty: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum SideV1 {
    Buy,
    Sell,
    /// Any variant added later reads as `Unknown` on old nodes.
    #[serde(other)]
    Unknown,
}

/// Version 2: a new enum variant, a wider quantity and two fields at the back.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct OrderV2 {
    id: u64,
    side: SideV2,
    price: f64,
    qty: u64,
    #[serde(default)]
    client: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_ns: Option<i64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum SideV2 {
    Buy,
    Sell,
    Unknown,
    ShortSell { locate: String },
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> Result<(), evowire::Error> {
    let old = OrderV1 {
        id: 1_000_042,
        side: SideV1::Buy,
        price: 101.25,
        qty: 300,
    };
    let old_bytes = evowire::to_vec(&old)?;
    println!("v1 order          {old:?}");
    println!(
        "  encoded         {} bytes: {}",
        old_bytes.len(),
        hex(&old_bytes)
    );
    assert_eq!(evowire::from_slice::<OrderV1>(&old_bytes)?, old);
    println!("  decoded by v1   ok");

    let upgraded: OrderV2 = evowire::from_slice(&old_bytes)?;
    println!("  decoded by v2   {upgraded:?}");

    let new = OrderV2 {
        id: 1_000_043,
        side: SideV2::ShortSell {
            locate: "LOC-7".into(),
        },
        price: 99.5,
        qty: 5_000_000_000,
        client: "desk-3".into(),
        expires_ns: Some(1_700_000_000_000_000_000),
    };
    let new_bytes = evowire::to_vec(&new)?;
    println!("v2 order          {new:?}");
    println!(
        "  encoded         {} bytes: {}",
        new_bytes.len(),
        hex(&new_bytes)
    );
    match evowire::from_slice::<OrderV1>(&new_bytes) {
        Ok(v) => println!("  decoded by v1   {v:?}"),
        Err(e) => println!("  decoded by v1   error: {e}"),
    }
    let fits = OrderV2 { qty: 10, ..new };
    let fits_bytes = evowire::to_vec(&fits)?;
    let downgraded: OrderV1 = evowire::from_slice(&fits_bytes)?;
    println!("  with qty 10, v1 {downgraded:?}");
    assert_eq!(downgraded.side, SideV1::Unknown);

    let value: evowire::Value = evowire::from_slice(&fits_bytes)?;
    println!("schema-less view  {value:?}");
    Ok(())
}
