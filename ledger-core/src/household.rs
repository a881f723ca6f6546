//! Households: pseudonymous references and masked names.
//!
//! The public must see *that* a household in a village was paid, not *who*.
//! An entry carries a [`HouseholdRef`] — blake3 keyed with the log's secret
//! pseudonym key over the normalised 18-digit resident ID — and a
//! [`MaskedName`]. Resident IDs themselves ([`ResidentId`]) deliberately do not
//! implement `Serialize`: the type system keeps them out of every entry.

use crate::encoding::{Bytes, DOMAIN_HOUSEHOLD};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A validated 18-digit resident identity number (GB 11643-1999). Not
/// serialisable, not `Debug`-printable in full: it must never leave the
/// operator's machine.
#[derive(Clone, PartialEq, Eq)]
pub struct ResidentId([u8; 18]);

/// Why a resident ID was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not 17 digits followed by a digit or `X`.
    #[error("a resident ID has 17 digits then a digit or X")]
    Format,
    /// The ISO 7064 MOD 11-2 check character is wrong.
    #[error("resident ID check digit is wrong (expected {expected})")]
    CheckDigit {
        /// The check character the first 17 digits require.
        expected: char,
    },
}

/// ISO 7064 MOD 11-2 weights for the 17 body digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

impl ResidentId {
    /// Normalise (trim, full-width digits to ASCII, lowercase x to `X`) and
    /// validate the check digit.
    pub fn parse(text: &str) -> Result<ResidentId, ResidentIdError> {
        let mut out = [0u8; 18];
        let mut count = 0usize;
        for ch in text.trim().chars() {
            let ascii = match ch {
                '０'..='９' => char::from_u32(ch as u32 - '０' as u32 + '0' as u32).unwrap_or('?'),
                'x' | 'ｘ' | 'Ｘ' => 'X',
                other => other,
            };
            if count >= 18 {
                return Err(ResidentIdError::Format);
            }
            let ok = ascii.is_ascii_digit() || (ascii == 'X' && count == 17);
            if !ok {
                return Err(ResidentIdError::Format);
            }
            out[count] = ascii as u8;
            count += 1;
        }
        if count != 18 {
            return Err(ResidentIdError::Format);
        }
        let sum: u32 = out[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let expected = CHECK_CHARS[(sum % 11) as usize];
        if out[17] != expected {
            return Err(ResidentIdError::CheckDigit {
                expected: expected as char,
            });
        }
        Ok(ResidentId(out))
    }

    /// The six-digit administrative code of the place of registration.
    pub fn area_code(&self) -> &str {
        std::str::from_utf8(&self.0[..6]).unwrap_or("")
    }

    /// The normalised 18 ASCII bytes, for hashing only.
    fn as_bytes(&self) -> &[u8; 18] {
        &self.0
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Show only the area code, as payment slips do.
        write!(f, "ResidentId({}************)", self.area_code())
    }
}

/// The log's secret 32-byte key for household references. Held by the
/// finance bureaus' operators, never published: with it, the ID space of a
/// village is small enough to enumerate.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl PseudonymKey {
    /// Wrap raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> PseudonymKey {
        PseudonymKey(bytes)
    }
    /// Raw key bytes (for key files).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
    /// A public commitment to the key, published in genesis, so an operator can
    /// check that their key file is the log's key without revealing it.
    pub fn commitment(&self) -> Bytes<32> {
        Bytes(*blake3::hash(&[b"SunshineLedger/v1/pseudonym-commitment\0".as_slice(), &self.0].concat()).as_bytes())
    }
    /// The household reference of a resident ID.
    pub fn household_ref(&self, id: &ResidentId) -> HouseholdRef {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher.update(DOMAIN_HOUSEHOLD);
        hasher.update(id.as_bytes());
        HouseholdRef(Bytes(*hasher.finalize().as_bytes()))
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

/// A household's public reference: 32 bytes, hex in JSON and on payment slips.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HouseholdRef(pub Bytes<32>);

impl HouseholdRef {
    /// Parse 64 hex digits.
    pub fn parse(text: &str) -> Result<HouseholdRef, String> {
        Bytes::from_hex(text).map(HouseholdRef)
    }
}

impl fmt::Display for HouseholdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_hex())
    }
}

impl fmt::Debug for HouseholdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HouseholdRef({})", self.0.to_hex())
    }
}

/// A masked personal name: `张*三`, `李*`, `欧阳*华`. Only the first and last
/// characters of a name of three or more survive; a two-character name keeps
/// its first. Validated on decode, so a full name cannot be smuggled in.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MaskedName(String);

/// Why a name could not be masked or a masked name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, over 20 characters, or with characters that are not letters.
    #[error("a name has 1 to 20 letters (Chinese or Latin, middle dot allowed)")]
    BadName,
    /// Not of the masked form.
    #[error("not a masked name (expected e.g. 张*三 or 李*)")]
    NotMasked,
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || c == '·' || c == '•'
}

impl MaskedName {
    /// Mask a full name: keep the first character (and the last, for names of
    /// three or more characters).
    pub fn mask(full_name: &str) -> Result<MaskedName, NameError> {
        let chars: Vec<char> = full_name.trim().chars().filter(|c| !c.is_whitespace()).collect();
        if chars.is_empty() || chars.len() > 20 || !chars.iter().all(|c| is_name_char(*c)) {
            return Err(NameError::BadName);
        }
        let masked = match chars.as_slice() {
            [first] | [first, _] => format!("{first}*"),
            [first, .., last] => format!("{first}*{last}"),
            [] => return Err(NameError::BadName),
        };
        Ok(MaskedName(masked))
    }

    /// Accept an already-masked name: one or two name characters around a
    /// single `*` (`李*`, `张*三`). Anything else is refused.
    pub fn parse_masked(text: &str) -> Result<MaskedName, NameError> {
        let chars: Vec<char> = text.chars().collect();
        let ok = match chars.as_slice() {
            [a, '*'] => is_name_char(*a),
            [a, '*', b] => is_name_char(*a) && is_name_char(*b),
            _ => false,
        };
        if ok {
            Ok(MaskedName(text.to_string()))
        } else {
            Err(NameError::NotMasked)
        }
    }

    /// The masked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for MaskedName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        MaskedName::parse_masked(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for MaskedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for MaskedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compute the check character for 17 digits (used by fixtures to make valid
/// synthetic IDs).
pub fn check_char(body17: &[u8; 17]) -> char {
    let sum: u32 = body17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d.saturating_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_gb11643() {
        // The standard's own example: 11010519491231002X.
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("11010519491231002x").is_ok());
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(ResidentIdError::CheckDigit { expected: 'X' })
        );
        assert_eq!(ResidentId::parse("1101051949123100"), Err(ResidentIdError::Format));
        assert_eq!(ResidentId::parse("1101051949123100X2"), Err(ResidentIdError::Format));
        // Full-width digits normalise.
        assert!(ResidentId::parse("１１０１０５１９４９１２３１００２Ｘ").is_ok());
        assert_eq!(check_char(b"11010519491231002"), 'X');
    }

    #[test]
    #[allow(clippy::panic)] // a test fails by panicking
    fn household_ref_is_keyed_and_deterministic() {
        let id = ResidentId::parse("11010519491231002X").ok();
        let id2 = ResidentId::parse("11010519491231002x").ok();
        let (Some(id), Some(id2)) = (id, id2) else {
            panic!("valid ids")
        };
        let k1 = PseudonymKey::from_bytes([1; 32]);
        let k2 = PseudonymKey::from_bytes([2; 32]);
        assert_eq!(k1.household_ref(&id), k1.household_ref(&id2));
        assert_ne!(k1.household_ref(&id), k2.household_ref(&id));
        let expected = {
            let mut h = blake3::Hasher::new_keyed(&[1; 32]);
            h.update(b"SunshineLedger/v1/household\0");
            h.update(b"11010519491231002X");
            *h.finalize().as_bytes()
        };
        assert_eq!(k1.household_ref(&id).0 .0, expected);
        assert!(!format!("{id:?}").contains("1949"));
    }

    #[test]
    fn masking() {
        assert_eq!(MaskedName::mask("张小三").map(|m| m.0), Ok("张*三".to_string()));
        assert_eq!(MaskedName::mask("李四").map(|m| m.0), Ok("李*".to_string()));
        assert_eq!(MaskedName::mask("欧阳建华").map(|m| m.0), Ok("欧*华".to_string()));
        assert_eq!(MaskedName::mask("王"), Ok(MaskedName("王*".into())));
        assert_eq!(MaskedName::mask("张3"), Err(NameError::BadName));
        assert!(MaskedName::parse_masked("张*三").is_ok());
        assert_eq!(MaskedName::parse_masked("张小三"), Err(NameError::NotMasked));
        assert_eq!(MaskedName::parse_masked("张**"), Err(NameError::NotMasked));
        assert!(serde_json::from_str::<MaskedName>("\"张小三\"").is_err());
    }
}
