//! Tracing types into schema documents.

use evowire_schema::{Body, Container, Field, Schema, Type, Variant};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    symbol: String,
    side: Side,
    legs: Vec<Leg>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
enum Side {
    Buy,
    Sell,
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
#[allow(dead_code)]
enum Leg {
    Market(Qty),
    Limit { qty: Qty, price: f64 },
    Pair(u8, i16),
    Stop,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Qty(u32);

#[test]
fn nested_enums_are_traced_completely() {
    let schema = Schema::trace::<Order>().unwrap();
    println!("{}", schema.to_json());
    assert_eq!(schema.root, Type::Named("Order".into()));
    assert_eq!(
        schema.types["Order"],
        Container::Struct(vec![
            Field::new("id", Type::U64),
            Field::new("symbol", Type::Str),
            Field::new("side", Type::Named("Side".into())),
            Field::new("legs", Type::Seq(Box::new(Type::Named("Leg".into())))),
            Field {
                default: true,
                ..Field::new("note", Type::Option(Box::new(Type::Str)))
            },
        ])
    );
    let unit = |name: &str| Variant {
        name: name.into(),
        body: Body::Unit,
        fallback: false,
    };
    assert_eq!(
        schema.types["Side"],
        Container::Enum(vec![
            unit("Buy"),
            unit("Sell"),
            Variant {
                fallback: true,
                ..unit("Unknown")
            }
        ])
    );
    assert_eq!(
        schema.types["Leg"],
        Container::Enum(vec![
            Variant {
                name: "Market".into(),
                body: Body::Newtype(Type::Named("Qty".into())),
                fallback: false
            },
            Variant {
                name: "Limit".into(),
                body: Body::Struct(vec![
                    Field::new("qty", Type::Named("Qty".into())),
                    Field::new("price", Type::F64),
                ]),
                fallback: false,
            },
            Variant {
                name: "Pair".into(),
                body: Body::Tuple(vec![Field::new("0", Type::U8), Field::new("1", Type::I16)]),
                fallback: false,
            },
            unit("Stop"),
        ])
    );
    assert_eq!(schema.types["Qty"], Container::Newtype(Type::U32));
}

fn json(schema: &Schema) -> serde_json::Value {
    serde_json::from_str(&schema.to_json()).unwrap()
}

#[test]
fn recursive_types_terminate() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Expr {
        Add(Box<Expr>, Box<Expr>),
        Neg(Box<Expr>),
        Lit(i64),
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Tree {
        kids: Vec<Tree>,
        parent: Option<Box<Tree>>,
        expr: Expr,
    }
    let schema = Schema::trace::<Tree>().unwrap();
    assert_eq!(
        json(&schema)["types"]["Expr"],
        serde_json::json!({"enum": [
            {"name": "Add", "body": {"tuple": [
                {"name": "0", "type": {"named": "Expr"}},
                {"name": "1", "type": {"named": "Expr"}}]}},
            {"name": "Neg", "body": {"newtype": {"named": "Expr"}}},
            {"name": "Lit", "body": {"newtype": "i64"}}
        ]})
    );
    assert_eq!(
        json(&schema)["types"]["Tree"],
        serde_json::json!({"struct": [
            {"name": "kids", "type": {"seq": {"named": "Tree"}}},
            {"name": "parent", "type": {"option": {"named": "Tree"}}},
            {"name": "expr", "type": {"named": "Expr"}}
        ]})
    );
}

#[test]
fn defaults_are_probed_on_trailing_fields_of_every_record_kind() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct S {
        a: u8,
        #[serde(default)]
        middle: u8,
        c: u8,
        #[serde(default)]
        d: u8,
        #[serde(default)]
        e: String,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct T(u8, #[serde(default)] u16);
    #[derive(Deserialize, Default)]
    #[serde(default)]
    #[allow(dead_code)]
    struct AllDefault {
        x: u8,
        y: u8,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum E {
        S {
            a: u8,
            #[serde(default)]
            b: u8,
        },
        T(u8, #[serde(default)] u8),
        N(S),
        D(AllDefault),
        X(T),
    }
    let schema = Schema::trace::<E>().unwrap();
    let defaults = |fields: &[Field]| fields.iter().map(|f| f.default).collect::<Vec<_>>();
    let Container::Struct(s) = &schema.types["S"] else {
        panic!()
    };
    // `middle` has a default, but only trailing defaults are probed.
    assert_eq!(defaults(s), [false, false, false, true, true]);
    let Container::TupleStruct(t) = &schema.types["T"] else {
        panic!()
    };
    assert_eq!(defaults(t), [false, true]);
    let Container::Struct(d) = &schema.types["AllDefault"] else {
        panic!()
    };
    assert_eq!(defaults(d), [true, true]);
    let Container::Enum(e) = &schema.types["E"] else {
        panic!()
    };
    let Body::Struct(f) = &e[0].body else {
        panic!()
    };
    assert_eq!(defaults(f), [false, true]);
    let Body::Tuple(f) = &e[1].body else { panic!() };
    assert_eq!(defaults(f), [false, true]);
    assert!(e.iter().all(|v| !v.fallback));
}

#[test]
fn maps_arrays_tuples_bytes_packed_and_units() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Unit;
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct All<'a> {
        map: std::collections::BTreeMap<String, Vec<u8>>,
        arr: [u16; 4],
        pair: (u8, char),
        one: (bool,),
        bytes: serde_bytes::ByteBuf,
        borrowed: &'a str,
        #[serde(with = "evowire::packed")]
        packed: Vec<f32>,
        #[serde(with = "evowire::fixed")]
        fixed: u64,
        unit: Unit,
        nothing: (),
        wide: (u128, i128, f64),
    }
    let schema = Schema::trace::<All>().unwrap();
    assert_eq!(
        json(&schema)["types"]["All"],
        serde_json::json!({"struct": [
            {"name": "map", "type": {"map": {"key": "str", "value": {"seq": "u8"}}}},
            {"name": "arr", "type": {"array": {"item": "u16", "len": 4}}},
            {"name": "pair", "type": {"tuple": ["u8", "char"]}},
            {"name": "one", "type": {"tuple": ["bool"]}},
            {"name": "bytes", "type": "bytes"},
            {"name": "borrowed", "type": "str"},
            {"name": "packed", "type": "packed"},
            {"name": "fixed", "type": "u64"},
            {"name": "unit", "type": {"named": "Unit"}},
            {"name": "nothing", "type": "unit"},
            {"name": "wide", "type": {"tuple": ["u128", "i128", "f64"]}}
        ]})
    );
    assert_eq!(schema.types["Unit"], Container::UnitStruct);
    assert_eq!(schema.types.len(), 2);
}

#[test]
fn non_zero_and_option_of_enum() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Color {
        Red,
        Rgb(u8, u8, u8),
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct S {
        id: std::num::NonZeroU64,
        color: Option<Color>,
        by_name: std::collections::HashMap<u32, Color>,
    }
    let schema = Schema::trace::<S>().unwrap();
    let Container::Enum(v) = &schema.types["Color"] else {
        panic!()
    };
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].name, "Rgb");
}

#[test]
fn untraceable_types_say_why() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        x: u8,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Flat {
        #[serde(flatten)]
        inner: Inner,
    }
    let err = Schema::trace::<Flat>().unwrap_err().to_string();
    assert!(err.contains("flatten"), "{err}");

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(untagged)]
    enum Untagged {
        A(u8),
    }
    let err = Schema::trace::<Untagged>().unwrap_err().to_string();
    assert!(err.contains("untagged"), "{err}");

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Page<T> {
        items: Vec<T>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Both {
        a: Page<u8>,
        b: Page<String>,
    }
    let err = Schema::trace::<Both>().unwrap_err().to_string();
    assert!(
        err.contains("two different types are named `Page`"),
        "{err}"
    );

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Void {}
    let err = Schema::trace::<Void>().unwrap_err().to_string();
    assert!(err.contains("`Void`"), "{err}");
}

#[test]
fn primitives_at_the_root() {
    assert_eq!(Schema::trace::<u64>().unwrap().root, Type::U64);
    assert_eq!(
        Schema::trace::<Option<(i8, String)>>().unwrap().root,
        Type::Option(Box::new(Type::Tuple(vec![Type::I8, Type::Str])))
    );
}
