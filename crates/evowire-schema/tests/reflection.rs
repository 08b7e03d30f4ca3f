//! `Schema::from_registry` (feature `serde-reflection`): the same schema as `Schema::trace`,
//! without the probed defaults and fallbacks.

#![cfg(feature = "serde-reflection")]

use evowire_schema::serde_reflection::{Tracer, TracerConfig};
use evowire_schema::Schema;
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    side: Side,
    #[serde(with = "evowire::packed")]
    prices: Vec<f32>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
enum Side {
    Buy,
    Limit {
        price: f64,
    },
    #[serde(other)]
    Unknown,
}

#[test]
fn a_registry_converts_to_the_traced_schema_minus_probes() {
    let mut tracer = Tracer::new(TracerConfig::default());
    let (root, _) = tracer.trace_simple_type::<Order>().unwrap();
    tracer.trace_simple_type::<Side>().unwrap();
    let registry = tracer.registry().unwrap();
    let converted = Schema::from_registry(&registry, &root)
        .unwrap()
        .with_default("Order.note")
        .unwrap()
        .with_fallback("Side.Unknown")
        .unwrap();
    assert_eq!(converted, Schema::trace::<Order>().unwrap());
}
