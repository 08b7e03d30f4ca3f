use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum E {
    A,
    B(i32),
    C(u8, String),
    D { x: f64, y: Option<u16> },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct S {
    a: u64,
    b: i64,
    c: Vec<E>,
    d: BTreeMap<String, (bool, char)>,
    e: u128,
    f: i128,
    g: f32,
    u: (),
    n: Option<Box<S>>,
}

#[test]
fn smoke_fcode_same_bytes() {
    let mut d = BTreeMap::new();
    d.insert("k".to_string(), (true, 'é'));
    let inner = S {
        a: 1,
        b: -1,
        c: vec![],
        d: BTreeMap::new(),
        e: 0,
        f: 0,
        g: 0.0,
        u: (),
        n: None,
    };
    let s = S {
        a: u64::MAX,
        b: i64::MIN,
        c: vec![
            E::A,
            E::B(-5),
            E::C(3, "x".into()),
            E::D { x: 1.5, y: Some(9) },
        ],
        d,
        e: u128::MAX,
        f: i128::MIN,
        g: 2.5,
        u: (),
        n: Some(Box::new(inner)),
    };
    let ours = evowire::to_vec(&s).unwrap();
    let theirs = fcode::to_bytes(&s).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(evowire::from_slice::<S>(&theirs).unwrap(), s);
    assert_eq!(fcode::from_bytes::<S>(&ours).unwrap(), s);
    let v: evowire::Value = evowire::from_slice(&ours).unwrap();
    assert_eq!(evowire::to_vec(&v).unwrap(), ours);
    println!("{v:?}");
}
