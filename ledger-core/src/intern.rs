//! Interning: tables keyed by small numbers instead of cloned accounts,
//! funds and keys (a million entries name a few thousand of them). One
//! implementation for the rule state, the auditor and the node's indexes.

use std::collections::HashMap;
use std::hash::Hash;

/// Values numbered in the order first seen, from 0. Numbers stay below
/// `u32::MAX - 1`, so `u32::MAX` is free to mean "none" in packed tables;
/// past that (four billion distinct values, far beyond any limit of the
/// format) the last number is reused rather than wrapping.
#[derive(Debug, Clone)]
pub struct Interner<T> {
    items: Vec<T>,
    index: HashMap<T, u32>,
}

/// The largest number an [`Interner`] gives.
pub const MAX_INTERNED: u32 = u32::MAX - 1;

// By hand: a derived `PartialEq` would ask only `T: PartialEq`, but the
// index map needs `T: Eq + Hash` to be compared.
impl<T: Eq + std::hash::Hash> PartialEq for Interner<T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items && self.index == other.index
    }
}

impl<T: Eq + std::hash::Hash> Eq for Interner<T> {}

// By hand: a derived `Default` would ask `T: Default`, which ids lack.
impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Eq + Hash + Clone> Interner<T> {
    /// The number of `item`, given a new one the first time it is seen.
    pub fn intern(&mut self, item: &T) -> u32 {
        if let Some(i) = self.index.get(item) {
            return *i;
        }
        let i = u32::try_from(self.items.len())
            .unwrap_or(MAX_INTERNED)
            .min(MAX_INTERNED);
        debug_assert!(i < MAX_INTERNED, "more values than a packed table can number");
        self.items.push(item.clone());
        self.index.insert(item.clone(), i);
        i
    }

    /// The value numbered `i`.
    pub fn get(&self, i: u32) -> Option<&T> {
        self.items.get(i as usize)
    }

    /// The number of `item`, if it was ever interned.
    pub fn index_of(&self, item: &T) -> Option<u32> {
        self.index.get(item).copied()
    }

    /// Every value, in number order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    /// Forget the values numbered `len` and above (an atomic group taken
    /// back, `rules::group`): the next new value gets number `len` again.
    pub fn truncate(&mut self, len: usize) {
        for item in self.items.drain(len.min(self.items.len())..) {
            self.index.remove(&item);
        }
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// None yet?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_first_sight_and_repeat_for_the_same_value() {
        let mut names: Interner<String> = Interner::default();
        assert_eq!(names.intern(&"a".to_string()), 0);
        assert_eq!(names.intern(&"b".to_string()), 1);
        assert_eq!(names.intern(&"a".to_string()), 0);
        assert_eq!(names.get(1).map(String::as_str), Some("b"));
        assert_eq!(names.get(2), None);
        assert_eq!(names.index_of(&"b".to_string()), Some(1));
        assert_eq!(names.index_of(&"c".to_string()), None);
        assert_eq!(names.len(), 2);
    }
}
