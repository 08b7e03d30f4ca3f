//! `evowire dump`: any message as a tree of items, without a schema.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use evowire::walk::{Header, Walker};
use evowire::wire::{zigzag_decode128, WireType};

use crate::cli::DumpArgs;
use crate::cmd::shape::MAX_LEVELS;
use crate::cmd::Failure;
use crate::input::{self, Framing};

pub fn run(args: &DumpArgs) -> Result<ExitCode, Failure> {
    let bytes = input::read_message(args.input.as_deref(), args.hex)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let max_depth = args.messages.max_depth;
    let result = match args.messages.framing() {
        Framing::One => {
            let mut walker = walker(&bytes, max_depth);
            dump(&mut walker, &mut out).and_then(|()| Ok(walker.end()?))
        }
        Framing::Concat => concatenated(&bytes, max_depth, &mut out),
        Framing::Frames => input::frames(&bytes).try_for_each(|frame| {
            let frame = frame.map_err(Stop::Framing)?;
            writeln!(out, "# {}", frame.label())?;
            let mut walker = walker(frame.bytes, max_depth);
            dump(&mut walker, &mut out)
                .and_then(|()| Ok(walker.end()?))
                .map_err(|e| e.context(&frame.label()))
        }),
    };
    out.flush()?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Stop::Io(e)) => Err(e.into()),
        // The tree shows what was walked; the walker says what is wrong and where.
        Err(Stop::Walk(message)) | Err(Stop::Framing(message)) => Err(Failure::rejected(
            input::with_hex_hint(message, &bytes, args.hex),
        )),
    }
}

fn walker(bytes: &[u8], max_depth: u32) -> Walker<'_, MAX_LEVELS> {
    Walker::with_capacity(bytes).with_max_depth(max_depth)
}

/// Messages written back to back, each introduced by a line with its number and offset.
fn concatenated(bytes: &[u8], max_depth: u32, out: &mut impl Write) -> Result<(), Stop> {
    let mut walker = walker(bytes, max_depth);
    let mut n = 0;
    loop {
        let start = walker.offset();
        if !walker.next_message()? {
            return Ok(());
        }
        n += 1;
        writeln!(out, "# message {n} at byte {start}")?;
        dump(&mut walker, out).map_err(|e| match input::message_label(n, start) {
            Some(label) => e.context(&label),
            None => e,
        })?;
    }
}

enum Stop {
    Io(io::Error),
    Walk(String),
    Framing(String),
}

impl Stop {
    fn context(self, label: &str) -> Stop {
        match self {
            Stop::Walk(message) => Stop::Walk(format!("{label}: {message}")),
            other => other,
        }
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

impl From<evowire::Error> for Stop {
    fn from(e: evowire::Error) -> Self {
        Stop::Walk(super::walk_error(&e))
    }
}

/// Prints the tree of the walker's next message to `out`, line by line, up to the first
/// error. Each item is printed before it is entered, so a message too deep shows the item
/// that failed.
fn dump<const LEVELS: usize>(
    walker: &mut Walker<'_, LEVELS>,
    out: &mut impl Write,
) -> Result<(), Stop> {
    // Digits of the largest offset, to align the offset column.
    let width = walker
        .offset()
        .saturating_add(walker.remaining().len())
        .max(1)
        .ilog10() as usize
        + 1;
    loop {
        let Some(item) = walker.next_item()? else {
            if walker.depth() == 0 {
                break;
            }
            walker.leave()?;
            continue;
        };
        writeln!(
            out,
            "{:>width$}  {:indent$}{}",
            item.offset,
            "",
            describe(&item.header),
            indent = walker.depth() * 2
        )?;
        walker.enter()?;
    }
    Ok(())
}

/// The text of an item's line.
fn describe(header: &Header<'_>) -> String {
    match *header {
        Header::Sequence(count) => {
            let noun = if count == 1 { "item" } else { "items" };
            format!("sequence, {count} {noun}")
        }
        Header::Variant(index) => format!("variant {index}"),
        Header::Int(v) => format!("integer {v} (zig-zag: {})", zigzag_decode128(v)),
        Header::Fixed32(b) => {
            let u = u32::from_le_bytes(b);
            format!(
                "fixed32 0x{u:08x}: f32 {:?}, u32 {u}, i32 {}",
                f32::from_bits(u),
                u as i32
            )
        }
        Header::Fixed64(b) => {
            let u = u64::from_le_bytes(b);
            format!(
                "fixed64 0x{u:016x}: f64 {:?}, u64 {u}, i64 {}",
                f64::from_bits(u),
                u as i64
            )
        }
        Header::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => format!("bytes, {}: {s:?}", b.len()),
            Err(_) => format!("bytes, {}: {}", b.len(), input::to_hex(b)),
        },
        Header::Absent => WireType::Absent.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> (String, bool) {
        let mut out = Vec::new();
        let mut walker = Walker::new(bytes);
        let ok = dump(&mut walker, &mut out).is_ok() && walker.end().is_ok();
        (String::from_utf8(out).unwrap(), ok)
    }

    #[test]
    fn every_item_kind() {
        let bytes = [
            0x3b, // sequence of 7
            0x08, // 1
            0x06, // absent marker
            0x01, 0x00, 0x00, 0xc0, 0x3f, // 1.5f32
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, // 1.5f64
            0x14, b'h', b'i', // "hi"
            0x14, 0xff, 0x00, // non-UTF-8
            0x0d, 0x03, // Some(empty sequence)
            0x78, // 15
        ];
        let (text, ok) = text(&bytes);
        assert!(ok);
        let expected = [
            " 0  sequence, 7 items",
            " 1    integer 1 (zig-zag: -1)",
            " 2    absent-field marker",
            " 3    fixed32 0x3fc00000: f32 1.5, u32 1069547520, i32 1069547520",
            " 8    fixed64 0x3ff8000000000000: f64 1.5, u64 4609434218613702656, i64 4609434218613702656",
            "17    bytes, 2: \"hi\"",
            "20    bytes, 2: ff 00",
            "23    variant 1",
            "24      sequence, 0 items",
            "25    integer 15 (zig-zag: -8)",
        ];
        assert_eq!(text, expected.join("\n") + "\n");
    }
}
