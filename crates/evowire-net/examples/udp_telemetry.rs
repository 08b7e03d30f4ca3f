//! Telemetry over typed UDP datagrams: three sensors send readings to a collector, which
//! averages them per sensor and prints its statistics. A stray datagram of another
//! program shows up in the statistics, not as an error.
//!
//! ```text
//! cargo run -p evowire-net --example udp_telemetry
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use evowire_net::udp::{Options, Socket};
use evowire_net::Protocol;

/// One reading; the collector receives these and sends nothing (`()`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Reading {
    sensor: String,
    celsius: f32,
}

const READINGS: u32 = 50;

#[tokio::main]
async fn main() -> Result<(), evowire_net::Error> {
    let opts = Options::new(Protocol::new("telemetry", 1, 0));
    let collector = Socket::<Reading, ()>::bind("127.0.0.1:0", opts.clone()).await?;
    let to = collector.local_addr()?;
    println!("collector listening on {to}");

    for (n, name) in ["boiler", "attic", "garage"].into_iter().enumerate() {
        let sensor = Socket::<(), Reading>::bind("127.0.0.1:0", opts.clone()).await?;
        sensor.connect(to).await?;
        tokio::spawn(async move {
            for i in 0..READINGS {
                let reading = Reading {
                    sensor: name.to_string(),
                    celsius: 15.0 + n as f32 * 5.0 + (i % 5) as f32 * 0.1,
                };
                if let Err(e) = sensor.send(&reading).await {
                    eprintln!("{name}: {e}");
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
    }
    // Something that does not speak the protocol.
    let stray = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    stray.send_to(b"hello?", to).await?;

    let mut sums: BTreeMap<String, (f32, u32)> = BTreeMap::new();
    // Readings are worthless when late: collect until the sensors have been quiet a while.
    while let Ok(received) =
        tokio::time::timeout(Duration::from_millis(300), collector.recv_from()).await
    {
        let (reading, _from) = received?;
        let entry = sums.entry(reading.sensor).or_default();
        entry.0 += reading.celsius;
        entry.1 += 1;
    }
    for (sensor, (sum, count)) in &sums {
        println!(
            "{sensor:>8}: {count} readings, average {:.2} °C",
            sum / *count as f32
        );
    }
    let stats = collector.stats();
    println!(
        "received {} datagrams: {} decoded, {} lost, {} reordered, {} duplicated, {} dropped ({} not evowire)",
        stats.received,
        stats.decoded,
        stats.lost,
        stats.reordered,
        stats.duplicated,
        stats.dropped.total(),
        stats.dropped.not_evowire
    );
    Ok(())
}
