//! `MessageCodec` on its own: golden bytes, frames split across reads, end of stream in
//! the middle of a frame, oversized frames in both directions.

use bytes::{BufMut, BytesMut};
use futures::{FutureExt, SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Decoder, Encoder, FramedRead};

use evowire_net::{Error, MessageCodec, DEFAULT_MAX_FRAME_LENGTH};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Order {
    id: u64,
    symbol: String,
    qty: u32,
}

fn order() -> Order {
    Order {
        id: 7,
        symbol: "EVO".into(),
        qty: 3,
    }
}

/// The evowire bytes of `order()` (see the evowire crate docs).
const ORDER_BYTES: [u8; 7] = [0x1b, 0x38, 0x1c, b'E', b'V', b'O', 0x18];

#[test]
fn encodes_big_endian_length_then_evowire_bytes() {
    let mut codec = MessageCodec::<Order, Order>::new();
    let mut buf = BytesMut::new();
    codec.encode(order(), &mut buf).unwrap();
    codec.encode(order(), &mut buf).unwrap();
    let mut expected = vec![0, 0, 0, 7];
    expected.extend_from_slice(&ORDER_BYTES);
    assert_eq!(&buf[..11], &expected[..]);
    assert_eq!(&buf[11..], &expected[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(order()));
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(order()));
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

#[test]
fn borrowed_messages_encode_the_same() {
    let mut owned = BytesMut::new();
    MessageCodec::<(), Order>::new()
        .encode(order(), &mut owned)
        .unwrap();
    let mut borrowed = BytesMut::new();
    let o = order();
    MessageCodec::<(), &Order>::new()
        .encode(&o, &mut borrowed)
        .unwrap();
    assert_eq!(owned, borrowed);
}

#[test]
fn default_max_frame_length_is_16_mib() {
    assert_eq!(DEFAULT_MAX_FRAME_LENGTH, 16 * 1024 * 1024);
    assert_eq!(
        MessageCodec::<(), ()>::new().max_frame_length(),
        DEFAULT_MAX_FRAME_LENGTH
    );
}

#[tokio::test]
async fn frame_split_across_reads() {
    let (mut tx, rx) = tokio::io::duplex(1024);
    let mut framed = FramedRead::new(rx, MessageCodec::<Order, ()>::new());
    let mut bytes = vec![0, 0, 0, 7];
    bytes.extend_from_slice(&ORDER_BYTES);
    // Two bytes of the prefix, then the rest of the prefix and part of the body, then the
    // end: nothing is yielded until the frame is complete.
    for chunk in [&bytes[..2], &bytes[2..6]] {
        tx.write_all(chunk).await.unwrap();
        assert!(
            framed.next().now_or_never().is_none(),
            "yielded a partial frame"
        );
    }
    tx.write_all(&bytes[6..]).await.unwrap();
    assert_eq!(framed.next().await.unwrap().unwrap(), order());
    drop(tx);
    assert!(framed.next().await.is_none());
}

#[tokio::test]
async fn eof_mid_frame() {
    let (mut tx, rx) = tokio::io::duplex(1024);
    let mut framed = FramedRead::new(rx, MessageCodec::<Order, ()>::new());
    tx.write_all(&[0, 0, 0, 7, 0x1b, 0x38]).await.unwrap();
    drop(tx);
    let err = framed.next().await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Truncated { have: 6, need: 11 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "connection ended in the middle of a frame: got 6 of 11 bytes"
    );
    assert!(framed.next().await.is_none());
}

#[tokio::test]
async fn eof_inside_length_prefix() {
    let (mut tx, rx) = tokio::io::duplex(1024);
    let mut framed = FramedRead::new(rx, MessageCodec::<Order, ()>::new());
    tx.write_all(&[0, 0]).await.unwrap();
    drop(tx);
    let err = framed.next().await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Truncated { have: 2, need: 4 }),
        "{err:?}"
    );
}

#[test]
fn oversized_frame_rejected() {
    let mut codec: MessageCodec<Vec<u8>, ()> =
        MessageCodec::builder().max_frame_length(100).new_codec();
    let mut buf = BytesMut::new();
    buf.put_u32(101);
    // The check happens on the prefix alone: no need (and no buffering) for the body.
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(
        matches!(err, Error::FrameTooLarge { len: 101, max: 100 }),
        "{err:?}"
    );
    assert!(buf.capacity() < 1024, "buffered for an oversized frame");

    // Exactly the maximum is fine.
    let mut ok = BytesMut::new();
    let payload = evowire::to_vec(&vec![1u8; 98]).unwrap();
    assert_eq!(payload.len(), 100);
    ok.put_u32(100);
    ok.extend_from_slice(&payload);
    assert_eq!(codec.decode(&mut ok).unwrap(), Some(vec![1u8; 98]));
}

#[test]
fn oversized_message_not_encoded() {
    let mut codec: MessageCodec<(), Vec<u8>> =
        MessageCodec::builder().max_frame_length(100).new_codec();
    let mut buf = BytesMut::new();
    codec.encode(vec![1u8; 10], &mut buf).unwrap();
    let before = buf.clone();
    let err = codec.encode(vec![1u8; 500], &mut buf).unwrap_err();
    assert!(
        matches!(err, Error::FrameTooLarge { len: 502, max: 100 }),
        "{err:?}"
    );
    assert_eq!(
        buf, before,
        "a failed encode must leave the buffer untouched"
    );
    // 99 bytes of payload (tag, length, 97 bytes) fit, 101 do not.
    codec.encode(vec![1u8; 97], &mut buf).unwrap();
    assert!(codec.encode(vec![1u8; 99], &mut buf).is_err());
}

#[test]
fn undecodable_frame_is_consumed_and_the_next_one_decodes() {
    let mut codec = MessageCodec::<u8, ()>::new();
    let mut buf = BytesMut::new();
    // A string where a u8 is expected, then a valid u8 (5 = 0x28).
    buf.extend_from_slice(&[0, 0, 0, 2, 0x0c, b'x', 0, 0, 0, 1, 0x28]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(codec.decode(&mut buf).unwrap(), Some(5));
}

#[tokio::test]
async fn framed_round_trip_over_duplex() {
    let (a, b) = tokio::io::duplex(64);
    let mut a = MessageCodec::<(), Order>::new().framed(a);
    let mut b = MessageCodec::<Order, ()>::new().framed(b);
    let sender = tokio::spawn(async move {
        for id in 0..100 {
            a.feed(Order { id, ..order() }).await.unwrap();
        }
        a.close().await.unwrap();
    });
    for id in 0..100 {
        assert_eq!(b.next().await.unwrap().unwrap().id, id);
    }
    assert!(b.next().await.is_none());
    sender.await.unwrap();
}
