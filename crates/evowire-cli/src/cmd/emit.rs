//! Writing JSON as a message is walked, piece by piece, in serde_json's compact or pretty
//! layout; nothing of the document is kept.

use std::io::{self, Write};

use super::shape::{non_finite_f32, non_finite_f64};

/// A value that holds no other: what one wire item means once its type is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'b> {
    Null,
    Bool(bool),
    U(u128),
    I(i128),
    /// The bits of an `f32`.
    F32(u32),
    /// The bits of an `f64`.
    F64(u64),
    Str(&'b str),
    Char(char),
}

/// Writes JSON to `W`; switched off, it writes nothing (a walk that only checks).
pub struct Emitter<W> {
    w: W,
    on: bool,
    pretty: bool,
    indent: usize,
}

impl Emitter<io::Sink> {
    /// An emitter that writes nothing.
    pub fn off() -> Self {
        Emitter {
            w: io::sink(),
            on: false,
            pretty: false,
            indent: 0,
        }
    }
}

impl<W: Write> Emitter<W> {
    pub fn new(w: W, pretty: bool) -> Self {
        Emitter {
            w,
            on: true,
            pretty,
            indent: 0,
        }
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Starts an array (`b'['`) or object (`b'{'`).
    pub fn open(&mut self, c: u8) -> io::Result<()> {
        self.indent += 1;
        if self.on {
            self.w.write_all(&[c])?;
        }
        Ok(())
    }

    /// Ends what [`Emitter::open`] started; `empty` if nothing was written inside.
    pub fn close(&mut self, c: u8, empty: bool) -> io::Result<()> {
        self.indent = self.indent.saturating_sub(1);
        if !self.on {
            return Ok(());
        }
        if self.pretty && !empty {
            self.newline()?;
        }
        self.w.write_all(&[c])
    }

    /// Before each element of an array: the separator and, pretty, the indentation.
    pub fn element(&mut self, first: bool) -> io::Result<()> {
        if !self.on {
            return Ok(());
        }
        if !first {
            self.w.write_all(b",")?;
        }
        if self.pretty {
            self.newline()?;
        }
        Ok(())
    }

    /// Before each member of an object: the separator, the name and the colon.
    pub fn key(&mut self, first: bool, name: &str) -> io::Result<()> {
        if !self.on {
            return Ok(());
        }
        self.element(first)?;
        self.string(name)?;
        self.w.write_all(if self.pretty { b": " } else { b":" })
    }

    /// A member name from a scalar map key: its text.
    pub fn key_scalar(&mut self, first: bool, key: &Scalar<'_>) -> io::Result<()> {
        if !self.on {
            return Ok(());
        }
        match *key {
            Scalar::Str(s) => self.key(first, s),
            Scalar::Char(c) => self.key(first, c.encode_utf8(&mut [0; 4])),
            Scalar::Bool(b) => self.key(first, if b { "true" } else { "false" }),
            Scalar::U(v) => self.key(first, &v.to_string()),
            Scalar::I(v) => self.key(first, &v.to_string()),
            other => {
                self.element(first)?;
                self.scalar(&other)?;
                self.w.write_all(b":")
            }
        }
    }

    pub fn scalar(&mut self, s: &Scalar<'_>) -> io::Result<()> {
        if !self.on {
            return Ok(());
        }
        let w = &mut self.w;
        match *s {
            Scalar::Null => w.write_all(b"null"),
            Scalar::Bool(b) => w.write_all(if b { b"true" } else { b"false" }),
            Scalar::U(v) => match u64::try_from(v) {
                Ok(v) => write!(w, "{v}"),
                Err(_) => write!(w, "\"{v}\""),
            },
            Scalar::I(v) => match i64::try_from(v) {
                Ok(v) => write!(w, "{v}"),
                Err(_) => write!(w, "\"{v}\""),
            },
            Scalar::F32(bits) => {
                let x = f32::from_bits(bits);
                if x.is_finite() {
                    serde_json::to_writer(w, &x).map_err(io::Error::from)
                } else {
                    self.string(&non_finite_f32(bits))
                }
            }
            Scalar::F64(bits) => {
                let x = f64::from_bits(bits);
                if x.is_finite() {
                    serde_json::to_writer(w, &x).map_err(io::Error::from)
                } else {
                    self.string(&non_finite_f64(bits))
                }
            }
            Scalar::Str(v) => self.string(v),
            Scalar::Char(c) => self.string(c.encode_utf8(&mut [0; 4])),
        }
    }

    /// Ends one top-level value.
    pub fn end_value(&mut self) -> io::Result<()> {
        if self.on {
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }

    fn string(&mut self, s: &str) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, s).map_err(io::Error::from)
    }

    fn newline(&mut self) -> io::Result<()> {
        self.w.write_all(b"\n")?;
        for _ in 0..self.indent {
            self.w.write_all(b"  ")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emit(pretty: bool) -> String {
        let mut e = Emitter::new(Vec::new(), pretty);
        e.open(b'{').unwrap();
        e.key(true, "a").unwrap();
        e.open(b'[').unwrap();
        e.element(true).unwrap();
        e.scalar(&Scalar::U(1)).unwrap();
        e.element(false).unwrap();
        e.scalar(&Scalar::F64(0.5f64.to_bits())).unwrap();
        e.close(b']', false).unwrap();
        e.key(false, "b").unwrap();
        e.open(b'[').unwrap();
        e.close(b']', true).unwrap();
        e.key_scalar(false, &Scalar::U(u128::MAX)).unwrap();
        e.scalar(&Scalar::F32(0x7fc0_0001)).unwrap();
        e.close(b'}', false).unwrap();
        e.end_value().unwrap();
        String::from_utf8(e.w).unwrap()
    }

    #[test]
    fn layouts_match_serde_json() {
        let big = "340282366920938463463374607431768211455";
        assert_eq!(
            emit(false),
            format!("{{\"a\":[1,0.5],\"b\":[],\"{big}\":\"f32:0x7fc00001\"}}\n")
        );
        let pretty = format!(
            "{{\n  \"a\": [\n    1,\n    0.5\n  ],\n  \"b\": [],\n  \"{big}\": \"f32:0x7fc00001\"\n}}\n"
        );
        assert_eq!(emit(true), pretty);
    }
}
