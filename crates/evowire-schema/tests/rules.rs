//! One test per evolution rule of the format (`SPEC.md` §10 of the evowire crate), checked
//! in both directions. Each test also runs the rule on real evowire bytes, so the checker's
//! verdicts are pinned to what the decoder does: "safe" reads succeed, "breaking" reads
//! fail or change values, "safe if" reads succeed exactly when the condition holds.

#![allow(dead_code)]

use evowire_schema::{check_compatible, Report, Schema, Verdict};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Traces both types and compares them.
fn check<'de, Old: Deserialize<'de>, New: Deserialize<'de>>() -> Report {
    let old = Schema::trace::<Old>().expect("old type traces");
    let new = Schema::trace::<New>().expect("new type traces");
    check_compatible(&old, &new)
}

/// Each change as (path, what, old→new, new→old) with verdicts as `S`afe, `C`onditional,
/// `B`reaking.
fn classes(report: &Report) -> Vec<(String, String, char, char)> {
    let class = |v: &Verdict| match v {
        Verdict::Safe => 'S',
        Verdict::SafeIf(_) => 'C',
        Verdict::Breaking(_) => 'B',
    };
    report
        .changes
        .iter()
        .map(|c| {
            (
                c.path.clone(),
                c.what.clone(),
                class(&c.old_to_new),
                class(&c.new_to_old),
            )
        })
        .collect()
}

fn row(path: &str, what: &str, o2n: char, n2o: char) -> (String, String, char, char) {
    (path.to_string(), what.to_string(), o2n, n2o)
}

fn condition(v: &Verdict) -> &str {
    match v {
        Verdict::SafeIf(c) | Verdict::Breaking(c) => c,
        Verdict::Safe => "",
    }
}

/// Encodes `value` and decodes it as `R`.
fn read<W: Serialize, R: DeserializeOwned>(value: &W) -> Result<R, evowire::Error> {
    evowire::from_slice(&evowire::to_vec(value).unwrap())
}

mod fields {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Msg {
        id: u64,
        name: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Msg")]
    struct WithDefault {
        id: u64,
        name: String,
        #[serde(default)]
        qty: u32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Msg")]
    struct NoDefault {
        id: u64,
        name: String,
        qty: u32,
    }

    #[test]
    fn field_added_at_the_back_with_default_is_safe() {
        let r = check::<Msg, WithDefault>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg.qty",
                "field `qty: u32` added at the back",
                'S',
                'S'
            )]
        );
        assert!(r.is_safe());
        let old = Msg {
            id: 1,
            name: "a".into(),
        };
        let new: WithDefault = read(&old).unwrap();
        assert_eq!(new.qty, 0);
        let back: Msg = read(&WithDefault {
            id: 1,
            name: "a".into(),
            qty: 9,
        })
        .unwrap();
        assert_eq!(back, old);
    }

    #[test]
    fn field_added_at_the_back_without_default_needs_one_for_new_readers() {
        let r = check::<Msg, NoDefault>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg.qty",
                "field `qty: u32` added at the back",
                'C',
                'S'
            )]
        );
        assert_eq!(
            condition(&r.changes[0].old_to_new),
            "new readers have `#[serde(default)]` on `qty`"
        );
        assert!(!r.is_breaking());
        // The condition is real: without the default, old messages do not decode.
        assert!(read::<_, NoDefault>(&Msg {
            id: 1,
            name: "a".into()
        })
        .is_err());
        assert!(read::<_, Msg>(&NoDefault {
            id: 1,
            name: "a".into(),
            qty: 2
        })
        .is_ok());
    }

    #[test]
    fn field_removed_from_the_back_needs_a_default_in_old_readers() {
        let r = check::<NoDefault, Msg>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg.qty",
                "field `qty: u32` removed from the back",
                'S',
                'C'
            )]
        );
        assert_eq!(
            condition(&r.changes[0].new_to_old),
            "old readers have `#[serde(default)]` on `qty`"
        );
        assert!(read::<_, NoDefault>(&Msg {
            id: 1,
            name: "a".into()
        })
        .is_err());
        // Old readers that had the default read the shorter messages.
        let r = check::<WithDefault, Msg>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg.qty",
                "field `qty: u32` removed from the back",
                'S',
                'S'
            )]
        );
        assert!(read::<_, WithDefault>(&Msg {
            id: 1,
            name: "a".into()
        })
        .is_ok());
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Msg")]
    struct Reordered {
        name: String,
        id: u64,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Msg")]
    struct Swapped {
        a: u32,
        b: u32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Msg")]
    struct SwappedBack {
        b: u32,
        a: u32,
    }

    #[test]
    fn reordering_fields_is_breaking_even_when_the_types_agree() {
        let r = check::<Msg, Reordered>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg",
                "fields reordered: `id`, `name` became `name`, `id`",
                'B',
                'B'
            )]
        );
        assert!(read::<_, Reordered>(&Msg {
            id: 1,
            name: "a".into()
        })
        .is_err());

        // Same types: the bytes decode, into the wrong fields. Only names reveal it.
        let r = check::<Swapped, SwappedBack>();
        assert!(r.is_breaking());
        let v: SwappedBack = read(&Swapped { a: 1, b: 2 }).unwrap();
        assert_eq!((v.a, v.b), (2, 1));
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Msg")]
    struct Three {
        a: u8,
        b: u8,
        c: u8,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Msg")]
    struct MiddleRemoved {
        a: u8,
        c: u8,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Msg")]
    struct MiddleInserted {
        a: u8,
        x: u8,
        b: u8,
        c: u8,
    }

    #[test]
    fn removing_or_inserting_a_field_before_the_end_is_breaking() {
        let r = check::<Three, MiddleRemoved>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg",
                "field `b` removed from position 1, before other fields: every later field shifts",
                'B',
                'B'
            )]
        );
        let v: MiddleRemoved = read(&Three { a: 1, b: 2, c: 3 }).unwrap();
        assert_eq!(v.c, 2, "c silently gets b's value");

        let r = check::<Three, MiddleInserted>();
        assert_eq!(
            classes(&r),
            [row(
                "Msg",
                "field `x` inserted at position 1, before existing fields: every later field shifts",
                'B',
                'B'
            )]
        );
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Msg")]
    struct Renamed {
        key: u64,
        label: String,
    }

    #[test]
    fn renaming_fields_and_types_is_safe() {
        #[derive(Deserialize)]
        struct Other {
            key: u64,
            label: String,
        }
        let r = check::<Msg, Renamed>();
        assert_eq!(
            classes(&r),
            [
                row(
                    "Msg.key",
                    "field `id` renamed to `key` (names are not written)",
                    'S',
                    'S'
                ),
                row(
                    "Msg.label",
                    "field `name` renamed to `label` (names are not written)",
                    'S',
                    'S'
                ),
            ]
        );
        assert!(r.is_safe());
        let r = check::<Msg, Other>();
        assert_eq!(
            classes(&r)[0],
            row(
                "Other",
                "type `Msg` renamed to `Other` (names are not written)",
                'S',
                'S'
            )
        );
        assert!(r.is_safe());
    }

    #[test]
    fn deprecating_a_field_as_unit_needs_readers_first() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Msg")]
        struct Deprecated {
            id: u64,
            name: (),
        }
        let r = check::<Msg, Deprecated>();
        assert_eq!(
            classes(&r),
            [row("Msg.name", "type changed from `str` to `()`", 'S', 'C')]
        );
        assert!(condition(&r.changes[0].new_to_old)
            .starts_with("every reader is upgraded before any writer"));
        assert!(read::<_, Deprecated>(&Msg {
            id: 1,
            name: "a".into()
        })
        .is_ok());
        assert!(read::<_, Msg>(&Deprecated { id: 1, name: () }).is_err());

        // Reusing the slot: writers first.
        let r = check::<Deprecated, Msg>();
        assert_eq!(
            classes(&r),
            [row("Msg.name", "type changed from `()` to `str`", 'C', 'S')]
        );
        assert!(condition(&r.changes[0].old_to_new)
            .starts_with("every writer is upgraded before any reader"));

        // An integer field reads the unit's `00` as 0: safe both ways.
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Msg")]
        struct IdGone {
            id: (),
            name: String,
        }
        let r = check::<Msg, IdGone>();
        assert_eq!(
            classes(&r),
            [row("Msg.id", "type changed from `u64` to `()`", 'S', 'S')]
        );
        let v: Msg = read(&IdGone {
            id: (),
            name: "a".into(),
        })
        .unwrap();
        assert_eq!(v.id, 0);
    }
}

mod records {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Point {
        x: i32,
        y: String,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Point")]
    struct PointTuple(i32, String);

    #[test]
    fn tuple_tuple_struct_and_struct_are_interchangeable() {
        let r = check::<Point, PointTuple>();
        assert_eq!(
            classes(&r),
            [row(
                "Point",
                "struct `Point` changed to tuple struct `Point` (both are sequences of the items in order)",
                'S',
                'S'
            )]
        );
        let r = check::<(i32, String), Point>();
        assert!(r.is_safe(), "{r}");
        let r = check::<Point, (i32, String)>();
        assert!(r.is_safe(), "{r}");
        let p: PointTuple = read(&Point {
            x: -1,
            y: "a".into(),
        })
        .unwrap();
        assert_eq!(p.0, -1);
        let t: (i32, String) = read(&PointTuple(3, "b".into())).unwrap();
        assert_eq!(t.0, 3);
    }

    #[test]
    fn field_added_to_a_tuple_struct_at_the_back() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Point")]
        struct Longer(i32, String, #[serde(default)] bool);
        let r = check::<PointTuple, Longer>();
        assert_eq!(
            classes(&r),
            [row(
                "Point.2",
                "field `2: bool` added at the back",
                'S',
                'S'
            )]
        );
        assert!(read::<_, Longer>(&PointTuple(1, "a".into())).is_ok());
        assert!(read::<_, PointTuple>(&Longer(1, "a".into(), true)).is_ok());
    }

    #[test]
    fn a_plain_tuple_cannot_grow() {
        let r = check::<(u8, u8), (u8, u8, u8)>();
        assert_eq!(
            classes(&r),
            [row("(root).2", "field `2: u8` added at the back", 'B', 'S')]
        );
        assert!(read::<_, (u8, u8, u8)>(&(1u8, 2u8)).is_err());
        assert!(read::<_, (u8, u8)>(&(1u8, 2u8, 3u8)).is_ok());
    }

    #[test]
    fn vec_array_and_tuple_of_one_element_type() {
        let r = check::<Vec<u16>, [u16; 3]>();
        assert_eq!(
            classes(&r),
            [row(
                "(root)",
                "`Vec<u16>` changed to `(u16, u16, u16)`",
                'C',
                'S'
            )]
        );
        assert!(read::<_, [u16; 3]>(&vec![1u16, 2, 3, 4]).is_ok());
        assert!(read::<_, [u16; 3]>(&vec![1u16, 2]).is_err());
        let r = check::<[u8; 4], Vec<u8>>();
        assert_eq!(
            classes(&r),
            [row("(root)", "`[u8; 4]` changed to `Vec<u8>`", 'S', 'C')]
        );
        let r = check::<[u8; 4], [u8; 5]>();
        assert_eq!(
            classes(&r),
            [row("(root)", "array length changed from 4 to 5", 'B', 'S')]
        );
        let r = check::<[u8; 4], [u16; 4]>();
        assert_eq!(
            classes(&r),
            [row("(root)[]", "type changed from `u8` to `u16`", 'S', 'C')]
        );
    }

    #[test]
    fn map_and_vec_of_pairs_and_struct_are_not_interchangeable() {
        use std::collections::BTreeMap;
        let r = check::<BTreeMap<u8, u8>, Vec<(u8, u8)>>();
        assert_eq!(classes(&r)[0].2, 'B');
        assert!(read::<_, Vec<(u8, u8)>>(&BTreeMap::from([(1u8, 2u8)])).is_err());
        let r = check::<Point, BTreeMap<String, String>>();
        assert!(r.is_breaking());
        let r = check::<BTreeMap<u8, u16>, BTreeMap<u16, u32>>();
        assert_eq!(
            classes(&r),
            [
                row("(root)[key]", "type changed from `u8` to `u16`", 'S', 'C'),
                row(
                    "(root)[value]",
                    "type changed from `u16` to `u32`",
                    'S',
                    'C'
                ),
            ]
        );
    }

    #[test]
    fn wrapping_in_a_newtype_is_safe() {
        #[derive(Serialize, Deserialize)]
        struct Meters(i32);
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Point")]
        struct Wrapped {
            x: Meters,
            y: String,
        }
        let r = check::<Point, Wrapped>();
        assert_eq!(
            classes(&r),
            [row(
                "Point.x",
                "wrapped in newtype `Meters` (newtypes are transparent, §7.4)",
                'S',
                'S'
            )]
        );
        let r = check::<Wrapped, Point>();
        assert_eq!(
            classes(&r),
            [row(
                "Point.x",
                "newtype `Meters` unwrapped (newtypes are transparent, §7.4)",
                'S',
                'S'
            )]
        );
        let p: Wrapped = read(&Point {
            x: -5,
            y: "a".into(),
        })
        .unwrap();
        assert_eq!(p.x.0, -5);
    }

    #[test]
    fn extending_a_newtype_into_a_tuple_struct_is_breaking() {
        #[derive(Serialize, Deserialize)]
        struct Id(u64);
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Id")]
        struct IdPair(u64, u64);
        let r = check::<Id, IdPair>();
        assert_eq!(
            classes(&r),
            [row(
                "Id",
                "newtype struct `Id` extended into a tuple struct",
                'B',
                'B'
            )]
        );
        assert!(read::<_, IdPair>(&Id(1)).is_err());
        assert!(read::<_, Id>(&IdPair(1, 2)).is_err());
        let r = check::<IdPair, Id>();
        assert_eq!(
            classes(&r),
            [row(
                "Id",
                "tuple struct `Id` reduced to a newtype struct",
                'B',
                'B'
            )]
        );
    }

    #[test]
    fn a_newtype_of_a_struct_may_become_a_tuple_struct_of_its_fields() {
        #[derive(Serialize, Deserialize)]
        struct Wrap(Point);
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Wrap")]
        struct Flat(i32, String);
        let r = check::<Wrap, Flat>();
        assert!(!r.is_breaking(), "{r}");
        let f: Flat = read(&Wrap(Point {
            x: 4,
            y: "a".into(),
        }))
        .unwrap();
        assert_eq!(f.0, 4);
    }
}

mod scalars {
    use super::*;

    #[test]
    fn widening_integers_is_safe_and_narrowing_needs_values_that_fit() {
        let r = check::<u16, u64>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `u16` to `u64`", 'S', 'C')]
        );
        assert_eq!(
            condition(&r.changes[0].new_to_old),
            "every value fits in `u16` (otherwise IntegerOverflow)"
        );
        assert_eq!(read::<_, u64>(&65535u16).unwrap(), 65535);
        assert_eq!(read::<_, u16>(&7u64).unwrap(), 7);
        assert_eq!(
            read::<_, u16>(&70000u64).unwrap_err().kind(),
            evowire::ErrorKind::IntegerOverflow
        );
        let r = check::<i8, i32>();
        assert_eq!(classes(&r)[0].2, 'S');
        assert_eq!(read::<_, i32>(&-100i8).unwrap(), -100);
        let r = check::<i64, i128>();
        assert_eq!(classes(&r)[0].2, 'S');
        let r = check::<u64, u32>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `u64` to `u32`", 'C', 'S')]
        );
    }

    #[test]
    fn changing_signedness_is_breaking() {
        let r = check::<i32, u32>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `i32` to `u32`", 'B', 'B')]
        );
        assert!(condition(&r.changes[0].old_to_new).contains("zig-zag"));
        assert_eq!(read::<_, u32>(&-1i32).unwrap(), 1);
        assert_eq!(read::<_, i32>(&1u32).unwrap(), -1);
        assert!(check::<u8, i64>().is_breaking());
        assert!(check::<char, i32>().is_breaking());
    }

    #[test]
    fn floats_widen_and_narrow_with_rounding() {
        let r = check::<f32, f64>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `f32` to `f64`", 'S', 'C')]
        );
        assert_eq!(read::<_, f64>(&1.5f32).unwrap(), 1.5);
        assert_eq!(read::<_, f32>(&1e300f64).unwrap(), f32::INFINITY);
        let r = check::<f64, f32>();
        assert_eq!(classes(&r)[0].2, 'C');
    }

    #[test]
    fn integer_and_float_are_breaking() {
        let r = check::<u32, f32>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `u32` to `f32`", 'B', 'B')]
        );
        assert!(read::<_, f32>(&1u32).is_err());
        // The other way the bytes decode, to the float's bits.
        assert_eq!(read::<_, u32>(&1.5f32).unwrap(), 1.5f32.to_bits());
    }

    #[test]
    fn bool_and_unsigned_integers_are_interchangeable() {
        let r = check::<bool, u8>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `bool` to `u8`", 'S', 'S')]
        );
        assert_eq!(read::<_, u8>(&true).unwrap(), 1);
        assert!(read::<_, bool>(&7u8).unwrap());
        // Signed: `true` is 1, which zig-zag reads as -1.
        let r = check::<bool, i32>();
        assert_eq!(classes(&r)[0].2, 'C');
        assert_eq!(read::<_, i32>(&true).unwrap(), -1);
    }

    #[test]
    fn unit_becomes_bool_or_integer() {
        let r = check::<(), bool>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `()` to `bool`", 'S', 'S')]
        );
        assert!(!read::<_, bool>(&()).unwrap());
        assert_eq!(read::<_, u32>(&()).unwrap(), 0);
    }

    #[test]
    fn string_to_bytes_is_safe_and_back_needs_utf8() {
        let r = check::<String, serde_bytes::ByteBuf>();
        assert_eq!(
            classes(&r),
            [row(
                "(root)",
                "type changed from `str` to `bytes`",
                'S',
                'C'
            )]
        );
        assert_eq!(
            condition(&r.changes[0].new_to_old),
            "the bytes are valid UTF-8 (otherwise InvalidUtf8)"
        );
        let b: serde_bytes::ByteBuf = read(&"hé").unwrap();
        assert_eq!(b.as_slice(), "hé".as_bytes());
        assert!(read::<_, String>(&serde_bytes::Bytes::new(&[0xff])).is_err());
        let r = check::<serde_bytes::ByteBuf, String>();
        assert_eq!(classes(&r)[0].2, 'C');
    }

    #[test]
    fn vec_u8_and_bytes_are_not_interchangeable() {
        let r = check::<Vec<u8>, serde_bytes::ByteBuf>();
        assert_eq!(
            classes(&r),
            [row(
                "(root)",
                "type changed from `Vec<u8>` to `bytes`",
                'B',
                'B'
            )]
        );
        assert!(read::<_, serde_bytes::ByteBuf>(&vec![1u8]).is_err());
    }

    #[test]
    fn char_and_u32() {
        let r = check::<char, u32>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `char` to `u32`", 'S', 'C')]
        );
        assert_eq!(read::<_, u32>(&'é').unwrap(), 0xe9);
        assert!(read::<_, char>(&0xd800u32).is_err());
    }

    #[test]
    fn unrelated_types_are_breaking() {
        let r = check::<String, u32>();
        assert_eq!(
            classes(&r),
            [row("(root)", "type changed from `str` to `u32`", 'B', 'B')]
        );
        assert_eq!(
            condition(&r.changes[0].old_to_new),
            "a `u32` reader expects an integer, a `str` writer writes a bytes item"
        );
    }

    #[test]
    fn option_and_bare_value_are_breaking() {
        let r = check::<u32, Option<u32>>();
        assert_eq!(
            classes(&r),
            [row(
                "(root)",
                "type changed from `u32` to `Option<u32>`",
                'B',
                'B'
            )]
        );
        assert!(read::<_, Option<u32>>(&5u32).is_err());
        assert!(read::<_, u32>(&Some(5u32)).is_err());
        let r = check::<Option<u8>, Option<u16>>();
        assert_eq!(
            classes(&r),
            [row("(root)?", "type changed from `u8` to `u16`", 'S', 'C')]
        );
    }
}

mod variants {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Cmd {
        Stop,
        Move { x: i32, y: i32 },
        Say(String),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Cmd")]
    enum CmdAdded {
        Stop,
        Move { x: i32, y: i32 },
        Say(String),
        Jump(u8),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Cmd")]
    enum CmdFallback {
        Stop,
        Move {
            x: i32,
            y: i32,
        },
        Say(String),
        #[serde(other)]
        Unknown,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "Cmd")]
    enum CmdFallbackAdded {
        Stop,
        Move {
            x: i32,
            y: i32,
        },
        Say(String),
        Jump(u8),
        #[serde(other)]
        Unknown,
    }

    #[test]
    fn variant_added_at_the_back_needs_a_fallback_in_old_readers() {
        let r = check::<Cmd, CmdAdded>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd::Jump",
                "variant `Jump` added at the back (index 3)",
                'S',
                'C'
            )]
        );
        assert!(condition(&r.changes[0].new_to_old).contains("#[serde(other)]"));
        assert!(read::<_, Cmd>(&CmdAdded::Jump(1)).is_err());
        assert_eq!(read::<_, CmdAdded>(&Cmd::Stop).unwrap(), CmdAdded::Stop);
    }

    #[test]
    fn variant_added_before_a_fallback_is_safe_unless_the_fallback_is_sent() {
        let r = check::<CmdFallback, CmdFallbackAdded>();
        assert_eq!(
            classes(&r),
            [
                row(
                    "Cmd::Jump",
                    "variant `Jump` added before the fallback `Unknown` (index 3); old readers decode it as `Unknown`",
                    'S',
                    'S'
                ),
                row(
                    "Cmd::Unknown",
                    "fallback variant `Unknown` moved from index 3 to 4 (it stays last)",
                    'C',
                    'S'
                ),
            ]
        );
        assert_eq!(
            condition(&r.changes[1].old_to_new),
            "old writers never send `Unknown` (its index 3 is now `Jump`; a `#[serde(other)]` variant is normally only received)"
        );
        assert_eq!(
            read::<_, CmdFallback>(&CmdFallbackAdded::Jump(1)).unwrap(),
            CmdFallback::Unknown
        );
        // The condition is real: an old `Unknown` arrives as `Jump(0)`.
        assert_eq!(
            read::<_, CmdFallbackAdded>(&CmdFallback::Unknown).unwrap(),
            CmdFallbackAdded::Jump(0)
        );
    }

    #[test]
    fn variant_removed_from_the_back_breaks_new_readers_without_a_fallback() {
        let r = check::<CmdAdded, Cmd>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd::Jump",
                "variant `Jump` removed from the back (index 3)",
                'B',
                'S'
            )]
        );
        assert!(read::<_, Cmd>(&CmdAdded::Jump(1)).is_err());
        let r = check::<CmdFallbackAdded, CmdFallback>();
        assert_eq!(
            classes(&r),
            [
                row(
                    "Cmd::Jump",
                    "variant `Jump` removed before the fallback `Unknown` (index 3); new readers decode it as `Unknown`",
                    'S',
                    'S'
                ),
                row(
                    "Cmd::Unknown",
                    "fallback variant `Unknown` moved from index 4 to 3 (it stays last)",
                    'S',
                    'C'
                ),
            ]
        );
        assert_eq!(
            read::<_, CmdFallback>(&CmdFallbackAdded::Jump(1)).unwrap(),
            CmdFallback::Unknown
        );
    }

    #[test]
    fn reordering_inserting_or_removing_variants_before_the_end_is_breaking() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Cmd")]
        enum Reordered {
            Move { x: i32, y: i32 },
            Stop,
            Say(String),
        }
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Cmd")]
        enum Inserted {
            Stop,
            Pause,
            Move { x: i32, y: i32 },
            Say(String),
        }
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Cmd")]
        enum Removed {
            Stop,
            Say(String),
        }
        let r = check::<Cmd, Reordered>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd",
                "variants reordered: `Stop`, `Move`, `Say` became `Move`, `Stop`, `Say`",
                'B',
                'B'
            )]
        );
        let r = check::<Cmd, Inserted>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd",
                "variant `Pause` inserted at position 1, before existing variants: every later variant shifts",
                'B',
                'B'
            )]
        );
        let r = check::<Cmd, Removed>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd",
                "variant `Move` removed from position 1, before other variants: every later variant shifts",
                'B',
                'B'
            )]
        );
    }

    #[test]
    fn tuple_variant_and_struct_variant_are_interchangeable() {
        #[derive(Serialize, Deserialize, Debug)]
        #[serde(rename = "Cmd")]
        enum Tuple {
            Stop,
            Move(i32, i32),
            Say(String),
        }
        let r = check::<Cmd, Tuple>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd::Move",
                "`struct variant` changed to `tuple variant` (both are sequences of the items in order)",
                'S',
                'S'
            )]
        );
        assert!(read::<_, Tuple>(&Cmd::Move { x: 1, y: 2 }).is_ok());
    }

    #[test]
    fn struct_variant_to_newtype_variant_of_the_same_layout() {
        #[derive(Serialize, Deserialize, Debug)]
        struct Move {
            x: i32,
            y: i32,
        }
        #[derive(Serialize, Deserialize, Debug)]
        #[serde(rename = "Cmd")]
        enum Newtype {
            Stop,
            Move(Move),
            Say(String),
        }
        let r = check::<Cmd, Newtype>();
        assert!(r.is_safe(), "{r}");
        let v: Newtype = read(&Cmd::Move { x: 1, y: 2 }).unwrap();
        assert!(matches!(v, Newtype::Move(Move { x: 1, y: 2 })));
        assert!(read::<_, Cmd>(&v).is_ok());
    }

    #[test]
    fn struct_variant_gains_a_field_at_the_back() {
        #[derive(Serialize, Deserialize, Debug)]
        #[serde(rename = "Cmd")]
        enum Grown {
            Stop,
            Move {
                x: i32,
                y: i32,
                #[serde(default)]
                z: i32,
            },
            Say(String),
        }
        let r = check::<Cmd, Grown>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd::Move.z",
                "field `z: i32` added at the back",
                'S',
                'S'
            )]
        );
    }

    #[test]
    fn unit_variant_gains_data() {
        #[derive(Serialize, Deserialize, Debug)]
        #[serde(rename = "Cmd")]
        enum StopCode {
            Stop(u8),
            Move { x: i32, y: i32 },
            Say(String),
        }
        #[derive(Serialize, Deserialize, Debug)]
        #[serde(rename = "Cmd")]
        enum StopText {
            Stop(String),
            Move { x: i32, y: i32 },
            Say(String),
        }
        // An integer body reads the unit body `00`.
        let r = check::<Cmd, StopCode>();
        assert_eq!(
            classes(&r),
            [row("Cmd::Stop", "type changed from `()` to `u8`", 'S', 'S')]
        );
        assert!(matches!(
            read::<_, StopCode>(&Cmd::Stop).unwrap(),
            StopCode::Stop(0)
        ));
        assert_eq!(read::<_, Cmd>(&StopCode::Stop(7)).unwrap(), Cmd::Stop);
        // A string body does not: writers must be upgraded first.
        let r = check::<Cmd, StopText>();
        assert_eq!(
            classes(&r),
            [row(
                "Cmd::Stop",
                "type changed from `()` to `str`",
                'C',
                'S'
            )]
        );
        assert!(read::<_, StopText>(&Cmd::Stop).is_err());
        assert_eq!(
            read::<_, Cmd>(&StopText::Stop("x".into())).unwrap(),
            Cmd::Stop
        );
    }

    #[test]
    fn option_is_an_enum_of_none_and_some() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        enum Maybe {
            Nothing,
            Just(u32),
        }
        let r = check::<Option<u32>, Maybe>();
        assert!(!r.is_breaking(), "{r}");
        assert!(r
            .changes
            .iter()
            .all(|c| c.old_to_new == Verdict::Safe && c.new_to_old == Verdict::Safe));
        assert_eq!(read::<_, Maybe>(&Some(3u32)).unwrap(), Maybe::Just(3));
        assert_eq!(read::<_, Option<u32>>(&Maybe::Nothing).unwrap(), None);
    }
}

mod packed {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Samples {
        rate: u32,
        values: Vec<f32>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "Samples")]
    struct PackedSamples {
        rate: u32,
        #[serde(with = "evowire::packed")]
        values: Vec<f32>,
    }

    #[test]
    fn switching_to_packed_needs_readers_first() {
        let r = check::<Samples, PackedSamples>();
        assert_eq!(
            classes(&r),
            [row(
                "Samples.values",
                "`Vec<f32>` switched to packed (evowire::packed)",
                'S',
                'C'
            )]
        );
        assert!(condition(&r.changes[0].new_to_old)
            .starts_with("every reader is upgraded before any writer"));
        let plain = Samples {
            rate: 1,
            values: vec![1.0],
        };
        assert!(read::<_, PackedSamples>(&plain).is_ok());
        let packed = PackedSamples {
            rate: 1,
            values: vec![1.0],
        };
        assert!(read::<_, Samples>(&packed).is_err());
    }

    #[test]
    fn packed_field_added_at_the_back_with_default() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "Samples")]
        struct More {
            rate: u32,
            values: Vec<f32>,
            #[serde(default, with = "evowire::packed")]
            extra: Vec<u16>,
        }
        let r = check::<Samples, More>();
        assert_eq!(
            classes(&r),
            [row(
                "Samples.extra",
                "field `extra: packed` added at the back",
                'S',
                'S'
            )]
        );
        let more = More {
            rate: 1,
            values: vec![],
            extra: vec![1, 2],
        };
        assert!(read::<_, Samples>(&more).is_ok());
    }
}

#[test]
fn nested_changes_are_reported_with_their_paths() {
    #[derive(Deserialize)]
    struct Leg {
        qty: u32,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Leg")]
    struct LegV2 {
        qty: u64,
    }
    #[derive(Deserialize)]
    struct Order {
        legs: Vec<Leg>,
        by_venue: std::collections::BTreeMap<String, Option<Leg>>,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Order")]
    struct OrderV2 {
        legs: Vec<LegV2>,
        by_venue: std::collections::BTreeMap<String, Option<LegV2>>,
    }
    let r = check::<Order, OrderV2>();
    // `Leg` is compared once: the second use is the same pair of types.
    assert_eq!(
        classes(&r),
        [row(
            "Order.legs[].qty",
            "type changed from `u32` to `u64`",
            'S',
            'C'
        )]
    );
}

#[test]
fn recursive_types_compare_without_looping() {
    #[derive(Deserialize)]
    enum Expr {
        Lit(i32),
        Neg(Box<Expr>),
    }
    #[derive(Deserialize)]
    #[serde(rename = "Expr")]
    enum ExprV2 {
        Lit(i64),
        Neg(Box<ExprV2>),
        Add(Box<ExprV2>, Box<ExprV2>),
    }
    let r = check::<Expr, ExprV2>();
    assert_eq!(
        classes(&r),
        [
            row("Expr::Lit", "type changed from `i32` to `i64`", 'S', 'C'),
            row(
                "Expr::Add",
                "variant `Add` added at the back (index 2)",
                'S',
                'C'
            ),
        ]
    );
}

#[test]
fn identical_schemas_have_no_changes() {
    #[derive(Deserialize)]
    struct S {
        a: Vec<Option<(u8, String)>>,
    }
    let r = check::<S, S>();
    assert!(r.changes.is_empty());
    assert!(r.is_safe());
    assert_eq!(
        r.to_string(),
        "no changes on the wire\nresult: compatible\n"
    );
}

#[test]
fn the_report_reads_well() {
    #[derive(Deserialize)]
    struct Order {
        id: u64,
        side: i8,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Order")]
    struct OrderV2 {
        id: u32,
        side: u8,
        #[serde(default)]
        note: String,
    }
    let r = check::<Order, OrderV2>();
    assert_eq!(
        r.to_string(),
        "\
Order.id: type changed from `u64` to `u32`
    old writes, new reads: safe if every value fits in `u32` (otherwise IntegerOverflow)
    new writes, old reads: safe
Order.side: type changed from `i8` to `u8`
    old writes, new reads: BREAKING: signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)
    new writes, old reads: BREAKING: signedness changed: signed integers are zig-zag encoded, so values change silently (-1 reads as 1)
Order.note: field `note: str` added at the back
    old writes, new reads: safe
    new writes, old reads: safe

3 changes: 1 breaking, 1 safe with conditions, 1 safe
result: BREAKING, old and new code cannot read each other's messages
"
    );
    assert!(r.render(true).contains("\x1b[1;31mBREAKING\x1b[0m"));
}

#[test]
#[should_panic(expected = "breaking schema change:\nMsg: fields reordered")]
fn assert_compatible_panics_with_the_report() {
    #[derive(Deserialize)]
    struct Msg {
        a: u8,
        b: String,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Msg")]
    struct MsgV2 {
        b: String,
        a: u8,
    }
    evowire_schema::assert_compatible::<Msg, MsgV2>();
}

#[test]
fn assert_compatible_accepts_conditional_changes() {
    #[derive(Deserialize)]
    struct Msg {
        a: u64,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Msg")]
    struct MsgV2 {
        a: u32,
        b: String,
    }
    evowire_schema::assert_compatible::<Msg, MsgV2>();
}
