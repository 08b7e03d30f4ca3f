//! Per-sender sequence tracking on the receiving side, and the bounded table of peers that
//! both sides keep (`docs/PROTOCOL.md` §9.4).
//!
//! A receiver remembers, per sender stream, the highest sequence number seen and which of
//! the [`WINDOW`] numbers up to it arrived (a ring of bits, 128 bytes). A number above the
//! highest counts the numbers skipped as lost; a number inside the window that had not
//! arrived is a late arrival (reordered; if it had been counted as lost, it is not lost
//! any more); one that had arrived is a duplicate; one below the window can no longer be
//! told apart from a duplicate and is stale. Numbers below the first one seen from a
//! stream were never counted as lost, so their late arrival only counts as reordered.

use std::collections::HashMap;
use std::hash::Hash;

/// How many sequence numbers below the highest one a receiver remembers.
pub const WINDOW: u64 = 1024;

const WORDS: usize = (WINDOW / 64) as usize;

/// What one sequence number turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Above every number seen so far; `skipped` numbers in between are missing (lost).
    Next { skipped: u64 },
    /// Below the highest, inside the window, not seen before; `was_lost` if it had been
    /// counted as lost.
    Late { was_lost: bool },
    /// Seen before.
    Duplicate,
    /// Below the window: too old to tell.
    Stale,
}

/// The receiving state of one sender stream.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    first: u64,
    highest: u64,
    seen: [u64; WORDS],
}

impl Window {
    /// A stream whose first datagram carries `seq`.
    pub(crate) fn starting_at(seq: u64) -> Window {
        let mut window = Window {
            first: seq,
            highest: seq,
            seen: [0; WORDS],
        };
        window.mark(seq);
        window
    }

    fn slot(seq: u64) -> (usize, u64) {
        let bit = seq % WINDOW;
        ((bit / 64) as usize % WORDS, 1 << (bit % 64))
    }

    fn mark(&mut self, seq: u64) {
        let (word, mask) = Self::slot(seq);
        if let Some(w) = self.seen.get_mut(word) {
            *w |= mask;
        }
    }

    fn is_marked(&self, seq: u64) -> bool {
        let (word, mask) = Self::slot(seq);
        self.seen.get(word).is_some_and(|w| w & mask != 0)
    }

    /// Records `seq` and says what it was.
    pub(crate) fn observe(&mut self, seq: u64) -> Outcome {
        if seq > self.highest {
            let skipped = seq - self.highest - 1;
            if skipped >= WINDOW - 1 {
                self.seen = [0; WORDS];
            } else {
                for missing in self.highest + 1..seq {
                    let (word, mask) = Self::slot(missing);
                    if let Some(w) = self.seen.get_mut(word) {
                        *w &= !mask;
                    }
                }
            }
            self.highest = seq;
            self.mark(seq);
            return Outcome::Next { skipped };
        }
        if self.highest - seq >= WINDOW {
            return Outcome::Stale;
        }
        if self.is_marked(seq) {
            return Outcome::Duplicate;
        }
        self.mark(seq);
        Outcome::Late {
            was_lost: seq > self.first,
        }
    }
}

/// A table of at most `capacity` peers; inserting into a full table evicts the peer used
/// least recently.
#[derive(Debug)]
pub(crate) struct Peers<K, V> {
    entries: HashMap<K, (u64, V)>,
    capacity: usize,
    clock: u64,
    evicted: u64,
}

impl<K: Hash + Eq + Copy, V> Peers<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Peers {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            clock: 0,
            evicted: 0,
        }
    }

    /// The entry of `key`, created with `make` if absent (evicting the least recently used
    /// peer when the table is full). Marks it as used.
    pub(crate) fn entry(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.clock += 1;
        let now = self.clock;
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
                self.evicted += 1;
            }
        }
        let slot = self.entries.entry(key).or_insert_with(|| (now, make()));
        slot.0 = now;
        &mut slot.1
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(_, v)| v)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_then_gap_then_late_then_duplicate() {
        let mut w = Window::starting_at(0);
        assert_eq!(w.observe(1), Outcome::Next { skipped: 0 });
        assert_eq!(w.observe(4), Outcome::Next { skipped: 2 });
        assert_eq!(w.observe(2), Outcome::Late { was_lost: true });
        assert_eq!(w.observe(2), Outcome::Duplicate);
        assert_eq!(w.observe(4), Outcome::Duplicate);
        assert_eq!(w.observe(0), Outcome::Duplicate);
    }

    #[test]
    fn numbers_before_the_first_are_late_but_not_lost() {
        let mut w = Window::starting_at(10);
        assert_eq!(w.observe(9), Outcome::Late { was_lost: false });
        assert_eq!(w.observe(9), Outcome::Duplicate);
    }

    #[test]
    fn window_edges() {
        let mut w = Window::starting_at(0);
        assert_eq!(
            w.observe(WINDOW),
            Outcome::Next {
                skipped: WINDOW - 1
            }
        );
        assert_eq!(w.observe(0), Outcome::Stale);
        assert_eq!(w.observe(1), Outcome::Late { was_lost: true });
        assert_eq!(w.observe(WINDOW), Outcome::Duplicate);
        // A jump far past the window forgets everything but the new highest.
        assert_eq!(
            w.observe(u64::MAX),
            Outcome::Next {
                skipped: u64::MAX - WINDOW - 1
            }
        );
        assert_eq!(w.observe(u64::MAX - 1), Outcome::Late { was_lost: true });
        assert_eq!(w.observe(u64::MAX), Outcome::Duplicate);
        assert_eq!(w.observe(5), Outcome::Stale);
    }

    #[test]
    fn slots_reused_after_the_window_moves_are_cleared() {
        let mut w = Window::starting_at(0);
        for seq in 1..WINDOW {
            w.observe(seq);
        }
        // WINDOW + 5 reuses the slot of 5; WINDOW .. WINDOW + 4 were skipped.
        assert_eq!(w.observe(WINDOW + 5), Outcome::Next { skipped: 5 });
        assert_eq!(w.observe(WINDOW + 2), Outcome::Late { was_lost: true });
    }

    #[test]
    fn full_table_evicts_the_least_recently_used() {
        let mut peers = Peers::new(2);
        *peers.entry(1, || 10) += 1;
        *peers.entry(2, || 20) += 1;
        *peers.entry(1, || 0) += 1;
        peers.entry(3, || 30);
        assert_eq!(peers.len(), 2);
        assert_eq!(peers.evicted(), 1);
        assert_eq!(peers.get(&1), Some(&12));
        assert_eq!(peers.get(&2), None);
    }
}
