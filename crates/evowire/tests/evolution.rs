//! Schema evolution: one V1/V2 type pair per documented rule (fcode 1.1's list plus
//! evowire's skipped fields), tested in every direction the rule allows. Each module is named
//! after its rule. Where fcode is the other side (fcode writes, evowire reads, or the
//! reverse), the results must be those fcode documents.

use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use evowire::{Error, ErrorKind, Value};

// ---- helpers ------------------------------------------------------------------------------

/// Encodes with evowire.
fn enc<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    evowire::to_vec(value).unwrap()
}

/// Decodes `bytes` as `T` through the slice and the reader paths, which must agree.
#[track_caller]
fn dec<T: DeserializeOwned + PartialEq + Debug>(bytes: &[u8]) -> T {
    let from_slice = evowire::from_slice::<T>(bytes)
        .unwrap_or_else(|e| panic!("from_slice of {bytes:02x?}: {e}"));
    let from_reader = evowire::from_reader::<_, T>(bytes)
        .unwrap_or_else(|e| panic!("from_reader of {bytes:02x?}: {e}"));
    assert_eq!(from_slice, from_reader, "slice and reader paths differ");
    from_slice
}

/// Decoding `bytes` as `T` fails the same way through the slice and the reader paths.
#[track_caller]
fn dec_err<T: DeserializeOwned + Debug>(bytes: &[u8]) -> Error {
    let from_slice = evowire::from_slice::<T>(bytes).expect_err("from_slice succeeded");
    let from_reader = evowire::from_reader::<_, T>(bytes).expect_err("from_reader succeeded");
    assert_eq!(
        from_slice.kind(),
        from_reader.kind(),
        "{from_slice} / {from_reader}"
    );
    assert_eq!(
        from_slice.offset(),
        from_reader.offset(),
        "{from_slice} / {from_reader}"
    );
    from_slice
}

/// evowire writes `value`, evowire reads it as `T`.
#[track_caller]
fn read_as<T: DeserializeOwned + PartialEq + Debug>(value: &(impl Serialize + ?Sized)) -> T {
    dec(&enc(value))
}

/// evowire writes `value`, reading it as `T` fails.
#[track_caller]
fn read_err<T: DeserializeOwned + Debug>(value: &(impl Serialize + ?Sized)) -> Error {
    dec_err::<T>(&enc(value))
}

/// fcode writes `value`, evowire reads it as `T`.
#[track_caller]
fn fcode_writes<T: DeserializeOwned + PartialEq + Debug>(value: &impl Serialize) -> T {
    dec(&fcode::to_bytes(value).unwrap())
}

/// evowire writes `value`, fcode reads it as `T`.
#[track_caller]
fn fcode_reads<T: DeserializeOwned>(value: &impl Serialize) -> T {
    fcode::from_bytes(&enc(value)).unwrap_or_else(|e| panic!("fcode failed: {e}"))
}

/// The same evolution with fcode on either side and with evowire on both sides gives `expected`.
#[track_caller]
fn all_sides<T: DeserializeOwned + PartialEq + Debug>(value: &impl Serialize, expected: &T) {
    assert_eq!(&read_as::<T>(value), expected, "evowire -> evowire");
    assert_eq!(&fcode_writes::<T>(value), expected, "fcode -> evowire");
    assert_eq!(&fcode_reads::<T>(value), expected, "evowire -> fcode");
}

// ---- rule: add fields at the back of a struct ---------------------------------------------

mod add_field_at_back_of_struct {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct UserV1 {
        pub id: u64,
        pub name: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    pub enum Role {
        #[default]
        Guest,
        Member {
            since: u32,
        },
        Named(String),
    }

    /// Every kind of wire item in the added fields, so old readers must skip each kind.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct UserV2 {
        pub id: u64,
        pub name: String,
        #[serde(default)]
        pub email: Option<String>,
        #[serde(default)]
        pub roles: Vec<Role>,
        #[serde(default)]
        pub score: f64,
        #[serde(default)]
        pub ratio: f32,
        #[serde(default)]
        pub meta: BTreeMap<String, Vec<u32>>,
        #[serde(default)]
        pub avatar: ByteBuf,
        #[serde(default)]
        pub big: u128,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct UserV3 {
        pub id: u64,
        pub name: String,
        #[serde(default)]
        pub email: Option<String>,
        #[serde(default)]
        pub roles: Vec<Role>,
        #[serde(default)]
        pub score: f64,
        #[serde(default)]
        pub ratio: f32,
        #[serde(default)]
        pub meta: BTreeMap<String, Vec<u32>>,
        #[serde(default)]
        pub avatar: ByteBuf,
        #[serde(default)]
        pub big: u128,
        #[serde(default)]
        pub last_seen: Option<(i64, String)>,
    }

    /// A newer version that forgot `#[serde(default)]` on its new field.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct UserV2Strict {
        pub id: u64,
        pub name: String,
        pub email: Option<String>,
    }

    pub fn v1() -> UserV1 {
        UserV1 {
            id: 10042,
            name: "ada".into(),
        }
    }

    pub fn v2() -> UserV2 {
        UserV2 {
            id: 10042,
            name: "ada".into(),
            email: Some("ada@example.org".into()),
            roles: vec![
                Role::Member { since: 1815 },
                Role::Named("x".into()),
                Role::Guest,
            ],
            score: -1.5,
            ratio: 0.25,
            meta: BTreeMap::from([("k".into(), vec![1, 2, 3]), ("z".into(), vec![])]),
            avatar: ByteBuf::from(vec![0xFF, 0x00, 0xC3]),
            big: u128::MAX,
        }
    }

    pub fn v2_defaults() -> UserV2 {
        UserV2 {
            id: 10042,
            name: "ada".into(),
            email: None,
            roles: vec![],
            score: 0.0,
            ratio: 0.0,
            meta: BTreeMap::new(),
            avatar: ByteBuf::new(),
            big: 0,
        }
    }

    #[test]
    fn v1_bytes_are_two_fields_and_v2_bytes_nine() {
        assert_eq!(enc(&v1()), [0x13, 0xD0, 0xF3, 0x04, 0x1C, b'a', b'd', b'a']);
        assert_eq!(enc(&v2())[..4], [0x4B, 0xD0, 0xF3, 0x04]);
    }

    #[test]
    fn new_reads_old_with_defaults() {
        assert_eq!(read_as::<UserV2>(&v1()), v2_defaults());
    }

    #[test]
    fn old_reads_new_skipping_every_kind_of_extra_field() {
        assert_eq!(read_as::<UserV1>(&v2()), v1());
    }

    #[test]
    fn old_reads_new_inside_containers_and_resumes_after_the_skipped_fields() {
        let newer = (vec![v2(), v2_defaults(), v2()], Some(v2()), 7u8);
        let older: (Vec<UserV1>, Option<UserV1>, u8) = read_as(&newer);
        assert_eq!(older, (vec![v1(), v1(), v1()], Some(v1()), 7));
        let map = BTreeMap::from([(1u8, v2()), (2, v2())]);
        assert_eq!(
            read_as::<BTreeMap<u8, UserV1>>(&map),
            BTreeMap::from([(1, v1()), (2, v1())])
        );
    }

    #[test]
    fn new_reads_old_inside_containers() {
        let older = (vec![v1(), v1()], 7u8);
        let newer: (Vec<UserV2>, u8) = read_as(&older);
        assert_eq!(newer, (vec![v2_defaults(), v2_defaults()], 7));
    }

    #[test]
    fn three_versions_read_each_other() {
        let v3 = UserV3 {
            id: 10042,
            name: "ada".into(),
            email: None,
            roles: vec![Role::Guest],
            score: 2.0,
            ratio: 0.5,
            meta: BTreeMap::new(),
            avatar: ByteBuf::from(b"png".to_vec()),
            big: 1,
            last_seen: Some((-3, "now".into())),
        };
        assert_eq!(read_as::<UserV1>(&v3), v1());
        let as_v2: UserV2 = read_as(&v3);
        assert_eq!((as_v2.roles, as_v2.big), (vec![Role::Guest], 1));
        let from_v1: UserV3 = read_as(&v1());
        assert_eq!(from_v1.last_seen, None);
        let from_v2: UserV3 = read_as(&v2());
        assert_eq!((from_v2.big, from_v2.last_seen), (u128::MAX, None));
    }

    #[test]
    fn new_field_without_default_cannot_read_old() {
        let err = read_err::<UserV2Strict>(&v1());
        assert_eq!(err.kind(), ErrorKind::Custom, "{err}");
        assert!(err.message().contains("invalid length 2"), "{err}");
        assert_eq!(err.offset(), Some(0), "{err}");
        // Old still reads new.
        let strict = UserV2Strict {
            id: 10042,
            name: "ada".into(),
            email: None,
        };
        assert_eq!(read_as::<UserV1>(&strict), v1());
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides::<UserV2>(&v1(), &v2_defaults());
        all_sides::<UserV1>(&v2(), &v1());
        all_sides::<Vec<UserV1>>(&vec![v2(), v2()], &vec![v1(), v1()]);
    }
}

// ---- rule: extend a tuple struct (not a newtype) ------------------------------------------

mod extend_tuple_struct {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct PointV1(i32, i32);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct PointV2(
        i32,
        i32,
        #[serde(default)] i32,
        #[serde(default)] Option<String>,
    );

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct IdV1(u64);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct IdV2(u64, #[serde(default)] u8);

    #[test]
    fn new_reads_old_with_defaults() {
        assert_eq!(read_as::<PointV2>(&PointV1(1, -2)), PointV2(1, -2, 0, None));
    }

    #[test]
    fn old_reads_new_skipping_extra_items() {
        let newer = PointV2(1, -2, 3, Some("label".into()));
        assert_eq!(read_as::<PointV1>(&newer), PointV1(1, -2));
        let list = vec![newer, PointV2(5, 6, 7, None)];
        assert_eq!(
            read_as::<Vec<PointV1>>(&list),
            vec![PointV1(1, -2), PointV1(5, 6)]
        );
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides::<PointV2>(&PointV1(1, -2), &PointV2(1, -2, 0, None));
        all_sides::<PointV1>(&PointV2(1, -2, 3, Some("l".into())), &PointV1(1, -2));
    }

    /// Not supported (fcode documents it): a newtype is written as its content, not as a
    /// one-item sequence, so it cannot grow.
    #[test]
    fn newtype_struct_cannot_be_extended() {
        assert_eq!(enc(&IdV1(5)), [0x28]);
        let err = read_err::<IdV2>(&IdV1(5));
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
        assert_eq!(err.offset(), Some(0));
        let err = read_err::<IdV1>(&IdV2(5, 1));
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
        assert!(fcode::from_bytes::<IdV2>(&enc(&IdV1(5))).is_err());
    }
}

// ---- rule: extend struct variants and tuple variants --------------------------------------

mod extend_enum_variants {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    enum Color {
        Red,
        Rgb(u8, u8, u8),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum ShapeV1 {
        Dot,
        Circle { r: f64 },
        Rect(u32, u32),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum ShapeV2 {
        Dot,
        Circle {
            r: f64,
            #[serde(default)]
            fill: Option<Color>,
            #[serde(default)]
            tags: Vec<String>,
        },
        Rect(
            u32,
            u32,
            #[serde(default)] u32,
            #[serde(default)] Option<Color>,
        ),
    }

    #[test]
    fn new_reads_old_struct_variant() {
        assert_eq!(
            read_as::<ShapeV2>(&ShapeV1::Circle { r: 2.5 }),
            ShapeV2::Circle {
                r: 2.5,
                fill: None,
                tags: vec![]
            }
        );
    }

    #[test]
    fn old_reads_new_struct_variant() {
        let newer = ShapeV2::Circle {
            r: 2.5,
            fill: Some(Color::Rgb(1, 2, 3)),
            tags: vec!["a".into(), "b".into()],
        };
        assert_eq!(read_as::<ShapeV1>(&newer), ShapeV1::Circle { r: 2.5 });
    }

    #[test]
    fn new_reads_old_tuple_variant() {
        assert_eq!(
            read_as::<ShapeV2>(&ShapeV1::Rect(3, 4)),
            ShapeV2::Rect(3, 4, 0, None)
        );
    }

    #[test]
    fn old_reads_new_tuple_variant() {
        let newer = ShapeV2::Rect(3, 4, 5, Some(Color::Red));
        assert_eq!(read_as::<ShapeV1>(&newer), ShapeV1::Rect(3, 4));
    }

    #[test]
    fn mixed_sequences_in_both_directions() {
        let newer = vec![
            ShapeV2::Rect(1, 2, 3, Some(Color::Rgb(0, 0, 0))),
            ShapeV2::Dot,
            ShapeV2::Circle {
                r: 1.0,
                fill: Some(Color::Red),
                tags: vec!["t".into()],
            },
        ];
        assert_eq!(
            read_as::<Vec<ShapeV1>>(&newer),
            vec![
                ShapeV1::Rect(1, 2),
                ShapeV1::Dot,
                ShapeV1::Circle { r: 1.0 }
            ]
        );
        let older = vec![ShapeV1::Circle { r: 1.0 }, ShapeV1::Rect(1, 2)];
        assert_eq!(
            read_as::<Vec<ShapeV2>>(&older),
            vec![
                ShapeV2::Circle {
                    r: 1.0,
                    fill: None,
                    tags: vec![]
                },
                ShapeV2::Rect(1, 2, 0, None)
            ]
        );
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides::<ShapeV2>(&ShapeV1::Rect(3, 4), &ShapeV2::Rect(3, 4, 0, None));
        all_sides::<ShapeV1>(
            &ShapeV2::Circle {
                r: 2.5,
                fill: Some(Color::Red),
                tags: vec![],
            },
            &ShapeV1::Circle { r: 2.5 },
        );
    }
}

// ---- rule: anonymous tuple -> named tuple struct ------------------------------------------

mod tuple_to_tuple_struct {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Endpoint(String, u16, bool);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct EndpointV2(String, u16, bool, #[serde(default)] Option<u32>);

    fn tuple() -> (String, u16, bool) {
        ("localhost".into(), 4222, true)
    }

    #[test]
    fn same_bytes() {
        assert_eq!(
            enc(&tuple()),
            enc(&Endpoint("localhost".into(), 4222, true))
        );
    }

    #[test]
    fn tuple_struct_reads_tuple() {
        assert_eq!(
            read_as::<Endpoint>(&tuple()),
            Endpoint("localhost".into(), 4222, true)
        );
    }

    #[test]
    fn tuple_reads_tuple_struct() {
        let named = Endpoint("localhost".into(), 4222, true);
        assert_eq!(read_as::<(String, u16, bool)>(&named), tuple());
    }

    #[test]
    fn tuple_struct_grows_after_the_rename() {
        assert_eq!(
            read_as::<EndpointV2>(&tuple()),
            EndpointV2("localhost".into(), 4222, true, None)
        );
        let grown = EndpointV2("h".into(), 1, false, Some(9));
        assert_eq!(
            read_as::<(String, u16, bool)>(&grown),
            ("h".into(), 1, false)
        );
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides(&tuple(), &Endpoint("localhost".into(), 4222, true));
        all_sides(
            &Endpoint("a".into(), 1, false),
            &("a".to_string(), 1u16, false),
        );
    }
}

// ---- rule: tuple / tuple struct -> struct with the same field types in order -------------

mod tuple_to_struct {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct AddrTuple(String, u16);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Addr {
        host: String,
        port: u16,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct AddrV2 {
        host: String,
        port: u16,
        #[serde(default)]
        tls: bool,
    }

    fn addr() -> Addr {
        Addr {
            host: "h".into(),
            port: 80,
        }
    }

    #[test]
    fn struct_reads_tuple_and_tuple_struct() {
        assert_eq!(read_as::<Addr>(&("h", 80u16)), addr());
        assert_eq!(read_as::<Addr>(&AddrTuple("h".into(), 80)), addr());
    }

    #[test]
    fn tuple_and_tuple_struct_read_struct() {
        assert_eq!(read_as::<(String, u16)>(&addr()), ("h".to_string(), 80));
        assert_eq!(read_as::<AddrTuple>(&addr()), AddrTuple("h".into(), 80));
    }

    #[test]
    fn arrays_and_vecs_are_tuples_too() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Rgb {
            r: u8,
            g: u8,
            b: u8,
        }
        let rgb = Rgb { r: 1, g: 2, b: 3 };
        assert_eq!(read_as::<Rgb>(&[1u8, 2, 3]), rgb);
        assert_eq!(read_as::<Rgb>(&vec![1u8, 2, 3]), rgb);
        assert_eq!(read_as::<[u8; 3]>(&rgb), [1, 2, 3]);
        assert_eq!(read_as::<Vec<u8>>(&rgb), vec![1, 2, 3]);
    }

    #[test]
    fn struct_grown_from_a_tuple_reads_the_tuple() {
        assert_eq!(
            read_as::<AddrV2>(&("h", 80u16)),
            AddrV2 {
                host: "h".into(),
                port: 80,
                tls: false
            }
        );
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides(&AddrTuple("h".into(), 80), &addr());
        all_sides(&addr(), &("h".to_string(), 80u16));
    }
}

// ---- rule: tuple variant -> struct variant ------------------------------------------------

mod tuple_variant_to_struct_variant {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum InputV1 {
        Key(char),
        Move(i32, i32),
        Click(u8, i32, i32),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum InputV2 {
        Key(char),
        Move {
            dx: i32,
            dy: i32,
        },
        Click {
            button: u8,
            x: i32,
            y: i32,
            #[serde(default)]
            double: bool,
        },
    }

    #[test]
    fn struct_variant_reads_tuple_variant() {
        assert_eq!(
            read_as::<InputV2>(&InputV1::Move(-1, 2)),
            InputV2::Move { dx: -1, dy: 2 }
        );
        assert_eq!(
            read_as::<InputV2>(&InputV1::Click(1, 10, 20)),
            InputV2::Click {
                button: 1,
                x: 10,
                y: 20,
                double: false
            }
        );
    }

    #[test]
    fn tuple_variant_reads_struct_variant() {
        assert_eq!(
            read_as::<InputV1>(&InputV2::Move { dx: -1, dy: 2 }),
            InputV1::Move(-1, 2)
        );
        let click = InputV2::Click {
            button: 1,
            x: 10,
            y: 20,
            double: true,
        };
        assert_eq!(read_as::<InputV1>(&click), InputV1::Click(1, 10, 20));
    }

    #[test]
    fn same_bytes() {
        assert_eq!(
            enc(&InputV1::Move(-1, 2)),
            enc(&InputV2::Move { dx: -1, dy: 2 })
        );
        assert_eq!(enc(&InputV1::Move(-1, 2)), [0x0D, 0x13, 0x08, 0x20]);
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides(&InputV1::Move(-1, 2), &InputV2::Move { dx: -1, dy: 2 });
        all_sides(&InputV2::Key('é'), &InputV1::Key('é'));
    }
}

// ---- rule: any value -> newtype struct, both ways -----------------------------------------

mod value_to_newtype_struct {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Foo(i32);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Name(String);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Ids(Vec<u32>);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Outer(Foo);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Pos {
        x: i32,
        y: i32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Wrapped(Pos);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct MaybeName(Option<String>);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct RecordV1 {
        id: i32,
        name: String,
        pos: Option<Pos>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct RecordV2 {
        id: Foo,
        name: Name,
        pos: Option<Wrapped>,
    }

    #[test]
    fn newtype_is_transparent_on_the_wire() {
        assert_eq!(enc(&Foo(5021)), enc(&5021i32));
        assert_eq!(enc(&Foo(5021)), [0xD0, 0xF3, 0x04]);
        assert_eq!(enc(&Outer(Foo(-1))), [0x08]);
    }

    #[test]
    fn newtype_reads_plain_value() {
        assert_eq!(read_as::<Foo>(&-7i32), Foo(-7));
        assert_eq!(read_as::<Name>(&"n"), Name("n".into()));
        assert_eq!(read_as::<Ids>(&vec![1u32, 2]), Ids(vec![1, 2]));
        assert_eq!(read_as::<Outer>(&3i32), Outer(Foo(3)));
        assert_eq!(
            read_as::<Wrapped>(&Pos { x: 1, y: 2 }),
            Wrapped(Pos { x: 1, y: 2 })
        );
        assert_eq!(read_as::<MaybeName>(&None::<String>), MaybeName(None));
    }

    #[test]
    fn plain_value_reads_newtype() {
        assert_eq!(read_as::<i32>(&Foo(-7)), -7);
        assert_eq!(read_as::<String>(&Name("n".into())), "n");
        assert_eq!(read_as::<Vec<u32>>(&Ids(vec![1, 2])), vec![1, 2]);
        assert_eq!(read_as::<i32>(&Outer(Foo(3))), 3);
        assert_eq!(
            read_as::<Pos>(&Wrapped(Pos { x: 1, y: 2 })),
            Pos { x: 1, y: 2 }
        );
        assert_eq!(
            read_as::<Option<String>>(&MaybeName(Some("m".into()))),
            Some("m".into())
        );
    }

    #[test]
    fn struct_fields_become_newtypes_and_back() {
        let v1 = RecordV1 {
            id: 9,
            name: "r".into(),
            pos: Some(Pos { x: 0, y: -1 }),
        };
        let v2 = RecordV2 {
            id: Foo(9),
            name: Name("r".into()),
            pos: Some(Wrapped(Pos { x: 0, y: -1 })),
        };
        assert_eq!(enc(&v1), enc(&v2));
        assert_eq!(read_as::<RecordV2>(&v1), v2);
        assert_eq!(read_as::<RecordV1>(&v2), v1);
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides(&-7i32, &Foo(-7));
        all_sides(&Foo(-7), &-7i32);
        all_sides(&Pos { x: 1, y: 2 }, &Wrapped(Pos { x: 1, y: 2 }));
    }
}

// ---- rule: struct/tuple variant -> newtype variant holding the same layout ---------------

mod variant_to_newtype_variant {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum MsgV1 {
        Ping,
        Move { x: i32, y: i32 },
        Pair(u8, String),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Move {
        x: i32,
        y: i32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Pair(u8, String);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum MsgV2 {
        Ping,
        Move(Move),
        Pair(Pair),
    }

    /// The newtype variant holding an anonymous tuple, and a struct that grew afterwards.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum MsgV3 {
        Ping,
        Move(MoveV3),
        Pair((u8, String)),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct MoveV3 {
        x: i32,
        y: i32,
        #[serde(default)]
        z: i32,
    }

    #[test]
    fn same_bytes() {
        assert_eq!(
            enc(&MsgV1::Move { x: 1, y: 2 }),
            enc(&MsgV2::Move(Move { x: 1, y: 2 }))
        );
        assert_eq!(
            enc(&MsgV1::Pair(1, "p".into())),
            enc(&MsgV2::Pair(Pair(1, "p".into())))
        );
    }

    #[test]
    fn newtype_variant_reads_struct_and_tuple_variants() {
        assert_eq!(
            read_as::<MsgV2>(&MsgV1::Move { x: 1, y: 2 }),
            MsgV2::Move(Move { x: 1, y: 2 })
        );
        assert_eq!(
            read_as::<MsgV2>(&MsgV1::Pair(1, "p".into())),
            MsgV2::Pair(Pair(1, "p".into()))
        );
        assert_eq!(
            read_as::<MsgV3>(&MsgV1::Pair(1, "p".into())),
            MsgV3::Pair((1, "p".into()))
        );
        assert_eq!(
            read_as::<MsgV3>(&MsgV1::Move { x: 1, y: 2 }),
            MsgV3::Move(MoveV3 { x: 1, y: 2, z: 0 })
        );
    }

    #[test]
    fn struct_and_tuple_variants_read_newtype_variant() {
        assert_eq!(
            read_as::<MsgV1>(&MsgV2::Move(Move { x: 1, y: 2 })),
            MsgV1::Move { x: 1, y: 2 }
        );
        assert_eq!(
            read_as::<MsgV1>(&MsgV2::Pair(Pair(1, "p".into()))),
            MsgV1::Pair(1, "p".into())
        );
        assert_eq!(
            read_as::<MsgV1>(&MsgV3::Move(MoveV3 { x: 1, y: 2, z: 3 })),
            MsgV1::Move { x: 1, y: 2 }
        );
        assert_eq!(read_as::<MsgV1>(&MsgV3::Ping), MsgV1::Ping);
    }

    #[test]
    fn fcode_on_the_other_side() {
        all_sides(
            &MsgV1::Move { x: 1, y: 2 },
            &MsgV2::Move(Move { x: 1, y: 2 }),
        );
        all_sides(
            &MsgV2::Pair(Pair(1, "p".into())),
            &MsgV1::Pair(1, "p".into()),
        );
    }
}

// ---- rule: integer widening and narrowing -------------------------------------------------

mod integer_width {
    use super::*;

    /// Unsigned values at every width boundary.
    const UNSIGNED: &[u128] = &[
        0,
        1,
        15,
        16,
        127,
        128,
        255,
        256,
        2047,
        2048,
        65_535,
        65_536,
        (1 << 31) - 1,
        1 << 31,
        (1 << 32) - 1,
        1 << 32,
        (1 << 63) - 1,
        1 << 63,
        u64::MAX as u128,
        u64::MAX as u128 + 1,
        u128::MAX - 1,
        u128::MAX,
    ];

    /// Signed values at every width boundary.
    const SIGNED: &[i128] = &[
        0,
        1,
        -1,
        -8,
        8,
        127,
        128,
        -128,
        -129,
        32_767,
        32_768,
        -32_768,
        -32_769,
        i32::MAX as i128,
        i32::MAX as i128 + 1,
        i32::MIN as i128,
        i32::MIN as i128 - 1,
        i64::MAX as i128,
        i64::MAX as i128 + 1,
        i64::MIN as i128,
        i64::MIN as i128 - 1,
        i128::MAX,
        i128::MIN,
    ];

    /// Writes `v` as `W` and reads it as `R`: the value if it fits, else IntegerOverflow.
    /// fcode, writing and reading the same types, must succeed or fail alike.
    #[track_caller]
    fn convert<W, R>(v: W)
    where
        W: Serialize + Copy + Debug,
        R: DeserializeOwned + TryFrom<W> + PartialEq + Debug,
    {
        let expected = R::try_from(v).ok();
        match &expected {
            Some(r) => assert_eq!(&read_as::<R>(&v), r, "{v:?} as {}", type_name::<R>()),
            None => {
                // Inside a struct, so the offset is that of the field.
                let err = read_err::<(u8, R)>(&(1u8, v));
                assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{v:?}: {err}");
                assert_eq!(err.offset(), Some(2), "{v:?}: {err}");
            }
        }
        // fcode agrees while the wire value fits 64 bits; wider varints it truncates (see
        // `fcode_truncates_varints_wider_than_64_bits`).
        if matches!(evowire::from_slice(&enc(&v)).unwrap(), Value::U64(_)) {
            let by_fcode = fcode::from_bytes::<R>(&fcode::to_bytes(&v).unwrap()).ok();
            assert_eq!(by_fcode, expected, "fcode: {v:?} as {}", type_name::<R>());
        }
    }

    fn type_name<T>() -> &'static str {
        std::any::type_name::<T>()
    }

    macro_rules! all_pairs {
        ($values:ident: $($w:ty),+ => $rs:tt) => {
            $( all_pairs!(@one $values, $w, $rs); )+
        };
        (@one $values:ident, $w:ty, [$($r:ty),+]) => {
            for v in $values.iter().filter_map(|&v| <$w>::try_from(v).ok()) {
                $( convert::<$w, $r>(v); )+
            }
        };
    }

    #[test]
    fn unsigned_widen_and_narrow() {
        all_pairs!(UNSIGNED: u8, u16, u32, u64, u128 => [u8, u16, u32, u64, u128]);
    }

    #[test]
    fn signed_widen_and_narrow() {
        all_pairs!(SIGNED: i8, i16, i32, i64, i128 => [i8, i16, i32, i64, i128]);
    }

    /// fcode documents that "overly large values will cause deserialization error", but
    /// fcode 1.1 silently drops the bits above 64 of a 10-byte varint: 2^64 reads as 0.
    /// evowire follows the documentation and refuses the value.
    #[test]
    fn fcode_truncates_varints_wider_than_64_bits() {
        let two_pow_64 = u128::from(u64::MAX) + 1;
        let bytes = enc(&two_pow_64);
        assert_eq!(bytes.len(), 10);
        assert_eq!(fcode::from_bytes::<u64>(&bytes).unwrap(), 0);
        let err = dec_err::<u64>(&bytes);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        assert_eq!(err.offset(), Some(0));
        let err = dec_err::<u8>(&bytes);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        // Both refuse values that need an 11th byte.
        let wide = enc(&(1u128 << 70));
        assert!(fcode::from_bytes::<u64>(&wide).is_err());
        assert_eq!(dec_err::<u64>(&wide).kind(), ErrorKind::IntegerOverflow);
    }

    #[test]
    fn narrowing_error_says_what_failed() {
        let err = read_err::<u8>(&300u16);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow);
        assert_eq!(err.offset(), Some(0));
        assert!(err.message().contains("300"), "{err}");
        assert!(err.message().contains("u8"), "{err}");
        let err = read_err::<i8>(&-129i64);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow);
        assert!(err.message().contains("-129"), "{err}");
    }

    #[test]
    fn widened_struct_field_both_ways() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct CounterV1 {
            hits: u16,
            delta: i8,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct CounterV2 {
            hits: u64,
            delta: i64,
        }
        let v1 = CounterV1 {
            hits: 65_535,
            delta: -128,
        };
        let v2 = CounterV2 {
            hits: 65_535,
            delta: -128,
        };
        all_sides(&v1, &v2);
        all_sides(&v2, &v1);
        let too_big = CounterV2 {
            hits: 65_536,
            delta: 0,
        };
        let err = read_err::<CounterV1>(&too_big);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow);
        assert_eq!(err.offset(), Some(1));
        let too_small = CounterV2 {
            hits: 0,
            delta: -129,
        };
        let err = read_err::<CounterV1>(&too_small);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow);
        assert_eq!(err.offset(), Some(2));
    }

    #[test]
    fn char_is_a_u32() {
        assert_eq!(read_as::<u32>(&'€'), 0x20AC);
        assert_eq!(read_as::<u64>(&char::MAX), 0x10_FFFF);
        assert_eq!(read_as::<char>(&0x20ACu32), '€');
        let err = read_err::<char>(&0xD800u32);
        assert_eq!(err.kind(), ErrorKind::InvalidValue, "{err}");
        let err = read_err::<char>(&(u64::from(u32::MAX) + 1));
        assert_eq!(err.offset(), Some(0), "{err}");
    }
}

// ---- rule: f32 -> f64 and back -----------------------------------------------------------

mod float_width {
    use super::*;

    const F32S: &[f32] = &[
        0.0,
        -0.0,
        1.5,
        -2.25,
        0.1,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::EPSILON,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];

    const F64S: &[f64] = &[
        0.0,
        -0.0,
        1.5,
        0.1,
        1e300,
        -1e300,
        1e-50,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
        16_777_217.0,
    ];

    /// Reads `bytes` as `T` through the slice and reader paths, comparing by `bits`.
    #[track_caller]
    fn dec_bits<T: DeserializeOwned + Copy, B: PartialEq + Debug>(
        bytes: &[u8],
        bits: impl Fn(T) -> B,
    ) -> T {
        let a: T = evowire::from_slice(bytes).unwrap();
        let b: T = evowire::from_reader(bytes).unwrap();
        assert_eq!(bits(a), bits(b), "slice and reader paths differ");
        a
    }

    #[test]
    fn nan_stays_nan_both_ways() {
        let quiet = dec_bits(&enc(&f32::NAN), f64::to_bits);
        assert!(quiet.is_nan());
        assert_eq!(quiet.to_bits(), f64::from(f32::NAN).to_bits());
        let narrowed = dec_bits(&enc(&f64::NAN), f32::to_bits);
        assert!(narrowed.is_nan());
        assert_eq!(narrowed.to_bits(), (f64::NAN as f32).to_bits());
        // A NaN payload survives widening as `f64::from` keeps it.
        let payload = f32::from_bits(0x7FC0_1234);
        let wide = dec_bits(&enc(&payload), f64::to_bits);
        assert_eq!(wide.to_bits(), f64::from(payload).to_bits());
    }

    #[test]
    fn f64_reads_f32_exactly() {
        for &v in F32S {
            let wide: f64 = dec_bits(&enc(&v), f64::to_bits);
            assert_eq!(wide.to_bits(), f64::from(v).to_bits(), "{v}");
            let by_fcode: f64 = fcode_writes(&v);
            assert_eq!(by_fcode.to_bits(), wide.to_bits());
        }
    }

    #[test]
    fn f32_reads_f64_rounding_and_overflowing_to_infinity() {
        for &v in F64S {
            let narrow: f32 = dec_bits(&enc(&v), f32::to_bits);
            assert_eq!(narrow.to_bits(), (v as f32).to_bits(), "{v}");
            let by_fcode: f32 = fcode::from_bytes(&enc(&v)).unwrap();
            assert_eq!(by_fcode.to_bits(), narrow.to_bits(), "fcode: {v}");
        }
        assert_eq!(read_as::<f32>(&1e300f64), f32::INFINITY);
        assert_eq!(read_as::<f32>(&-1e300f64), f32::NEG_INFINITY);
        assert_eq!(read_as::<f32>(&0.1f64), 0.1f32);
        assert_eq!(read_as::<f32>(&1e-50f64), 0.0);
    }

    #[test]
    fn struct_field_widened_and_narrowed() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct SampleV1 {
            t: f32,
            v: Vec<f32>,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct SampleV2 {
            t: f64,
            v: Vec<f64>,
        }
        let v1 = SampleV1 {
            t: 0.5,
            v: vec![1.0, -0.25],
        };
        let v2 = SampleV2 {
            t: 0.5,
            v: vec![1.0, -0.25],
        };
        all_sides(&v1, &v2);
        all_sides(&v2, &v1);
    }

    /// Not an evolution: floats never read integers.
    #[test]
    fn integers_do_not_read_as_floats() {
        let err = read_err::<f64>(&1u32);
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
        let err = read_err::<f32>(&"1.5");
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
    }
}

// ---- rule: bool <-> integer --------------------------------------------------------------

mod bool_and_integer {
    use super::*;

    #[test]
    fn unsigned_integers_read_bool_as_0_or_1() {
        for (b, n) in [(false, 0u8), (true, 1)] {
            all_sides(&b, &n);
            all_sides(&b, &u16::from(n));
            all_sides(&b, &u32::from(n));
            all_sides(&b, &u64::from(n));
            assert_eq!(read_as::<u128>(&b), u128::from(n));
        }
    }

    /// `true` is written as 1, which a signed reader decodes through zig-zag as -1:
    /// "anything not 0", as fcode documents.
    #[test]
    fn signed_integers_read_true_as_minus_one() {
        all_sides(&false, &0i8);
        all_sides(&true, &-1i8);
        all_sides(&true, &-1i32);
        all_sides(&true, &-1i64);
        assert_eq!(read_as::<i128>(&true), -1);
        assert_eq!(read_as::<i16>(&false), 0);
    }

    #[test]
    fn bool_reads_zero_as_false_and_anything_else_as_true() {
        all_sides(&0u8, &false);
        for v in [1u64, 2, 15, 16, 255, 10042, u64::from(u32::MAX), u64::MAX] {
            all_sides(&v, &true);
        }
        all_sides(&0i64, &false);
        for v in [-1i64, 1, i64::MIN, i64::MAX] {
            all_sides(&v, &true);
        }
        assert!(read_as::<bool>(&1u128));
        assert!(!read_as::<bool>(&0i128));
    }

    /// A bool is read as a u64, so an integer wider than 64 bits is an IntegerOverflow
    /// error. (fcode 1.1 truncates 2^64 to 0 and reads `false`; it refuses wider values.)
    #[test]
    fn bool_of_an_integer_wider_than_64_bits_is_an_overflow() {
        let big = u128::from(u64::MAX) + 1;
        let err = read_err::<bool>(&big);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        assert_eq!(err.offset(), Some(0));
        assert!(!fcode::from_bytes::<bool>(&enc(&big)).unwrap());
        let err = read_err::<bool>(&u128::MAX);
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        assert!(fcode::from_bytes::<bool>(&enc(&u128::MAX)).is_err());
    }

    #[test]
    fn struct_flag_becomes_a_count_and_back() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct V1 {
            name: String,
            enabled: bool,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct V2 {
            name: String,
            enabled: u32,
        }
        let on = V1 {
            name: "a".into(),
            enabled: true,
        };
        all_sides(
            &on,
            &V2 {
                name: "a".into(),
                enabled: 1,
            },
        );
        all_sides(
            &V2 {
                name: "a".into(),
                enabled: 7,
            },
            &on,
        );
    }
}

// ---- rule: unit -> bool / integer ---------------------------------------------------------

mod unit_to_bool_or_integer {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Marker;

    #[test]
    fn unit_is_one_zero_byte() {
        assert_eq!(enc(&()), [0x00]);
        assert_eq!(enc(&Marker), [0x00]);
    }

    #[test]
    fn unit_reads_as_false_and_zero() {
        all_sides(&(), &false);
        all_sides(&(), &0u8);
        all_sides(&(), &0u16);
        all_sides(&(), &0u32);
        all_sides(&(), &0u64);
        all_sides(&(), &0i8);
        all_sides(&(), &0i16);
        all_sides(&(), &0i32);
        all_sides(&(), &0i64);
        all_sides(&(), &0u128);
        all_sides(&(), &0i128);
        all_sides(&Marker, &false);
        all_sides(&Marker, &0u32);
    }

    #[test]
    fn unit_field_becomes_a_bool_or_counter() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct V1 {
            a: u8,
            reserved: (),
            b: u8,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct V2 {
            a: u8,
            flag: bool,
            b: u8,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct V3 {
            a: u8,
            count: u64,
            b: u8,
        }
        let v1 = V1 {
            a: 1,
            reserved: (),
            b: 2,
        };
        all_sides(
            &v1,
            &V2 {
                a: 1,
                flag: false,
                b: 2,
            },
        );
        all_sides(
            &v1,
            &V3 {
                a: 1,
                count: 0,
                b: 2,
            },
        );
    }
}

// ---- rule: string -> bytes, bytes -> string ----------------------------------------------

mod string_and_bytes {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct DocV1 {
        title: String,
        body: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct DocV2 {
        title: String,
        body: ByteBuf,
    }

    #[test]
    fn bytes_read_a_string() {
        all_sides(&"héllo", &ByteBuf::from("héllo".as_bytes().to_vec()));
        all_sides(&String::new(), &ByteBuf::new());
        let s = "x".repeat(300);
        assert_eq!(read_as::<ByteBuf>(&s).into_vec(), s.into_bytes());
    }

    #[test]
    fn borrowed_bytes_read_a_string_without_copying() {
        let bytes = enc("zero-copy");
        let b: &[u8] = evowire::from_slice(&bytes).unwrap();
        assert_eq!(b, b"zero-copy");
        assert_eq!(b.as_ptr(), bytes[1..].as_ptr());
    }

    #[test]
    fn string_reads_utf8_bytes() {
        all_sides(
            &ByteBuf::from("ünï".as_bytes().to_vec()),
            &"ünï".to_string(),
        );
        all_sides(&serde_bytes::Bytes::new(b""), &String::new());
        let bytes = enc(serde_bytes::Bytes::new(b"borrow"));
        let s: &str = evowire::from_slice(&bytes).unwrap();
        assert_eq!(s, "borrow");
    }

    #[test]
    fn string_refuses_bytes_that_are_not_utf8() {
        let err = read_err::<String>(&ByteBuf::from(vec![b'a', 0xFF]));
        assert_eq!(err.kind(), ErrorKind::InvalidUtf8, "{err}");
        assert_eq!(err.offset(), Some(0));
        // A truncated multi-byte sequence and a lone surrogate encoding.
        for bad in [&[0xC3][..], &[0xED, 0xA0, 0x80]] {
            let err = read_err::<String>(&serde_bytes::Bytes::new(bad));
            assert_eq!(err.kind(), ErrorKind::InvalidUtf8, "{bad:02x?}: {err}");
        }
        // fcode writes, evowire reads: the same error; fcode reading it fails too.
        let bad = ByteBuf::from(vec![0x80]);
        let err = dec_err::<String>(&fcode::to_bytes(&bad).unwrap());
        assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
        assert!(fcode::from_bytes::<String>(&enc(&bad)).is_err());
    }

    #[test]
    fn struct_field_switches_between_string_and_bytes() {
        let v1 = DocV1 {
            title: "t".into(),
            body: "b".into(),
        };
        let v2 = DocV2 {
            title: "t".into(),
            body: ByteBuf::from(b"b".to_vec()),
        };
        all_sides(&v1, &v2);
        all_sides(&v2, &v1);
        let binary = DocV2 {
            title: "t".into(),
            body: ByteBuf::from(vec![0xFE]),
        };
        let err = read_err::<DocV1>(&binary);
        assert_eq!(err.kind(), ErrorKind::InvalidUtf8, "{err}");
        assert_eq!(err.offset(), Some(3), "the body starts at byte 3");
    }

    /// Not an evolution: a plain `Vec<u8>` is a sequence, not bytes (use serde_bytes).
    #[test]
    fn vec_u8_is_not_bytes() {
        let err = read_err::<String>(&vec![b'a']);
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
        let err = read_err::<Vec<u8>>(&"a");
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
    }
}

// ---- rule: new enum variants, read through #[serde(other)] --------------------------------

mod new_enum_variants {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum EventV1 {
        Start,
        Stop(u32),
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum EventV2 {
        Start,
        Stop(u32),
        Unknown,
        Rename(String),
        Resize(u32, u32),
        Move {
            x: i32,
            y: i32,
            path: Vec<(i32, i32)>,
        },
        Reset,
        Nested(Option<Box<EventV2>>),
        Blob(ByteBuf, f64),
    }

    /// An old enum without a fallback.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum EventStrict {
        Start,
        Stop(u32),
    }

    fn new_kinds() -> Vec<EventV2> {
        vec![
            EventV2::Rename("new name".into()),
            EventV2::Resize(640, 480),
            EventV2::Move {
                x: -1,
                y: 1,
                path: vec![(0, 0), (1, 1)],
            },
            EventV2::Reset,
            EventV2::Nested(Some(Box::new(EventV2::Nested(Some(Box::new(
                EventV2::Resize(1, 2),
            )))))),
            EventV2::Blob(ByteBuf::from(vec![1, 2]), 0.5),
        ]
    }

    #[test]
    fn old_reads_every_kind_of_new_variant_as_other() {
        for new in new_kinds() {
            assert_eq!(read_as::<EventV1>(&new), EventV1::Unknown, "{new:?}");
            assert_eq!(fcode_writes::<EventV1>(&new), EventV1::Unknown, "{new:?}");
            assert_eq!(fcode_reads::<EventV1>(&new), EventV1::Unknown, "{new:?}");
        }
    }

    #[test]
    fn old_resumes_after_the_skipped_variant_body() {
        let mut newer = vec![EventV2::Start];
        for new in new_kinds() {
            newer.push(new);
            newer.push(EventV2::Stop(7));
        }
        let mut expected = vec![EventV1::Start];
        for _ in new_kinds() {
            expected.push(EventV1::Unknown);
            expected.push(EventV1::Stop(7));
        }
        all_sides(&newer, &expected);
    }

    #[test]
    fn old_reads_new_variant_inside_a_struct() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct LogV1 {
            event: EventV1,
            seq: u64,
        }
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct LogV2 {
            event: EventV2,
            seq: u64,
        }
        let newer = LogV2 {
            event: EventV2::Move {
                x: 3,
                y: 4,
                path: vec![],
            },
            seq: 99,
        };
        all_sides(
            &newer,
            &LogV1 {
                event: EventV1::Unknown,
                seq: 99,
            },
        );
    }

    #[test]
    fn new_reads_old() {
        all_sides(&EventV1::Start, &EventV2::Start);
        all_sides(&EventV1::Stop(3), &EventV2::Stop(3));
    }

    #[test]
    fn without_a_fallback_the_old_reader_fails_cleanly() {
        for new in new_kinds() {
            let err = read_err::<EventStrict>(&new);
            assert_eq!(err.kind(), ErrorKind::Custom, "{new:?}: {err}");
            assert_eq!(err.offset(), Some(0), "{new:?}: {err}");
            assert!(
                err.message().contains("variant index"),
                "{new:?}: {}",
                err.message()
            );
        }
        // In a sequence the offset points at the unknown variant.
        let err = read_err::<Vec<EventStrict>>(&vec![EventV2::Start, EventV2::Reset]);
        assert_eq!(err.kind(), ErrorKind::Custom, "{err}");
        assert_eq!(err.offset(), Some(3), "{err}");
        assert!(fcode::from_bytes::<EventStrict>(&enc(&EventV2::Reset)).is_err());
    }
}

// ---- rule: deprecate a field as unit, and un-deprecate it ---------------------------------

mod deprecate_field_as_unit {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Slot<T> {
        before: u8,
        slot: T,
        after: String,
    }

    fn slot<T>(value: T) -> Slot<T> {
        Slot {
            before: 1,
            slot: value,
            after: "end".into(),
        }
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Kind {
        A,
        B(i64),
        C { x: Vec<u8> },
    }

    /// Step 1, readers first: a unit field reads whatever the old writer puts there.
    #[test]
    fn unit_reader_reads_any_item() {
        #[track_caller]
        fn check<T: Serialize>(value: T) {
            let written = slot(value);
            assert_eq!(read_as::<Slot<()>>(&written), slot(()));
            assert_eq!(fcode_writes::<Slot<()>>(&written), slot(()));
        }
        check(0u8);
        check(u128::MAX);
        check(i64::MIN);
        check(1.5f32);
        check(f64::NAN);
        check("a string");
        check(ByteBuf::from(vec![0xFF; 40]));
        check(vec![vec!["nested".to_string()]; 3]);
        check(BTreeMap::from([(1u8, Some(2u8)), (3, None)]));
        check(Some(Some(())));
        check(Kind::A);
        check(Kind::B(-5));
        check(Kind::C { x: vec![1, 2, 3] });
        check(slot(slot(vec![Kind::A])));
        check(());
    }

    /// Step 2, then writers: the deprecated slot shrinks to one byte.
    #[test]
    fn deprecated_writer_writes_one_zero_byte() {
        assert_eq!(enc(&slot(())), [0x1B, 0x08, 0x00, 0x1C, b'e', b'n', b'd']);
        // Readers must go first: a reader still expecting a sequence fails.
        let err = read_err::<Slot<Vec<String>>>(&slot(()));
        assert_eq!(err.kind(), ErrorKind::UnexpectedWireType, "{err}");
        assert_eq!(err.offset(), Some(2), "{err}");
        // Readers of an integer or bool slot read 0 / false.
        assert_eq!(read_as::<Slot<u32>>(&slot(())), slot(0));
        assert_eq!(read_as::<Slot<bool>>(&slot(())), slot(false));
    }

    /// Un-deprecating: writers first (unit readers accept anything), then readers.
    #[test]
    fn undeprecate_writers_first_then_readers() {
        let reused = slot(Kind::C { x: vec![9] });
        assert_eq!(read_as::<Slot<()>>(&reused), slot(()));
        assert_eq!(fcode_reads::<Slot<()>>(&reused), slot(()));
        assert_eq!(read_as::<Slot<Kind>>(&reused), reused);
    }
}

// ---- rule: integers switch between varint and fixed-width encodings ----------------------

mod varint_and_fixed {
    use super::*;

    fn fixed32(bits: u32) -> Vec<u8> {
        let mut b = vec![evowire::wire::TAG_FIXED32];
        b.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(b[0], 0x01);
        b
    }

    fn fixed64(bits: u64) -> Vec<u8> {
        let mut b = vec![evowire::wire::TAG_FIXED64];
        b.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(b[0], 0x02);
        b
    }

    #[test]
    fn same_width_fixed_reads_like_the_varint() {
        for v in [0u32, 1, 10042, u32::MAX] {
            assert_eq!(dec::<u32>(&fixed32(v)), v);
            assert_eq!(fcode::from_bytes::<u32>(&fixed32(v)).unwrap(), v);
        }
        for v in [0i32, -1, 5021, i32::MIN, i32::MAX] {
            assert_eq!(dec::<i32>(&fixed32(v as u32)), v);
            assert_eq!(fcode::from_bytes::<i32>(&fixed32(v as u32)).unwrap(), v);
        }
        for v in [0u64, 1, 1 << 40, u64::MAX] {
            assert_eq!(dec::<u64>(&fixed64(v)), v);
            assert_eq!(fcode::from_bytes::<u64>(&fixed64(v)).unwrap(), v);
        }
        for v in [0i64, -2, i64::MIN, i64::MAX] {
            assert_eq!(dec::<i64>(&fixed64(v as u64)), v);
            assert_eq!(fcode::from_bytes::<i64>(&fixed64(v as u64)).unwrap(), v);
        }
    }

    #[test]
    fn fixed_bits_are_unsigned_or_twos_complement_by_reader() {
        let all_ones = fixed32(u32::MAX);
        assert_eq!(dec::<u32>(&all_ones), u32::MAX);
        assert_eq!(dec::<u64>(&all_ones), u64::from(u32::MAX));
        assert_eq!(dec::<i32>(&all_ones), -1);
        assert_eq!(dec::<i64>(&all_ones), -1);
        assert_eq!(dec::<i8>(&all_ones), -1);
        assert_eq!(dec::<i128>(&all_ones), -1);
        let all_ones = fixed64(u64::MAX);
        assert_eq!(dec::<u64>(&all_ones), u64::MAX);
        assert_eq!(dec::<u128>(&all_ones), u128::from(u64::MAX));
        assert_eq!(dec::<i64>(&all_ones), -1);
        assert_eq!(dec::<i16>(&all_ones), -1);
    }

    #[test]
    fn other_widths_read_fixed_range_checked() {
        assert_eq!(dec::<u8>(&fixed32(255)), 255);
        assert_eq!(dec::<u16>(&fixed64(65_535)), 65_535);
        assert_eq!(dec::<u32>(&fixed64(u64::from(u32::MAX))), u32::MAX);
        assert_eq!(dec::<i8>(&fixed64(-128i64 as u64)), -128);
        assert_eq!(dec::<i32>(&fixed64(i64::from(i32::MIN) as u64)), i32::MIN);
        assert_eq!(dec::<u128>(&fixed32(7)), 7);
        assert_eq!(dec::<i128>(&fixed64(-7i64 as u64)), -7);
        let err = dec_err::<u8>(&fixed32(256));
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        assert_eq!(err.offset(), Some(0), "{err}");
        let err = dec_err::<u32>(&fixed64(1 << 32));
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        assert_eq!(err.offset(), Some(0), "{err}");
        let err = dec_err::<i8>(&fixed32(-129i32 as u32));
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
        let err = dec_err::<i32>(&fixed64(i64::MIN as u64));
        assert_eq!(err.kind(), ErrorKind::IntegerOverflow, "{err}");
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Tick {
        id: u64,
        ts: i64,
        seq: u32,
        delta: i32,
        name: String,
    }

    fn tick() -> Tick {
        Tick {
            id: 0xDEAD_BEEF_CAFE,
            ts: -1_700_000_000_000_000_000,
            seq: 10042,
            delta: -5,
            name: "t".into(),
        }
    }

    /// A writer that switched its integer fields to fixed width, built by hand.
    fn tick_fixed() -> Vec<u8> {
        let t = tick();
        let mut b = vec![0x2B]; // 5 fields
        b.extend(fixed64(t.id));
        b.extend(fixed64(t.ts as u64));
        b.extend(fixed32(t.seq));
        b.extend(fixed32(t.delta as u32));
        b.extend([0x0C, b't']);
        b
    }

    #[test]
    fn plain_integer_fields_read_a_fixed_width_writer() {
        assert_eq!(dec::<Tick>(&tick_fixed()), tick());
        assert_eq!(fcode::from_bytes::<Tick>(&tick_fixed()).unwrap(), tick());
        // And the switch back to varints is just the normal encoding.
        assert_eq!(read_as::<Tick>(&tick()), tick());
        assert_ne!(enc(&tick()), tick_fixed());
    }

    #[test]
    fn fixed_width_items_are_skipped_by_older_readers() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct TickV0 {
            id: u64,
        }
        assert_eq!(dec::<TickV0>(&tick_fixed()), TickV0 { id: tick().id });
        let untyped: Value = evowire::from_slice(&tick_fixed()).unwrap();
        assert_eq!(enc(&untyped), tick_fixed());
    }
}

// ---- evowire extension: skip_serializing_if fields ---------------------------------------

mod skip_serializing_if {
    use super::*;

    fn is_zero(v: &u64) -> bool {
        *v == 0
    }

    /// Skippable fields first, in the middle (two in a row) and last (two in a row).
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    struct Sparse {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first: Option<u8>,
        id: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mid_a: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid_b: Option<String>,
        #[serde(default)]
        flag: bool,
        #[serde(default, skip_serializing_if = "is_zero")]
        tail_a: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tail_b: Option<i8>,
    }

    /// An older version: the first three fields.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    struct SparseV0 {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first: Option<u8>,
        id: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mid_a: Vec<u8>,
    }

    /// A newer version: two more fields, one skippable.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    struct SparseV2 {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first: Option<u8>,
        id: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mid_a: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid_b: Option<String>,
        #[serde(default)]
        flag: bool,
        #[serde(default, skip_serializing_if = "is_zero")]
        tail_a: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tail_b: Option<i8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extra: Option<Vec<String>>,
        #[serde(default)]
        more: u16,
    }

    /// All 32 combinations of present and skipped fields.
    fn all_sparse() -> Vec<Sparse> {
        (0u32..32)
            .map(|m| Sparse {
                first: (m & 1 != 0).then_some(9),
                id: 10042,
                mid_a: if m & 2 != 0 { vec![1, 2] } else { vec![] },
                mid_b: (m & 4 != 0).then(|| "b".to_string()),
                flag: m % 3 == 0,
                tail_a: if m & 8 != 0 { u64::MAX } else { 0 },
                tail_b: (m & 16 != 0).then_some(-1),
            })
            .collect()
    }

    fn v0_of(s: &Sparse) -> SparseV0 {
        SparseV0 {
            first: s.first,
            id: s.id,
            mid_a: s.mid_a.clone(),
        }
    }

    fn v2_of(s: &Sparse) -> SparseV2 {
        SparseV2 {
            first: s.first,
            id: s.id,
            mid_a: s.mid_a.clone(),
            mid_b: s.mid_b.clone(),
            flag: s.flag,
            tail_a: s.tail_a,
            tail_b: s.tail_b,
            extra: None,
            more: 0,
        }
    }

    #[test]
    fn golden_bytes_with_absent_markers() {
        let minimal = Sparse {
            id: 1,
            flag: true,
            ..Sparse::default()
        };
        // Two items; a marker before `id`, two before `flag`; trailing skips dropped.
        assert_eq!(enc(&minimal), [0x13, 0x06, 0x08, 0x06, 0x06, 0x08]);
        assert_eq!(evowire::serialized_size(&minimal).unwrap(), 6);
        let middle_only = Sparse {
            first: Some(2),
            id: 1,
            mid_b: Some("m".into()),
            flag: false,
            tail_b: Some(1),
            ..Sparse::default()
        };
        assert_eq!(
            enc(&middle_only),
            [0x2B, 0x0D, 0x10, 0x08, 0x06, 0x0D, 0x0C, b'm', 0x00, 0x06, 0x0D, 0x10]
        );
    }

    #[test]
    fn nothing_skipped_is_fcode_identical() {
        let full = Sparse {
            first: Some(1),
            id: 2,
            mid_a: vec![3],
            mid_b: Some("4".into()),
            flag: true,
            tail_a: 5,
            tail_b: Some(6),
        };
        assert_eq!(enc(&full), fcode::to_bytes(&full).unwrap());
        assert_eq!(fcode_reads::<Sparse>(&full), full);
    }

    #[test]
    fn only_trailing_skips_need_no_marker_and_fcode_reads_them() {
        let s = Sparse {
            first: Some(1),
            id: 2,
            mid_a: vec![3],
            mid_b: Some("4".into()),
            flag: true,
            tail_a: 0,
            tail_b: None,
        };
        let bytes = enc(&s);
        assert!(!bytes.contains(&0x06), "{bytes:02x?}");
        assert_eq!(bytes[0], 0x2B, "5 items");
        assert_eq!(fcode::from_bytes::<Sparse>(&bytes).unwrap(), s);
    }

    #[test]
    fn every_combination_round_trips() {
        for s in all_sparse() {
            let bytes = enc(&s);
            assert_eq!(dec::<Sparse>(&bytes), s, "{bytes:02x?}");
            assert_eq!(evowire::serialized_size(&s).unwrap(), bytes.len());
            let untyped: Value = evowire::from_slice(&bytes).unwrap();
            assert_eq!(enc(&untyped), bytes, "Value of {s:?}");
            // Value shows one Absent per skipped field before the last written one.
            let present = [
                s.first.is_some(),
                true,
                !s.mid_a.is_empty(),
                s.mid_b.is_some(),
                true,
                s.tail_a != 0,
                s.tail_b.is_some(),
            ];
            let last = present.iter().rposition(|p| *p).unwrap();
            let expected: Vec<bool> = present[..=last].iter().map(|p| !p).collect();
            match &untyped {
                Value::Seq(items) => {
                    let absent: Vec<bool> = items.iter().map(|v| *v == Value::Absent).collect();
                    assert_eq!(absent, expected, "{untyped:?}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn older_version_reads_every_combination() {
        for s in all_sparse() {
            assert_eq!(read_as::<SparseV0>(&s), v0_of(&s), "{s:?}");
        }
    }

    #[test]
    fn newer_reads_older_in_every_combination() {
        for s in all_sparse() {
            let v0 = v0_of(&s);
            let expected = Sparse {
                first: v0.first,
                id: v0.id,
                mid_a: v0.mid_a.clone(),
                ..Sparse::default()
            };
            assert_eq!(read_as::<Sparse>(&v0), expected, "{v0:?}");
        }
    }

    #[test]
    fn newer_version_reads_every_combination() {
        for s in all_sparse() {
            assert_eq!(read_as::<SparseV2>(&s), v2_of(&s), "{s:?}");
        }
    }

    #[test]
    fn older_reads_newer_in_every_combination() {
        for (i, s) in all_sparse().into_iter().enumerate() {
            let mut v2 = v2_of(&s);
            v2.extra = (i % 2 == 0).then(|| vec!["x".into()]);
            v2.more = i as u16;
            assert_eq!(read_as::<Sparse>(&v2), s, "{v2:?}");
            assert_eq!(read_as::<SparseV0>(&v2), v0_of(&s), "{v2:?}");
        }
    }

    #[test]
    fn sparse_structs_in_a_sequence_stay_aligned() {
        let all = all_sparse();
        assert_eq!(read_as::<Vec<Sparse>>(&all), all);
        let v0s: Vec<SparseV0> = all.iter().map(v0_of).collect();
        assert_eq!(read_as::<Vec<SparseV0>>(&all), v0s);
        let tuple = (all[5].clone(), 42u8, all[0].clone());
        assert_eq!(
            read_as::<(SparseV0, u8, SparseV0)>(&tuple),
            (v0_of(&all[5]), 42, v0_of(&all[0]))
        );
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    enum Op {
        Noop,
        Set {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
            b: u8,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            c: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            d: Option<u8>,
            e: u8,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            f: Option<u8>,
        },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    enum OpV0 {
        Noop,
        Set {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
            b: u8,
        },
    }

    #[test]
    fn struct_variants_with_skipped_fields() {
        let ops: Vec<Op> = (0u8..16)
            .map(|m| Op::Set {
                a: (m & 1 != 0).then_some(1),
                b: 2,
                c: (m & 2 != 0).then(|| "c".to_string()),
                d: (m & 4 != 0).then_some(4),
                e: 5,
                f: (m & 8 != 0).then_some(6),
            })
            .chain([Op::Noop])
            .collect();
        assert_eq!(read_as::<Vec<Op>>(&ops), ops);
        let old: Vec<OpV0> = read_as(&ops);
        for (op, v0) in ops.iter().zip(&old) {
            match (op, v0) {
                (Op::Set { a, b, .. }, OpV0::Set { a: a0, b: b0 }) => {
                    assert_eq!((a, b), (a0, b0));
                }
                (Op::Noop, OpV0::Noop) => {}
                other => panic!("{other:?}"),
            }
        }
        let minimal = Op::Set {
            a: None,
            b: 2,
            c: None,
            d: None,
            e: 5,
            f: None,
        };
        assert_eq!(enc(&minimal), [0x0D, 0x13, 0x06, 0x10, 0x06, 0x06, 0x28]);
        // `e` has no default: the newer variant cannot read the older one.
        let err = read_err::<Op>(&OpV0::Set { a: Some(1), b: 2 });
        assert_eq!(err.kind(), ErrorKind::Custom, "{err}");
        assert!(err.message().contains("invalid length"), "{err}");
    }
}
