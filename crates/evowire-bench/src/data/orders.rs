//! `orders`: 10k small trading messages (large ids, an enum, a price, a short symbol, a
//! nanosecond timestamp and an optional tag).

use super::{Dataset, Text};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Order side.
#[derive(
    Serialize,
    Deserialize,
    bitcode::Encode,
    bitcode::Decode,
    evowire_derive::Encode,
    evowire_derive::Decode,
    Clone,
    Copy,
    Debug,
    PartialEq,
)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// One trading order. `Order` owns its strings; [`OrderRef`] borrows them.
#[derive(
    Serialize,
    Deserialize,
    bitcode::Encode,
    bitcode::Decode,
    evowire_derive::Encode,
    evowire_derive::Decode,
    Clone,
    Debug,
    PartialEq,
)]
pub struct Order<S: Text = String> {
    /// Exchange-wide order id, around 1e15 and up.
    pub id: u64,
    /// Buy or sell.
    pub side: Side,
    /// Limit price in currency units (cents precision).
    pub price: f64,
    /// Quantity, mostly small round lots.
    pub qty: u32,
    /// Ticker symbol, 1-5 characters.
    pub symbol: S,
    /// Unix time in nanoseconds.
    pub timestamp: i64,
    /// Client tag, present on about 30% of the orders.
    pub client_tag: Option<S>,
}

/// The borrowed twin of [`Order`] (zero-copy decode).
pub type OrderRef<'a> = Order<&'a str>;

/// The `orders` data set.
pub struct Orders;

const SYMBOLS: [(&str, f64); 24] = [
    ("AAPL", 189.3),
    ("MSFT", 411.2),
    ("GOOG", 141.8),
    ("AMZN", 178.1),
    ("META", 484.0),
    ("NVDA", 875.3),
    ("TSLA", 171.6),
    ("BRK.B", 408.9),
    ("JPM", 196.4),
    ("V", 279.5),
    ("XOM", 118.2),
    ("KO", 60.1),
    ("PEP", 168.9),
    ("INTC", 30.5),
    ("AMD", 162.7),
    ("F", 12.1),
    ("T", 17.0),
    ("GE", 160.3),
    ("IBM", 190.8),
    ("ORCL", 125.4),
    ("SPY", 520.7),
    ("QQQ", 445.1),
    ("EVO", 7.3),
    ("ZM", 64.9),
];

const DESKS: [&str; 6] = ["alpha", "delta", "mm", "arb", "retail", "hedge"];

impl Dataset for Orders {
    super::derived!();

    const NAME: &'static str = "orders";
    const FULL_LEN: usize = 10_000;
    const HAS_BORROWED: bool = true;
    type Value = Vec<Order>;
    type Borrowed<'a> = Vec<OrderRef<'a>>;
    type Proto = pb::Orders;

    fn generate(len: usize) -> Vec<Order> {
        let mut rng = Rng::new(0x0DE5_0001);
        let mut id = 1_000_000_000_000_000u64 + rng.range(0, 1 << 40);
        let mut timestamp = 1_717_171_717_000_000_000i64;
        (0..len)
            .map(|_| {
                id += rng.range(1, 40);
                timestamp += rng.range(1_000, 5_000_000) as i64;
                let (symbol, base) = *rng.pick(&SYMBOLS);
                let cents = (base * 100.0 * rng.float(0.97, 1.03)).round();
                let qty = match rng.range(0, 10) {
                    0..=5 => rng.range(1, 10) as u32 * 100,
                    6..=8 => rng.range(1, 100) as u32,
                    _ => rng.range(1, 50) as u32 * 1000,
                };
                let client_tag = rng
                    .chance(0.3)
                    .then(|| format!("{}-{:04x}", rng.pick(&DESKS), rng.range(0, 0x1_0000)));
                Order {
                    id,
                    side: if rng.chance(0.5) {
                        Side::Buy
                    } else {
                        Side::Sell
                    },
                    price: cents / 100.0,
                    qty,
                    symbol: symbol.to_string(),
                    timestamp,
                    client_tag,
                }
            })
            .collect()
    }

    fn to_proto(value: &Vec<Order>) -> pb::Orders {
        pb::Orders {
            orders: value
                .iter()
                .map(|o| pb::Order {
                    id: o.id,
                    side: match o.side {
                        Side::Buy => pb::Side::Buy,
                        Side::Sell => pb::Side::Sell,
                    } as i32,
                    price: o.price,
                    qty: o.qty,
                    symbol: o.symbol.clone(),
                    timestamp: o.timestamp,
                    client_tag: o.client_tag.clone(),
                })
                .collect(),
        }
    }
}

/// Hand-written prost messages mirroring the data set (proto3, field by field).
pub mod pb {
    /// `enum Side { BUY = 0; SELL = 1; }`
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Side {
        /// Buy.
        Buy = 0,
        /// Sell.
        Sell = 1,
    }

    /// `message Order`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Order {
        /// `uint64 id = 1`
        #[prost(uint64, tag = "1")]
        pub id: u64,
        /// `Side side = 2`
        #[prost(enumeration = "Side", tag = "2")]
        pub side: i32,
        /// `double price = 3`
        #[prost(double, tag = "3")]
        pub price: f64,
        /// `uint32 qty = 4`
        #[prost(uint32, tag = "4")]
        pub qty: u32,
        /// `string symbol = 5`
        #[prost(string, tag = "5")]
        pub symbol: String,
        /// `int64 timestamp = 6`
        #[prost(int64, tag = "6")]
        pub timestamp: i64,
        /// `optional string client_tag = 7`
        #[prost(string, optional, tag = "7")]
        pub client_tag: Option<String>,
    }

    /// `message Orders { repeated Order orders = 1; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Orders {
        /// `repeated Order orders = 1`
        #[prost(message, repeated, tag = "1")]
        pub orders: Vec<Order>,
    }
}
