//! A hash table from packed keys to indices for the lookup every row
//! makes: open addressing with linear probing, each slot holding its key
//! and value side by side, so a lookup usually reads one cache line (a
//! general hash map reads its control bytes, then the slot: two misses
//! when the table has fallen out of cache, as it does while big files
//! stream through).

/// A key packed into whole words.
pub(super) trait Packed: Copy + Eq + Default {
    /// A well-mixed 64-bit hash.
    fn mixed(&self) -> u64;
}

/// Fibonacci hashing's multiplier (2^64 / φ).
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

impl Packed for u64 {
    fn mixed(&self) -> u64 {
        self.wrapping_mul(MIX)
    }
}

impl Packed for [u64; 2] {
    fn mixed(&self) -> u64 {
        (self[0] ^ self[1].rotate_left(29)).wrapping_mul(MIX)
    }
}

/// The value of an empty slot (indices are below it).
const EMPTY: u32 = u32::MAX;

/// Packed keys to indices below `u32::MAX`.
#[derive(Debug, Default)]
pub(super) struct ProbeTable<K> {
    slots: Vec<(K, u32)>,
    len: usize,
}

impl<K: Packed> ProbeTable<K> {
    /// The index of `key`.
    pub fn get(&self, key: K) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = self.home(key);
        loop {
            let &(k, v) = self.slots.get(at)?;
            if v == EMPTY {
                return None;
            }
            if k == key {
                return Some(v);
            }
            at = (at + 1) & mask;
        }
    }

    /// File `key` under `index` (below `u32::MAX`; another index of the
    /// same key replaces it).
    pub fn insert(&mut self, key: K, index: u32) {
        if index == EMPTY {
            return;
        }
        // At most three quarters full: probes stay short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        while let Some(slot) = self.slots.get_mut(at) {
            if slot.1 == EMPTY {
                *slot = (key, index);
                self.len += 1;
                return;
            }
            if slot.0 == key {
                slot.1 = index;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// The first slot to look in: the hash's top bits.
    fn home(&self, key: K) -> usize {
        let bits = self.slots.len().trailing_zeros();
        if bits == 0 {
            return 0;
        }
        (key.mixed() >> (64 - bits)) as usize
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![(K::default(), EMPTY); size]);
        self.len = 0;
        for (key, index) in old {
            if index != EMPTY {
                self.insert(key, index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// The table answers like a hash map, whatever the keys' order
        /// and repeats.
        #[test]
        fn answers_like_a_hash_map(
            entries in prop::collection::vec((0u64..64, 0u32..1000), 0..300),
            probes in prop::collection::vec(0u64..80, 0..50),
        ) {
            let mut table = ProbeTable::default();
            let mut wide = ProbeTable::default();
            let mut map = HashMap::new();
            for &(k, v) in &entries {
                table.insert(k << 40, v);
                wide.insert([k, !k], v);
                map.insert(k, v);
            }
            for k in probes.iter().copied().chain(entries.iter().map(|e| e.0)) {
                prop_assert_eq!(table.get(k << 40), map.get(&k).copied());
                prop_assert_eq!(wide.get([k, !k]), map.get(&k).copied());
            }
        }
    }
}
