//! Money as an integer number of fen (分, 0.01 CNY). Never floats.
//!
//! All arithmetic is checked: an overflow is an error, never a wrap, because a
//! wrapped balance would silently turn an overdraft into a fortune.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest amount a single entry may carry: 10^12 yuan (10^14 fen). No
/// poverty-alleviation fund comes near it; the cap keeps every sum of up to
/// 2^20 entries far below `u64::MAX` and rejects typos with extra digits.
pub const MAX_ENTRY_FEN: u64 = 100_000_000_000_000;

/// An amount of money in fen. Construct with [`Fen::new`] (which enforces
/// `0 < fen <= MAX_ENTRY_FEN` for entry amounts) or [`Fen::ZERO`] for sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(u64);

/// Why an amount is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// A money entry of zero fen is meaningless and would hide in the books.
    #[error("amount must be greater than zero")]
    Zero,
    /// Larger than [`MAX_ENTRY_FEN`].
    #[error("amount {0} fen exceeds the per-entry limit of {MAX_ENTRY_FEN} fen")]
    TooLarge(u64),
    /// A sum exceeded `u64`.
    #[error("amount arithmetic overflowed")]
    Overflow,
    /// A subtraction would go below zero.
    #[error("amount arithmetic underflowed")]
    Underflow,
    /// Text that is not a yuan amount with at most two decimals.
    #[error("not a yuan amount with at most two decimals: {0:?}")]
    Unparsable(String),
}

impl Fen {
    /// Zero fen, the start of every sum.
    pub const ZERO: Fen = Fen(0);

    /// An entry amount: strictly positive and at most [`MAX_ENTRY_FEN`].
    pub fn new(fen: u64) -> Result<Fen, AmountError> {
        if fen == 0 {
            return Err(AmountError::Zero);
        }
        if fen > MAX_ENTRY_FEN {
            return Err(AmountError::TooLarge(fen));
        }
        Ok(Fen(fen))
    }

    /// Any value, for sums and balances (which may be zero).
    pub const fn from_raw(fen: u64) -> Fen {
        Fen(fen)
    }

    /// The number of fen.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Checked addition.
    pub fn checked_add(self, other: Fen) -> Result<Fen, AmountError> {
        self.0.checked_add(other.0).map(Fen).ok_or(AmountError::Overflow)
    }

    /// Checked subtraction.
    pub fn checked_sub(self, other: Fen) -> Result<Fen, AmountError> {
        self.0.checked_sub(other.0).map(Fen).ok_or(AmountError::Underflow)
    }

    /// Parse a yuan amount such as `1234`, `1234.5`, `1,234.56` or `¥12.00`
    /// into fen, exactly (no float ever touches it).
    pub fn parse_yuan(text: &str) -> Result<Fen, AmountError> {
        let bad = || AmountError::Unparsable(text.chars().take(40).collect());
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if cleaned.is_empty() || cleaned.len() > 20 {
            return Err(bad());
        }
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u64 = whole.parse().map_err(|_| bad())?;
        let mut frac_fen: u64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let digit = u64::from(b - b'0');
            frac_fen += if i == 0 { digit * 10 } else { digit };
        }
        let fen = whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .ok_or(AmountError::Overflow)?;
        Fen::new(fen)
    }

    /// The amount in yuan with thousands separators: `1,234.56`.
    pub fn to_yuan_string(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        let digits = whole.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{grouped}.{frac:02}")
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 元", self.to_yuan_string())
    }
}

/// A signed sum for balances that may be reported negative (never stored so).
pub type SignedFen = i128;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_rejects_zero_and_too_large() {
        assert_eq!(Fen::new(0), Err(AmountError::Zero));
        assert_eq!(
            Fen::new(MAX_ENTRY_FEN + 1),
            Err(AmountError::TooLarge(MAX_ENTRY_FEN + 1))
        );
        assert_eq!(Fen::new(1).map(Fen::get), Ok(1));
    }

    #[test]
    fn checked_arithmetic() {
        assert_eq!(
            Fen::from_raw(u64::MAX).checked_add(Fen::from_raw(1)),
            Err(AmountError::Overflow)
        );
        assert_eq!(
            Fen::from_raw(1).checked_sub(Fen::from_raw(2)),
            Err(AmountError::Underflow)
        );
        assert_eq!(Fen::from_raw(5).checked_sub(Fen::from_raw(2)), Ok(Fen::from_raw(3)));
    }

    #[test]
    fn parse_yuan_exact() {
        assert_eq!(Fen::parse_yuan("1,234.56").map(Fen::get), Ok(123_456));
        assert_eq!(Fen::parse_yuan("¥12.5").map(Fen::get), Ok(1_250));
        assert_eq!(Fen::parse_yuan("800元").map(Fen::get), Ok(80_000));
        assert_eq!(Fen::parse_yuan("0.01").map(Fen::get), Ok(1));
        assert!(Fen::parse_yuan("1.234").is_err());
        assert!(Fen::parse_yuan("-5").is_err());
        assert!(Fen::parse_yuan("1e5").is_err());
        assert!(Fen::parse_yuan("").is_err());
        assert_eq!(Fen::parse_yuan("0"), Err(AmountError::Zero));
    }

    #[test]
    fn yuan_string() {
        assert_eq!(Fen::from_raw(123_456_789).to_yuan_string(), "1,234,567.89");
        assert_eq!(Fen::from_raw(5).to_yuan_string(), "0.05");
        assert_eq!(Fen::from_raw(100_000).to_yuan_string(), "1,000.00");
    }
}
