//! An axum server that takes and answers `application/evowire` bodies, and a hyper client
//! that calls it.
//!
//! ```text
//! cargo run -p evowire-adapters --features axum --example axum_server
//! ```

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Request};
use axum::routing::post;
use axum::{Extension, Router};
use evowire_adapters::axum::Evowire;
use evowire_adapters::CONTENT_TYPE;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug)]
struct Order {
    id: u64,
    qty: u32,
}

#[derive(Serialize, Deserialize, Debug)]
struct Receipt {
    id: u64,
    accepted: bool,
}

async fn order(Evowire(order): Evowire<Order>) -> Evowire<Receipt> {
    Evowire(Receipt {
        id: order.id,
        accepted: order.qty > 0,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new()
        .route("/order", post(order))
        // Bodies over 64 KiB get 413; decoding nests at most 32 levels.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(Extension(evowire::DecodeOptions::new().with_max_depth(32)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let body = evowire::to_vec(&Order { id: 7, qty: 3 })?;
    let request = Request::post(format!("http://{addr}/order"))
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Full::new(Bytes::from(body)))?;
    let response = client.request(request).await?;
    println!("status {}", response.status());
    let body = response.into_body().collect().await?.to_bytes();
    let receipt: Receipt = evowire::from_slice(&body)?;
    println!("{receipt:?}");

    // A body that is not evowire gets 400 with the byte offset of the error.
    let request = Request::post(format!("http://{addr}/order"))
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Full::new(Bytes::from_static(&[0x13, 0x38, 0xff])))?;
    let response = client.request(request).await?;
    let status = response.status();
    let text = response.into_body().collect().await?.to_bytes();
    println!("status {status}: {}", String::from_utf8_lossy(&text));
    Ok(())
}
