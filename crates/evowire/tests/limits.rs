//! Hostile limits: depth bombs and huge length prefixes.
//!
//! Depth bombs (a million nested headers) must fail with `DepthExceeded`, quickly, on a
//! thread with a 2 MiB stack in a debug build; exactly `DEFAULT_MAX_DEPTH` levels must still
//! decode there. Length prefixes claiming far more than the input holds must fail fast and
//! without allocating from the claim: a counting global allocator tracks the peak.
//!
//! The allocator counts per thread, so a measurement sees only the decoding thread; every
//! test also takes one lock so timing budgets are not shared with a parallel test.

// The counting allocator below is the only unsafe code: it forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::io;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use evowire::wire::{encode_varint, WireType};
use evowire::{DecodeOptions, Error, ErrorKind, Value, DEFAULT_MAX_DEPTH};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

// ---- a counting allocator ----------------------------------------------------------------

struct Counting;

// Per-thread counters: the test harness's own threads allocate too (output capture, other
// tests), and a measurement must see only the thread that runs the decode. `const`-initialised
// `Cell`s of plain integers need no allocation and no destructor, so the allocator may use them.
thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    let _ = CURRENT.try_with(|current| {
        let now = current.get().saturating_add(bytes as isize);
        current.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrank(bytes: usize) {
    let _ = CURRENT.try_with(|current| current.set(current.get().saturating_sub(bytes as isize)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counters are const-initialised thread-local integers,
// which never allocate and have no destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Count the new block before releasing the old one: a moving realloc holds both.
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` and returns its result with the peak number of bytes this thread allocated above
/// what it had live when `f` started.
fn peak_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.with(Cell::get);
    PEAK.with(|peak| peak.set(base));
    let r = f();
    let peak = PEAK.with(Cell::get).saturating_sub(base);
    (r, peak.max(0) as usize)
}

const PEAK_BUDGET: usize = 1 << 20;
const TIME_BUDGET: Duration = Duration::from_secs(1);

#[test]
fn the_allocator_counts() {
    let _g = serial();
    let (v, peak) = peak_during(|| vec![0u8; 3 << 20]);
    assert!(peak >= 3 << 20, "{peak}");
    drop(v);
    let (_, peak) = peak_during(|| ());
    assert!(peak < 1024, "{peak}");
}

// ---- types ---------------------------------------------------------------------------------

/// Sequences all the way down.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Nest(Vec<Nest>);

/// `Some` all the way down.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Opt(Option<Box<Opt>>);

/// A recursive enum with every kind of recursive variant.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Rec {
    Leaf,
    One(Box<Rec>),
    Two(Box<Rec>),
    List(Vec<Rec>),
    Pair(Box<Rec>, u8),
    Named { inner: Box<Rec> },
}

/// Maps all the way down: `{1: {1: …}}`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct MapNest(BTreeMap<u8, MapNest>);

/// Through serde's buffering (`deserialize_any`).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum Untagged {
    Leaf(u64),
    List(Vec<Untagged>),
}

/// A version 1 struct: anything after `a` is an unknown field to be skipped.
#[derive(Deserialize, Debug, PartialEq)]
struct Holder {
    a: u8,
}

/// An enum whose unknown variants land in `#[serde(other)]`, their body skipped.
#[derive(Deserialize, Debug, PartialEq)]
enum Grows {
    Known,
    #[serde(other)]
    Unknown,
}

// ---- helpers -------------------------------------------------------------------------------

/// Runs `f` on a thread with a 2 MiB stack, as a default spawned thread has.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    on_stack(2 << 20, f)
}

fn on_stack<R: Send + 'static>(size: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(size)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the decoding thread panicked (stack overflow aborts the process)")
}

fn decode<T: DeserializeOwned + Debug>(bytes: &[u8]) -> Result<T, Error> {
    evowire::from_slice::<T>(bytes)
}

type Decoder = fn(&[u8]) -> Result<(), Error>;

fn as_type<T: DeserializeOwned + Debug>(bytes: &[u8]) -> Result<(), Error> {
    decode::<T>(bytes).map(drop)
}

fn header(wire: WireType, value: u64) -> Vec<u8> {
    encode_varint(wire, value).as_slice().to_vec()
}

fn repeat(unit: &[u8], times: usize) -> Vec<u8> {
    unit.repeat(times)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const MILLION: usize = 1_000_000;

// ---- depth bombs ---------------------------------------------------------------------------

/// (name, bytes, decoder, offset of the item that exceeds the depth)
fn bombs() -> Vec<(&'static str, Vec<u8>, Decoder, Option<u64>)> {
    let seqs = repeat(&[0x0b], MILLION);
    let somes = repeat(&[0x0d], MILLION);
    let variants = repeat(&[0x15], MILLION);
    let nones = repeat(&[0x05], MILLION);
    let maps = repeat(&[0x13, 0x08], MILLION / 2);
    let lists = repeat(&[0x1d, 0x0b], MILLION / 2);
    let named = repeat(&[0x2d, 0x0b], MILLION / 2);
    let pairs = repeat(&[0x25, 0x13], MILLION / 2);
    // The 129th nested item starts at byte 128 when each level is one byte, 256 when two.
    let one = Some(128);
    let two = Some(256);
    vec![
        ("seq as Value", seqs.clone(), as_type::<Value>, one),
        (
            "seq as IgnoredAny",
            seqs.clone(),
            as_type::<IgnoredAny>,
            one,
        ),
        ("seq as unit", seqs.clone(), as_type::<()>, one),
        ("seq as Nest", seqs.clone(), as_type::<Nest>, one),
        ("seq as Untagged", seqs.clone(), as_type::<Untagged>, one),
        (
            "seq as Vec<Value>",
            seqs.clone(),
            as_type::<Vec<Value>>,
            one,
        ),
        (
            "seq skipped as a trailing field",
            cat(&[&[0x13, 0x08], &seqs]),
            as_type::<Holder>,
            // Holder is level 1; the bomb starts at byte 2 with level 2.
            Some(2 + 127),
        ),
        (
            "seq skipped as a #[serde(other)] body",
            cat(&[&[0x2d], &seqs]),
            as_type::<Grows>,
            Some(1 + 127),
        ),
        (
            "seq skipped as a None body",
            cat(&[&[0x05], &seqs]),
            as_type::<Option<u8>>,
            Some(1 + 127),
        ),
        ("some as Value", somes.clone(), as_type::<Value>, one),
        (
            "some as IgnoredAny",
            somes.clone(),
            as_type::<IgnoredAny>,
            one,
        ),
        ("some as unit", somes.clone(), as_type::<()>, one),
        ("some as Opt", somes.clone(), as_type::<Opt>, one),
        ("some as Rec::One", somes.clone(), as_type::<Rec>, one),
        (
            "some as Option<Option<…Value>>",
            somes.clone(),
            as_type::<Option<Option<Option<Value>>>>,
            one,
        ),
        (
            "some skipped as a trailing field",
            cat(&[&[0x13, 0x08], &somes]),
            as_type::<Holder>,
            Some(2 + 127),
        ),
        (
            "variant 2 as Value",
            variants.clone(),
            as_type::<Value>,
            one,
        ),
        (
            "variant 2 as IgnoredAny",
            variants.clone(),
            as_type::<IgnoredAny>,
            one,
        ),
        (
            "variant 2 as Rec::Two",
            variants.clone(),
            as_type::<Rec>,
            one,
        ),
        (
            "variant 2 skipped as a trailing field",
            cat(&[&[0x13, 0x08], &variants]),
            as_type::<Holder>,
            Some(2 + 127),
        ),
        (
            "variant 2 skipped as a #[serde(other)] body",
            cat(&[&[0x2d], &variants]),
            as_type::<Grows>,
            Some(1 + 127),
        ),
        ("none as Value", nones.clone(), as_type::<Value>, one),
        ("none as Opt", nones.clone(), as_type::<Opt>, one),
        (
            "none as IgnoredAny",
            nones.clone(),
            as_type::<IgnoredAny>,
            one,
        ),
        ("map as Value", maps.clone(), as_type::<Value>, two),
        ("map as MapNest", maps.clone(), as_type::<MapNest>, two),
        (
            "map as IgnoredAny",
            maps.clone(),
            as_type::<IgnoredAny>,
            two,
        ),
        (
            "map as HashMap<u8, Value>",
            maps.clone(),
            as_type::<HashMap<u8, Value>>,
            two,
        ),
        // Rec::List(vec![Rec::List(vec![…])]): a variant and a sequence per step.
        ("list as Rec", lists.clone(), as_type::<Rec>, one),
        ("list as Value", lists.clone(), as_type::<Value>, one),
        ("named as Rec", named.clone(), as_type::<Rec>, one),
        ("pair as Rec", pairs.clone(), as_type::<Rec>, one),
        (
            "list skipped as a trailing field",
            cat(&[&[0x13, 0x08], &lists]),
            as_type::<Holder>,
            Some(2 + 127),
        ),
    ]
}

#[test]
fn depth_bombs_fail_promptly_on_a_2_mib_stack() {
    let _g = serial();
    let failures = on_small_stack(|| {
        let mut failures = Vec::new();
        for (name, bytes, decode, offset) in bombs() {
            let started = Instant::now();
            let (result, peak) = peak_during(|| decode(&bytes));
            let elapsed = started.elapsed();
            match result {
                Err(e) if e.kind() == ErrorKind::DepthExceeded => {
                    if offset.is_some() && e.offset() != offset {
                        failures.push(format!("{name}: offset {:?}, want {offset:?}", e.offset()));
                    }
                }
                other => failures.push(format!("{name}: expected DepthExceeded, got {other:?}")),
            }
            if elapsed > TIME_BUDGET {
                failures.push(format!("{name}: took {elapsed:?}"));
            }
            if peak > PEAK_BUDGET {
                failures.push(format!("{name}: allocated {peak} bytes at the peak"));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn depth_bombs_through_a_reader() {
    let _g = serial();
    let failures = on_small_stack(|| {
        let mut failures = Vec::new();
        for (unit, what) in [
            (&[0x0b][..], "seq"),
            (&[0x0d][..], "some"),
            (&[0x15][..], "variant"),
        ] {
            let bytes = repeat(unit, MILLION);
            let started = Instant::now();
            for result in [
                evowire::from_reader::<_, Value>(&bytes[..]).map(drop),
                evowire::from_reader::<_, IgnoredAny>(&bytes[..]).map(drop),
                evowire::from_reader::<_, Rec>(&bytes[..]).map(drop),
            ] {
                match result {
                    Err(e) if e.kind() == ErrorKind::DepthExceeded => {}
                    Err(e) if what == "seq" && e.kind() == ErrorKind::UnexpectedWireType => {
                        // Rec cannot start with a sequence.
                    }
                    other => failures.push(format!("{what}: {other:?}")),
                }
            }
            if started.elapsed() > TIME_BUDGET {
                failures.push(format!("{what}: took {:?}", started.elapsed()));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- exactly the maximum depth -------------------------------------------------------------

/// `levels` nested sequences: `levels - 1` sequences of one item around an empty one.
fn nested_seqs(levels: usize) -> Vec<u8> {
    let mut bytes = repeat(&[0x0b], levels - 1);
    bytes.push(0x03);
    bytes
}

/// `levels` nested variants 1 around the integer 0.
fn nested_somes(levels: usize) -> Vec<u8> {
    let mut bytes = repeat(&[0x0d], levels);
    bytes.push(0x00);
    bytes
}

/// `Rec::One` `levels - 1` times around `Rec::Leaf` (itself a variant level).
fn nested_recs(levels: usize) -> Vec<u8> {
    let mut bytes = repeat(&[0x0d], levels - 1);
    bytes.extend([0x05, 0x00]);
    bytes
}

fn nest_value(levels: usize) -> Nest {
    let mut v = Nest(vec![]);
    for _ in 1..levels {
        v = Nest(vec![v]);
    }
    v
}

fn rec_value(levels: usize) -> Rec {
    let mut v = Rec::Leaf;
    for _ in 1..levels {
        v = Rec::One(Box::new(v));
    }
    v
}

fn value_seqs(levels: usize) -> Value {
    let mut v = Value::Seq(vec![]);
    for _ in 1..levels {
        v = Value::Seq(vec![v]);
    }
    v
}

fn assert_depth_exceeded<T: Debug>(result: Result<T, Error>, offset: u64, what: &str) {
    match result {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::DepthExceeded, "{what}: {e:?}");
            assert_eq!(e.offset(), Some(offset), "{what}: {e:?}");
            assert_eq!(
                e.to_string(),
                format!("nesting deeper than the maximum depth at byte offset {offset}")
            );
        }
        Ok(v) => panic!("{what}: decoded {v:?}"),
    }
}

#[test]
fn default_depth_is_128() {
    assert_eq!(DEFAULT_MAX_DEPTH, 128);
    assert_eq!(DecodeOptions::new().max_depth(), 128);
    assert_eq!(DecodeOptions::default(), DecodeOptions::new());
}

#[test]
fn exactly_128_levels_decode_on_a_2_mib_stack_and_129_fail() {
    let _g = serial();
    on_small_stack(|| {
        let n = DEFAULT_MAX_DEPTH as usize;

        let ok = nested_seqs(n);
        assert_eq!(decode::<Value>(&ok).unwrap(), value_seqs(n));
        assert_eq!(decode::<Nest>(&ok).unwrap(), nest_value(n));
        decode::<IgnoredAny>(&ok).unwrap();
        decode::<()>(&ok).unwrap();
        // Encoding the deepest values also stays on this stack.
        assert_eq!(evowire::to_vec(&value_seqs(n)).unwrap(), ok);
        assert_eq!(evowire::to_vec(&nest_value(n)).unwrap(), ok);

        let deep = nested_seqs(n + 1);
        assert_depth_exceeded(decode::<Value>(&deep), 128, "Value seq 129");
        assert_depth_exceeded(decode::<Nest>(&deep), 128, "Nest 129");
        assert_depth_exceeded(decode::<IgnoredAny>(&deep), 128, "IgnoredAny seq 129");
        assert_depth_exceeded(decode::<()>(&deep), 128, "unit seq 129");

        let ok = nested_somes(n);
        let v = decode::<Value>(&ok).unwrap();
        assert_eq!(evowire::to_vec(&v).unwrap(), ok);
        decode::<IgnoredAny>(&ok).unwrap();
        assert_depth_exceeded(decode::<Value>(&nested_somes(n + 1)), 128, "Value some 129");

        let ok = nested_recs(n);
        assert_eq!(decode::<Rec>(&ok).unwrap(), rec_value(n));
        assert_eq!(evowire::to_vec(&rec_value(n)).unwrap(), ok);
        assert_depth_exceeded(decode::<Rec>(&nested_recs(n + 1)), 128, "Rec 129");

        // Untagged goes through serde's `Content` buffer: deeper frames per level.
        let ok = nested_seqs(n);
        let u = decode::<Untagged>(&ok).unwrap();
        assert_eq!(evowire::to_vec(&u).unwrap(), ok);
        assert_depth_exceeded(decode::<Untagged>(&nested_seqs(n + 1)), 128, "Untagged 129");

        // Two-level steps: Rec::List(vec![…]) 64 times is 128 levels.
        let mut ok = repeat(&[0x1d, 0x0b], n / 2 - 1);
        ok.extend([0x1d, 0x03]);
        decode::<Rec>(&ok).unwrap();
        decode::<Value>(&ok).unwrap();
        let mut deep = repeat(&[0x1d, 0x0b], n / 2);
        deep.extend([0x05, 0x00]);
        assert_depth_exceeded(decode::<Rec>(&deep), 128, "Rec::List 129");

        // Maps: {1: {1: … {}}}: 128 maps.
        let mut ok = repeat(&[0x13, 0x08], n - 1);
        ok.push(0x03);
        let m = decode::<MapNest>(&ok).unwrap();
        assert_eq!(evowire::to_vec(&m).unwrap(), ok);
        decode::<Value>(&ok).unwrap();
        let mut deep = repeat(&[0x13, 0x08], n);
        deep.push(0x03);
        assert_depth_exceeded(decode::<MapNest>(&deep), 256, "MapNest 129");
    });
}

#[test]
fn skipping_counts_the_levels_it_skips() {
    let _g = serial();
    on_small_stack(|| {
        let n = DEFAULT_MAX_DEPTH as usize;
        // Holder is one level: an unknown field may nest 127 more.
        let ok = cat(&[&[0x13, 0x08], &nested_seqs(n - 1)]);
        assert_eq!(decode::<Holder>(&ok).unwrap(), Holder { a: 1 });
        let deep = cat(&[&[0x13, 0x08], &nested_seqs(n)]);
        assert_depth_exceeded(decode::<Holder>(&deep), 2 + 127, "Holder + 128");

        // The body of an unknown variant (the variant is one level).
        let ok = cat(&[&[0x2d], &nested_seqs(n - 1)]);
        assert_eq!(decode::<Grows>(&ok).unwrap(), Grows::Unknown);
        let deep = cat(&[&[0x2d], &nested_seqs(n)]);
        assert_depth_exceeded(decode::<Grows>(&deep), 1 + 127, "Grows + 128");

        // The body of a None.
        let ok = cat(&[&[0x05], &nested_seqs(n - 1)]);
        assert_eq!(decode::<Option<u8>>(&ok).unwrap(), None);
        let deep = cat(&[&[0x05], &nested_seqs(n)]);
        assert_depth_exceeded(decode::<Option<u8>>(&deep), 1 + 127, "None + 128");
    });
}

#[test]
fn depth_is_given_back_after_each_item() {
    let _g = serial();
    on_small_stack(|| {
        let n = DEFAULT_MAX_DEPTH as usize;
        // A sequence of 1000 items, each 127 levels deep: 128 levels at any time.
        let item = nested_seqs(n - 1);
        let mut bytes = header(WireType::Sequence, 1000);
        for _ in 0..1000 {
            bytes.extend(&item);
        }
        assert_eq!(decode::<Vec<Nest>>(&bytes).unwrap().len(), 1000);
        match decode::<Value>(&bytes).unwrap() {
            Value::Seq(items) => assert_eq!(items.len(), 1000),
            other => panic!("{other:?}"),
        }
        decode::<IgnoredAny>(&bytes).unwrap();
        // The same items as unknown trailing fields.
        let mut bytes = header(WireType::Sequence, 1001);
        bytes.push(0x08);
        for _ in 0..1000 {
            bytes.extend(&item);
        }
        assert_eq!(decode::<Holder>(&bytes).unwrap(), Holder { a: 1 });

        // Successive values from one deserializer each get the full depth.
        let one = nested_seqs(n);
        let many = repeat(&one, 10);
        let mut de = evowire::Deserializer::from_slice(&many);
        for _ in 0..10 {
            Nest::deserialize(&mut de).unwrap();
        }
        de.end().unwrap();
    });
}

#[test]
fn max_depth_is_configurable() {
    let _g = serial();
    on_small_stack(|| {
        let opts = DecodeOptions::new().with_max_depth(10);
        assert_eq!(opts.max_depth(), 10);
        opts.from_slice::<Value>(&nested_seqs(10)).unwrap();
        opts.from_slice::<Nest>(&nested_seqs(10)).unwrap();
        opts.from_slice::<Rec>(&nested_recs(10)).unwrap();
        assert_depth_exceeded(opts.from_slice::<Value>(&nested_seqs(11)), 10, "Value 11");
        assert_depth_exceeded(opts.from_slice::<Nest>(&nested_seqs(11)), 10, "Nest 11");
        assert_depth_exceeded(opts.from_slice::<Rec>(&nested_recs(11)), 10, "Rec 11");
        assert_depth_exceeded(
            opts.from_reader::<_, Value>(&nested_seqs(11)[..]),
            10,
            "reader 11",
        );
        assert_depth_exceeded(
            opts.take_from_slice::<Nest>(&nested_seqs(11)),
            10,
            "take 11",
        );

        // Depth 0: scalars only.
        let zero = DecodeOptions::new().with_max_depth(0);
        assert_eq!(zero.from_slice::<u8>(&[0x08]).unwrap(), 1);
        assert_eq!(zero.from_slice::<String>(&[0x0c, b'a']).unwrap(), "a");
        assert_depth_exceeded(zero.from_slice::<Vec<u8>>(&[0x03]), 0, "empty seq");
        assert_depth_exceeded(zero.from_slice::<Option<u8>>(&[0x05, 0x00]), 0, "None");
        assert_depth_exceeded(zero.from_slice::<()>(&[0x03]), 0, "skipped seq");
    });

    // Deeper than the default, on a stack sized for it.
    on_stack(64 << 20, || {
        let opts = DecodeOptions::new().with_max_depth(1000);
        assert_eq!(
            opts.from_slice::<Nest>(&nested_seqs(1000)).unwrap(),
            nest_value(1000)
        );
        assert_eq!(
            opts.from_slice::<Value>(&nested_seqs(1000)).unwrap(),
            value_seqs(1000)
        );
        assert_depth_exceeded(opts.from_slice::<Nest>(&nested_seqs(1001)), 1000, "1001");
        // The default refuses what the option allowed.
        assert_depth_exceeded(decode::<Nest>(&nested_seqs(1000)), 128, "default");
    });
}

// ---- huge length prefixes ------------------------------------------------------------------

/// (name, bytes, decoder)
fn huge_claims() -> Vec<(&'static str, Vec<u8>, Decoder)> {
    let seq_2_60 = header(WireType::Sequence, 1 << 60);
    let seq_max = header(WireType::Sequence, u64::MAX);
    let bytes_2_60 = header(WireType::Bytes, 1 << 60);
    let bytes_max = header(WireType::Bytes, u64::MAX);
    // A map of 2^62 entries is a sequence of 2^63 items.
    let map_2_62 = header(WireType::Sequence, 1 << 63);
    let items: &[u8] = &[0x08, 0x10, 0x18];
    vec![
        (
            "Vec<u64> of 2^60",
            cat(&[&seq_2_60, items]),
            as_type::<Vec<u64>>,
        ),
        (
            "Vec<u64> of u64::MAX",
            cat(&[&seq_max, items]),
            as_type::<Vec<u64>>,
        ),
        ("Vec<u8> of u64::MAX", seq_max.clone(), as_type::<Vec<u8>>),
        (
            "Vec<()> of u64::MAX",
            cat(&[&seq_max, items]),
            as_type::<Vec<()>>,
        ),
        (
            "Vec<Value> of 2^60",
            cat(&[&seq_2_60, items]),
            as_type::<Vec<Value>>,
        ),
        (
            "Vec<String> of 2^60",
            cat(&[&seq_2_60, &bytes_2_60]),
            as_type::<Vec<String>>,
        ),
        (
            "Value seq of 2^60",
            cat(&[&seq_2_60, items]),
            as_type::<Value>,
        ),
        (
            "Value seq of u64::MAX",
            cat(&[&seq_max, items]),
            as_type::<Value>,
        ),
        (
            "IgnoredAny seq of u64::MAX",
            cat(&[&seq_max, items]),
            as_type::<IgnoredAny>,
        ),
        (
            "String of 2^60",
            cat(&[&bytes_2_60, b"abc"]),
            as_type::<String>,
        ),
        ("String of u64::MAX", bytes_max.clone(), as_type::<String>),
        (
            "ByteBuf of 2^60",
            cat(&[&bytes_2_60, b"abc"]),
            as_type::<ByteBuf>,
        ),
        ("ByteBuf of u64::MAX", bytes_max.clone(), as_type::<ByteBuf>),
        (
            "Value bytes of 2^60",
            cat(&[&bytes_2_60, b"abc"]),
            as_type::<Value>,
        ),
        (
            "IgnoredAny bytes of 2^60",
            cat(&[&bytes_2_60, b"abc"]),
            as_type::<IgnoredAny>,
        ),
        (
            "HashMap of 2^62",
            cat(&[&map_2_62, items]),
            as_type::<HashMap<u64, u64>>,
        ),
        (
            "BTreeMap of 2^62",
            cat(&[&map_2_62, items]),
            as_type::<BTreeMap<u64, u64>>,
        ),
        (
            "HashMap<String, Value> of 2^62",
            cat(&[&map_2_62, b"\x0ca"]),
            as_type::<HashMap<String, Value>>,
        ),
        (
            "Value map of 2^62",
            cat(&[&map_2_62, items]),
            as_type::<Value>,
        ),
        (
            "Vec<Vec<Vec<u64>>> of 2^60 each",
            cat(&[&seq_2_60, &seq_2_60, &seq_2_60, items]),
            as_type::<Vec<Vec<Vec<u64>>>>,
        ),
        (
            "Vec<Vec<Vec<u64>>> of u64::MAX each",
            cat(&[&seq_max, &seq_max, &seq_max, items]),
            as_type::<Vec<Vec<Vec<u64>>>>,
        ),
        (
            "Value of 2^60 each, 3 deep",
            cat(&[&seq_2_60, &seq_2_60, &seq_2_60, items]),
            as_type::<Value>,
        ),
        (
            "(Vec<u64>, String) of huge claims",
            cat(&[&[0x13], &seq_2_60, items]),
            as_type::<(Vec<u64>, String)>,
        ),
        (
            "a trailing unknown field claiming 2^60 items",
            cat(&[&[0x13, 0x08], &seq_2_60, items]),
            as_type::<Holder>,
        ),
        (
            "a trailing unknown field claiming 2^60 bytes",
            cat(&[&[0x13, 0x08], &bytes_2_60, items]),
            as_type::<Holder>,
        ),
    ]
}

#[test]
fn huge_length_prefixes_fail_fast_without_allocating() {
    let _g = serial();
    let mut failures = Vec::new();
    for (name, bytes, decode) in huge_claims() {
        let started = Instant::now();
        let (result, peak) = peak_during(|| decode(&bytes));
        let elapsed = started.elapsed();
        match result {
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
            other => failures.push(format!("{name}: expected UnexpectedEof, got {other:?}")),
        }
        if elapsed > TIME_BUDGET {
            failures.push(format!("{name}: took {elapsed:?}"));
        }
        if peak > PEAK_BUDGET {
            failures.push(format!("{name}: allocated {peak} bytes at the peak"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn huge_length_prefixes_report_where_the_input_ran_out() {
    let _g = serial();
    // Bytes: the claim fails at the item itself.
    let bytes = cat(&[&header(WireType::Bytes, 1 << 60), b"abc"]);
    let e = decode::<String>(&bytes).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::UnexpectedEof, Some(0)));
    assert_eq!(
        e.message(),
        format!(
            "unexpected end of input: item needs {} more bytes, 3 left",
            1u64 << 60
        )
    );
    // Sequences: the first missing item.
    let bytes = cat(&[&header(WireType::Sequence, 1 << 60), &[0x08, 0x10]]);
    let e = decode::<Vec<u64>>(&bytes).unwrap_err();
    assert_eq!(
        (e.kind(), e.offset()),
        (ErrorKind::UnexpectedEof, Some(bytes.len() as u64))
    );
}

/// Every level of a deep message claims 2^60 items. Each level alone may preallocate no
/// more than the remaining input can back, but the levels share that input: were every level
/// to reserve for all of it, 127 levels would multiply the input by the depth. Memory must
/// stay proportional to the input: at most 96 bytes per input byte, and never above 1 MiB
/// for the small message. The factor is what real items cost: one decoded `Value` takes 32
/// bytes per one-byte item, a `Vec` doubles its capacity (up to 2x), and the old buffer
/// lives on during the last reallocation (another 1x), so 45,000 one-byte items legitimately
/// peak near 3 x 32 = 96 bytes each.
#[test]
fn huge_claims_at_every_level_stay_proportional_to_the_input() {
    let _g = serial();
    let level = header(WireType::Sequence, 1 << 60);
    let mut failures = Vec::new();
    // 127 claiming levels, then `pad` empty sequences as items of the innermost one
    // (level 128), then the input ends.
    for pad in [0usize, 4096, 45_000] {
        let mut bytes = repeat(&level, DEFAULT_MAX_DEPTH as usize - 1);
        bytes.extend(std::iter::repeat_n(0x03u8, pad));
        let budget = PEAK_BUDGET.max(96 * bytes.len());
        for (name, decode) in [
            ("Value", as_type::<Value> as Decoder),
            ("Nest", as_type::<Nest>),
            ("IgnoredAny", as_type::<IgnoredAny>),
        ] {
            let input = bytes.clone();
            let (result, peak) =
                on_small_stack(move || peak_during(|| decode(&input).map_err(|e| e.kind())));
            if result != Err(ErrorKind::UnexpectedEof) {
                failures.push(format!("{name}, pad {pad}: {result:?}"));
            }
            if peak > budget {
                failures.push(format!(
                    "{name}: {} input bytes ({pad} of them items) allocated {peak} bytes at \
                     the peak, budget {budget}",
                    bytes.len()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- the same through a reader -------------------------------------------------------------

/// A reader that hands out `data` in small pieces and then ends.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
}

impl io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(7).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn from_trickle<T: DeserializeOwned>(data: Vec<u8>) -> Result<T, Error> {
    evowire::from_reader(Trickle { data, pos: 0 })
}

#[test]
fn huge_claims_through_a_reader() {
    let _g = serial();
    let mut failures = Vec::new();
    let bytes_2_60 = header(WireType::Bytes, 1 << 60);
    let bytes_max = header(WireType::Bytes, u64::MAX);
    let seq_2_60 = header(WireType::Sequence, 1 << 60);
    let body = vec![b'x'; 64 << 10];
    type ReaderCase = (&'static str, Box<dyn Fn() -> Result<(), Error>>);
    let cases: Vec<ReaderCase> = vec![
        ("String of 2^60, 3 bytes", {
            let b = cat(&[&bytes_2_60, b"abc"]);
            Box::new(move || from_trickle::<String>(b.clone()).map(drop))
        }),
        ("ByteBuf of u64::MAX, none", {
            let b = bytes_max.clone();
            Box::new(move || from_trickle::<ByteBuf>(b.clone()).map(drop))
        }),
        ("ByteBuf of 2^60, 64 KiB", {
            let b = cat(&[&bytes_2_60, &body]);
            Box::new(move || from_trickle::<ByteBuf>(b.clone()).map(drop))
        }),
        ("Value bytes of 2^60, 64 KiB", {
            let b = cat(&[&bytes_2_60, &body]);
            Box::new(move || from_trickle::<Value>(b.clone()).map(drop))
        }),
        ("IgnoredAny bytes of 2^60, 64 KiB", {
            let b = cat(&[&bytes_2_60, &body]);
            Box::new(move || from_trickle::<IgnoredAny>(b.clone()).map(drop))
        }),
        ("Vec<u64> of 2^60", {
            let b = cat(&[&seq_2_60, &[0x08, 0x10]]);
            Box::new(move || from_trickle::<Vec<u64>>(b.clone()).map(drop))
        }),
        ("Value seq of 2^60", {
            let b = cat(&[&seq_2_60, &[0x08, 0x10]]);
            Box::new(move || from_trickle::<Value>(b.clone()).map(drop))
        }),
        ("HashMap of 2^62 entries", {
            let b = cat(&[&header(WireType::Sequence, 1 << 63), &[0x08, 0x10]]);
            Box::new(move || from_trickle::<HashMap<u64, u64>>(b.clone()).map(drop))
        }),
        ("Vec<Vec<Vec<u64>>> of 2^60 each", {
            let b = cat(&[&seq_2_60, &seq_2_60, &seq_2_60, &[0x08]]);
            Box::new(move || from_trickle::<Vec<Vec<Vec<u64>>>>(b.clone()).map(drop))
        }),
    ];
    for (name, run) in cases {
        let started = Instant::now();
        let (result, peak) = peak_during(&*run);
        let elapsed = started.elapsed();
        match result {
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
            other => failures.push(format!("{name}: expected UnexpectedEof, got {other:?}")),
        }
        if elapsed > TIME_BUDGET {
            failures.push(format!("{name}: took {elapsed:?}"));
        }
        // The 64 KiB cases hold their input twice (clone + buffer) and a grown buffer.
        if peak > PEAK_BUDGET {
            failures.push(format!("{name}: allocated {peak} bytes at the peak"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_reader_error_midway_through_a_huge_claim_is_reported() {
    let _g = serial();
    let data = cat(&[&header(WireType::Bytes, 1 << 40), b"abc"]);
    let e = from_trickle::<ByteBuf>(data).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::UnexpectedEof, Some(0)));
    assert!(e.is_eof());
}

// ---- the length limit on strings and bytes -------------------------------------------------

/// `max_len` bounds a string or byte string whatever its header's length: one byte (under
/// 16), two bytes (under 2048) or more; from a slice (borrowed) and from a reader. Up to
/// the limit, every header form reads back, borrowed where the target borrows.
#[test]
fn max_len_bounds_strings_and_bytes_of_every_header_length() {
    let opts = DecodeOptions::new().with_max_len(3);
    for n in [4usize, 15, 16, 2047, 2048, 3000] {
        let text = "a".repeat(n);
        let bytes = evowire::to_vec(&text).unwrap();
        for e in [
            opts.from_slice::<&str>(&bytes).unwrap_err(),
            opts.from_slice::<String>(&bytes).unwrap_err(),
            opts.from_slice::<&[u8]>(&bytes).unwrap_err(),
            opts.from_slice::<ByteBuf>(&bytes).unwrap_err(),
            opts.from_reader::<_, String>(&bytes[..]).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{n}: {e}");
            assert_eq!(e.offset(), Some(0), "{n}: {e}");
            assert!(e.to_string().contains(&format!("length {n} ")), "{e}");
        }
    }
    assert_eq!(
        opts.from_slice::<&str>(&[0x1c, b'a', b'b', b'c']).unwrap(),
        "abc"
    );
    // Without a limit: every header length, borrowed, followed by another value.
    for n in [0usize, 15, 16, 2047, 2048, 3000] {
        let text = "é".repeat(n / 2) + &"z".repeat(n % 2);
        let mut bytes = evowire::to_vec(&text).unwrap();
        bytes.push(0x38);
        let mut de = evowire::Deserializer::from_slice(&bytes);
        assert_eq!(<&str>::deserialize(&mut de).unwrap(), text);
        assert_eq!(u8::deserialize(&mut de).unwrap(), 7);
        let mut de = evowire::Deserializer::from_slice(&bytes);
        assert_eq!(<&[u8]>::deserialize(&mut de).unwrap(), text.as_bytes());
        assert_eq!(u8::deserialize(&mut de).unwrap(), 7);
    }
}
