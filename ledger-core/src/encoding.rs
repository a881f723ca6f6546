//! Canonical bytes: one encoding per value.
//!
//! Every signed or hashed structure is a versioned Rust struct encoded with
//! postcard. Postcard itself is not canonical (it accepts non-minimal varints
//! and ignores trailing bytes), so [`decode_canonical`] re-encodes what it
//! decoded and refuses input that does not come back byte-identical. Signed
//! types contain no maps, floats, or `skip` attributes, so a value has exactly
//! one encoding and "decode then re-encode" is a complete canonicality check.
//!
//! Each use of the bytes (signing a submission, hashing an entry into the
//! chain, signing a receipt, keying a household hash) prepends its own domain
//! string, so a signature or hash for one purpose can never be replayed as
//! another.

use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Domain prefix of the message an operator signs: prefix ‖ canonical `Submission`.
pub const DOMAIN_SUBMISSION: &[u8] = b"SunshineLedger/v1/submission\0";
/// Domain prefix of the blake3 chain hash: prefix ‖ canonical `SequencedEntry`.
pub const DOMAIN_ENTRY_HASH: &[u8] = b"SunshineLedger/v1/entry\0";
/// Domain prefix of the message the log key signs for a receipt.
pub const DOMAIN_RECEIPT: &[u8] = b"SunshineLedger/v1/receipt\0";
/// Domain prefix of the message the log key signs for a batch of receipts.
pub const DOMAIN_RECEIPT_BATCH: &[u8] = b"SunshineLedger/v1/receipt-batch\0";
/// Domain prefix inside the keyed blake3 hash of a resident ID.
pub const DOMAIN_HOUSEHOLD: &[u8] = b"SunshineLedger/v1/household\0";
/// Domain prefix of the outgoing log key's endorsement of a rotation.
pub const DOMAIN_LOG_ROTATION: &[u8] = b"SunshineLedger/v1/log-rotation\0";
/// Domain prefix of the submission id (idempotency key) hash.
pub const DOMAIN_SUBMISSION_ID: &[u8] = b"SunshineLedger/v1/submission-id\0";

/// Largest canonical submission or sequenced entry we accept, in bytes: the
/// 2-byte length prefix of a C2SP tlog-tiles entry bundle caps a leaf at
/// 65,535 bytes, and every entry must be servable as a tile. A household
/// subsidy is ~300 bytes; genesis with 361 regions and a few keys ~20 KiB.
pub const MAX_ENCODED_BYTES: usize = 65_535;

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Larger than [`MAX_ENCODED_BYTES`].
    #[error("encoded value is {0} bytes, over the {MAX_ENCODED_BYTES}-byte limit")]
    TooLarge(usize),
    /// Postcard could not decode it.
    #[error("malformed encoding: {0}")]
    Malformed(String),
    /// Bytes left after the value.
    #[error("{0} trailing bytes after the encoded value")]
    TrailingBytes(usize),
    /// Decodes, but not in the one canonical form.
    #[error("encoding is not canonical (does not re-encode to the same bytes)")]
    NotCanonical,
    /// A version this build does not know.
    #[error("format version {found} is not supported: this build reads version {supported}{}", version_hint(*found, *supported))]
    UnsupportedVersion {
        /// The version found.
        found: u8,
        /// The one this build reads.
        supported: u8,
    },
}

/// Encode a value to its canonical postcard bytes.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own types into a Vec cannot fail: they contain no maps
    // of unknown length and no types that refuse to serialise. Room for a
    // typical entry up front saves the Vec's growth steps.
    postcard::to_extend(value, Vec::with_capacity(320)).unwrap_or_default()
}

/// A postcard flavor that writes nothing: it checks each byte the serializer
/// produces against the expected bytes, and stops at the first difference.
struct MatchFlavor<'a> {
    rest: &'a [u8],
}

impl postcard::ser_flavors::Flavor for MatchFlavor<'_> {
    /// True when the value's encoding is exactly the expected bytes.
    type Output = bool;

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        match self.rest.split_first() {
            Some((first, rest)) if *first == byte => {
                self.rest = rest;
                Ok(())
            }
            _ => Err(postcard::Error::SerializeBufferFull),
        }
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        match self.rest.strip_prefix(data) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None => Err(postcard::Error::SerializeBufferFull),
        }
    }

    fn finalize(self) -> postcard::Result<bool> {
        Ok(self.rest.is_empty())
    }
}

/// Is `bytes` exactly the canonical encoding of `value`? Same answer as
/// `encode(value) == bytes`, without building the encoding: the verifier
/// checks every entry this way.
pub fn encodes_to<T: Serialize>(value: &T, bytes: &[u8]) -> bool {
    postcard::serialize_with_flavor(value, MatchFlavor { rest: bytes }).unwrap_or(false)
}

/// Decode bytes that must be the canonical encoding of a `T`.
pub fn decode_canonical<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > MAX_ENCODED_BYTES {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    let (value, rest): (T, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    if !encodes_to(&value, bytes) {
        return Err(DecodeError::NotCanonical);
    }
    Ok(value)
}

/// `domain ‖ bytes`, the message for a hash or signature.
pub fn with_domain(domain: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + bytes.len());
    message.extend_from_slice(domain);
    message.extend_from_slice(bytes);
    message
}

/// Fixed-size byte strings (hashes, keys, signatures, nonces).
///
/// In postcard they are exactly `N` raw bytes (a fixed tuple, no length
/// prefix); in human-readable formats (JSON) they are lowercase hex. This is
/// how the same core types serve both the canonical format and the JSON edge
/// without a second set of structs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes<const N: usize>(pub [u8; N]);

impl<const N: usize> Bytes<N> {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// Parse exactly `2N` hex digits.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let raw = hex::decode(text.trim()).map_err(|e| format!("not hex: {e}"))?;
        let arr: [u8; N] = raw
            .try_into()
            .map_err(|v: Vec<u8>| format!("expected {N} bytes, got {}", v.len()))?;
        Ok(Bytes(arr))
    }
}

impl<const N: usize> fmt::Debug for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl<const N: usize> fmt::Display for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl<const N: usize> Serialize for Bytes<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            // Hex on the stack: receipts put a dozen hashes per entry into
            // the write API's answers, and `hex::encode` builds each String
            // one char at a time.
            let mut buf = [0u8; 128];
            let Some(out) = buf.get_mut(..2 * N) else {
                return serializer.serialize_str(&self.to_hex());
            };
            if hex::encode_to_slice(self.0, out).is_err() {
                return serializer.serialize_str(&self.to_hex());
            }
            match std::str::from_utf8(out) {
                Ok(text) => serializer.serialize_str(text),
                Err(_) => serializer.serialize_str(&self.to_hex()),
            }
        } else {
            use serde::ser::SerializeTuple;
            let mut tuple = serializer.serialize_tuple(N)?;
            for byte in &self.0 {
                tuple.serialize_element(byte)?;
            }
            tuple.end()
        }
    }
}

impl<'de, const N: usize> Deserialize<'de> for Bytes<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Bytes::from_hex(&text).map_err(serde::de::Error::custom)
        } else {
            struct TupleVisitor<const M: usize>;
            impl<'de, const M: usize> serde::de::Visitor<'de> for TupleVisitor<M> {
                type Value = Bytes<M>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "{M} bytes")
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let mut out = [0u8; M];
                    for (i, slot) in out.iter_mut().enumerate() {
                        *slot = seq
                            .next_element()?
                            .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?;
                    }
                    Ok(Bytes(out))
                }
            }
            deserializer.deserialize_tuple(N, TupleVisitor::<N>)
        }
    }
}

/// A blake3 or SHA-256 digest.
pub type Hash32 = Bytes<32>;

/// Check a version tag.
pub fn expect_version(found: u8, supported: u8) -> Result<(), DecodeError> {
    if found == supported {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedVersion { found, supported })
    }
}

/// Check the version byte that starts an encoding (postcard writes a
/// leading `u8` field as one byte) before decoding the rest: an older
/// format's bytes would otherwise fail as "malformed" somewhere in the
/// middle, and the reader would not learn that it holds an old ledger.
pub fn expect_leading_version(bytes: &[u8], supported: u8) -> Result<(), DecodeError> {
    match bytes.first() {
        Some(found) => expect_version(*found, supported),
        None => Ok(()),
    }
}

fn version_hint(found: u8, supported: u8) -> &'static str {
    if found == 1 {
        " (an older ledger: version 1 is from before business dates and the policy's controls; docs/FORMAT.md §1 \"Versions\")"
    } else if found < supported {
        " (an older ledger: version 2 is from before supplementary payments and the duplicate-payment control, issue 14; docs/FORMAT.md §1 \"Versions\")"
    } else {
        " (a newer ledger: update this program)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        v: u8,
        n: u64,
        key: Bytes<32>,
        text: String,
    }

    fn sample() -> Sample {
        Sample {
            v: 1,
            n: 300,
            key: Bytes([7; 32]),
            text: "淮安".into(),
        }
    }

    #[test]
    fn round_trip_and_fixed_width_bytes() {
        let bytes = encode(&sample());
        // v (1) + varint 300 (2) + 32 raw bytes + len (1) + 6 utf-8 bytes
        assert_eq!(bytes.len(), 1 + 2 + 32 + 1 + 6);
        assert_eq!(decode_canonical::<Sample>(&bytes), Ok(sample()));
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = encode(&sample());
        bytes.push(0);
        assert_eq!(decode_canonical::<Sample>(&bytes), Err(DecodeError::TrailingBytes(1)));
    }

    #[test]
    fn rejects_non_minimal_varint() {
        // n = 1 encoded as the two-byte varint 0x81 0x00 instead of 0x01.
        let mut bytes = vec![1u8, 0x81, 0x00];
        bytes.extend_from_slice(&[7; 32]);
        bytes.extend_from_slice(&[6]);
        bytes.extend_from_slice("淮安".as_bytes());
        assert_eq!(decode_canonical::<Sample>(&bytes), Err(DecodeError::NotCanonical));
    }

    #[test]
    fn encodes_to_agrees_with_encode_on_every_prefix_and_change() {
        let bytes = encode(&sample());
        assert!(encodes_to(&sample(), &bytes));
        for cut in 0..bytes.len() {
            assert!(!encodes_to(&sample(), &bytes[..cut]), "prefix of {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(!encodes_to(&sample(), &longer));
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            assert!(!encodes_to(&sample(), &changed), "byte {i}");
        }
    }

    #[test]
    fn json_uses_hex() {
        let json = serde_json::to_string(&Bytes([0xab_u8; 2])).unwrap_or_default();
        assert_eq!(json, "\"abab\"");
        let back: Result<Bytes<2>, _> = serde_json::from_str("\"abab\"");
        assert_eq!(back.ok(), Some(Bytes([0xab; 2])));
        assert!(serde_json::from_str::<Bytes<2>>("\"ab\"").is_err());
    }
}
