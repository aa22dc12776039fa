//! A map from byte strings that are usually few (codes, unit spellings):
//! the first few are found by a scan, cheaper than hashing for a handful;
//! more go to a hash map, so that a file with very many never makes the
//! scan long.

use rustc_hash::FxHashMap;

/// How many keys are scanned before the rest are hashed.
const SCANNED: usize = 16;

/// Byte strings to values.
#[derive(Debug)]
pub(super) struct BytesMap<V> {
    /// Keys of up to 15 bytes, packed with their length into one number.
    scanned: Vec<(u128, V)>,
    hashed: FxHashMap<Box<[u8]>, V>,
}

impl<V> Default for BytesMap<V> {
    fn default() -> Self {
        BytesMap {
            scanned: Vec::new(),
            hashed: FxHashMap::default(),
        }
    }
}

/// A key of up to 15 bytes and its length as one number.
pub(super) fn packed(key: &[u8]) -> Option<u128> {
    let length = u8::try_from(key.len()).ok().filter(|&n| n < 16)?;
    Some(little_endian(key) | (u128::from(length) << 120))
}

/// Up to 16 bytes as the little-endian number they make, zero above them
/// (0 for more). Read with two loads that may overlap, not byte by byte
/// nor by a copy of variable length: this is on every row's path.
pub(super) fn little_endian(bytes: &[u8]) -> u128 {
    // Where the two loads overlap they hold the same bytes, so or-ing
    // the second, shifted to where it starts, leaves them as they are.
    let n = bytes.len();
    if n > 16 {
        return 0;
    }
    if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        u128::from(u64::from_le_bytes(*first))
            | (u128::from(u64::from_le_bytes(*last)) << (8 * (n - 8)))
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        u128::from(u32::from_le_bytes(*first))
            | (u128::from(u32::from_le_bytes(*last)) << (8 * (n - 4)))
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<2>(), bytes.last_chunk::<2>()) {
        u128::from(u16::from_le_bytes(*first))
            | (u128::from(u16::from_le_bytes(*last)) << (8 * (n - 2)))
    } else {
        bytes.first().map_or(0, |&b| u128::from(b))
    }
}

impl<V: Copy> BytesMap<V> {
    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<V> {
        if let Some(packed) = packed(key) {
            for (k, v) in &self.scanned {
                if *k == packed {
                    return Some(*v);
                }
            }
        }
        if self.hashed.is_empty() {
            None
        } else {
            self.hashed.get(key).copied()
        }
    }

    /// Give `key` a value (keys are inserted once).
    pub fn insert(&mut self, key: &[u8], value: V) {
        match packed(key) {
            Some(packed) if self.scanned.len() < SCANNED => self.scanned.push((packed, value)),
            _ => {
                self.hashed.insert(key.into(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Two overlapping loads read what a copy into zeros reads.
        #[test]
        fn loads_read_the_bytes_in_order(bytes in prop::collection::vec(any::<u8>(), 0..20)) {
            let mut padded = [0u8; 16];
            let expected = match padded.get_mut(..bytes.len()) {
                Some(head) => {
                    head.copy_from_slice(&bytes);
                    u128::from_le_bytes(padded)
                }
                None => 0,
            };
            prop_assert_eq!(little_endian(&bytes), expected);
            let packed_expected = (bytes.len() < 16).then_some(expected | ((bytes.len() as u128) << 120));
            prop_assert_eq!(packed(&bytes), packed_expected);
        }
    }

    #[test]
    fn finds_keys_scanned_and_hashed() {
        let mut map = BytesMap::default();
        for i in 0..40u32 {
            map.insert(format!("k{i}").as_bytes(), i);
        }
        for i in 0..40u32 {
            assert_eq!(map.get(format!("k{i}").as_bytes()), Some(i));
        }
        assert_eq!(map.get(b"k40"), None);
        assert_eq!(map.get(b""), None);
        let long = b"a key longer than fifteen bytes";
        map.insert(long, 99);
        map.insert(b"", 100);
        map.insert(b"k\0", 101);
        assert_eq!(map.get(long), Some(99));
        assert_eq!(map.get(&long[..20]), None);
        assert_eq!(map.get(b"k"), None);
        assert_eq!(map.get(b"k\0"), Some(101));
    }
}
