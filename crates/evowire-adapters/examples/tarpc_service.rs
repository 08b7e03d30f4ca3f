//! A tarpc service over TCP with the evowire codec: a server on loopback and a client
//! calling it.
//!
//! ```text
//! cargo run -p evowire-adapters --features tokio-serde --example tarpc_service
//! ```

use evowire_adapters::tokio_serde::Evowire;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tarpc::server::{BaseChannel, Channel};

#[derive(Serialize, Deserialize, Debug)]
struct Order {
    symbol: String,
    qty: u32,
    // Added in a later version: at the back, with a default, so older peers keep working.
    #[serde(default)]
    note: Option<String>,
}

#[tarpc::service]
trait Shop {
    async fn price(order: Order) -> u64;
}

#[derive(Clone)]
struct ShopServer;

impl Shop for ShopServer {
    async fn price(self, _: tarpc::context::Context, order: Order) -> u64 {
        125 * u64::from(order.qty)
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // `Evowire::default` makes one codec per connection; the rest is plain tarpc.
    let mut listener = tarpc::serde_transport::tcp::listen("127.0.0.1:0", Evowire::default).await?;
    let addr = listener.local_addr();
    tokio::spawn(async move {
        while let Some(transport) = listener.next().await {
            let Ok(transport) = transport else { continue };
            let channel = BaseChannel::with_defaults(transport);
            tokio::spawn(channel.execute(ShopServer.serve()).for_each(|call| async {
                tokio::spawn(call);
            }));
        }
    });

    let transport = tarpc::serde_transport::tcp::connect(addr, Evowire::default).await?;
    let client = ShopClient::new(tarpc::client::Config::default(), transport).spawn();
    let order = Order {
        symbol: "EVO".into(),
        qty: 4,
        note: None,
    };
    let cents = client
        .price(tarpc::context::current(), order)
        .await
        .map_err(std::io::Error::other)?;
    println!("4 EVO cost {cents} cents (tarpc on evowire at {addr})");
    Ok(())
}
