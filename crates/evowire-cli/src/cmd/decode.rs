//! Reading a message with its schema, for `evowire json`: the walker's items read as the
//! schema's types, written out as JSON on the way.
//!
//! Recursion follows the message's nesting, which the walker bounds (`--max-depth`):
//! every step down enters a sequence or variant, except through newtypes, which are looked
//! through in a bounded loop. Arrays are an element type and a length, never a list of
//! fields. The walk also notes each place where a reader uses a default, skips an item,
//! or where `evowire encode` would not write back the same bytes.

use std::io;

use evowire::walk::{Header, Item, Walker};
use evowire::wire::{encode_varint, encode_varint128, zigzag_decode128, WireType};
use evowire_schema::{Body, Container, Schema, Type, Variant};

use super::emit::{Emitter, Scalar};
use super::shape::{
    container, fits_signed, fits_unsigned, int_width, nullable, resolve, string_keys, FieldName,
    Fields, Path, MAX_LEVELS, SOME,
};

/// Why a walk stopped.
pub enum Stop {
    /// The message is malformed or does not fit the schema: the text for people.
    Bad(String),
    /// The output could not be written.
    Io(io::Error),
}

impl Stop {
    /// Says where: `frame 3 (bytes 20..31): …`.
    pub fn context(self, label: &str) -> Stop {
        match self {
            Stop::Bad(message) => Stop::Bad(format!("{label}: {message}")),
            io => io,
        }
    }
}

impl From<evowire::Error> for Stop {
    fn from(e: evowire::Error) -> Self {
        Stop::Bad(super::walk_error(&e))
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// A problem with the item at `offset`.
fn at(offset: usize, message: impl std::fmt::Display) -> Stop {
    Stop::Bad(format!("{message} at byte offset {offset}"))
}

fn mismatch(item: &Item<'_>, expected: &str, path: &Path<'_>, ty: &Type) -> Stop {
    let wire = item.wire_type();
    at(
        item.offset,
        format!(
            "expected {expected} for `{path}` ({ty}), found {} (wire type {})",
            wire.name(),
            wire as u8
        ),
    )
}

/// The kinds of notes, counted for the summary.
#[derive(Clone, Copy)]
pub enum NoteKind {
    Default,
    Skipped,
    Fallback,
    Packed,
    Reshaped,
}

const KINDS: [(NoteKind, &str); 5] = [
    (
        NoteKind::Default,
        "fields missing or absent (readers use defaults)",
    ),
    (
        NoteKind::Skipped,
        "records with items the schema does not have (skipped)",
    ),
    (NoteKind::Fallback, "unknown variants read as the fallback"),
    (NoteKind::Packed, "packed sequences"),
    (
        NoteKind::Reshaped,
        "items in another form than encode writes",
    ),
];

/// How many notes are printed in full; the rest are counted.
const SHOWN: usize = 10;

/// The notes of a run: the first few in full, all of them counted by kind.
pub struct Notes {
    on: bool,
    counts: [u64; KINDS.len()],
    shown: Vec<String>,
}

/// Where the notes stood before a message, to drop that message's notes if it fails.
#[derive(Clone, Copy)]
pub struct Mark {
    counts: [u64; KINDS.len()],
    shown: usize,
}

impl Notes {
    /// Notes that are kept (`on`) or dropped (`--quiet`).
    pub fn new(on: bool) -> Self {
        Notes {
            on,
            counts: [0; KINDS.len()],
            shown: Vec::new(),
        }
    }

    fn add(&mut self, kind: NoteKind, text: impl FnOnce() -> String) {
        if !self.on {
            return;
        }
        let total: u64 = self.counts.iter().sum();
        if let Some(count) = self.counts.get_mut(kind as usize) {
            *count += 1;
        }
        if total < SHOWN as u64 {
            self.shown.push(text());
        }
    }

    pub fn mark(&self) -> Mark {
        Mark {
            counts: self.counts,
            shown: self.shown.len(),
        }
    }

    pub fn rollback(&mut self, mark: Mark) {
        self.counts = mark.counts;
        self.shown.truncate(mark.shown);
    }

    /// Prints the notes shown in full, then, if there were more, a count by kind.
    pub fn print(&self, w: &mut impl io::Write) -> io::Result<()> {
        for note in &self.shown {
            writeln!(w, "note: {note}")?;
        }
        let total: u64 = self.counts.iter().sum();
        if total > self.shown.len() as u64 {
            let kinds: Vec<String> = KINDS
                .iter()
                .zip(self.counts)
                .filter(|(_, n)| *n > 0)
                .map(|((_, label), n)| format!("{n} {label}"))
                .collect();
            writeln!(
                w,
                "note: {total} notes in all, the first {} above; by kind: {}",
                self.shown.len(),
                kinds.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A number as found on the wire, before it is read as a given type.
enum Number {
    Varint(u128),
    Fixed32(u32),
    Fixed64(u64),
}

/// What a walk reads: the schema, the type of each message and the depth bound.
#[derive(Clone, Copy)]
pub struct Job<'s> {
    pub schema: &'s Schema,
    pub ty: &'s Type,
    pub root: &'s str,
    pub max_depth: u32,
}

/// One walk over the messages in one byte slice: checking (notes kept, nothing written)
/// or writing (no notes).
pub struct Decoder<'s, 'b, 'o, W> {
    schema: &'s Schema,
    pub walker: Walker<'b, MAX_LEVELS>,
    out: &'o mut Emitter<W>,
    notes: Option<&'o mut Notes>,
}

impl<'s, 'b, 'o, W: io::Write> Decoder<'s, 'b, 'o, W> {
    pub fn new(
        job: Job<'s>,
        bytes: &'b [u8],
        out: &'o mut Emitter<W>,
        notes: Option<&'o mut Notes>,
    ) -> Self {
        Decoder {
            schema: job.schema,
            walker: Walker::with_capacity(bytes).with_max_depth(job.max_depth),
            out,
            notes,
        }
    }

    /// Reads the next message's root item as `job.ty` and writes it as one JSON value.
    pub fn message(&mut self, job: Job<'s>) -> Result<(), Stop> {
        self.value(job.ty, &Path::Root(job.root))?;
        self.out.end_value()?;
        Ok(())
    }

    pub fn mark(&self) -> Option<Mark> {
        self.notes.as_deref().map(Notes::mark)
    }

    pub fn rollback(&mut self, mark: Option<Mark>) {
        if let (Some(notes), Some(mark)) = (self.notes.as_deref_mut(), mark) {
            notes.rollback(mark);
        }
    }

    fn note(&mut self, kind: NoteKind, text: impl FnOnce() -> String) {
        if let Some(notes) = self.notes.as_deref_mut() {
            notes.add(kind, text);
        }
    }

    /// The next item, which the message's structure says is there.
    fn item(&mut self) -> Result<Item<'b>, Stop> {
        let offset = self.walker.offset();
        self.walker
            .next_item()?
            .ok_or_else(|| at(offset, "unexpected end of the enclosing item"))
    }

    fn value(&mut self, ty: &'s Type, path: &Path<'_>) -> Result<(), Stop> {
        let item = self.item()?;
        self.value_of(item, ty, path)
    }

    /// An item read as `ty`, right after [`Decoder::item`] returned it.
    fn value_of(&mut self, item: Item<'b>, ty: &'s Type, path: &Path<'_>) -> Result<(), Stop> {
        let ty = resolve(self.schema, ty).map_err(|e| at(item.offset, e))?;
        self.check_form(&item, path);
        match ty {
            Type::Named(name) => self.named(item, name, ty, path),
            Type::Option(inner) => self.option(&item, inner, ty, path),
            Type::Seq(element) => self.seq(&item, element, ty, path),
            Type::Map { key, value } => self.map(&item, key, value, ty, path),
            Type::Tuple(items) => self.record(&item, Fields::Tuple(items), false, ty, path),
            Type::Array { item: element, len } => {
                self.record(&item, Fields::Array(element, *len), false, ty, path)
            }
            Type::Bytes | Type::Packed => {
                let Header::Bytes(b) = item.header else {
                    return Err(mismatch(&item, "a bytes item", path, ty));
                };
                self.out.open(b'[')?;
                for (i, &x) in b.iter().enumerate() {
                    self.out.element(i == 0)?;
                    self.out.scalar(&Scalar::U(x.into()))?;
                }
                Ok(self.out.close(b']', b.is_empty())?)
            }
            Type::Unit => {
                self.unit(&item, path)?;
                Ok(self.out.scalar(&Scalar::Null)?)
            }
            _ => {
                let s = self.scalar(&item, ty, path)?;
                Ok(self.out.scalar(&s)?)
            }
        }
    }

    /// Notes an item whose header is longer than needed (a varint with extra groups):
    /// readers take it, `encode` writes the short form.
    fn check_form(&mut self, item: &Item<'_>, path: &Path<'_>) {
        if self.notes.is_none() {
            return;
        }
        let used = self.walker.offset().saturating_sub(item.offset);
        let (used, short) = match item.header {
            Header::Int(v) => (used, encode_varint128(WireType::Int, v).as_slice().len()),
            Header::Sequence(n) => (used, encode_varint(WireType::Sequence, n).as_slice().len()),
            Header::Variant(i) => (
                used,
                encode_varint(WireType::Variant, i.into()).as_slice().len(),
            ),
            Header::Bytes(b) => (
                used.saturating_sub(b.len()),
                encode_varint(WireType::Bytes, b.len() as u64)
                    .as_slice()
                    .len(),
            ),
            _ => return,
        };
        if used != short {
            let offset = item.offset;
            self.note(NoteKind::Reshaped, || {
                format!(
                    "`{path}`: the header at byte offset {offset} takes {used} bytes where \
                     {short} suffice (encode writes the short form)"
                )
            });
        }
    }

    /// Unit reads any item and skips it (SPEC §7.5), but an absent-field marker is no item.
    fn unit(&mut self, item: &Item<'_>, path: &Path<'_>) -> Result<(), Stop> {
        if item.header == Header::Absent {
            return Err(at(item.offset, "absent-field marker outside a struct"));
        }
        if !matches!(item.header, Header::Int(0)) {
            let (offset, wire) = (item.offset, item.wire_type().name());
            self.note(NoteKind::Reshaped, || {
                format!(
                    "`{path}` is `()` written as {wire} at byte offset {offset} (encode writes 0)"
                )
            });
        }
        Ok(self.walker.skip()?)
    }

    /// The body of `None` or of a unit variant: skipped by readers, `()` when written.
    fn ignored_body(&mut self, path: &Path<'_>) -> Result<(), Stop> {
        let body = self.item()?;
        let one_byte = self.walker.offset() == body.offset + 1;
        if body.header != Header::Int(0) || !one_byte {
            let offset = body.offset;
            self.note(NoteKind::Reshaped, || {
                format!(
                    "`{path}`: the body at byte offset {offset} is not `()`; readers skip it, \
                     encode writes `()`"
                )
            });
        }
        Ok(self.walker.skip()?)
    }

    /// The number in an integer, fixed32 or fixed64 item. Readers take integers in any of
    /// these forms; `encode` writes a varint (a field written with `evowire::fixed` is read
    /// back as the same value, in another form).
    fn number(&mut self, item: &Item<'_>, path: &Path<'_>, ty: &Type) -> Result<Number, Stop> {
        Ok(match item.header {
            Header::Int(v) => Number::Varint(v),
            Header::Fixed32(b) => Number::Fixed32(u32::from_le_bytes(b)),
            Header::Fixed64(b) => Number::Fixed64(u64::from_le_bytes(b)),
            _ => return Err(mismatch(item, "an integer (wire type 0, 1 or 2)", path, ty)),
        })
    }

    /// A scalar item: `bool`, integers, floats, `char` and `str`.
    fn scalar(&mut self, item: &Item<'b>, ty: &Type, path: &Path<'_>) -> Result<Scalar<'b>, Stop> {
        let out_of_range = |v: &dyn std::fmt::Display| {
            at(
                item.offset,
                format!("integer {v} out of range for `{path}` ({ty})"),
            )
        };
        if let Some((bits, signed)) = int_width(ty) {
            let n = self.number(item, path, ty)?;
            return if signed {
                let v = match n {
                    Number::Varint(v) => zigzag_decode128(v),
                    Number::Fixed32(v) => i128::from(v as i32),
                    Number::Fixed64(v) => i128::from(v as i64),
                };
                if fits_signed(v, bits) {
                    Ok(Scalar::I(v))
                } else {
                    Err(out_of_range(&v))
                }
            } else {
                let v = unsigned(n);
                if fits_unsigned(v, bits) {
                    Ok(Scalar::U(v))
                } else {
                    Err(out_of_range(&v))
                }
            };
        }
        match ty {
            Type::Bool => {
                let v = unsigned(self.number(item, path, ty)?);
                if v > u128::from(u64::MAX) {
                    return Err(at(
                        item.offset,
                        format!("integer out of range for `{path}` (bool)"),
                    ));
                }
                if v > 1 {
                    let offset = item.offset;
                    self.note(NoteKind::Reshaped, || {
                        format!(
                            "`{path}` is the bool {v} at byte offset {offset} (encode writes 1)"
                        )
                    });
                }
                Ok(Scalar::Bool(v != 0))
            }
            Type::F32 | Type::F64 => {
                let wide = *ty == Type::F64;
                let s = match (item.header, wide) {
                    (Header::Fixed32(b), false) => return Ok(Scalar::F32(u32::from_le_bytes(b))),
                    (Header::Fixed64(b), true) => return Ok(Scalar::F64(u64::from_le_bytes(b))),
                    (Header::Fixed32(b), true) => {
                        Scalar::F64(f64::from(f32::from_le_bytes(b)).to_bits())
                    }
                    (Header::Fixed64(b), false) => {
                        Scalar::F32((f64::from_le_bytes(b) as f32).to_bits())
                    }
                    _ => return Err(mismatch(item, "a fixed32/fixed64 float", path, ty)),
                };
                let offset = item.offset;
                self.note(NoteKind::Reshaped, || {
                    format!("`{path}` is a float of the other width at byte offset {offset} (encode writes {ty})")
                });
                Ok(s)
            }
            Type::Char => {
                let v = unsigned(self.number(item, path, ty)?);
                u32::try_from(v)
                    .ok()
                    .and_then(char::from_u32)
                    .map(Scalar::Char)
                    .ok_or_else(|| at(item.offset, format!("{v:#x} is not a char, in `{path}`")))
            }
            Type::Str => {
                let Header::Bytes(b) = item.header else {
                    return Err(mismatch(item, "a bytes item", path, ty));
                };
                std::str::from_utf8(b)
                    .map(Scalar::Str)
                    .map_err(|_| at(item.offset, format!("invalid utf-8 in `{path}` (str)")))
            }
            _ => Err(at(
                item.offset,
                format!("`{path}` ({ty}) cannot be read as a single value"),
            )),
        }
    }

    fn option(
        &mut self,
        item: &Item<'_>,
        inner: &'s Type,
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        match item.header {
            Header::Variant(0) => {
                self.walker.enter()?;
                self.ignored_body(path)?;
                self.walker.leave()?;
                Ok(self.out.scalar(&Scalar::Null)?)
            }
            Header::Variant(1) => {
                self.walker.enter()?;
                if nullable(self.schema, inner) {
                    self.out.open(b'{')?;
                    self.out.key(true, SOME)?;
                    self.value(inner, path)?;
                    self.out.close(b'}', false)?;
                } else {
                    self.value(inner, path)?;
                }
                Ok(self.walker.leave()?)
            }
            Header::Variant(d) => Err(at(
                item.offset,
                format!("invalid Option discriminant {d} for `{path}`"),
            )),
            _ => Err(mismatch(item, "a variant (an Option)", path, ty)),
        }
    }

    fn seq(
        &mut self,
        item: &Item<'b>,
        element: &'s Type,
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let count = match item.header {
            Header::Sequence(count) => count,
            // A packed sequence (§12.2) read with a schema that predates it.
            Header::Bytes(b) => return self.packed(item, b, element, ty, path),
            _ => return Err(mismatch(item, "a sequence", path, ty)),
        };
        self.walker.enter()?;
        self.out.open(b'[')?;
        for i in 0..count {
            let next = self.item()?;
            if next.header == Header::Absent {
                return Err(at(
                    next.offset,
                    format!("absent-field marker in the sequence `{path}`"),
                ));
            }
            self.out.element(i == 0)?;
            self.value_of(next, element, &Path::Index(path, i))?;
        }
        self.walker.leave()?;
        Ok(self.out.close(b']', count == 0)?)
    }

    /// The elements of a packed payload, for element types that can be packed.
    fn packed(
        &mut self,
        item: &Item<'_>,
        b: &[u8],
        element: &Type,
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let element = resolve(self.schema, element).map_err(|e| at(item.offset, e))?;
        let width = match element {
            Type::U16 | Type::I16 => 2,
            Type::U32 | Type::I32 | Type::F32 => 4,
            Type::U64 | Type::I64 | Type::F64 => 8,
            _ => 0,
        };
        if width == 0 || !b.len().is_multiple_of(width) {
            return Err(mismatch(item, "a sequence", path, ty));
        }
        let offset = item.offset;
        self.note(NoteKind::Packed, || {
            format!("`{path}` is packed (evowire::packed) at byte offset {offset}")
        });
        self.out.open(b'[')?;
        for (i, c) in b.chunks_exact(width).enumerate() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..width) {
                dst.copy_from_slice(c);
            }
            let raw = u64::from_le_bytes(w);
            let s = match element {
                Type::I16 => Scalar::I(i128::from(raw as u16 as i16)),
                Type::I32 => Scalar::I(i128::from(raw as u32 as i32)),
                Type::I64 => Scalar::I(i128::from(raw as i64)),
                Type::F32 => Scalar::F32(raw as u32),
                Type::F64 => Scalar::F64(raw),
                _ => Scalar::U(raw.into()),
            };
            self.out.element(i == 0)?;
            self.out.scalar(&s)?;
        }
        Ok(self.out.close(b']', b.is_empty())?)
    }

    fn map(
        &mut self,
        item: &Item<'_>,
        key: &'s Type,
        value: &'s Type,
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let Header::Sequence(count) = item.header else {
            return Err(mismatch(item, "a sequence (a map)", path, ty));
        };
        if count % 2 != 0 {
            return Err(at(
                item.offset,
                format!("a map needs an even number of items, `{path}` has {count}"),
            ));
        }
        let by_name = string_keys(self.schema, key);
        self.walker.enter()?;
        self.out.open(if by_name { b'{' } else { b'[' })?;
        for i in 0..count / 2 {
            let key_path = Path::Key(path, i);
            if by_name {
                let k = self.item()?;
                let key_ty = resolve(self.schema, key).map_err(|e| at(k.offset, e))?;
                self.check_form(&k, &key_path);
                let k = self.scalar(&k, key_ty, &key_path)?;
                self.out.key_scalar(i == 0, &k)?;
                self.value(value, &Path::Index(path, i))?;
            } else {
                self.out.element(i == 0)?;
                self.out.open(b'[')?;
                self.out.element(true)?;
                self.value(key, &key_path)?;
                self.out.element(false)?;
                self.value(value, &Path::Index(path, i))?;
                self.out.close(b']', false)?;
            }
        }
        self.walker.leave()?;
        Ok(self
            .out
            .close(if by_name { b'}' } else { b']' }, count == 0)?)
    }

    fn named(
        &mut self,
        item: Item<'b>,
        name: &str,
        ty: &'s Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        match container(self.schema, name).map_err(|e| at(item.offset, e))? {
            Container::UnitStruct => {
                self.unit(&item, path)?;
                Ok(self.out.scalar(&Scalar::Null)?)
            }
            // `resolve` looked through newtypes already.
            Container::Newtype(_) => Err(at(
                item.offset,
                format!("the newtype `{name}` is not resolved"),
            )),
            Container::TupleStruct(fields) => {
                self.record(&item, Fields::Listed(fields), false, ty, path)
            }
            Container::Struct(fields) => self.record(&item, Fields::Listed(fields), true, ty, path),
            Container::Enum(variants) => self.variant(&item, name, variants, ty, path),
        }
    }

    fn variant(
        &mut self,
        item: &Item<'_>,
        name: &str,
        variants: &'s [Variant],
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let Header::Variant(index) = item.header else {
            return Err(mismatch(item, "a variant", path, ty));
        };
        self.walker.enter()?;
        // Unknown indices reach the `#[serde(other)]` fallback, as in a reader.
        let variant = match variants.get(index as usize) {
            Some(v) => v,
            None => variants.iter().find(|v| v.fallback).ok_or_else(|| {
                at(
                    item.offset,
                    format!(
                        "unknown variant index {index} for `{path}` (enum `{name}` has {} \
                         variants and no #[serde(other)] fallback)",
                        variants.len()
                    ),
                )
            })?,
        };
        let at_variant = Path::Variant(path, &variant.name);
        if variant.fallback {
            let offset = item.offset;
            self.note(NoteKind::Fallback, || {
                format!(
                    "`{path}`: variant index {index} at byte offset {offset} read as the \
                     fallback `{}` (its body is skipped)",
                    variant.name
                )
            });
        }
        match &variant.body {
            // The body is skipped when the variant is left.
            Body::Unit => {
                if !variant.fallback {
                    self.ignored_body(&at_variant)?;
                }
                self.out.scalar(&Scalar::Str(&variant.name))?;
            }
            Body::Newtype(t) => {
                self.out.open(b'{')?;
                self.out.key(true, &variant.name)?;
                self.value(t, &at_variant)?;
                self.out.close(b'}', false)?;
            }
            Body::Tuple(fields) | Body::Struct(fields) => {
                let named = matches!(variant.body, Body::Struct(_));
                self.out.open(b'{')?;
                self.out.key(true, &variant.name)?;
                let body = self.item()?;
                self.check_form(&body, &at_variant);
                self.record(&body, Fields::Listed(fields), named, ty, &at_variant)?;
                self.out.close(b'}', false)?;
            }
        }
        Ok(self.walker.leave()?)
    }

    /// A sequence read into a fixed list of fields (SPEC §5.4, §9.3).
    fn record(
        &mut self,
        item: &Item<'_>,
        fields: Fields<'s>,
        named: bool,
        ty: &Type,
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let Header::Sequence(count) = item.header else {
            return Err(mismatch(item, "a sequence", path, ty));
        };
        self.walker.enter()?;
        self.out.open(if named { b'{' } else { b'[' })?;
        let mut left = count;
        let mut next = 0;
        let mut written = 0u64;
        while left > 0 {
            let Some(f) = fields.get(next) else { break };
            next += 1;
            let field = self.item()?;
            if field.header == Header::Absent {
                let offset = field.offset;
                if !f.default {
                    return Err(at(
                        offset,
                        format!(
                            "field `{path}.{}` is absent, and the schema gives it no default",
                            f.name
                        ),
                    ));
                }
                let lost = if named {
                    ""
                } else {
                    " (encode cannot write it back in an array)"
                };
                self.note(NoteKind::Default, || {
                    format!(
                        "`{path}.{}` is absent (marker at byte offset {offset}): readers use its \
                         default{lost}",
                        f.name
                    )
                });
                continue;
            }
            if named {
                let FieldName::Named(name) = f.name else {
                    return Err(at(field.offset, format!("`{path}` has unnamed fields")));
                };
                self.out.key(written == 0, name)?;
            } else {
                self.out.element(written == 0)?;
            }
            self.value_of(field, f.ty, &Path::Field(path, f.name))?;
            written += 1;
            left -= 1;
        }
        if let Some(f) = fields.first_required(next) {
            return Err(at(
                item.offset,
                format!(
                    "`{path}` has {count} items, and the schema gives its field `{}` no default",
                    f.name
                ),
            ));
        }
        if let Fields::Listed(list) = fields {
            for f in list.iter().skip(next) {
                self.note(NoteKind::Default, || {
                    format!("`{path}.{}` is missing: readers use its default", f.name)
                });
            }
        }
        let offset = self.walker.offset();
        // Items the schema has no place for are skipped on the way out.
        self.walker.leave()?;
        if left > 0 {
            self.note(NoteKind::Skipped, || {
                format!(
                    "`{path}`: skipped {left} item{} from byte offset {offset} that the schema \
                     does not have (written by a newer version?)",
                    if left == 1 { "" } else { "s" }
                )
            });
        }
        Ok(self
            .out
            .close(if named { b'}' } else { b']' }, written == 0)?)
    }
}

fn unsigned(n: Number) -> u128 {
    match n {
        Number::Varint(v) => v,
        Number::Fixed32(v) => v.into(),
        Number::Fixed64(v) => v.into(),
    }
}
