//! `evowire dump`: any message as a tree of items, without a schema.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use evowire::walk::{Header, Walker};
use evowire::wire::{zigzag_decode128, WireType};

use crate::cli::DumpArgs;
use crate::cmd::{decoder_error, Failure};
use crate::input;

pub fn run(args: &DumpArgs) -> Result<ExitCode, Failure> {
    let bytes = input::read_message(args.input.as_deref(), args.hex)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = dump(&bytes, &mut out);
    out.flush()?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Stop::Io(e)) => Err(e.into()),
        // The tree shows what was walked; the decoder says what is wrong, in its words.
        Err(Stop::Walk(e)) => Err(Failure::rejected(decoder_error(&bytes).unwrap_or(e))),
    }
}

enum Stop {
    Io(io::Error),
    Walk(evowire::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

impl From<evowire::Error> for Stop {
    fn from(e: evowire::Error) -> Self {
        Stop::Walk(e)
    }
}

/// Prints the tree of `bytes` to `out`, line by line, up to the first error. Each item is
/// printed before it is entered, so a message too deep shows the item that failed.
fn dump(bytes: &[u8], out: &mut impl Write) -> Result<(), Stop> {
    // Digits of the largest offset, to align the offset column.
    let width = bytes.len().max(1).ilog10() as usize + 1;
    let mut walker = Walker::new(bytes);
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
    walker.end()?;
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
        let ok = dump(bytes, &mut out).is_ok();
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
