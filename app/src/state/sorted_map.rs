//! A map kept as a vector of pairs sorted by key.
//!
//! The program's maps hold at most a few hundred entries (bounded sessions, registered provers,
//! accounts owed), and the code of a sorted vector is a small fraction of `BTreeMap`'s: Gear
//! limits a program's instrumented code to 512 KiB, and each `BTreeMap<K, V>` instance cost
//! several kilobytes of it.

use alloc::vec::Vec;

/// A map from `K` to `V`, stored as a vector of pairs in increasing key order.
#[derive(Clone, Debug)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value for `key`, to change.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Sets `key`'s value, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value for `key`, inserting `value` first if the key is absent.
    pub fn get_or_insert(&mut self, key: K, value: V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, value));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The entries in increasing key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries with keys at least `start`, in increasing key order.
    pub fn iter_from(&self, start: &K) -> impl Iterator<Item = (&K, &V)> {
        let first = self.find(start).unwrap_or_else(|i| i);
        self.entries[first..].iter().map(|(k, v)| (k, v))
    }

    /// The values in increasing key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in increasing key order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    /// The map agrees with `BTreeMap` over a sequence of inserts and removes.
    #[test]
    fn agrees_with_btreemap() {
        let mut ours = SortedMap::default();
        let mut theirs = BTreeMap::new();
        let mut x: u64 = 7;
        for step in 0..2_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = (x >> 33) % 97;
            match x % 5 {
                0 | 1 => assert_eq!(ours.insert(key, step), theirs.insert(key, step)),
                2 => assert_eq!(ours.remove(&key), theirs.remove(&key)),
                3 => *ours.get_or_insert(key, 0) += 1,
                _ => assert_eq!(ours.get(&key), theirs.get(&key)),
            }
            if x % 5 == 3 {
                *theirs.entry(key).or_insert(0) += 1;
            }
            assert!(
                ours.iter()
                    .map(|(k, v)| (*k, *v))
                    .eq(theirs.iter().map(|(k, v)| (*k, *v)))
            );
            assert!(
                ours.iter_from(&key)
                    .map(|(k, _)| *k)
                    .eq(theirs.range(key..).map(|(k, _)| *k))
            );
        }
    }
}
