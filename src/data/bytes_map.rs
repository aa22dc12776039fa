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
    let mut bytes = [0u8; 16];
    bytes.get_mut(..key.len())?.copy_from_slice(key);
    *bytes.last_mut()? = u8::try_from(key.len()).ok().filter(|&n| n < 16)?;
    Some(u128::from_le_bytes(bytes))
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
