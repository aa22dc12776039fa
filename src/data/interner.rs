//! Byte strings interned compactly, since every row looks one up: strings
//! of up to 15 bytes (most ids) are packed into a 128-bit key, so a lookup
//! is one probe of one table; longer ones are filed by a 64-bit hash, their
//! bytes kept side by side in one buffer, not in one heap box each (a
//! cache miss per row on big files).

use super::probe_table::ProbeTable;
use rustc_hash::FxHashMap;

/// Byte strings and their indices (below `u32::MAX`).
#[derive(Debug, Default)]
pub(super) struct Interner {
    tiny: ProbeTable<u64>,
    short: ProbeTable<[u64; 2]>,
    by_hash: FxHashMap<u64, (u32, u32, u32)>,
    bytes: Vec<u8>,
    /// Strings whose hash another string already has (practically never).
    collided: FxHashMap<Box<[u8]>, u32>,
}

/// What a string is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// The bytes themselves and their length (up to 7 bytes).
    Tiny(u64),
    /// The bytes themselves and their length (up to 15 bytes).
    Short(u128),
    /// A hash of longer bytes.
    Hash(u64),
}

impl Interner {
    /// What `bytes` are filed under.
    pub fn key(bytes: &[u8]) -> Key {
        if bytes.len() < 8 {
            let head = super::bytes_map::little_endian(bytes) as u64;
            Key::Tiny(head | ((bytes.len() as u64) << 56))
        } else if let Some(packed) = super::bytes_map::packed(bytes) {
            Key::Short(packed)
        } else {
            use std::hash::{BuildHasher, Hasher};
            let mut h = rustc_hash::FxBuildHasher.build_hasher();
            h.write(bytes);
            Key::Hash(h.finish())
        }
    }

    /// The index of `bytes`.
    pub fn get(&self, bytes: &[u8]) -> Option<u32> {
        self.get_keyed(Self::key(bytes), bytes)
    }

    /// The index of `bytes`, whose [`Interner::key`] is `key`.
    pub fn get_keyed(&self, key: Key, bytes: &[u8]) -> Option<u32> {
        match key {
            Key::Tiny(packed) => self.tiny.get(packed),
            Key::Short(packed) => self.short.get(words(packed)),
            Key::Hash(hash) => self.get_hashed(hash, bytes),
        }
    }

    fn get_hashed(&self, hash: u64, bytes: &[u8]) -> Option<u32> {
        let &(start, len, index) = self.by_hash.get(&hash)?;
        let stored = self
            .bytes
            .get(start as usize..start as usize + len as usize)?;
        if stored == bytes {
            Some(index)
        } else {
            self.collided.get(bytes).copied()
        }
    }

    /// File `bytes` under `index`.
    pub fn insert(&mut self, bytes: &[u8], index: u32) {
        self.insert_keyed(Self::key(bytes), bytes, index);
    }

    /// File `bytes`, whose [`Interner::key`] is `key`, under `index`.
    pub fn insert_keyed(&mut self, key: Key, bytes: &[u8], index: u32) {
        match key {
            Key::Tiny(packed) => {
                self.tiny.insert(packed, index);
            }
            Key::Short(packed) => {
                self.short.insert(words(packed), index);
            }
            Key::Hash(hash) => self.insert_hashed(hash, bytes, index),
        }
    }

    fn insert_hashed(&mut self, hash: u64, bytes: &[u8], index: u32) {
        let (Ok(start), Ok(len)) = (u32::try_from(self.bytes.len()), u32::try_from(bytes.len()))
        else {
            self.collided.insert(bytes.into(), index);
            return;
        };
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(bytes.into(), index);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((start, len, index));
                self.bytes.extend_from_slice(bytes);
            }
        }
    }
}

/// A 128-bit key as two words (8-byte aligned, so a slot takes 24 bytes,
/// not 32).
fn words(packed: u128) -> [u64; 2] {
    [packed as u64, (packed >> 64) as u64]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_strings_are_found_and_told_apart() {
        let mut interner = Interner::default();
        let long = b"0a1b2c3d-0000-4000-8000-000000000001";
        for (i, s) in [&b""[..], b"P1", b"P1\0", b"123456789012345", long]
            .iter()
            .enumerate()
        {
            interner.insert(s, i as u32);
        }
        assert_eq!(interner.get(b""), Some(0));
        assert_eq!(interner.get(b"P1"), Some(1));
        assert_eq!(interner.get(b"P1\0"), Some(2));
        assert_eq!(interner.get(b"123456789012345"), Some(3));
        assert_eq!(interner.get(long), Some(4));
        assert_eq!(interner.get(b"P2"), None);
        assert_eq!(interner.get(b"1234567890123456"), None);
    }

    #[test]
    fn colliding_hashes_still_tell_strings_apart() {
        let mut interner = Interner::default();
        interner.insert_hashed(7, b"P1", 0);
        interner.insert_hashed(7, b"P2", 1);
        assert_eq!(interner.get_hashed(7, b"P1"), Some(0));
        assert_eq!(interner.get_hashed(7, b"P2"), Some(1));
        assert_eq!(interner.get_hashed(7, b"P3"), None);
        assert_eq!(interner.get(b"P1"), None);
    }
}
