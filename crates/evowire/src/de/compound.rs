//! Sequences, structs, tuples, maps and packed sequences, and the accesses handed to their
//! visitors.

use core::cell::Cell;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, Visitor};

use super::any::AbsentMarker;
use super::field::Field;
use super::header::{Mark, Start, SEQUENCE};
use super::Deserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::read::{Read, Reference};
use crate::wire::{WireType, TAG_ABSENT};

impl<'de, R: Read<'de>> Deserializer<R> {
    /// A size hint for a sequence with `own` items left, registered as promised until
    /// `release` is called with what `hint` holds; `None` for a stream (no preallocation).
    #[inline]
    pub(super) fn promise(&self, own: usize, hint: &Cell<Option<usize>>) -> Option<usize> {
        if let Some(h) = hint.get() {
            return Some(h.min(own));
        }
        let left = self.read.remaining_hint()?;
        let h = own.min(left.saturating_sub(self.promised.get()));
        hint.set(Some(h));
        self.promised.set(self.promised.get().saturating_add(h));
        Some(h)
    }

    #[inline]
    pub(super) fn release(&self, hint: &Cell<Option<usize>>) {
        if let Some(h) = hint.get() {
            self.promised.set(self.promised.get().saturating_sub(h));
        }
    }

    #[inline]
    pub(super) fn sequence<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        limit: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, target)?;
        self.visit_sequence::<MARKERS, V>(count, start, limit, visitor)
    }

    /// A tuple, array or struct of `len` items: small and fixed, so worth inlining into the
    /// caller's visitor.
    ///
    /// The common case, a one-byte header announcing exactly `len` items, is read inline
    /// (for a value that may be a run of floats, only the run is); every other header goes
    /// out of line. That keeps the inlined body small, and with
    /// the count a constant, LLVM folds the per-element counter checks of a derived
    /// visitor away.
    ///
    /// `SITE` is [`COMMON`], or [`FIELD`] where the item is a struct field, which an
    /// absent-field marker may stand for. It also tells the visitor instances apart, so
    /// each has a single caller.
    #[inline(always)]
    pub(super) fn fixed<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        // A value the size of `len` floats may be a tuple or struct of `f32`: if the items
        // are all fixed32, they are taken in one step (see `run`), and anything else goes
        // out of line, so that what is inlined is that step alone. The test is on
        // constants: other visitors carry no trace of this path.
        if len > 0 && len < 16 && core::mem::size_of::<V::Value>() == 4 * len {
            let start = Mark(self.read.mark());
            let header = WireType::Sequence as u8 | ((len as u8) << 3);
            if let Some((items, from)) = self.read.take_fixed32_run(header, len) {
                return self.visit_run::<MARKERS, SITE, V>(items, from, start, visitor);
            }
            return self.fixed_items::<MARKERS, SITE, V>(len, target, visitor);
        }
        self.fixed_items_inline::<MARKERS, SITE, V>(len, target, visitor)
    }

    /// [`Self::fixed`] for a value that may be a run of floats but is not.
    #[inline(never)]
    fn fixed_items<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.fixed_items_inline::<MARKERS, SITE, V>(len, target, visitor)
    }

    /// The items of [`Self::fixed`] read one by one.
    #[inline(always)]
    fn fixed_items_inline<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if len < 16 {
            // The offset is worked out only if an error needs it.
            let start = Mark(self.read.mark());
            if self
                .read
                .take_if(WireType::Sequence as u8 | ((len as u8) << 3))
            {
                return self.visit_sequence_inline::<MARKERS, SITE, V>(len, start, len, visitor);
            }
        }
        self.fixed_general::<MARKERS, SITE, V>(len, target, visitor)
    }

    /// [`Self::fixed`] with any other header: a multi-byte count, a count other than
    /// `len`, or not a sequence at all.
    #[inline(never)]
    fn fixed_general<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        len: usize,
        target: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.absent_field(SITE == FIELD)?;
        let (count, start) = self.header(WireType::Sequence, SEQUENCE, target)?;
        self.visit_sequence_inline::<MARKERS, GENERAL, V>(count, start, len, visitor)
    }

    #[inline]
    pub(super) fn visit_sequence<const MARKERS: u8, V: Visitor<'de>>(
        &mut self,
        count: usize,
        start: u64,
        limit: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.visit_sequence_inline::<MARKERS, COMMON, V>(count, start, limit, visitor)
    }

    /// The body of [`Self::visit_sequence`], for the callers that want it inlined.
    #[inline(always)]
    fn visit_sequence_inline<const MARKERS: u8, const SITE: u8, V: Visitor<'de>>(
        &mut self,
        count: usize,
        start: impl Start,
        limit: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.enter(start)?;
        // Without markers every element read is an item taken, so one counter does: the
        // items past `limit` are skipped afterwards.
        let (remaining, excess) = if MARKERS == REJECT {
            let visible = count.min(limit);
            (visible, count - visible)
        } else {
            (count, 0)
        };
        let mut access = SeqAccess::<R, MARKERS> {
            de: self,
            remaining,
            limit,
            hint: Cell::new(None),
        };
        let value = match visitor.visit_seq(Inlined::<_, SITE>(&mut access)) {
            Ok(value) => value,
            Err(e) => return Err(e.or_offset(start.offset(&access.de.read))),
        };
        let rest = access.remaining + excess;
        let hint = access.hint;
        self.release(&hint);
        // Items the reader has no place for: fields added by a newer writer (SPEC §10).
        if rest > 0 {
            self.skip_items(rest)?;
        }
        self.leave();
        Ok(value)
    }

    /// A packed sequence (SPEC §12.2): a bytes item, or the plain sequence encoding.
    pub(super) fn packed<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (tag, start) = self.tag()?;
        match WireType::from_tag(tag) {
            WireType::Bytes => {
                let bytes = self.bytes_after_tag(tag, start)?;
                match bytes {
                    Reference::Borrowed(b) => visitor.visit_borrowed_bytes(b),
                    Reference::Copied(b) => visitor.visit_bytes(b),
                }
                .map_err(|e: Error| e.or_offset(start))
            }
            WireType::Sequence => {
                let count = self.length(tag, start)?;
                self.visit_sequence::<REJECT, V>(count, start, usize::MAX, visitor)
            }
            _ => Err(self.mismatch(tag, start, "bytes or a sequence", "a packed sequence")),
        }
    }
}

// How a sequence treats absent-field markers (SPEC §9), as a const parameter so the
// choice costs nothing per element.
/// Plain sequences, and `deserialize_any` outside of `Value`: the element read fails.
pub(super) const REJECT: u8 = 0;
/// Structs and tuples: a marker reports the element as missing (`None`).
pub(super) const AS_MISSING: u8 = 1;
/// `Value`: the marker is handed over as a value.
pub(super) const AS_VALUE: u8 = 2;

pub(super) struct SeqAccess<'a, R, const MARKERS: u8> {
    pub(super) de: &'a mut Deserializer<R>,
    pub(super) remaining: usize,
    pub(super) limit: usize,
    pub(super) hint: Cell<Option<usize>>,
}

impl<'de, R: Read<'de>, const MARKERS: u8> de::SeqAccess<'de> for SeqAccess<'_, R, MARKERS> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if MARKERS == REJECT {
            // `remaining` was capped at `limit` when the access was made.
            if self.remaining == 0 {
                return Ok(None);
            }
        } else {
            if self.remaining == 0 || self.limit == 0 {
                return Ok(None);
            }
            self.limit -= 1;
            if MARKERS == AS_MISSING {
                // A marker fails the field's read with a signal (see `field`): it costs
                // nothing where the field's own fast path succeeds.
                self.remaining -= 1;
                return match seed.deserialize(Field(&mut *self.de)) {
                    Ok(value) => Ok(Some(value)),
                    Err(e) => match self.de.unless_absent(e) {
                        Some(e) => Err(e),
                        None => {
                            // The marker is not counted.
                            self.remaining += 1;
                            Ok(None)
                        }
                    },
                };
            }
            if self.de.read.take_if(TAG_ABSENT) {
                return seed.deserialize(AbsentMarker).map(Some);
            }
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        self.de.promise(self.remaining.min(self.limit), &self.hint)
    }
}

/// A sequence or map access handed to a visitor by value. serde's own impls for `&mut A`
/// are only `#[inline]`, and LLVM kept them as one call per field of a derived struct;
/// these are forced inline, so a field's read lands in the visitor's body.
///
/// `SITE` only tells call sites apart: [`Deserializer::fixed_general`] hands a visitor an
/// `Inlined<_, GENERAL>`, so the visitor's `visit_seq` for the common header is a separate
/// instance with a single caller. LLVM inlines such an instance almost whatever its size,
/// even with one codegen unit, and only inlined do the per-field counter checks fold away.
pub(super) struct Inlined<'a, A, const SITE: u8 = COMMON>(pub(super) &'a mut A);

/// [`Inlined`]'s default site.
pub(super) const COMMON: u8 = 0;
/// [`Inlined`] as [`Deserializer::fixed_general`] builds it.
const GENERAL: u8 = 1;
/// [`Inlined`] as [`Deserializer::fixed`] builds it for a struct field.
pub(super) const FIELD: u8 = 2;

impl<'de, A: de::SeqAccess<'de>, const SITE: u8> de::SeqAccess<'de> for Inlined<'_, A, SITE> {
    type Error = A::Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> core::result::Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(seed)
    }

    #[inline(always)]
    fn next_element<T: Deserialize<'de>>(&mut self) -> core::result::Result<Option<T>, A::Error> {
        self.0.next_element_seed(PhantomData)
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Inlined<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> core::result::Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> core::result::Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }

    #[inline(always)]
    fn next_key<K: Deserialize<'de>>(&mut self) -> core::result::Result<Option<K>, A::Error> {
        self.0.next_key_seed(PhantomData)
    }

    #[inline(always)]
    fn next_value<V: Deserialize<'de>>(&mut self) -> core::result::Result<V, A::Error> {
        self.0.next_value_seed(PhantomData)
    }

    #[inline(always)]
    fn next_entry<K: Deserialize<'de>, V: Deserialize<'de>>(
        &mut self,
    ) -> core::result::Result<Option<(K, V)>, A::Error> {
        match self.0.next_key_seed(PhantomData)? {
            Some(key) => Ok(Some((key, self.0.next_value_seed(PhantomData)?))),
            None => Ok(None),
        }
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

pub(super) struct MapAccess<'a, R> {
    pub(super) de: &'a mut Deserializer<R>,
    pub(super) remaining: usize,
    pub(super) hint: Cell<Option<usize>>,
}

impl<'de, R: Read<'de>> de::MapAccess<'de> for MapAccess<'_, R> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.remaining < 2 {
            return Ok(None);
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        if self.remaining == 0 {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                Some(self.de.read.offset()),
                "map value requested past the end of the map",
            ));
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de)
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        // An entry takes at least two bytes.
        self.de.promise(self.remaining / 2, &self.hint)
    }
}
