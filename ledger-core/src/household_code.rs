//! The household code (户码), version 1: a short code a person can carry on a
//! payment slip and type at a village terminal, instead of the 64-hex
//! [`HouseholdRef`] nobody can read aloud (issue 15, docs/FORMAT.md
//! "Household code").
//!
//! It is a pure function of the public household reference, so anyone can
//! compute it from the public data and no path ever needs the pseudonym key
//! (which must stay off village PCs). Ten data symbols from a 29-letter
//! alphabet without look-alikes (no 0 1 I L O S Z), then one check symbol.
//! Because 29 is prime and the weights 1..10 are all below 29, every
//! single-symbol substitution and every adjacent transposition of two
//! different symbols (the check symbol included) changes the weighted sum
//! modulo 29, so it is always caught (`tests::every_single_typo_is_caught`).
//!
//! Ten base-29 symbols hold 48.6 bits, so two households *can* share a code
//! (about one pair in 2^48 / n^2): the node resolves a code against the
//! households it knows and answers `ambiguous_code` rather than choose; the
//! page checks that the household it shows has this code.

use crate::household::HouseholdRef;
use std::fmt;

/// The format's version; a change of alphabet or arithmetic is a new version.
pub const CODE_VERSION: u8 = 1;
/// The symbols, value = index. 29 (a prime) symbols with no look-alikes.
pub const ALPHABET: &str = "23456789ABCDEFGHJKMNPQRTUVWXY";
const ALPHABET_BYTES: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRTUVWXY";
const BASE: u64 = 29;
/// Data symbols per code.
pub const DATA_SYMBOLS: usize = 10;
/// Symbols per full code: the data and one check symbol.
pub const CODE_SYMBOLS: usize = DATA_SYMBOLS + 1;
/// The shortest prefix the node resolves: five symbols (20.5 M values) would
/// already collide often in a district of 10^5 households, and a shorter
/// search would let anyone enumerate the household list by guessing.
pub const MIN_PREFIX_SYMBOLS: usize = 6;
/// 29^10: the data value is the reference's first 8 bytes modulo this.
pub const DATA_MODULUS: u64 = 420_707_233_300_201;
/// Input longer than this (before normalisation) is refused unread: a code
/// with its separators is 13 characters; a pasted paragraph is not a code.
pub const MAX_INPUT_CHARS: usize = 64;

/// Why an input is not a household code. `code()` is stable API (HTTP error
/// codes, the vectors file); `message_zh()` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// A character outside the alphabet after normalisation.
    #[error("{}", self.message_zh())]
    BadSymbol {
        /// The offending character as typed (after normalisation).
        symbol: char,
        /// 1-based position among the code's symbols.
        position: usize,
    },
    /// Fewer than [`MIN_PREFIX_SYMBOLS`] symbols.
    #[error("{}", self.message_zh())]
    TooShort {
        /// Symbols given.
        symbols: usize,
    },
    /// More than [`CODE_SYMBOLS`] symbols, or more than [`MAX_INPUT_CHARS`].
    #[error("{}", self.message_zh())]
    TooLong {
        /// Symbols (or characters) given.
        symbols: usize,
    },
    /// Eleven symbols whose check symbol does not match the data.
    #[error("{}", self.message_zh())]
    BadCheck,
}

impl CodeError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::BadSymbol { .. } => "bad_symbol",
            CodeError::TooShort { .. } => "code_too_short",
            CodeError::TooLong { .. } => "code_too_long",
            CodeError::BadCheck => "bad_code_check",
        }
    }

    /// One sentence in Chinese naming what is wrong and where.
    pub fn message_zh(&self) -> String {
        match self {
            CodeError::BadSymbol { symbol, position } => {
                // Helpful, but never a silent guess: the person re-reads the slip.
                let hint = match symbol {
                    'S' => "，可能是「5」？",
                    'Z' => "，可能是「2」？",
                    _ => "",
                };
                let why = if "01ILOSZ".contains(*symbol) {
                    "户码不用 0、1、I、L、O、S、Z，以免看错"
                } else {
                    "户码只用数字 2–9 和字母（不含 I、L、O、S、Z）"
                };
                format!("户码第 {position} 位「{symbol}」不是户码字符（{why}）{hint}请核对原件")
            }
            CodeError::TooShort { symbols } => {
                format!("户码太短：只有 {symbols} 位，至少输入 {MIN_PREFIX_SYMBOLS} 位")
            }
            CodeError::TooLong { symbols } => {
                format!("户码太长：有 {symbols} 位，完整户码为 {CODE_SYMBOLS} 位")
            }
            CodeError::BadCheck => "户码校验位不符：可能有一位输错或相邻两位颠倒".to_string(),
        }
    }
}

/// A checked household code: the data value, below [`DATA_MODULUS`]. The
/// check symbol is derived, so a value of this type is always well formed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct HouseholdCode(u64);

impl HouseholdCode {
    /// The code of a household reference (no secret involved).
    pub fn of(household: &HouseholdRef) -> HouseholdCode {
        let bytes = household.0.as_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&bytes[..8]);
        HouseholdCode(u64::from_be_bytes(first) % DATA_MODULUS)
    }

    /// The data value (the node's index key: one u64 per household).
    pub fn data(self) -> u64 {
        self.0
    }

    /// Whether this is the code of `household`.
    pub fn matches(self, household: &HouseholdRef) -> bool {
        HouseholdCode::of(household) == self
    }

    /// The ten data symbol values, most significant first.
    fn data_values(self) -> [u8; DATA_SYMBOLS] {
        let mut values = [0u8; DATA_SYMBOLS];
        let mut n = self.0;
        for slot in values.iter_mut().rev() {
            // n % 29 < 29: the cast cannot truncate.
            *slot = (n % BASE) as u8;
            n /= BASE;
        }
        values
    }

    /// The eleven symbols, e.g. `K7M3QX9RT4B`.
    pub fn compact(self) -> String {
        let values = self.data_values();
        let check = check_value(&values);
        values
            .iter()
            .chain(std::iter::once(&check))
            .map(|&v| symbol(v))
            .collect()
    }

    /// The display form, groups of 4-4-3: `K7M3-QX9R-T4B`.
    pub fn display(self) -> String {
        let compact = self.compact();
        let mut out = String::with_capacity(CODE_SYMBOLS + 2);
        for (i, c) in compact.chars().enumerate() {
            if i == 4 || i == 8 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// Parse a full code (exactly eleven symbols after normalisation) and
    /// check its check symbol.
    pub fn parse(input: &str) -> Result<HouseholdCode, CodeError> {
        match parse_query(input)? {
            CodeQuery::Full(code) => Ok(code),
            CodeQuery::Prefix(p) => Err(CodeError::TooShort { symbols: p.len() }),
        }
    }
}

impl fmt::Display for HouseholdCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// A prefix of the ten data symbols, [`MIN_PREFIX_SYMBOLS`] to
/// [`DATA_SYMBOLS`] long. It names a contiguous range of data values, so the
/// node finds its households with one range scan of an ordered u64 index.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HouseholdCodePrefix {
    /// The prefix's value (its symbols read as a base-29 number).
    value: u64,
    /// Its length in symbols.
    len: usize,
}

impl HouseholdCodePrefix {
    /// Symbols in the prefix.
    pub fn len(self) -> usize {
        self.len
    }

    /// Always false: a prefix has at least [`MIN_PREFIX_SYMBOLS`] symbols.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The inclusive range of data values the prefix matches.
    pub fn range(self) -> std::ops::RangeInclusive<u64> {
        // len ≤ 10, so 29^(10-len) ≤ 29^4 and value·scale < 29^10: no overflow.
        let scale = BASE.pow((DATA_SYMBOLS - self.len) as u32);
        let low = self.value * scale;
        low..=(low + scale - 1)
    }

    /// Whether `code` starts with this prefix.
    pub fn matches(self, code: HouseholdCode) -> bool {
        self.range().contains(&code.data())
    }
}

/// What a person typed, understood: a full checked code or a prefix.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CodeQuery {
    /// Eleven symbols with a correct check symbol.
    Full(HouseholdCode),
    /// Six to ten symbols: a prefix of the data symbols (no check symbol).
    Prefix(HouseholdCodePrefix),
}

/// Normalise and parse a typed or scanned code: full-width forms to ASCII,
/// lowercase to uppercase, spaces, `-` and `·` removed; then 11 symbols are a
/// full code (check verified), 6 to 10 a prefix, fewer `code_too_short`.
pub fn parse_query(input: &str) -> Result<CodeQuery, CodeError> {
    let chars = input.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(CodeError::TooLong { symbols: chars });
    }
    let symbols: Vec<char> = input.chars().filter_map(normalise).collect();
    // The length is judged before the symbols only for the too-long case, so
    // that "too short" still names a bad symbol first (it is the likelier fix).
    if symbols.len() > CODE_SYMBOLS {
        return Err(CodeError::TooLong { symbols: symbols.len() });
    }
    let mut values = Vec::with_capacity(symbols.len());
    for (i, &c) in symbols.iter().enumerate() {
        match value_of(c) {
            Some(v) => values.push(v),
            None => {
                return Err(CodeError::BadSymbol {
                    symbol: c,
                    position: i + 1,
                })
            }
        }
    }
    if values.len() < MIN_PREFIX_SYMBOLS {
        return Err(CodeError::TooShort { symbols: values.len() });
    }
    let data_len = values.len().min(DATA_SYMBOLS);
    let value = values[..data_len].iter().fold(0u64, |n, &v| n * BASE + u64::from(v));
    if values.len() == CODE_SYMBOLS {
        let mut data = [0u8; DATA_SYMBOLS];
        data.copy_from_slice(&values[..DATA_SYMBOLS]);
        if check_value(&data) != values[DATA_SYMBOLS] {
            return Err(CodeError::BadCheck);
        }
        return Ok(CodeQuery::Full(HouseholdCode(value)));
    }
    Ok(CodeQuery::Prefix(HouseholdCodePrefix { value, len: data_len }))
}

/// One input character: `None` if it is a separator (dropped), else the
/// character mapped to ASCII uppercase (which may still be outside the
/// alphabet; the caller names it).
fn normalise(c: char) -> Option<char> {
    let c = match c {
        // Full-width forms U+FF01..U+FF5E are ASCII U+0021..U+007E + 0xFEE0;
        // the ideographic space is a space. Chinese input methods produce both.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    match c {
        ' ' | '\t' | '-' | '·' => None,
        _ => Some(c.to_ascii_uppercase()),
    }
}

fn value_of(c: char) -> Option<u8> {
    // ALPHABET is 29 ASCII bytes: the index fits in u8.
    ALPHABET_BYTES.iter().position(|&b| char::from(b) == c).map(|i| i as u8)
}

fn symbol(value: u8) -> char {
    char::from(ALPHABET_BYTES[usize::from(value) % ALPHABET_BYTES.len()])
}

/// `(29 − Σ (i+1)·v_i mod 29) mod 29`.
fn check_value(values: &[u8; DATA_SYMBOLS]) -> u8 {
    let sum: u64 = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as u64 + 1) * u64::from(v))
        .sum();
    ((BASE - sum % BASE) % BASE) as u8
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::encoding::Bytes;

    fn reference(first: [u8; 8]) -> HouseholdRef {
        let mut bytes = [0x5a; 32];
        bytes[..8].copy_from_slice(&first);
        HouseholdRef(Bytes(bytes))
    }

    #[test]
    fn constants_agree() {
        assert_eq!(ALPHABET.len(), 29);
        assert_eq!(ALPHABET.as_bytes(), ALPHABET_BYTES);
        assert_eq!(BASE.pow(10), DATA_MODULUS);
        for bad in "01ILOSZ".chars() {
            assert!(!ALPHABET.contains(bad));
        }
    }

    #[test]
    fn zero_reference_is_all_twos_with_check_two() {
        let code = HouseholdCode::of(&reference([0; 8]));
        assert_eq!(code.data(), 0);
        assert_eq!(code.compact(), "22222222222");
        assert_eq!(code.display(), "2222-2222-222");
    }

    #[test]
    fn one_is_last_symbol_three_and_check_weighted_by_ten() {
        let code = HouseholdCode::of(&reference([0, 0, 0, 0, 0, 0, 0, 1]));
        // v9 = 1 → sum = 10 → check = 19 → 'N' (index 19).
        assert_eq!(code.compact(), "2222222223N");
        assert_eq!(parse_query("2222-2222-23n"), Ok(CodeQuery::Full(code)));
    }

    #[test]
    fn every_single_typo_is_caught() {
        for seed in [
            [0u8; 8],
            [0xff; 8],
            [1, 2, 3, 4, 5, 6, 7, 8],
            [0x80, 0, 0, 0, 0, 0, 0, 0x2a],
        ] {
            let code = HouseholdCode::of(&reference(seed)).compact();
            let good: Vec<char> = code.chars().collect();
            for i in 0..CODE_SYMBOLS {
                for sub in ALPHABET.chars().filter(|&c| c != good[i]) {
                    let mut typo = good.clone();
                    typo[i] = sub;
                    let typo: String = typo.into_iter().collect();
                    assert_eq!(parse_query(&typo), Err(CodeError::BadCheck), "{code} → {typo}");
                }
                if i + 1 < CODE_SYMBOLS && good[i] != good[i + 1] {
                    let mut typo = good.clone();
                    typo.swap(i, i + 1);
                    let typo: String = typo.into_iter().collect();
                    assert_eq!(parse_query(&typo), Err(CodeError::BadCheck), "{code} → {typo}");
                }
            }
        }
    }

    #[test]
    fn normalisation_and_bad_symbols() {
        let code = HouseholdCode::of(&reference([9, 8, 7, 6, 5, 4, 3, 2]));
        let compact = code.compact();
        let full_width: String = compact
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect();
        assert_eq!(parse_query(&full_width), Ok(CodeQuery::Full(code)));
        let spaced = format!(" {}·{} {}\u{3000}", &compact[..4], &compact[4..8], &compact[8..]).to_lowercase();
        assert_eq!(parse_query(&spaced), Ok(CodeQuery::Full(code)));
        assert_eq!(
            parse_query("2345O6789"),
            Err(CodeError::BadSymbol {
                symbol: 'O',
                position: 5
            })
        );
        assert_eq!(
            CodeError::BadSymbol {
                symbol: 'S',
                position: 2
            }
            .message_zh(),
            "户码第 2 位「S」不是户码字符（户码不用 0、1、I、L、O、S、Z，以免看错），可能是「5」？请核对原件"
        );
        assert_eq!(parse_query("23456"), Err(CodeError::TooShort { symbols: 5 }));
        assert_eq!(parse_query(""), Err(CodeError::TooShort { symbols: 0 }));
        assert_eq!(parse_query("234567892345"), Err(CodeError::TooLong { symbols: 12 }));
        assert_eq!(parse_query(&"-".repeat(65)), Err(CodeError::TooLong { symbols: 65 }));
        assert_eq!(HouseholdCode::parse("2222222"), Err(CodeError::TooShort { symbols: 7 }));
    }

    #[test]
    fn prefix_is_a_range_of_data_values() {
        let code = HouseholdCode::of(&reference([0xff; 8]));
        let compact = code.compact();
        for len in MIN_PREFIX_SYMBOLS..=DATA_SYMBOLS {
            let Ok(CodeQuery::Prefix(p)) = parse_query(&compact[..len]) else {
                panic!("prefix {len}")
            };
            assert_eq!(p.len(), len);
            assert!(p.matches(code));
        }
        let Ok(CodeQuery::Prefix(p)) = parse_query("222222") else {
            panic!("prefix")
        };
        assert_eq!(p.range(), 0..=(29u64.pow(4) - 1));
        let Ok(CodeQuery::Prefix(p)) = parse_query("YYYYYYYYYY") else {
            panic!("prefix")
        };
        assert_eq!(p.range(), (DATA_MODULUS - 1)..=(DATA_MODULUS - 1));
    }
}
