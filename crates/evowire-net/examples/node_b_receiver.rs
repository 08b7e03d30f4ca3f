//! Node B of the seed: listens, receives `NodeMessage`s, passes them to the rest of the
//! process through a channel and acknowledges them.
//!
//! ```text
//! cargo run -p evowire-net --example node_b_receiver            # runs a built-in node A too
//! cargo run -p evowire-net --example node_b_receiver -- 127.0.0.1:7000   # waits for node A:
//! cargo run -p evowire-net --example node_a_sender -- 127.0.0.1:7000
//! ```

#[path = "shared/nodes.rs"]
mod nodes;

use evowire_net::Listener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args().nth(1);
    let listener =
        Listener::bind(addr.as_deref().unwrap_or("127.0.0.1:0"), nodes::options()).await?;
    let local = listener.local_addr()?;
    println!("[node B] listening on {local}");
    let node_a = if addr.is_none() {
        // Nothing to connect to us was given: play node A in this process.
        Some(tokio::spawn(nodes::node_a(local, 3)))
    } else {
        None
    };
    let received = nodes::node_b(listener).await?;
    println!("[node B] done: {received} messages");
    if let Some(a) = node_a {
        a.await??;
    }
    Ok(())
}
