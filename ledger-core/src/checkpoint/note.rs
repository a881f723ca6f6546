//! Signed-note building blocks shared by checkpoints, cosignatures and
//! proofs: key names, verifier keys, signature lines and the raw-note
//! prechecks.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;
use signed_note::{is_key_name_valid, key_id};

use crate::merkle::TreeHash;

use super::{CheckpointError, MAX_KEY_NAME_BYTES, MAX_NOTE_BYTES, MAX_VKEY_BYTES};

/// Whether `name` may be a signed-note key name / checkpoint origin.
///
/// `signed_note::is_key_name_valid` rejects empty names, Unicode spaces and
/// '+'; we also reject control characters (not allowed anywhere in a note)
/// and cap the length.
pub(super) fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    if name.len() > MAX_KEY_NAME_BYTES || !is_key_name_valid(name) || name.chars().any(char::is_control) {
        return Err(CheckpointError::BadKeyName(name.chars().take(80).collect()));
    }
    Ok(())
}

/// Parses an ASCII decimal with no sign and no leading zeros (except "0").
pub(super) fn parse_canonical_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Decodes standard, canonically padded base64 of exactly 32 bytes.
pub(super) fn decode_hash(s: &str) -> Option<TreeHash> {
    if s.len() != 44 {
        return None;
    }
    let bytes = BASE64.decode(s).ok()?;
    Some(TreeHash(bytes.try_into().ok()?))
}

/// Renders a signature line: `— <name> base64(key ID ‖ sig)` and a newline.
pub(super) fn signature_line(name: &str, key_id: u32, sig: &[u8]) -> String {
    let mut blob = Vec::with_capacity(4 + sig.len());
    blob.extend_from_slice(&key_id.to_be_bytes());
    blob.extend_from_slice(sig);
    format!("\u{2014} {name} {}\n", BASE64.encode(blob))
}

/// Checks the raw bytes of a signed note before `signed_note` parses it, so
/// that the common mistakes get a precise error.
pub(super) fn precheck_note(note: &[u8]) -> Result<&str, CheckpointError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge {
            what: "signed note",
            len: note.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    let text = std::str::from_utf8(note).map_err(|_| CheckpointError::MalformedNote("not valid UTF-8".into()))?;
    if text.chars().any(|c| c < '\u{20}' && c != '\n') {
        return Err(CheckpointError::MalformedNote(
            "contains a control character other than newline (CR line endings?)".into(),
        ));
    }
    if !text.ends_with('\n') {
        return Err(CheckpointError::MissingTrailingNewline);
    }
    if !text.contains("\n\n") {
        return Err(CheckpointError::MalformedNote(
            "no blank line between the text and the signature lines".into(),
        ));
    }
    Ok(text)
}

/// A verifier key split into its parts, with its Ed25519 key checked.
pub(super) struct ParsedVkey {
    pub(super) name: String,
    pub(super) key_id: u32,
    pub(super) key: VerifyingKey,
}

/// Parses `<name>+<hex key ID>+<base64(type ‖ public key)>` for an Ed25519
/// key of signature type `alg`, checking the ID and refusing weak keys.
pub(super) fn parse_vkey(vkey: &str, alg: u8) -> Result<ParsedVkey, CheckpointError> {
    if vkey.len() > MAX_VKEY_BYTES {
        return Err(CheckpointError::TooLarge {
            what: "verifier key",
            len: vkey.len(),
            max: MAX_VKEY_BYTES,
        });
    }
    let bad = |why: &str| CheckpointError::BadVerifierKey(why.to_owned());
    // Names cannot contain '+', but base64 can: split at the first two only.
    let (name, rest) = vkey
        .split_once('+')
        .ok_or_else(|| bad("expected <name>+<key ID>+<key>"))?;
    let (id_hex, key_b64) = rest
        .split_once('+')
        .ok_or_else(|| bad("expected <name>+<key ID>+<key>"))?;
    check_key_name(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad("key ID must be 8 lowercase hex digits"));
    }
    let found = u32::from_str_radix(id_hex, 16).map_err(|_| bad("key ID is not hex"))?;
    let key = BASE64
        .decode(key_b64)
        .map_err(|_| bad("public key is not standard base64"))?;
    let (&found_alg, pk) = key.split_first().ok_or_else(|| bad("empty public key"))?;
    if found_alg != alg {
        return Err(CheckpointError::UnsupportedKeyType {
            found: found_alg,
            expected: alg,
        });
    }
    let expected = key_id(name, &key);
    if found != expected {
        return Err(CheckpointError::KeyIdMismatch { found, expected });
    }
    let pk: [u8; 32] = pk.try_into().map_err(|_| bad("Ed25519 public key must be 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("not a valid Ed25519 public key"))?;
    // One key, one vkey: refuse the 19 non-canonical encodings (y ≥ p) that
    // decompress to the same point as a canonical one. The page refuses them
    // (@noble/curves decodes strictly), so a log declaring one would have
    // every checkpoint called forged in the browser and valid everywhere
    // else (fuzz target `fuzz_verifier_keys`, docs/SECURITY.md).
    let canonical = curve25519_dalek::edwards::CompressedEdwardsY(pk)
        .decompress()
        .is_some_and(|point| point.compress().to_bytes() == pk);
    if !canonical {
        return Err(bad("public key is not the canonical encoding of its point"));
    }
    // Small-order keys make "valid" signatures on any message possible.
    if key.is_weak() {
        return Err(CheckpointError::WeakKey);
    }
    Ok(ParsedVkey {
        name: name.to_owned(),
        key_id: found,
        key,
    })
}

/// Key ID of `name` for an Ed25519 key of signature type `alg`.
pub(super) fn ed25519_key_id(name: &str, alg: u8, key: &VerifyingKey) -> u32 {
    let mut k = Vec::with_capacity(33);
    k.push(alg);
    k.extend_from_slice(key.as_bytes());
    key_id(name, &k)
}

/// Renders an Ed25519 vkey of signature type `alg`.
pub(super) fn ed25519_vkey(name: &str, alg: u8, key: &VerifyingKey) -> String {
    let mut k = Vec::with_capacity(33);
    k.push(alg);
    k.extend_from_slice(key.as_bytes());
    format!("{name}+{:08x}+{}", key_id(name, &k), BASE64.encode(&k))
}
