//! Node A of the seed: connects to node B and sends it `NodeMessage`s.
//!
//! ```text
//! cargo run -p evowire-net --example node_a_sender                   # runs a built-in node B too
//! cargo run -p evowire-net --example node_a_sender -- 127.0.0.1:7000 # a node_b_receiver there
//! ```

#[path = "shared/nodes.rs"]
mod nodes;

use evowire_net::Listener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1) {
        Some(addr) => nodes::node_a(addr.parse()?, 3).await?,
        None => {
            // No node B given: start one in this process on a free loopback port.
            let listener = Listener::bind("127.0.0.1:0", nodes::options()).await?;
            let addr = listener.local_addr()?;
            let node_b = tokio::spawn(nodes::node_b(listener));
            nodes::node_a(addr, 3).await?;
            println!("[node B] got {} messages", node_b.await??);
        }
    }
    Ok(())
}
