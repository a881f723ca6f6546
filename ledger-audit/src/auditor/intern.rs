//! Interning for the auditor: its tables are keyed by small numbers, not by
//! cloned accounts, funds and keys (a million entries name a few thousand of
//! them). One implementation for the three kinds it interns.

use std::collections::HashMap;
use std::hash::Hash;

/// Values numbered in the order first seen.
#[derive(Debug)]
pub(super) struct Interner<T> {
    items: Vec<T>,
    index: HashMap<T, u32>,
}

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
    pub(super) fn intern(&mut self, item: &T) -> u32 {
        if let Some(i) = self.index.get(item) {
            return *i;
        }
        let i = self.items.len() as u32;
        self.items.push(item.clone());
        self.index.insert(item.clone(), i);
        i
    }

    /// The value numbered `i`.
    pub(super) fn get(&self, i: u32) -> Option<&T> {
        self.items.get(i as usize)
    }

    /// The number of `item`, if it was ever interned.
    pub(super) fn index_of(&self, item: &T) -> Option<u32> {
        self.index.get(item).copied()
    }
}
