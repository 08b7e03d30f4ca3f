//! Every format round-trips every data set, and evowire writes exactly fcode's bytes.
//! Runs on reduced data sets (debug builds), plus full-size byte identity with fcode.

use evowire_bench::data::{
    entities::Entities, logs::Logs, mesh::Mesh, orders::Orders, saves::Saves, Dataset,
};
use evowire_bench::{Codec, Decoded, Fixture, Format};

/// An order-independent view for comparing a borrowed decode with the owned original:
/// serde_json's `Value` keeps object keys sorted, so `HashMap` iteration order does not matter.
fn json_view<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("to_value")
}

fn round_trip_all<D: Dataset>(len: usize) {
    let fixture = Fixture::<D>::with_len(len);
    let mut codec = Codec::new();
    for format in Format::ALL.into_iter().filter(|f| f.applies_to::<D>()) {
        let bytes = codec.encode(format, &fixture).to_vec();
        assert!(
            !bytes.is_empty(),
            "{} {}: empty encoding",
            D::NAME,
            format.name()
        );
        // A second encode into the reused buffer gives the same bytes.
        assert_eq!(
            codec.encode(format, &fixture),
            &bytes[..],
            "{} {}",
            D::NAME,
            format.name()
        );
        match codec.decode::<D>(format, &bytes) {
            Decoded::Value(v) => assert!(
                v == fixture.value,
                "{} {}: decoded != original",
                D::NAME,
                format.name()
            ),
            Decoded::Proto(p) => {
                assert_eq!(format, Format::Prost);
                assert!(p == fixture.proto, "{} prost: decoded != original", D::NAME);
            }
        }
        if D::HAS_BORROWED && format.borrows() {
            let borrowed = codec.decode_borrowed::<D>(format, &bytes);
            assert_eq!(
                json_view(&borrowed),
                json_view(&fixture.value),
                "{} {}: borrowed decode differs",
                D::NAME,
                format.name()
            );
        }
    }
}

fn same_bytes_as_fcode<D: Dataset>(len: usize) {
    let fixture = Fixture::<D>::with_len(len);
    let mut codec = Codec::new();
    let evowire = codec.encode(Format::Evowire, &fixture).to_vec();
    let fcode = codec.encode(Format::Fcode, &fixture).to_vec();
    assert_eq!(evowire.len(), fcode.len(), "{}: sizes differ", D::NAME);
    if let Some(at) = evowire.iter().zip(&fcode).position(|(a, b)| a != b) {
        panic!(
            "{}: first difference at byte {at}: evowire {:02x?} fcode {:02x?}",
            D::NAME,
            &evowire[at..(at + 8).min(evowire.len())],
            &fcode[at..(at + 8).min(fcode.len())]
        );
    }
    // The experimental derive writes the same bytes.
    if D::HAS_DERIVE {
        assert_eq!(
            codec.encode(Format::EvowireDerive, &fixture),
            &evowire[..],
            "{}: derive bytes differ",
            D::NAME
        );
    }
    // And the evowire bytes are the plain `to_vec` bytes.
    assert_eq!(
        evowire::to_vec(&fixture.value).unwrap(),
        evowire,
        "{}",
        D::NAME
    );
}

#[test]
fn orders_round_trip_in_every_format() {
    round_trip_all::<Orders>(500);
}

#[test]
fn logs_round_trip_in_every_format() {
    round_trip_all::<Logs>(300);
}

#[test]
fn mesh_round_trips_in_every_format() {
    round_trip_all::<Mesh>(2_000);
}

#[test]
fn entities_round_trip_in_every_format() {
    round_trip_all::<Entities>(2_000);
}

#[test]
fn saves_round_trip_in_every_format() {
    round_trip_all::<Saves>(2);
}

#[test]
fn evowire_bytes_equal_fcode_bytes_on_full_data_sets() {
    same_bytes_as_fcode::<Orders>(Orders::FULL_LEN);
    same_bytes_as_fcode::<Logs>(Logs::FULL_LEN);
    same_bytes_as_fcode::<Mesh>(Mesh::FULL_LEN);
    same_bytes_as_fcode::<Entities>(Entities::FULL_LEN);
    same_bytes_as_fcode::<Saves>(Saves::FULL_LEN);
}

#[test]
fn data_sets_are_deterministic_and_full_size() {
    assert!(Orders::generate(50) == Orders::generate(50));
    assert!(Saves::generate(2) == Saves::generate(2));
    let orders = Orders::generate(Orders::FULL_LEN);
    assert_eq!(orders.len(), 10_000);
    assert!(orders
        .iter()
        .all(|o| o.id >= 1_000_000_000_000_000 && o.qty > 0));
    let tagged = orders.iter().filter(|o| o.client_tag.is_some()).count();
    assert!(
        (2_500..3_500).contains(&tagged),
        "{tagged} tagged orders, want ~30%"
    );
    assert_eq!(Logs::generate(Logs::FULL_LEN).len(), 5_000);
    assert!(Mesh::generate(Mesh::FULL_LEN).len() >= 100_000);
    let entities = Entities::generate(Entities::FULL_LEN);
    assert_eq!(entities.len(), 50_000);
    assert!(Entities::generate(50) == Entities::generate(50));
    let still = entities.iter().filter(|e| e.velocity.x == 0.0).count();
    assert!(
        (17_500..22_500).contains(&still),
        "{still} entities stand still, want ~40%"
    );
    let saves = evowire::to_vec(&Saves::generate(Saves::FULL_LEN)).unwrap();
    assert!(
        (150_000..1_000_000).contains(&saves.len()),
        "saves encode to {} bytes, want a few hundred KB",
        saves.len()
    );
}
