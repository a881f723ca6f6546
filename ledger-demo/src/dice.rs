//! Randomness: uniform choices read straight from one ChaCha20 stream.
//!
//! Every random choice of the generator goes through [`Dice`], in a fixed
//! order, so the output depends on the seed alone (see the crate docs).

use ed25519_dalek::SigningKey;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Uniform choices read straight from the ChaCha20 stream. `below` uses the
/// multiply-shift reduction: its bias (< n / 2^64) is irrelevant for demo
/// data, and unlike `rand::Rng::gen_range` its output is fixed forever.
#[derive(Clone)]
pub(crate) struct Dice(ChaCha20Rng);

impl Dice {
    /// The dice of `seed`: `ChaCha20Rng::seed_from_u64(seed)`.
    pub(crate) fn seeded(seed: u64) -> Dice {
        Dice(ChaCha20Rng::seed_from_u64(seed))
    }
    /// Independent dice for one village: `master` with the village code
    /// mixed in, so a village's key depends on the seed and the village
    /// only, not on how many others the demo uses.
    pub(crate) fn derived(master: [u8; 32], salt: u64) -> Dice {
        let mut seed = master;
        for (b, s) in seed.iter_mut().zip(salt.to_le_bytes()) {
            *b ^= s;
        }
        Dice(ChaCha20Rng::from_seed(seed))
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.0.fill_bytes(&mut out);
        out
    }
    pub(crate) fn key(&mut self) -> SigningKey {
        SigningKey::from_bytes(&self.bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_is_uniform_enough_and_in_range() {
        let mut dice = Dice::seeded(3);
        let mut seen = [0u32; 6];
        for _ in 0..6_000 {
            let v = dice.range(10, 15);
            assert!((10..=15).contains(&v));
            seen[(v - 10) as usize] += 1;
        }
        assert!(seen.iter().all(|n| (800..1_200).contains(n)), "{seen:?}");
    }
}
