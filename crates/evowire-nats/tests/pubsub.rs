//! Typed publish/subscribe against a real nats-server: evolving types in both directions,
//! malformed payloads and incompatible senders as error items that do not end the stream.

mod support;

use std::time::Duration;

use evowire::ErrorKind;
use evowire_nats::{Error, Message, MessageType, Subscription, Version};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// The first version of an order.
mod v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub qty: u32,
    }

    impl Message for Order {
        const TYPE: MessageType = MessageType::new("test.Order", 1, 0);
    }
}

/// A compatible evolution: two fields added at the back with defaults.
mod v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub qty: u32,
        #[serde(default)]
        pub note: Option<String>,
        #[serde(default)]
        pub priority: u8,
    }

    impl Message for Order {
        const TYPE: MessageType = MessageType::new("test.Order", 1, 1);
    }
}

/// An incompatible change (the quantity became a float): a new major version.
mod v3 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Order {
        pub id: u64,
        pub symbol: String,
        pub qty: f64,
    }

    impl Message for Order {
        const TYPE: MessageType = MessageType::new("test.Order", 2, 0);
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Refund {
    order: u64,
}

impl Message for Refund {
    const TYPE: MessageType = MessageType::new("test.Refund", 1, 0);
}

const WAIT: Duration = Duration::from_secs(5);

async fn next<T: Message>(
    sub: &mut Subscription<T>,
) -> evowire_nats::Result<evowire_nats::Received<T>> {
    tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("a message within 5 s")
        .expect("the subscription goes on")
}

#[tokio::test]
async fn v1_publisher_to_v2_subscriber_fills_defaults() {
    let server = support::server();
    let (publisher, subscriber) = (server.client().await, server.client().await);
    let subject = support::unique("orders.v1to2.");
    let mut sub = subscriber
        .subscribe::<v2::Order>(subject.as_str())
        .await
        .unwrap();

    for id in 0..3 {
        let order = v1::Order {
            id,
            symbol: "EVO".into(),
            qty: 10 + id as u32,
        };
        publisher.publish(subject.as_str(), &order).await.unwrap();
    }
    for id in 0..3 {
        let got = next(&mut sub).await.unwrap();
        assert_eq!(got.subject.as_str(), subject);
        assert_eq!(got.sender_version, Some(Version::new(1, 0)));
        assert_eq!(
            got.value,
            v2::Order {
                id,
                symbol: "EVO".into(),
                qty: 10 + id as u32,
                note: None,
                priority: 0
            }
        );
        let headers = got.headers.expect("headers");
        assert_eq!(
            headers.get("Content-Type").unwrap().as_str(),
            "application/evowire"
        );
        assert_eq!(headers.get("Evowire-Type").unwrap().as_str(), "test.Order");
        assert_eq!(headers.get("Evowire-Version").unwrap().as_str(), "1.0");
    }
}

#[tokio::test]
async fn v2_publisher_to_v1_subscriber_skips_new_fields() {
    let server = support::server();
    let (publisher, subscriber) = (server.client().await, server.client().await);
    let subject = support::unique("orders.v2to1.");
    let mut sub = subscriber
        .subscribe::<v1::Order>(subject.as_str())
        .await
        .unwrap();

    let order = v2::Order {
        id: 7,
        symbol: "NEW".into(),
        qty: 3,
        note: Some("gift wrap".into()),
        priority: 9,
    };
    publisher.publish(subject.as_str(), &order).await.unwrap();
    let got = next(&mut sub).await.unwrap();
    assert_eq!(got.sender_version, Some(Version::new(1, 1)));
    assert_eq!(
        got.value,
        v1::Order {
            id: 7,
            symbol: "NEW".into(),
            qty: 3
        }
    );
    assert!(got.reply.is_none());
}

#[tokio::test]
async fn malformed_payload_is_an_error_item_and_the_stream_goes_on() {
    let server = support::server();
    let (publisher, subscriber) = (server.client().await, server.client().await);
    let subject = support::unique("orders.malformed.");
    let mut sub = subscriber
        .subscribe::<v1::Order>(subject.as_str())
        .await
        .unwrap();
    let raw = publisher.get_ref();

    // A valid v1 order, cut short inside the symbol string: 3 items (0x1B), id 1 (0x08),
    // then a 3-byte string with only "EV".
    let full = evowire::to_vec(&v1::Order {
        id: 1,
        symbol: "EVO".into(),
        qty: 2,
    })
    .unwrap();
    assert_eq!(full, [0x1B, 0x08, 0x1C, b'E', b'V', b'O', 0x10]);
    raw.publish(subject.clone(), full[..5].to_vec().into())
        .await
        .unwrap();
    // Wire type 7 is reserved: always an error, at byte 0.
    raw.publish(subject.clone(), vec![0x07].into())
        .await
        .unwrap();
    // A valid payload without any headers (a plain NATS publisher) is accepted.
    raw.publish(subject.clone(), full.clone().into())
        .await
        .unwrap();
    // And the typed publisher still gets through.
    let good = v1::Order {
        id: 2,
        symbol: "OK".into(),
        qty: 1,
    };
    publisher.publish(subject.as_str(), &good).await.unwrap();

    match next(&mut sub).await {
        Err(Error::Decode {
            subject: s,
            type_name,
            source,
        }) => {
            assert_eq!(s, subject);
            assert_eq!(type_name, "test.Order");
            assert_eq!(source.kind(), ErrorKind::UnexpectedEof);
            assert_eq!(source.offset(), Some(2), "{source}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let err = next(&mut sub).await.unwrap_err();
    // The evowire error is the source, not part of the text: chain printers show it once.
    assert_eq!(
        err.to_string(),
        format!("cannot decode test.Order from message on `{subject}`")
    );
    let text = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(text.ends_with("at byte offset 0"), "{text}");
    assert_eq!(err.subject(), Some(subject.as_str()));

    let plain = next(&mut sub).await.unwrap();
    assert_eq!(
        plain.value,
        v1::Order {
            id: 1,
            symbol: "EVO".into(),
            qty: 2
        }
    );
    assert_eq!(plain.sender_version, None);
    assert!(plain.headers.is_none());
    assert_eq!(next(&mut sub).await.unwrap().value, good);
}

#[tokio::test]
async fn major_version_mismatch_is_refused_with_a_clear_error() {
    let server = support::server();
    let (publisher, subscriber) = (server.client().await, server.client().await);
    let subject = support::unique("orders.major.");
    let mut sub = subscriber
        .subscribe::<v1::Order>(subject.as_str())
        .await
        .unwrap();

    // Without the header check, v3's f64 quantity would be misread (evowire reads a fixed64
    // as an integer); the header refuses it first.
    let v3_order = v3::Order {
        id: 1,
        symbol: "X".into(),
        qty: 1.5,
    };
    publisher
        .publish(subject.as_str(), &v3_order)
        .await
        .unwrap();
    let good = v1::Order {
        id: 2,
        symbol: "Y".into(),
        qty: 4,
    };
    publisher.publish(subject.as_str(), &good).await.unwrap();

    let err = next(&mut sub).await.unwrap_err();
    assert!(matches!(err, Error::Incompatible { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "incompatible message on `{subject}`: sender's test.Order is version 2.0, \
             this receiver reads 1.0: major versions differ"
        )
    );
    assert_eq!(next(&mut sub).await.unwrap().value, good);
}

#[tokio::test]
async fn other_message_type_and_content_type_are_refused() {
    let server = support::server();
    let (publisher, subscriber) = (server.client().await, server.client().await);
    let subject = support::unique("orders.mixed.");
    let mut sub = subscriber
        .subscribe::<v1::Order>(subject.as_str())
        .await
        .unwrap();

    publisher
        .publish(subject.as_str(), &Refund { order: 1 })
        .await
        .unwrap();
    let mut json = evowire_nats::async_nats::HeaderMap::new();
    json.insert("Content-Type", "application/json");
    publisher
        .get_ref()
        .publish_with_headers(subject.clone(), json, r#"{"id":1}"#.into())
        .await
        .unwrap();
    let mut bad_version = v1::Order::TYPE.headers();
    bad_version.insert("Evowire-Version", "one");
    publisher
        .get_ref()
        .publish_with_headers(subject.clone(), bad_version, vec![0x00].into())
        .await
        .unwrap();

    let reasons: Vec<String> = [
        next(&mut sub).await.unwrap_err(),
        next(&mut sub).await.unwrap_err(),
        next(&mut sub).await.unwrap_err(),
    ]
    .iter()
    .map(|e| match e {
        Error::Incompatible { reason, .. } => reason.clone(),
        other => panic!("expected Incompatible, got {other:?}"),
    })
    .collect();
    assert_eq!(
        reasons,
        [
            "message type `test.Refund`, this receiver reads `test.Order`",
            "content type `application/json`, expected `application/evowire`",
            "Evowire-Version: invalid version `one`, expected <major>.<minor>",
        ]
    );
}

#[tokio::test]
async fn queue_subscribers_share_messages_and_wildcards_match() {
    let server = support::server();
    let client = server.client().await;
    let base = support::unique("orders.queue.");
    let mut a = client
        .queue_subscribe::<v1::Order>(format!("{base}.*"), "q")
        .await
        .unwrap();
    let mut b = client
        .queue_subscribe::<v1::Order>(format!("{base}.*"), "q")
        .await
        .unwrap();

    for id in 0..200 {
        let order = v1::Order {
            id,
            symbol: "Q".into(),
            qty: 1,
        };
        client
            .publish(format!("{base}.{}", id % 4), &order)
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    let mut ids = Vec::new();
    let (mut from_a, mut from_b) = (0, 0);
    while ids.len() < 200 {
        tokio::select! {
            Some(m) = a.next() => { from_a += 1; ids.push(m.unwrap().value.id); }
            Some(m) = b.next() => { from_b += 1; ids.push(m.unwrap().value.id); }
            _ = tokio::time::sleep(WAIT) => panic!("only {} of 200 messages", ids.len()),
        }
    }
    ids.sort_unstable();
    assert_eq!(
        ids,
        (0..200).collect::<Vec<_>>(),
        "each message exactly once"
    );
    assert!(from_a > 0 && from_b > 0, "a got {from_a}, b got {from_b}");
}

#[tokio::test]
async fn type_headers_can_be_turned_off() {
    let server = support::server();
    let publisher = server.client().await.with_type_headers(false);
    assert!(!publisher.sends_type_headers());
    let subscriber = server.client().await;
    let subject = support::unique("orders.bare.");
    let mut sub = subscriber
        .subscribe::<v2::Order>(subject.as_str())
        .await
        .unwrap();

    let order = v1::Order {
        id: 3,
        symbol: "B".into(),
        qty: 1,
    };
    publisher.publish(subject.as_str(), &order).await.unwrap();
    let got = next(&mut sub).await.unwrap();
    assert!(got.headers.is_none(), "{:?}", got.headers);
    assert_eq!(got.sender_version, None);
    assert_eq!(got.value.id, 3);
    // Without headers only the bytes are checked: v3's (major 2) f64 quantity is a fixed64
    // item, which evowire reads as an integer when it fits. 0.0 fits and is misread as 0;
    // 2.0 (bits 0x4000_0000_0000_0000) does not, and fails as an overflow, not as an
    // incompatible sender.
    for qty in [0.0, 2.0] {
        let v3_order = v3::Order {
            id: 4,
            symbol: "C".into(),
            qty,
        };
        publisher
            .publish(subject.as_str(), &v3_order)
            .await
            .unwrap();
    }
    let got = next(&mut sub).await.unwrap();
    assert_eq!((got.value.id, got.value.qty), (4, 0));
    match next(&mut sub).await {
        Err(Error::Decode { source, .. }) => assert_eq!(source.kind(), ErrorKind::IntegerOverflow),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
