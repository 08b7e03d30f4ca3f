//! `logs`: 5k web access log records, string heavy (addresses, paths, referrers, user agents).

use super::{Dataset, Text};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// HTTP method.
#[derive(
    Serialize, Deserialize, bitcode::Encode, bitcode::Decode, Clone, Copy, Debug, PartialEq,
)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
    /// PATCH
    Patch,
}

/// One access log line. `LogRecord` owns its strings; [`LogRecordRef`] borrows them.
#[derive(Serialize, Deserialize, bitcode::Encode, bitcode::Decode, Clone, Debug, PartialEq)]
pub struct LogRecord<S: Text = String> {
    /// Client address, IPv4 dotted or IPv6 text.
    pub ip: S,
    /// Unix time in milliseconds.
    pub timestamp: i64,
    /// Request method.
    pub method: Method,
    /// Request path with query string.
    pub path: S,
    /// Response status.
    pub status: u16,
    /// Response body size.
    pub bytes: u64,
    /// Referer header, `-` when absent (as in the combined log format).
    pub referrer: S,
    /// User-Agent header.
    pub user_agent: S,
}

/// The borrowed twin of [`LogRecord`].
pub type LogRecordRef<'a> = LogRecord<&'a str>;

/// The `logs` data set.
pub struct Logs;

const AGENTS: [&str; 10] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.7.1",
    "python-requests/2.31.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Go-http-client/2.0",
];

const SECTIONS: [&str; 8] = [
    "api/v2/users",
    "api/v2/orders",
    "static/js",
    "static/img",
    "blog",
    "products",
    "search",
    "account/settings",
];

const LEAVES: [&str; 8] = [
    "index.html",
    "app.3f9a1c.js",
    "logo.svg",
    "profile",
    "reviews",
    "checkout",
    "details",
    "avatar.png",
];

const REFERRERS: [&str; 5] = [
    "https://www.google.com/",
    "https://news.ycombinator.com/item?id=40123456",
    "https://shop.example.com/products?category=garden&page=2",
    "https://t.co/a1B2c3D4e5",
    "https://duckduckgo.com/?q=evowire+serde+format",
];

impl Dataset for Logs {
    const NAME: &'static str = "logs";
    const FULL_LEN: usize = 5_000;
    const HAS_BORROWED: bool = true;
    type Value = Vec<LogRecord>;
    type Borrowed<'a> = Vec<LogRecordRef<'a>>;
    type Proto = pb::Logs;

    fn generate(len: usize) -> Vec<LogRecord> {
        let mut rng = Rng::new(0x0DE5_0002);
        let mut timestamp = 1_717_171_717_000i64;
        (0..len)
            .map(|_| {
                timestamp += rng.range(0, 400) as i64;
                let ip = if rng.chance(0.85) {
                    format!(
                        "{}.{}.{}.{}",
                        rng.range(1, 224),
                        rng.range(0, 256),
                        rng.range(0, 256),
                        rng.range(1, 255)
                    )
                } else {
                    format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        rng.range(0, 0x1_0000),
                        rng.range(0, 0x1_0000),
                        rng.range(1, 0x1_0000)
                    )
                };
                let method = match rng.range(0, 100) {
                    0..=74 => Method::Get,
                    75..=89 => Method::Post,
                    90..=93 => Method::Put,
                    94..=95 => Method::Delete,
                    96..=97 => Method::Head,
                    98 => Method::Options,
                    _ => Method::Patch,
                };
                let mut path = format!(
                    "/{}/{}/{}",
                    rng.pick(&SECTIONS),
                    rng.range(1, 1_000_000),
                    rng.pick(&LEAVES)
                );
                if rng.chance(0.3) {
                    path.push_str(&format!(
                        "?page={}&sort=desc&utm_source=newsletter",
                        rng.range(1, 50)
                    ));
                }
                let status = match rng.range(0, 100) {
                    0..=79 => 200,
                    80..=86 => 304,
                    87..=90 => 301,
                    91..=95 => 404,
                    96..=97 => 403,
                    _ => 500,
                };
                let bytes = if status == 304 { 0 } else { rng.log_uniform(7) };
                let referrer = if rng.chance(0.4) {
                    "-".to_string()
                } else {
                    rng.pick(&REFERRERS).to_string()
                };
                LogRecord {
                    ip,
                    timestamp,
                    method,
                    path,
                    status,
                    bytes,
                    referrer,
                    user_agent: rng.pick(&AGENTS).to_string(),
                }
            })
            .collect()
    }

    fn to_proto(value: &Vec<LogRecord>) -> pb::Logs {
        pb::Logs {
            records: value
                .iter()
                .map(|r| pb::LogRecord {
                    ip: r.ip.clone(),
                    timestamp: r.timestamp,
                    method: r.method as i32,
                    path: r.path.clone(),
                    status: u32::from(r.status),
                    bytes: r.bytes,
                    referrer: r.referrer.clone(),
                    user_agent: r.user_agent.clone(),
                })
                .collect(),
        }
    }
}

/// Hand-written prost messages mirroring the data set.
pub mod pb {
    /// `enum Method` (same order as [`super::Method`]).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Method {
        /// GET
        Get = 0,
        /// POST
        Post = 1,
        /// PUT
        Put = 2,
        /// DELETE
        Delete = 3,
        /// HEAD
        Head = 4,
        /// OPTIONS
        Options = 5,
        /// PATCH
        Patch = 6,
    }

    /// `message LogRecord`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct LogRecord {
        /// `string ip = 1`
        #[prost(string, tag = "1")]
        pub ip: String,
        /// `int64 timestamp = 2`
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
        /// `Method method = 3`
        #[prost(enumeration = "Method", tag = "3")]
        pub method: i32,
        /// `string path = 4`
        #[prost(string, tag = "4")]
        pub path: String,
        /// `uint32 status = 5` (proto has no 16-bit integers)
        #[prost(uint32, tag = "5")]
        pub status: u32,
        /// `uint64 bytes = 6`
        #[prost(uint64, tag = "6")]
        pub bytes: u64,
        /// `string referrer = 7`
        #[prost(string, tag = "7")]
        pub referrer: String,
        /// `string user_agent = 8`
        #[prost(string, tag = "8")]
        pub user_agent: String,
    }

    /// `message Logs { repeated LogRecord records = 1; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Logs {
        /// `repeated LogRecord records = 1`
        #[prost(message, repeated, tag = "1")]
        pub records: Vec<LogRecord>,
    }
}
