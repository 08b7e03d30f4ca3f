//! `evowire dump`: any message as a tree of items, without a schema.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use evowire::wire::{zigzag_decode128, WireType};

use crate::cli::DumpArgs;
use crate::cmd::Failure;
use crate::input;
use crate::walk::{library_error, Cursor, Item, WalkError};

pub fn run(args: &DumpArgs) -> Result<ExitCode, Failure> {
    let bytes = input::read_message(args.input.as_deref(), args.hex)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = dump(&bytes, &mut out);
    out.flush()?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Stop::Io(e)) => Err(e.into()),
        // The tree shows what was decoded; the decoder says what is wrong, in its words.
        Err(Stop::Walk(w)) => Err(Failure::rejected(
            library_error(&bytes).map_or_else(|| w.to_string(), |e| e.to_string()),
        )),
    }
}

enum Stop {
    Io(io::Error),
    Walk(WalkError),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

impl From<WalkError> for Stop {
    fn from(e: WalkError) -> Self {
        Stop::Walk(e)
    }
}

/// Prints the tree of `bytes` to `out`, line by line, up to the first error.
fn dump(bytes: &[u8], out: &mut impl Write) -> Result<(), Stop> {
    let mut dumper = Dumper {
        out,
        width: bytes.len().max(1).ilog10() as usize + 1,
    };
    let mut cursor = Cursor::new(bytes);
    dumper.item(&mut cursor, 0)?;
    if cursor.remaining() > 0 {
        return Err(WalkError::new(cursor.offset(), "trailing bytes").into());
    }
    Ok(())
}

struct Dumper<'w, W> {
    out: &'w mut W,
    /// Digits of the largest offset, to align the offset column.
    width: usize,
}

impl<W: Write> Dumper<'_, W> {
    fn line(&mut self, offset: usize, depth: usize, text: &str) -> io::Result<()> {
        writeln!(
            self.out,
            "{offset:>width$}  {:indent$}{text}",
            "",
            width = self.width,
            indent = depth * 2
        )
    }

    fn item(&mut self, cursor: &mut Cursor<'_>, depth: usize) -> Result<(), Stop> {
        let head = cursor.head()?;
        let offset = head.offset;
        match head.item {
            Item::Seq(count) => {
                let noun = if count == 1 { "item" } else { "items" };
                self.line(offset, depth, &format!("sequence, {count} {noun}"))?;
                cursor.enter(offset)?;
                for _ in 0..count {
                    while cursor.at_absent() {
                        let at = cursor.take_absent();
                        self.line(at, depth + 1, WireType::Absent.name())?;
                    }
                    self.item(cursor, depth + 1)?;
                }
                cursor.leave();
            }
            Item::Variant(index) => {
                self.line(offset, depth, &format!("variant {index}"))?;
                cursor.enter(offset)?;
                self.item(cursor, depth + 1)?;
                cursor.leave();
            }
            Item::Absent => {
                return Err(WalkError::new(offset, "absent-field marker outside a struct").into())
            }
            item => self.line(offset, depth, &describe_scalar(&item))?,
        }
        Ok(())
    }
}

/// The line for an item without nested items.
fn describe_scalar(item: &Item<'_>) -> String {
    match *item {
        Item::Int(v) => format!("integer {v} (zig-zag: {})", zigzag_decode128(v)),
        Item::Fixed32(b) => {
            let u = u32::from_le_bytes(b);
            format!(
                "fixed32 0x{u:08x}: f32 {:?}, u32 {u}, i32 {}",
                f32::from_bits(u),
                u as i32
            )
        }
        Item::Fixed64(b) => {
            let u = u64::from_le_bytes(b);
            format!(
                "fixed64 0x{u:016x}: f64 {:?}, u64 {u}, i64 {}",
                f64::from_bits(u),
                u as i64
            )
        }
        Item::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => format!("bytes, {}: {s:?}", b.len()),
            Err(_) => format!("bytes, {}: {}", b.len(), input::to_hex(b)),
        },
        Item::Seq(_) | Item::Variant(_) | Item::Absent => unreachable!("not a scalar"),
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
