//! The derived `Encode`/`Decode` and the serde path agree in both directions: the same bytes
//! for every value, the same values from those bytes, and the same result (value, or error
//! kind and offset) for any input, including hostile and evolved input.

use evowire::__derive::{from_slice as derive_from_slice, to_vec as derive_to_vec, Decode};
use evowire_derive::{Decode, Encode};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Encode, Decode, Clone, Copy, Debug, PartialEq)]
enum Side {
    Buy,
    Sell,
}

#[derive(Serialize, Deserialize, Encode, Decode, Clone, Debug, PartialEq)]
struct Order<S = String> {
    id: u64,
    side: Side,
    price: f64,
    qty: u32,
    symbol: S,
    timestamp: i64,
    client_tag: Option<S>,
}

#[derive(Serialize, Deserialize, Encode, Decode, Clone, Copy, Debug, PartialEq)]
struct Triangle {
    normal: [f32; 3],
    vertices: [[f32; 3]; 3],
}

/// A struct of `f32` fields only: read as one run of fixed32 items.
#[derive(Serialize, Deserialize, Encode, Decode, Clone, Copy, Debug, PartialEq)]
struct Vec3 {
    x: f32,
    y: f32,
    z: f32,
}

/// A newer `Order` with one more field: older readers skip it.
#[derive(Serialize, Deserialize, Encode, Decode, Clone, Debug, PartialEq)]
struct OrderV2 {
    id: u64,
    side: Side,
    price: f64,
    qty: u32,
    symbol: String,
    timestamp: i64,
    client_tag: Option<String>,
    venue: u8,
}

/// An older `Order` without the optional tag: newer readers see `None`.
#[derive(Serialize, Deserialize, Encode, Decode, Clone, Debug, PartialEq)]
struct OrderV0 {
    id: u64,
    side: Side,
    price: f64,
    qty: u32,
    symbol: String,
    timestamp: i64,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn order() -> impl Strategy<Value = Order> {
    (
        any::<u64>(),
        side(),
        any::<f64>(),
        any::<u32>(),
        ".{0,20}",
        any::<i64>(),
        proptest::option::of(".{0,40}"),
    )
        .prop_map(
            |(id, side, price, qty, symbol, timestamp, client_tag)| Order {
                id,
                side,
                price,
                qty,
                symbol,
                timestamp,
                client_tag,
            },
        )
}

fn triangle() -> impl Strategy<Value = Triangle> {
    (any::<[f32; 3]>(), any::<[[f32; 3]; 3]>())
        .prop_map(|(normal, vertices)| Triangle { normal, vertices })
}

/// Bit-exact equality (NaN payloads included), through the bytes.
fn same<T: Serialize>(a: &T, b: &T) -> bool {
    evowire::to_vec(a).unwrap() == evowire::to_vec(b).unwrap()
}

/// Both decoders give the same value, or errors of the same kind at the same offset.
fn decoders_agree<'de, T>(bytes: &'de [u8]) -> Result<(), TestCaseError>
where
    T: Decode<'de> + Deserialize<'de> + Serialize + core::fmt::Debug,
{
    let derived = derive_from_slice::<T>(bytes);
    let serde = evowire::from_slice::<T>(bytes);
    match (&derived, &serde) {
        (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{a:?} != {b:?}"),
        (Err(a), Err(b)) => {
            prop_assert_eq!(a.kind(), b.kind(), "{} vs {}", a, b);
            prop_assert_eq!(a.offset(), b.offset(), "{} vs {}", a, b);
        }
        _ => prop_assert!(false, "derive {derived:?}, serde {serde:?} on {bytes:02x?}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn orders_encode_and_decode_like_serde(orders in proptest::collection::vec(order(), 0..8)) {
        let bytes = derive_to_vec(&orders).unwrap();
        prop_assert_eq!(&bytes, &evowire::to_vec(&orders).unwrap());
        let back: Vec<Order> = derive_from_slice(&bytes).unwrap();
        prop_assert!(same(&back, &orders));
        let borrowed: Vec<Order<&str>> = derive_from_slice(&bytes).unwrap();
        prop_assert_eq!(evowire::to_vec(&borrowed).unwrap(), bytes);
    }

    #[test]
    fn mesh_encodes_and_decodes_like_serde(mesh in proptest::collection::vec(triangle(), 0..8)) {
        let bytes = derive_to_vec(&mesh).unwrap();
        prop_assert_eq!(&bytes, &evowire::to_vec(&mesh).unwrap());
        let back: Vec<Triangle> = derive_from_slice(&bytes).unwrap();
        prop_assert!(same(&back, &mesh));
        let serde_back: Vec<Triangle> = evowire::from_slice(&bytes).unwrap();
        prop_assert!(same(&back, &serde_back));
    }

    /// Any bytes: the same value or the same error, for every supported shape.
    #[test]
    fn arbitrary_bytes_decode_alike(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        decoders_agree::<Vec<Triangle>>(&bytes)?;
        decoders_agree::<Triangle>(&bytes)?;
        decoders_agree::<Order>(&bytes)?;
        decoders_agree::<Vec<Order>>(&bytes)?;
        decoders_agree::<Side>(&bytes)?;
        decoders_agree::<Vec<Vec3>>(&bytes)?;
        decoders_agree::<Vec3>(&bytes)?;
        decoders_agree::<[f32; 2]>(&bytes)?;
    }

    /// Structs of floats, valid and with one byte changed.
    #[test]
    fn float_runs_decode_alike(
        points in proptest::collection::vec(any::<(f32, f32, f32)>(), 0..6),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let points: Vec<Vec3> = points.into_iter().map(|(x, y, z)| Vec3 { x, y, z }).collect();
        let mut bytes = derive_to_vec(&points).unwrap();
        prop_assert_eq!(&bytes, &evowire::to_vec(&points).unwrap());
        let back: Vec<Vec3> = derive_from_slice(&bytes).unwrap();
        prop_assert!(same(&back, &points));
        decoders_agree::<Vec<Vec3>>(&bytes)?;
        let i = at.index(bytes.len());
        bytes[i] = byte;
        decoders_agree::<Vec<Vec3>>(&bytes)?;
    }

    /// Valid messages with one byte changed: close to the fast paths, so they are exercised.
    #[test]
    fn mutated_messages_decode_alike(
        orders in proptest::collection::vec(order(), 1..4),
        mesh in proptest::collection::vec(triangle(), 1..4),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = evowire::to_vec(&orders).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        decoders_agree::<Vec<Order>>(&bytes)?;
        let mut bytes = evowire::to_vec(&mesh).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        decoders_agree::<Vec<Triangle>>(&bytes)?;
    }

    /// Fields added and removed between versions, as on the serde path.
    #[test]
    fn evolved_orders_decode_alike(order in order(), venue in any::<u8>()) {
        let v2 = OrderV2 {
            id: order.id,
            side: order.side,
            price: order.price,
            qty: order.qty,
            symbol: order.symbol.clone(),
            timestamp: order.timestamp,
            client_tag: order.client_tag.clone(),
            venue,
        };
        let newer = derive_to_vec(&v2).unwrap();
        decoders_agree::<Order>(&newer)?;
        let read: Order = derive_from_slice(&newer).unwrap();
        prop_assert!(same(&read, &order));
        let v0 = OrderV0 {
            id: order.id,
            side: order.side,
            price: order.price,
            qty: order.qty,
            symbol: order.symbol.clone(),
            timestamp: order.timestamp,
        };
        let older = derive_to_vec(&v0).unwrap();
        decoders_agree::<Order>(&older)?;
        // Without `#[serde(default)]` (which the prototype refuses) a missing field is an
        // error on both paths, with the same text.
        let derived = derive_from_slice::<Order>(&older).unwrap_err();
        let serde = evowire::from_slice::<Order>(&older).unwrap_err();
        prop_assert_eq!(derived.to_string(), serde.to_string());
    }
}

/// An absent marker in place of a field: the struct is read again on the serde path, whose
/// derive (without `#[serde(default)]`) rejects the missing field: the same error.
#[test]
fn absent_markers_go_to_the_serde_path() {
    // Order with client_tag absent (written by hand: 7 fields, the last one `06`).
    let mut bytes = evowire::to_vec(&Order {
        id: 7,
        side: Side::Sell,
        price: 1.5,
        qty: 3,
        symbol: "X".to_string(),
        timestamp: -1,
        client_tag: Some("t".to_string()),
    })
    .unwrap();
    let tag_at = bytes.len() - 3; // `0D 14 74`: Some, then "t"
    bytes.truncate(tag_at);
    bytes.push(0x06);
    let derived = derive_from_slice::<Order>(&bytes).unwrap_err();
    let serde = evowire::from_slice::<Order>(&bytes).unwrap_err();
    assert_eq!(derived.to_string(), serde.to_string());
    assert!(
        derived.to_string().contains("invalid length 6"),
        "{derived}"
    );
    // A marker in place of `qty` (required): the serde path's error.
    let mut bytes = evowire::to_vec(&(7u64, Side::Buy, 1.5f64)).unwrap();
    bytes[0] = 0x3b; // 7 items
    bytes.extend_from_slice(&[0x06, 0x14, b'X', 0x00, 0x06]);
    let derived = derive_from_slice::<Order>(&bytes).unwrap_err();
    let serde = evowire::from_slice::<Order>(&bytes).unwrap_err();
    assert_eq!(derived.to_string(), serde.to_string());
    assert_eq!(derived.offset(), serde.offset());
}

/// Nesting deeper than the limit fails on the derived path exactly as on the serde path.
#[test]
fn depth_limit_is_the_serde_paths() {
    let mesh = vec![
        Triangle {
            normal: [1.0; 3],
            vertices: [[2.0; 3]; 3],
        };
        2
    ];
    let bytes = evowire::to_vec(&mesh).unwrap();
    for depth in 0..4 {
        let opts = evowire::DecodeOptions::new().with_max_depth(depth);
        let serde = opts.from_slice::<Vec<Triangle>>(&bytes);
        // The derived entry point takes the default options; compare through a deserializer.
        let mut de = evowire::Deserializer::from_slice(&bytes).with_options(opts);
        let derived = <Vec<Triangle> as Decode>::decode(&mut de);
        match (derived, serde) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert_eq!(a.kind(), b.kind());
                assert_eq!(a.offset(), b.offset());
                assert_eq!(a.kind(), evowire::ErrorKind::DepthExceeded);
            }
            (a, b) => panic!("depth {depth}: derive {a:?}, serde {b:?}"),
        }
    }
}
