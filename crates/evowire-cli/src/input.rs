//! Reading inputs: files or standard input, raw or as hex text, one message or several.

use std::io::Read;
use std::path::Path;

use crate::cmd::Failure;

/// Whether `path` names standard input: `-`, or no path at all.
pub fn is_stdin(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p == Path::new("-"))
}

/// Reads a whole file, or standard input for `None` and `-`.
pub fn read_all(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match path {
        Some(p) if !is_stdin(Some(p)) => std::fs::read(p)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", p.display()))),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
    }
}

/// Reads the message bytes, decoding hex text if asked.
pub fn read_message(path: Option<&Path>, hex: bool) -> Result<Vec<u8>, Failure> {
    let raw = read_all(path)?;
    if hex {
        parse_hex(&raw).map_err(Failure::usage)
    } else {
        Ok(raw)
    }
}

/// Decodes hexadecimal text: digits in either case; whitespace, commas and brackets
/// anywhere; `0x` before a byte (`0x7` is one byte); `xxd` output, whose offset column
/// (up to `:`) and text column (after two spaces) are left out.
pub fn parse_hex(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    let mut line_start = 0;
    for line in text.split(|&c| c == b'\n') {
        let (from, to) = hex_columns(line);
        let mut i = from;
        while i < to {
            let at = line_start + i;
            let c = line.get(i).copied().unwrap_or(b' ');
            let token_start = i == from || line.get(i - 1).is_some_and(|&p| is_separator(p));
            if token_start && c == b'0' && matches!(line.get(i + 1), Some(b'x' | b'X')) {
                // One `0x` number: its digits are whole bytes, a leading zero implied.
                let digits: Vec<u8> = line
                    .get(i + 2..to)
                    .unwrap_or_default()
                    .iter()
                    .map_while(|&d| hex_digit(d))
                    .collect();
                if digits.is_empty() || high.is_some() {
                    let reason = if high.is_some() {
                        "follows an odd number of hex digits"
                    } else {
                        "has no hex digits"
                    };
                    return Err(format!(
                        "invalid hex input: the 0x at character {at} {reason}"
                    ));
                }
                let pad = usize::from(digits.len() % 2 == 1);
                let padded: Vec<u8> = std::iter::repeat_n(0, pad)
                    .chain(digits.iter().copied())
                    .collect();
                out.extend(padded.chunks_exact(2).map(|p| p[0] << 4 | p[1]));
                i += 2 + digits.len();
                continue;
            }
            i += 1;
            if is_separator(c) {
                continue;
            }
            let Some(digit) = hex_digit(c) else {
                let shown = String::from_utf8_lossy(text.get(at..).unwrap_or_default());
                let shown = shown.chars().next().unwrap_or('?');
                return Err(format!(
                    "invalid hex input: {shown:?} at character {at} is not a hex digit"
                ));
            };
            match high.take() {
                None => high = Some(digit),
                Some(h) => out.push(h << 4 | digit),
            }
        }
        line_start += line.len() + 1;
    }
    if high.is_some() {
        return Err("invalid hex input: odd number of hex digits".into());
    }
    Ok(out)
}

fn is_separator(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b',' | b'[' | b']')
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The part of a line that holds hex digits: all of it, or, for a line of `xxd` output
/// (`00000010: 1b38 1c45  .8.E`), what lies between the offset and the text column.
fn hex_columns(line: &[u8]) -> (usize, usize) {
    // xxd writes the offset as at least 8 hex digits followed by ": "; anything else with a
    // colon is not xxd output and is parsed whole (so a stray ':' is reported, not dropped).
    let offset_len = line.iter().take_while(|c| c.is_ascii_hexdigit()).count();
    if offset_len < 8 || line.get(offset_len..offset_len + 2) != Some(b": ".as_slice()) {
        return (0, line.len());
    }
    let from = offset_len + 1;
    let body = line.get(from..).unwrap_or_default();
    let lead = body.iter().take_while(|&&c| c == b' ').count();
    let to = body
        .get(lead..)
        .unwrap_or_default()
        .windows(2)
        .position(|w| w == b"  ")
        .map_or(line.len(), |p| from + lead + p);
    (from, to)
}

/// Whether raw input looks like hex text rather than a message: only hex digits,
/// separators and `0x`, with at least two digits.
pub fn looks_like_hex(bytes: &[u8]) -> bool {
    let digits = bytes.iter().filter(|c| c.is_ascii_hexdigit()).count();
    digits >= 2
        && bytes
            .iter()
            .all(|&c| c.is_ascii_hexdigit() || is_separator(c) || matches!(c, b'x' | b'X' | b':'))
}

/// `message`, with a hint when the input was read raw and looks like hex text.
pub fn with_hex_hint(message: String, bytes: &[u8], hex: bool) -> String {
    if !hex && looks_like_hex(bytes) {
        format!("{message}\nhint: the input looks like hex text; read it with --hex")
    } else {
        message
    }
}

/// How the input holds its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Exactly one message; a byte after it is an error.
    One,
    /// Messages written back to back until the input ends.
    Concat,
    /// Each message preceded by its length, 4 bytes big-endian (as evowire-net frames
    /// messages).
    Frames,
}

/// The label of the `n`th of several messages written back to back (`None` for the
/// first, whose errors read as those of a single message).
pub fn message_label(n: u64, start: usize) -> Option<String> {
    (n > 1).then(|| format!("message {n} (from byte {start})"))
}

/// One length-prefixed message.
pub struct Frame<'a> {
    /// 1 for the first frame.
    pub index: u64,
    /// The offset of the length prefix in the input.
    pub start: usize,
    /// The message, without its prefix.
    pub bytes: &'a [u8],
}

impl Frame<'_> {
    /// `frame 2 (bytes 11..18)`: where the frame, prefix included, lies in the input.
    pub fn label(&self) -> String {
        format!(
            "frame {} (bytes {}..{})",
            self.index,
            self.start,
            self.start + 4 + self.bytes.len()
        )
    }
}

/// The frames of `bytes`, each a 4-byte big-endian length and that many bytes; an error
/// (and the end) if the input stops inside a frame.
pub fn frames(bytes: &[u8]) -> impl Iterator<Item = Result<Frame<'_>, String>> {
    let mut pos = 0;
    let mut index = 0;
    std::iter::from_fn(move || {
        let rest = bytes.get(pos..).filter(|r| !r.is_empty())?;
        index += 1;
        let start = pos;
        let Some(prefix) = rest.get(..4) else {
            pos = bytes.len();
            return Some(Err(format!(
                "frame {index} at byte {start}: the input ends inside the 4-byte length prefix"
            )));
        };
        let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
        let Some(body) = rest.get(4..).and_then(|r| r.get(..len)) else {
            pos = bytes.len();
            return Some(Err(format!(
                "frame {index} at byte {start}: the length prefix says {len} bytes, {} are left",
                rest.len() - 4
            )));
        };
        pos += 4 + len;
        Some(Ok(Frame {
            index,
            start,
            bytes: body,
        }))
    })
}

/// Formats bytes as lowercase hex pairs separated by spaces.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_ignores_case_and_whitespace() {
        assert_eq!(
            parse_hex(b" 1B 38\n1c\t45 56 4f 18 \n").unwrap(),
            [0x1b, 0x38, 0x1c, 0x45, 0x56, 0x4f, 0x18]
        );
        assert_eq!(parse_hex(b"").unwrap(), [] as [u8; 0]);
        assert_eq!(
            parse_hex(b"a").unwrap_err(),
            "invalid hex input: odd number of hex digits"
        );
        assert_eq!(
            parse_hex(b"0g").unwrap_err(),
            "invalid hex input: 'g' at character 1 is not a hex digit"
        );
        assert_eq!(to_hex(&[0x1b, 0x00, 0xff]), "1b 00 ff");
    }

    #[test]
    fn hex_takes_0x_commas_brackets_and_xxd() {
        let bytes = [0x1b, 0x38, 0x1c, 0x45, 0x56, 0x4f, 0x18];
        assert_eq!(parse_hex(b"0x1b").unwrap(), [0x1b]);
        assert_eq!(
            parse_hex(b"[0x1b, 0x38, 0x1c, 0x45, 0x56, 0x4f, 0x18]").unwrap(),
            bytes
        );
        assert_eq!(parse_hex(b"[0x1B,0X7, 0x0]").unwrap(), [0x1b, 0x07, 0x00]);
        assert_eq!(parse_hex(b"[1b, 38]").unwrap(), [0x1b, 0x38]);
        assert_eq!(
            parse_hex(b"00000000: 1b38 1c45 564f 18                        .8.EVO.\n").unwrap(),
            bytes
        );
        // Full lines: two spaces before the text column, which may hold hex digits.
        let xxd = b"00000000: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ..abcdef01234567\n\
                    00000010: 10                                       .\n";
        assert_eq!(parse_hex(xxd).unwrap(), (0..=16).collect::<Vec<u8>>());
        // A colon that is not after an xxd offset drops nothing: it is an error.
        assert_eq!(
            parse_hex(b"1b38:1c45").unwrap_err(),
            "invalid hex input: ':' at character 4 is not a hex digit"
        );
        assert_eq!(
            parse_hex(b"0x").unwrap_err(),
            "invalid hex input: the 0x at character 0 has no hex digits"
        );
        assert_eq!(
            parse_hex(b"1 0x2").unwrap_err(),
            "invalid hex input: the 0x at character 2 follows an odd number of hex digits"
        );
    }

    #[test]
    fn hex_text_is_recognised() {
        assert!(looks_like_hex(b"1b 38 1c\n"));
        assert!(looks_like_hex(b"[0x1b, 0x38]"));
        assert!(!looks_like_hex(b"\x1b8\x1cEVO\x18"));
        assert!(!looks_like_hex(b"\n"));
    }

    #[test]
    fn frames_split_on_length_prefixes() {
        let bytes = [0, 0, 0, 1, 0x08, 0, 0, 0, 0, 0, 0, 0, 2, 0x10];
        let frames: Vec<_> = frames(&bytes).collect();
        assert_eq!(frames.len(), 3);
        let first = frames[0].as_ref().unwrap();
        assert_eq!((first.start, first.bytes), (0, &[0x08][..]));
        assert_eq!(first.label(), "frame 1 (bytes 0..5)");
        assert_eq!(frames[1].as_ref().unwrap().bytes, &[] as &[u8]);
        assert_eq!(
            frames[2].as_ref().err().unwrap(),
            "frame 3 at byte 9: the length prefix says 2 bytes, 1 are left"
        );
        let cut: Vec<_> = super::frames(&[0, 0]).collect();
        assert_eq!(
            cut[0].as_ref().err().unwrap(),
            "frame 1 at byte 0: the input ends inside the 4-byte length prefix"
        );
    }
}
