//! Reading inputs: files or standard input, raw or as hex text.

use std::io::Read;
use std::path::Path;

use crate::cmd::Failure;

/// Reads a whole file, or standard input for `None` and `-`.
pub fn read_all(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match path {
        Some(p) if p != Path::new("-") => std::fs::read(p)
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

/// Decodes hexadecimal text: digits in either case, ASCII whitespace anywhere.
pub fn parse_hex(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (i, &c) in text.iter().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => {
                let shown = String::from_utf8_lossy(&text[i..]);
                let shown = shown.chars().next().unwrap_or('?');
                return Err(format!(
                    "invalid hex input: {shown:?} at character {i} is not a hex digit"
                ));
            }
        };
        match high.take() {
            None => high = Some(digit),
            Some(h) => out.push(h << 4 | digit),
        }
    }
    if high.is_some() {
        return Err("invalid hex input: odd number of hex digits".into());
    }
    Ok(out)
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
}
