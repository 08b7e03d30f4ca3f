//! Byte compatibility with fcode 1.1 in both directions: for a corpus of realistic nested
//! types and for random values, evowire writes exactly fcode's bytes, each side decodes the
//! other's bytes to the same value, and `Value` decodes every message losslessly.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use evowire::Value;

/// Asserts both encoders agree, both decoders read the shared bytes back to `value`, and
/// `Value` re-serializes to the same bytes. Returns the bytes.
#[track_caller]
fn compat<T>(value: &T) -> Vec<u8>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let ours = evowire::to_vec(value).unwrap();
    let theirs = fcode::to_bytes(value).unwrap();
    assert_eq!(ours, theirs, "evowire and fcode bytes differ for {value:?}");

    let mut ours_io = Vec::new();
    evowire::to_writer(&mut ours_io, value).unwrap();
    let mut theirs_io = Vec::new();
    fcode::to_writer(&mut theirs_io, value).unwrap();
    assert_eq!(ours_io, theirs_io, "to_writer bytes differ");
    assert_eq!(ours_io, ours);
    assert_eq!(evowire::serialized_size(value).unwrap(), ours.len());

    // evowire reads fcode's bytes, fcode reads evowire's.
    assert_eq!(&evowire::from_slice::<T>(&theirs).unwrap(), value);
    assert_eq!(&evowire::from_reader::<_, T>(&theirs[..]).unwrap(), value);
    assert_eq!(&fcode::from_bytes::<T>(&ours).unwrap(), value);

    // Both stop at the same byte when more follows.
    let mut longer = ours.clone();
    longer.extend_from_slice(&[0x08, 0x10]);
    let (_, rest) = evowire::take_from_slice::<T>(&longer).unwrap();
    let (_, used) = fcode::from_bytes_more_data::<T>(&longer).unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(used, ours.len());

    // Untyped decoding is lossless.
    let untyped: Value = evowire::from_slice(&ours).unwrap();
    assert_eq!(
        evowire::to_vec(&untyped).unwrap(),
        ours,
        "Value {untyped:?} re-serialized differently"
    );
    ours
}

// ---- an order book ------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Buy,
    Sell,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum OrderKind {
    Market,
    Limit { price: f64 },
    Stop { trigger: f64, limit: Option<f64> },
    Iceberg(f64, u32),
    Pegged(Peg),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Peg {
    offset_ticks: i16,
    reference: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Fill {
    trade_id: u64,
    qty: u32,
    price: f64,
    liquidity: Option<Side>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Order {
    id: u64,
    client_id: [u8; 16],
    account: String,
    symbol: String,
    side: Side,
    kind: OrderKind,
    qty: u32,
    filled: Vec<Fill>,
    created_ns: i64,
    expires_ns: Option<i64>,
    tags: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Command {
    Place(Order),
    Cancel { id: u64, reason: Option<String> },
    Amend(u64, Option<u32>, Option<f64>),
    Heartbeat,
    Batch(Vec<Command>),
}

fn order(id: u64, kind: OrderKind) -> Order {
    Order {
        id,
        client_id: [id as u8; 16],
        account: format!("acct-{id}"),
        symbol: "EVO/USD".into(),
        side: if id.is_multiple_of(2) {
            Side::Buy
        } else {
            Side::Sell
        },
        kind,
        qty: 100 * id as u32,
        filled: (0..id % 4)
            .map(|i| Fill {
                trade_id: 1_000_000 + i,
                qty: 10,
                price: 101.25 + i as f64,
                liquidity: [None, Some(Side::Buy), Some(Side::Sell)][(i % 3) as usize],
            })
            .collect(),
        created_ns: 1_700_000_000_000_000_000 + id as i64,
        expires_ns: id.is_multiple_of(3).then_some(-1),
        tags: (0..id % 3)
            .map(|i| (format!("k{i}"), "v".repeat(i as usize * 9)))
            .collect(),
    }
}

#[test]
fn orders_match_fcode() {
    let kinds = [
        OrderKind::Market,
        OrderKind::Limit { price: 99.5 },
        OrderKind::Stop {
            trigger: 90.0,
            limit: None,
        },
        OrderKind::Stop {
            trigger: 90.0,
            limit: Some(89.75),
        },
        OrderKind::Iceberg(100.0, 5),
        OrderKind::Pegged(Peg {
            offset_ticks: -3,
            reference: "mid".into(),
        }),
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        compat(&order(i as u64 + 1, kind));
    }
}

#[test]
fn order_golden_prefix() {
    // The first bytes pin the layout: a sequence of 11 fields, then id 7, then the array.
    let bytes = compat(&order(7, OrderKind::Market));
    assert_eq!(bytes[..3], [0x5B, 0x38, 0x83]);
    assert_eq!(bytes[3..5], [0x01, 0x38]); // 16 items, the first 7
}

#[test]
fn commands_match_fcode() {
    let batch = Command::Batch(vec![
        Command::Place(order(2, OrderKind::Limit { price: 1.0 })),
        Command::Cancel {
            id: 2,
            reason: Some("user".into()),
        },
        Command::Amend(3, Some(50), None),
        Command::Heartbeat,
        Command::Batch(vec![]),
        Command::Batch(vec![Command::Batch(vec![Command::Heartbeat])]),
    ]);
    compat(&batch);
    compat(&Command::Heartbeat);
    compat(&Command::Cancel {
        id: u64::MAX,
        reason: None,
    });
    compat(&vec![Command::Heartbeat; 40]);
}

// ---- structured logs ----------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum FieldValue {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Bytes(ByteBuf),
    Missing,
    List(Vec<FieldValue>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Span {
    name: String,
    id: u64,
    parent: Option<Box<Span>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LogRecord {
    ts_nanos: u64,
    level: Level,
    target: String,
    message: String,
    fields: Vec<(String, FieldValue)>,
    span: Option<Span>,
    host: Option<String>,
    pid: u32,
    thread: (u64, Option<String>),
}

#[test]
fn log_records_match_fcode() {
    let nested_span = Span {
        name: "request".into(),
        id: 42,
        parent: Some(Box::new(Span {
            name: "connection".into(),
            id: 7,
            parent: Some(Box::new(Span {
                name: "server".into(),
                id: 1,
                parent: None,
            })),
        })),
    };
    let records = vec![
        LogRecord {
            ts_nanos: 1_712_345_678_901_234_567,
            level: Level::Info,
            target: "evowire::net".into(),
            message: "connection accepted".into(),
            fields: vec![
                ("peer".into(), FieldValue::Str("10.0.0.1:4222".into())),
                ("attempt".into(), FieldValue::U64(3)),
                ("delta".into(), FieldValue::I64(-250)),
                ("ratio".into(), FieldValue::F64(0.125)),
                ("tls".into(), FieldValue::Bool(true)),
                (
                    "hash".into(),
                    FieldValue::Bytes(ByteBuf::from(vec![0xDE; 32])),
                ),
                ("user".into(), FieldValue::Missing),
                (
                    "list".into(),
                    FieldValue::List(vec![
                        FieldValue::U64(1),
                        FieldValue::List(vec![FieldValue::Str(String::new())]),
                    ]),
                ),
            ],
            span: Some(nested_span),
            host: Some("node-ü-1".into()),
            pid: 31337,
            thread: (1, Some("main".into())),
        },
        LogRecord {
            ts_nanos: 0,
            level: Level::Trace,
            target: String::new(),
            message: "x".repeat(5000),
            fields: vec![],
            span: None,
            host: None,
            pid: 0,
            thread: (u64::MAX, None),
        },
    ];
    compat(&records);
    for level in [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ] {
        compat(&level);
    }
}

// ---- a game save --------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Item {
    Coin(u32),
    Weapon {
        name: String,
        damage: (u16, u16),
        enchant: Option<Enchant>,
    },
    Potion(Effect, u8),
    Key,
    Container(Vec<Item>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Enchant {
    Fire(u8),
    Frost { slow: f32 },
    Cursed,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Effect {
    Heal(i32),
    Speed { factor: f32, seconds: u16 },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum QuestState {
    NotStarted,
    Active { step: u8, notes: Vec<String> },
    Done(u64),
    Failed(Option<String>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Player {
    name: String,
    level: u8,
    xp: u64,
    pos: (f32, f32, f32),
    facing: char,
    inventory: BTreeMap<u16, Item>,
    equipped: [Option<u16>; 4],
    quests: HashMap<String, QuestState>,
    stats: Stats,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Stats(i16, i16, i16, u128);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Chunk {
    tiles: Vec<u8>,
    #[serde(with = "serde_bytes")]
    light: Vec<u8>,
    entities: Vec<(u32, Option<Item>)>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Save {
    format: u16,
    seed: i128,
    player: Player,
    chunks: BTreeMap<(i32, i32), Chunk>,
    flags: Vec<bool>,
    checksum: Option<u32>,
    playtime: std::time::Duration,
}

fn save() -> Save {
    let inventory = BTreeMap::from([
        (0, Item::Coin(1234)),
        (
            1,
            Item::Weapon {
                name: "Sword of ✨".into(),
                damage: (7, 12),
                enchant: Some(Enchant::Frost { slow: 0.5 }),
            },
        ),
        (
            2,
            Item::Potion(
                Effect::Speed {
                    factor: 1.5,
                    seconds: 30,
                },
                3,
            ),
        ),
        (3, Item::Key),
        (
            4000,
            Item::Container(vec![
                Item::Potion(Effect::Heal(-5), 1),
                Item::Container(vec![Item::Weapon {
                    name: "Dagger".into(),
                    damage: (1, 2),
                    enchant: Some(Enchant::Cursed),
                }]),
                Item::Weapon {
                    name: String::new(),
                    damage: (0, u16::MAX),
                    enchant: None,
                },
            ]),
        ),
    ]);
    let quests = HashMap::from([
        ("intro".to_string(), QuestState::Done(99)),
        (
            "dragon".to_string(),
            QuestState::Active {
                step: 2,
                notes: vec!["cave".into(), "north".into()],
            },
        ),
        ("lost".to_string(), QuestState::Failed(None)),
        ("later".to_string(), QuestState::NotStarted),
    ]);
    let mut chunks = BTreeMap::new();
    for (x, y) in [(-1, -1), (0, 0), (0, 1), (i32::MAX, i32::MIN)] {
        chunks.insert(
            (x, y),
            Chunk {
                tiles: (0..64u8)
                    .map(|i| i.wrapping_mul(7).wrapping_add(x as u8))
                    .collect(),
                light: vec![0xFF; 64],
                entities: vec![
                    (1, Some(Item::Coin(5))),
                    (2, None),
                    (3, Some(Item::Potion(Effect::Heal(25), 2))),
                ],
            },
        );
    }
    Save {
        format: 3,
        seed: -170_141_183_460_469_231_731_687_303_715_884_105_728,
        player: Player {
            name: "Ärwen".into(),
            level: 42,
            xp: 9_876_543_210,
            pos: (12.5, -3.25, 1e30),
            facing: '↗',
            inventory,
            equipped: [Some(1), None, Some(4000), None],
            quests,
            stats: Stats(10, -10, i16::MIN, u128::MAX / 3),
        },
        chunks,
        flags: vec![true, false, true, true],
        checksum: Some(0xDEAD_BEEF),
        playtime: std::time::Duration::new(86_400 * 3, 999_999_999),
    }
}

#[test]
fn game_save_matches_fcode() {
    compat(&save());
}

#[test]
fn game_save_in_a_vec_of_versions() {
    let mut second = save();
    second.player.inventory.clear();
    second.checksum = None;
    compat(&vec![save(), second]);
}

// ---- deep nesting -------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Tree {
    Leaf(u8),
    Node(Vec<Tree>),
}

/// `levels` nested `Node`s around a leaf: each level is a variant and a sequence.
fn tree(levels: usize) -> Tree {
    (0..levels).fold(Tree::Leaf(1), |t, _| Tree::Node(vec![t, Tree::Leaf(2)]))
}

/// `levels` nested sequences around an empty one.
fn nested_seqs(levels: usize) -> Value {
    (0..levels).fold(Value::Seq(vec![]), |v, _| Value::Seq(vec![v]))
}

#[test]
fn deep_trees_within_the_limit_match_fcode() {
    // 63 levels of variant + sequence, plus the leaf variant: 127 levels.
    compat(&tree(63));
    compat(&tree(20));
}

#[test]
fn deep_options_within_the_limit_match_fcode() {
    type O4<T> = Option<Option<Option<Option<T>>>>;
    let v: O4<O4<O4<O4<u8>>>> = Some(Some(Some(Some(Some(Some(Some(Some(None))))))));
    compat(&v);
}

#[test]
fn nesting_depth_limit_is_exactly_default_max_depth() {
    let max = evowire::DEFAULT_MAX_DEPTH as usize;
    assert_eq!(max, 128);
    // `max` sequences in total decode, typed and untyped.
    let ok = evowire::to_vec(&nested_seqs(max - 1)).unwrap();
    let v: Value = evowire::from_slice(&ok).unwrap();
    assert_eq!(evowire::to_vec(&v).unwrap(), ok);
    evowire::from_slice::<serde::de::IgnoredAny>(&ok).unwrap();
    // One more is refused with DepthExceeded (fcode has no limit and would accept it).
    let deep = evowire::to_vec(&nested_seqs(max)).unwrap();
    let err = evowire::from_slice::<Value>(&deep).unwrap_err();
    assert_eq!(err.kind(), evowire::ErrorKind::DepthExceeded, "{err}");
    // The innermost sequence starts at byte `max` (each level is one 0x0B byte).
    assert_eq!(err.offset(), Some(max as u64), "{err}");
}

// ---- borrowed data ------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Envelope<'a> {
    subject: &'a str,
    reply_to: Option<&'a str>,
    #[serde(with = "serde_bytes")]
    payload: &'a [u8],
    headers: Vec<(&'a str, &'a str)>,
}

#[test]
fn borrowed_envelope_reads_the_same_on_both_sides() {
    let env = Envelope {
        subject: "orders.new",
        reply_to: Some("_INBOX.1"),
        payload: &[0, 1, 2, 0xFF],
        headers: vec![("content-type", "evowire"), ("", "")],
    };
    let ours = evowire::to_vec(&env).unwrap();
    assert_eq!(ours, fcode::to_bytes(&env).unwrap());
    let a: Envelope<'_> = evowire::from_slice(&ours).unwrap();
    let b: Envelope<'_> = fcode::from_bytes(&ours).unwrap();
    assert_eq!(a, env);
    assert_eq!(a, b);
    assert_eq!(a.subject.as_ptr(), b.subject.as_ptr());
}

// ---- random values ------------------------------------------------------------------------

/// An `f32` compared by bits, so NaN payloads round-trip visibly.
#[derive(Serialize, Deserialize, Debug, Clone, Copy)]
struct F32Bits(f32);

impl PartialEq for F32Bits {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

/// An `f64` compared by bits.
#[derive(Serialize, Deserialize, Debug, Clone, Copy)]
struct F64Bits(f64);

impl PartialEq for F64Bits {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Leafy {
    a: u8,
    b: i16,
    c: u32,
    d: i64,
    e: u128,
    f: i128,
    g: F32Bits,
    h: F64Bits,
    i: char,
    j: bool,
    k: (),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Node {
    Unit,
    Bool(bool),
    Small(i8, u16),
    Int(i64),
    UInt(u64),
    Big {
        u: u128,
        i: i128,
    },
    Float(F32Bits, F64Bits),
    Char(char),
    Text(String),
    Blob(ByteBuf),
    Leaves(Leafy),
    Opt(Option<Box<Node>>),
    List(Vec<Node>),
    Map(BTreeMap<String, Node>),
    IntMap(BTreeMap<u32, Option<Node>>),
    Pair(Box<Node>, Box<Node>),
    Named {
        label: String,
        child: Box<Node>,
        weight: Option<u16>,
    },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Doc {
    id: u64,
    root: Node,
    tags: Vec<String>,
    extra: Option<(u32, Node)>,
}

fn f32_bits() -> impl Strategy<Value = F32Bits> {
    prop_oneof![
        any::<f32>().prop_map(F32Bits),
        any::<u32>().prop_map(|b| F32Bits(f32::from_bits(b))),
    ]
}

fn f64_bits() -> impl Strategy<Value = F64Bits> {
    prop_oneof![
        any::<f64>().prop_map(F64Bits),
        any::<u64>().prop_map(|b| F64Bits(f64::from_bits(b))),
    ]
}

/// Integers biased towards the varint byte boundaries.
fn u128_edges() -> impl Strategy<Value = u128> {
    prop_oneof![
        any::<u128>(),
        (0u32..128).prop_map(|shift| 1u128 << shift),
        (1u32..128).prop_map(|shift| (1u128 << shift) - 1),
        Just(u128::MAX),
        0u128..32,
    ]
}

fn i128_edges() -> impl Strategy<Value = i128> {
    prop_oneof![
        any::<i128>(),
        (0u32..127).prop_map(|shift| 1i128 << shift),
        (0u32..127).prop_map(|shift| -(1i128 << shift)),
        Just(i128::MIN),
        Just(i128::MAX),
        -16i128..16,
    ]
}

fn leafy() -> impl Strategy<Value = Leafy> {
    (
        (any::<u8>(), any::<i16>(), any::<u32>(), any::<i64>()),
        (u128_edges(), i128_edges(), f32_bits(), f64_bits()),
        (any::<char>(), any::<bool>()),
    )
        .prop_map(|((a, b, c, d), (e, f, g, h), (i, j))| Leafy {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            i,
            j,
            k: (),
        })
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        Just(Node::Unit),
        any::<bool>().prop_map(Node::Bool),
        (any::<i8>(), any::<u16>()).prop_map(|(a, b)| Node::Small(a, b)),
        any::<i64>().prop_map(Node::Int),
        any::<u64>().prop_map(Node::UInt),
        (u128_edges(), i128_edges()).prop_map(|(u, i)| Node::Big { u, i }),
        (f32_bits(), f64_bits()).prop_map(|(a, b)| Node::Float(a, b)),
        any::<char>().prop_map(Node::Char),
        ".{0,20}".prop_map(Node::Text),
        vec(any::<u8>(), 0..40).prop_map(|b| Node::Blob(ByteBuf::from(b))),
        leafy().prop_map(Node::Leaves),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            proptest::option::of(inner.clone().prop_map(Box::new)).prop_map(Node::Opt),
            vec(inner.clone(), 0..8).prop_map(Node::List),
            btree_map(".{0,6}", inner.clone(), 0..6).prop_map(Node::Map),
            btree_map(any::<u32>(), proptest::option::of(inner.clone()), 0..6)
                .prop_map(Node::IntMap),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Node::Pair(Box::new(a), Box::new(b))),
            (".{0,8}", inner, proptest::option::of(any::<u16>())).prop_map(
                |(label, child, weight)| Node::Named {
                    label,
                    child: Box::new(child),
                    weight,
                }
            ),
        ]
    })
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        any::<u64>(),
        node(),
        vec(".{0,10}", 0..4),
        proptest::option::of((any::<u32>(), node())),
    )
        .prop_map(|(id, root, tags, extra)| Doc {
            id,
            root,
            tags,
            extra,
        })
}

/// A wire-level `Value` in the canonical form that decoding produces.
fn wire_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::U64),
        (u128::from(u64::MAX) + 1..=u128::MAX).prop_map(Value::U128),
        any::<u32>().prop_map(|b| Value::F32(f32::from_bits(b))),
        any::<u64>().prop_map(|b| Value::F64(f64::from_bits(b))),
        ".{0,12}".prop_map(Value::String),
        // Always invalid UTF-8 (a lone continuation byte first), as decoding gives.
        vec(any::<u8>(), 0..12).prop_map(|mut b| {
            b.insert(0, 0x80);
            Value::Bytes(b)
        }),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Seq),
            (any::<u32>(), inner).prop_map(|(i, v)| Value::Variant(i, Box::new(v))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_docs_match_fcode(doc in doc()) {
        let ours = evowire::to_vec(&doc).unwrap();
        let theirs = fcode::to_bytes(&doc).unwrap();
        prop_assert_eq!(&ours, &theirs);
        prop_assert_eq!(evowire::serialized_size(&doc).unwrap(), ours.len());
        prop_assert_eq!(&evowire::from_slice::<Doc>(&theirs).unwrap(), &doc);
        prop_assert_eq!(&evowire::from_reader::<_, Doc>(&theirs[..]).unwrap(), &doc);
        prop_assert_eq!(&fcode::from_bytes::<Doc>(&ours).unwrap(), &doc);
        let untyped: Value = evowire::from_slice(&ours).unwrap();
        prop_assert_eq!(evowire::to_vec(&untyped).unwrap(), ours);
    }

    #[test]
    fn random_nodes_match_fcode(node in node()) {
        let ours = evowire::to_vec(&node).unwrap();
        prop_assert_eq!(&ours, &fcode::to_bytes(&node).unwrap());
        prop_assert_eq!(&evowire::from_slice::<Node>(&ours).unwrap(), &node);
        prop_assert_eq!(&fcode::from_bytes::<Node>(&ours).unwrap(), &node);
        let untyped: Value = evowire::from_slice(&ours).unwrap();
        prop_assert_eq!(evowire::to_vec(&untyped).unwrap(), ours);
    }

    #[test]
    fn random_values_decode_to_themselves(value in wire_value()) {
        let bytes = evowire::to_vec(&value).unwrap();
        let back: Value = evowire::from_slice(&bytes).unwrap();
        // Compare through the bytes: NaN payloads make `==` on F32/F64 unreliable.
        prop_assert_eq!(evowire::to_vec(&back).unwrap(), bytes.clone());
        prop_assert_eq!(format!("{back:?}"), format!("{value:?}"));
        // fcode skips any well-formed item: read it as unit inside a one-field struct.
        let wrapped = evowire::to_vec(&(7u8, &value)).unwrap();
        let (first,): (u8,) = fcode::from_bytes(&wrapped).unwrap();
        prop_assert_eq!(first, 7);
        let (first,): (u8,) = evowire::from_slice(&wrapped).unwrap();
        prop_assert_eq!(first, 7);
    }
}

/// Strings and byte strings of every length up to 40 and around the header-length limits
/// (16, 2048), starting at every offset around the encoder's 1 KiB chunk boundary: the
/// one-check fast paths for one- and two-byte headers and their fallbacks agree with
/// fcode, in every sink.
#[test]
fn strings_across_the_chunk_boundary_match_fcode() {
    let lengths: Vec<usize> = (0..=40).chain([100, 1000, 2047, 2048, 3000]).collect();
    for pad in 990..1040 {
        let value: (ByteBuf, Vec<String>, Vec<ByteBuf>) = (
            ByteBuf::from(vec![7u8; pad]),
            lengths
                .iter()
                .map(|&n| "é".repeat(n / 2) + &"x".repeat(n % 2))
                .collect(),
            lengths
                .iter()
                .map(|&n| ByteBuf::from(vec![0xAB; n]))
                .collect(),
        );
        let bytes = compat(&value);
        let mut direct = Vec::new();
        value
            .serialize(&mut evowire::Serializer::new(&mut direct))
            .unwrap();
        assert_eq!(direct, bytes, "Serializer::new(&mut vec), pad {pad}");
        let mut io = evowire::write::IoWrite::new(Vec::new());
        value
            .serialize(&mut evowire::Serializer::new(&mut io))
            .unwrap();
        assert_eq!(io.into_inner().unwrap(), bytes, "IoWrite, pad {pad}");
    }
}
