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
    scanned: Vec<(Box<[u8]>, V)>,
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

impl<V: Copy> BytesMap<V> {
    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<V> {
        for (k, v) in &self.scanned {
            if k.len() == key.len() && **k == *key {
                return Some(*v);
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
        if self.scanned.len() < SCANNED {
            self.scanned.push((key.into(), value));
        } else {
            self.hashed.insert(key.into(), value);
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
    }
}
