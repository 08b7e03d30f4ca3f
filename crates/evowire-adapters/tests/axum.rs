//! A real axum router on a loopback listener, driven by hyper's client.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Request, StatusCode};
use axum::routing::post;
use axum::{Extension, Router};
use evowire_adapters::axum::Evowire;
use evowire_adapters::CONTENT_TYPE;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

/// What old clients send and read.
mod v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub qty: u32,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Receipt {
        pub id: u64,
        pub accepted: bool,
    }
}

/// What the server speaks: both types gained a field at the back.
mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub qty: u32,
        #[serde(default)]
        pub note: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Receipt {
        pub id: u64,
        pub accepted: bool,
        #[serde(default)]
        pub echo_note: Option<String>,
    }
}

async fn order(Evowire(order): Evowire<v2::Order>) -> Evowire<v2::Receipt> {
    Evowire(v2::Receipt {
        id: order.id,
        accepted: order.qty > 0,
        echo_note: order.note,
    })
}

async fn depth(Evowire(nested): Evowire<Vec<Vec<Vec<u8>>>>) -> Evowire<usize> {
    Evowire(nested.len())
}

/// The router under test: a 1 KiB body limit, and depth-2 decoding on `/strict`.
fn app() -> Router {
    let strict = Router::new()
        .route("/strict", post(depth))
        .layer(Extension(evowire::DecodeOptions::new().with_max_depth(2)));
    Router::new()
        .route("/order", post(order))
        .route("/depth", post(depth))
        .merge(strict)
        .layer(DefaultBodyLimit::max(1024))
}

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await });
    addr
}

/// What came back: status, content type and body.
struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// POSTs `body` to `path` with the given content type (none if `None`).
async fn post_raw(
    addr: SocketAddr,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = Request::post(format!("http://{addr}{path}"));
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let response = client.request(request).await.expect("HTTP request");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        body,
    }
}

/// POSTs `value` as `application/evowire` and decodes the evowire answer.
async fn call<Req: Serialize, Resp: for<'de> Deserialize<'de>>(
    addr: SocketAddr,
    path: &str,
    value: &Req,
) -> Resp {
    let answer = post_raw(
        addr,
        path,
        Some(CONTENT_TYPE),
        evowire::to_vec(value).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type.as_deref(), Some(CONTENT_TYPE));
    evowire::from_slice(&answer.body).expect("an evowire response")
}

#[tokio::test]
async fn round_trip() {
    let addr = serve().await;
    let order = v2::Order {
        id: 7,
        qty: 3,
        note: Some("rush".into()),
    };
    let receipt: v2::Receipt = call(addr, "/order", &order).await;
    assert_eq!(
        receipt,
        v2::Receipt {
            id: 7,
            accepted: true,
            echo_note: Some("rush".into())
        }
    );
}

#[tokio::test]
async fn a_v1_client_posts_to_a_v2_handler_and_reads_its_answer() {
    let addr = serve().await;
    let receipt: v1::Receipt = call(addr, "/order", &v1::Order { id: 9, qty: 0 }).await;
    assert_eq!(
        receipt,
        v1::Receipt {
            id: 9,
            accepted: false
        }
    );
}

#[tokio::test]
async fn content_type_parameters_and_case_are_accepted() {
    let addr = serve().await;
    let body = evowire::to_vec(&v1::Order { id: 1, qty: 1 }).unwrap();
    let answer = post_raw(addr, "/order", Some("Application/Evowire; v=2"), body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let addr = serve().await;
    let body = evowire::to_vec(&v1::Order { id: 1, qty: 1 }).unwrap();
    let answer = post_raw(addr, "/order", Some("application/json"), body.clone()).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        answer.text(),
        "expected a request with `Content-Type: application/evowire`, found `application/json`"
    );

    let answer = post_raw(addr, "/order", None, body.clone()).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        answer.text(),
        "expected a request with `Content-Type: application/evowire`, found no content type"
    );

    // A type that only starts like ours is not ours.
    let answer = post_raw(addr, "/order", Some("application/evowire2"), body).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let addr = serve().await;
    let order = v2::Order {
        id: 1,
        qty: 1,
        note: Some("x".repeat(2000)),
    };
    let answer = post_raw(
        addr,
        "/order",
        Some(CONTENT_TYPE),
        evowire::to_vec(&order).unwrap(),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn an_undecodable_body_is_400_with_the_byte_offset() {
    let addr = serve().await;
    // A 2-item sequence: id 7, then wire type 7 (never valid) at byte 2.
    let answer = post_raw(addr, "/order", Some(CONTENT_TYPE), vec![0x13, 0x38, 0xff]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let text = answer.text();
    assert!(
        text.starts_with("failed to decode the evowire body: "),
        "{text}"
    );
    assert!(text.ends_with("at byte offset 2"), "{text}");

    // Trailing bytes after a whole value are refused too.
    let mut body = evowire::to_vec(&v1::Order { id: 1, qty: 1 }).unwrap();
    let end = body.len();
    body.push(0x00);
    let answer = post_raw(addr, "/order", Some(CONTENT_TYPE), body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.text().ends_with(&format!("at byte offset {end}")),
        "{}",
        answer.text()
    );

    // An empty body.
    let answer = post_raw(addr, "/order", Some(CONTENT_TYPE), Vec::new()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.text().ends_with("at byte offset 0"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn decode_options_from_an_extension_layer_apply() {
    let addr = serve().await;
    let nested: Vec<Vec<Vec<u8>>> = vec![vec![vec![1]]];
    let body = evowire::to_vec(&nested).unwrap();
    // Three levels: fine with the default depth limit...
    let len: usize = call(addr, "/depth", &nested).await;
    assert_eq!(len, 1);
    // ...and refused where the router's options allow two.
    let answer = post_raw(addr, "/strict", Some(CONTENT_TYPE), body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.text().contains("depth"), "{}", answer.text());
}
