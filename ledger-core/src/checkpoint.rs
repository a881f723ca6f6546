//! C2SP signed notes, tlog checkpoints, Ed25519 cosignatures, the witness
//! consistency rules, and the `tlog-proof` offline proof format.
//!
//! Specs: `c2sp.org/signed-note`, `c2sp.org/tlog-checkpoint`,
//! `c2sp.org/tlog-cosignature` (Ed25519 `cosignature/v1`, key type 0x04),
//! `c2sp.org/tlog-witness` (the checks a witness makes before cosigning) and
//! `c2sp.org/tlog-proof`.
//!
//! Note parsing and log-signature checking use `signed_note` (a port of Go's
//! `sumdb/note`), signatures use `ed25519_dalek`. What this module adds:
//! strict checkpoint-body parsing with errors that say what is wrong, size
//! caps on every input, rejection of weak (small-order) public keys, the
//! cosignature type that `signed_note` does not know, and the witness logic.
//!
//! No I/O and no clock: times are passed in.

use std::collections::BTreeSet;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use signed_note::{is_key_name_valid, key_id, Note, NoteError, VerifierList};

use crate::merkle::{verify_consistency, verify_inclusion, MerkleError, TreeHash, EMPTY_TREE_ROOT};

/// One signature line of a signed note (name, key ID, signature bytes).
pub use signed_note::Signature as NoteSignature;

/// Largest signed note we parse. The signed-note spec asks verifiers to
/// accept at least 16 signatures; 16 ML-DSA-44 cosignatures (≈ 3.3 kB of
/// base64 each) plus a checkpoint body fit with room to spare.
pub const MAX_NOTE_BYTES: usize = 128 * 1024;

/// Most signature lines a note may carry (the limit `signed_note` enforces
/// when parsing; we must not produce notes it would refuse).
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// Longest key name (log origin or witness name) we accept.
pub const MAX_KEY_NAME_BYTES: usize = 255;

/// Longest verifier key string we parse.
pub const MAX_VKEY_BYTES: usize = 1024;

/// Largest `extra` payload (decoded) in a `tlog-proof`.
pub const MAX_TLOG_PROOF_EXTRA_BYTES: usize = 16 * 1024;

/// Most inclusion-proof hashes in a `tlog-proof` (a tree of at most 2^64
/// leaves has paths of at most 64 hashes).
pub const MAX_PROOF_HASHES: usize = 64;

/// Largest `tlog-proof` text we parse: header, extra, index, 64 hash lines,
/// and a maximal note.
pub const MAX_TLOG_PROOF_BYTES: usize =
    64 + (MAX_TLOG_PROOF_EXTRA_BYTES * 4 / 3 + 16) + 32 + MAX_PROOF_HASHES * 45 + MAX_NOTE_BYTES;

/// Largest cosignature timestamp the spec allows (2^63 − 1).
pub const MAX_COSIGNATURE_TIMESTAMP: u64 = i64::MAX as u64;

/// First line of a `tlog-proof`.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Signed-note signature type of Ed25519 note signatures.
const ALG_ED25519: u8 = 0x01;
/// Signed-note signature type of Ed25519 `cosignature/v1` cosignatures.
const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Length of a cosignature after the key ID: u64 timestamp ‖ Ed25519 sig.
const COSIGNATURE_LEN: usize = 8 + ed25519_dalek::SIGNATURE_LENGTH;

/// Errors from signing, parsing and verifying checkpoints, cosignatures and
/// `tlog-proof`s.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    /// Input larger than we are willing to parse.
    #[error("{what} is {len} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A signed note must end with a newline after its last signature line.
    #[error("signed note does not end with a newline (was it truncated or trimmed?)")]
    MissingTrailingNewline,
    /// The note is not a well-formed C2SP signed note.
    #[error("malformed signed note: {0}")]
    MalformedNote(String),
    /// A key name (origin or witness name) is not valid.
    #[error("invalid key name {0:?}: it must be 1..=255 bytes with no spaces, '+' or control characters")]
    BadKeyName(String),
    /// A verifier key string is malformed.
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(String),
    /// A verifier key has another signature type than the one needed here.
    #[error("verifier key has signature type 0x{found:02x}, expected 0x{expected:02x}")]
    UnsupportedKeyType {
        /// Type byte found in the key.
        found: u8,
        /// Type byte this verifier needs.
        expected: u8,
    },
    /// The key ID in a verifier key does not match its name and key.
    #[error("verifier key ID {found:08x} does not match its name and public key (expected {expected:08x})")]
    KeyIdMismatch {
        /// ID written in the vkey.
        found: u32,
        /// ID computed from name, type and key.
        expected: u32,
    },
    /// The public key is a small-order ("weak") Ed25519 point.
    #[error("verifier key is a weak (small-order) Ed25519 key; refusing it")]
    WeakKey,
    /// The note has no signature line from the expected log key.
    #[error("note carries no signature from log key {name}+{key_id:08x}")]
    NoLogSignature {
        /// The log key name (origin).
        name: String,
        /// The log key ID.
        key_id: u32,
    },
    /// The note's signature line from the log key does not verify.
    #[error("signature by log key {name}+{key_id:08x} does not verify: the note was altered or signed by another key")]
    BadLogSignature {
        /// The log key name (origin).
        name: String,
        /// The log key ID.
        key_id: u32,
    },
    /// The checkpoint body does not follow `c2sp.org/tlog-checkpoint`.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// The tree size line is not a canonical decimal.
    #[error("checkpoint tree size {0:?} is not an ASCII decimal without leading zeros")]
    NonCanonicalSize(String),
    /// The root hash line is not base64 of 32 bytes.
    #[error("checkpoint root hash {0:?} is not the standard base64 of 32 bytes")]
    BadRootHash(String),
    /// The checkpoint's origin is not the one expected.
    #[error("checkpoint origin {found:?} is not the expected {expected:?}")]
    OriginMismatch {
        /// Expected origin.
        expected: String,
        /// Origin found.
        found: String,
    },
    /// A checkpoint of size 0 must carry the empty-tree root.
    #[error("checkpoint of size 0 has a root other than the empty-tree hash")]
    EmptyTreeRootMismatch,
    /// The note has no cosignature from this witness.
    #[error("no cosignature from witness {name}+{key_id:08x}")]
    NoCosignature {
        /// Witness name.
        name: String,
        /// Witness key ID.
        key_id: u32,
    },
    /// A cosignature line from this witness is malformed.
    #[error("malformed cosignature from witness {name}: {reason}")]
    MalformedCosignature {
        /// Witness name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A cosignature line from this witness does not verify.
    #[error("cosignature from witness {name}+{key_id:08x} does not verify")]
    BadCosignature {
        /// Witness name.
        name: String,
        /// Witness key ID.
        key_id: u32,
    },
    /// A cosignature timestamp outside 1..=2^63−1.
    #[error("cosignature timestamp {0} is outside 1..=2^63-1")]
    BadTimestamp(u64),
    /// Fewer valid cosignatures than the policy requires.
    #[error("only {got} valid witness cosignatures, policy requires {need}")]
    NotEnoughCosignatures {
        /// Valid cosignatures found.
        got: usize,
        /// Required.
        need: usize,
    },
    /// The new checkpoint is smaller than the one the witness holds.
    #[error("rollback: checkpoint size {new_size} is smaller than the last cosigned size {old_size}")]
    Rollback {
        /// Size the witness holds.
        old_size: u64,
        /// Size of the new checkpoint.
        new_size: u64,
    },
    /// Same size as the witness's state but a different root: a fork.
    #[error("fork: checkpoint of size {size} has a different root than the one already cosigned")]
    Fork {
        /// The common size.
        size: u64,
    },
    /// The consistency proof from the witness's state to the new checkpoint fails.
    #[error("consistency proof rejected: {0}")]
    BadConsistencyProof(MerkleError),
    /// The inclusion proof of a `tlog-proof` fails.
    #[error("inclusion proof rejected: {0}")]
    BadInclusionProof(MerkleError),
    /// The `tlog-proof` text does not follow `c2sp.org/tlog-proof`.
    #[error("malformed tlog-proof: {0}")]
    MalformedTlogProof(String),
    /// Two checkpoints given as fork evidence do not show a fork.
    #[error("not fork evidence: {0}")]
    NotAFork(String),
}

fn malformed_note(e: &NoteError) -> CheckpointError {
    CheckpointError::MalformedNote(e.to_string())
}

/// Whether `name` may be a signed-note key name / checkpoint origin.
///
/// `signed_note::is_key_name_valid` rejects empty names, Unicode spaces and
/// '+'; we also reject control characters (not allowed anywhere in a note)
/// and cap the length.
fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    if name.len() > MAX_KEY_NAME_BYTES || !is_key_name_valid(name) || name.chars().any(char::is_control) {
        return Err(CheckpointError::BadKeyName(name.chars().take(80).collect()));
    }
    Ok(())
}

/// Parses an ASCII decimal with no sign and no leading zeros (except "0").
fn parse_canonical_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Decodes standard, canonically padded base64 of exactly 32 bytes.
fn decode_hash(s: &str) -> Option<TreeHash> {
    if s.len() != 44 {
        return None;
    }
    let bytes = BASE64.decode(s).ok()?;
    Some(TreeHash(bytes.try_into().ok()?))
}

/// Renders a signature line: `— <name> base64(key ID ‖ sig)` and a newline.
fn signature_line(name: &str, key_id: u32, sig: &[u8]) -> String {
    let mut blob = Vec::with_capacity(4 + sig.len());
    blob.extend_from_slice(&key_id.to_be_bytes());
    blob.extend_from_slice(sig);
    format!("\u{2014} {name} {}\n", BASE64.encode(blob))
}

/// Checks the raw bytes of a signed note before `signed_note` parses it, so
/// that the common mistakes get a precise error.
fn precheck_note(note: &[u8]) -> Result<&str, CheckpointError> {
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
struct ParsedVkey {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

/// Parses `<name>+<hex key ID>+<base64(type ‖ public key)>` for an Ed25519
/// key of signature type `alg`, checking the ID and refusing weak keys.
fn parse_vkey(vkey: &str, alg: u8) -> Result<ParsedVkey, CheckpointError> {
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
fn ed25519_key_id(name: &str, alg: u8, key: &VerifyingKey) -> u32 {
    let mut k = Vec::with_capacity(33);
    k.push(alg);
    k.extend_from_slice(key.as_bytes());
    key_id(name, &k)
}

/// Renders an Ed25519 vkey of signature type `alg`.
fn ed25519_vkey(name: &str, alg: u8, key: &VerifyingKey) -> String {
    let mut k = Vec::with_capacity(33);
    k.push(alg);
    k.extend_from_slice(key.as_bytes());
    format!("{name}+{:08x}+{}", key_id(name, &k), BASE64.encode(&k))
}

/// The parsed body of a checkpoint (`c2sp.org/tlog-checkpoint`).
struct CheckpointBody {
    origin: String,
    size: u64,
    root: TreeHash,
    extensions: Vec<String>,
}

/// Parses a checkpoint body: origin, canonical decimal size, base64 root,
/// then optional non-empty extension lines; every line newline-terminated.
fn parse_checkpoint_body(text: &str) -> Result<CheckpointBody, CheckpointError> {
    let malformed = |why: &str| CheckpointError::MalformedCheckpoint(why.to_owned());
    let body = text
        .strip_suffix('\n')
        .ok_or_else(|| malformed("body does not end with a newline"))?;
    let mut lines = body.split('\n');
    let origin = lines.next().unwrap_or_default();
    if origin.is_empty() {
        return Err(malformed("empty origin line"));
    }
    let size_line = lines.next().ok_or_else(|| malformed("missing tree size line"))?;
    let size = parse_canonical_u64(size_line)
        .ok_or_else(|| CheckpointError::NonCanonicalSize(size_line.chars().take(40).collect()))?;
    let root_line = lines.next().ok_or_else(|| malformed("missing root hash line"))?;
    let root =
        decode_hash(root_line).ok_or_else(|| CheckpointError::BadRootHash(root_line.chars().take(60).collect()))?;
    let mut extensions = Vec::new();
    for line in lines {
        if line.is_empty() {
            return Err(malformed("empty extension line"));
        }
        extensions.push(line.to_owned());
    }
    // tlog-witness: "A checkpoint of size zero MUST have the root hash of the
    // empty tree". A log signing anything else is signing a false statement.
    if size == 0 && root != EMPTY_TREE_ROOT {
        return Err(CheckpointError::EmptyTreeRootMismatch);
    }
    Ok(CheckpointBody {
        origin: origin.to_owned(),
        size,
        root,
        extensions,
    })
}

/// The log's checkpoint signer: an Ed25519 key whose signed-note key name
/// is the log origin.
pub struct LogSigner {
    origin: String,
    key: SigningKey,
    key_id: u32,
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret key.
        f.debug_struct("LogSigner")
            .field("origin", &self.origin)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// A signer for `origin`, which must be a valid signed-note key name
    /// (non-empty, no spaces, '+' or control characters, at most 255 bytes).
    ///
    /// # Errors
    /// [`CheckpointError::BadKeyName`].
    pub fn new(origin: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(origin)?;
        let key_id = ed25519_key_id(origin, ALG_ED25519, &key.verifying_key());
        Ok(Self {
            origin: origin.to_owned(),
            key,
            key_id,
        })
    }

    /// The log origin (also the key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The signed-note key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The signed-note verifier key, `origin+hexid+base64(0x01 ‖ pubkey)`,
    /// to give to witnesses and verifiers.
    pub fn verifier_key(&self) -> String {
        ed25519_vkey(&self.origin, ALG_ED25519, &self.key.verifying_key())
    }

    /// A [`LogVerifier`] for this signer's key.
    pub fn verifier(&self) -> LogVerifier {
        let key = self.key.verifying_key();
        LogVerifier::from_parts(self.origin.clone(), self.key_id, key)
    }

    /// Signs the checkpoint `origin\nsize\nbase64(root)\n` as a signed note.
    ///
    /// The caller passes the tree's real root (`MemoryTree::root`): in
    /// particular size 0 must come with [`EMPTY_TREE_ROOT`], or verifiers
    /// reject the checkpoint ([`CheckpointError::EmptyTreeRootMismatch`]).
    pub fn sign_checkpoint(&self, size: u64, root: &TreeHash) -> SignedCheckpoint {
        let body = format!("{}\n{size}\n{}\n", self.origin, BASE64.encode(root.0));
        let sig = self.key.sign(body.as_bytes());
        // Built by hand rather than with `signed_note::Note::add_sigs` so
        // signing cannot fail: the origin was validated in `new`. The
        // interop test checks `signed_note` and `tlog_tiles` accept it.
        let note = format!("{body}\n{}", signature_line(&self.origin, self.key_id, &sig.to_bytes()));
        SignedCheckpoint {
            note,
            origin: self.origin.clone(),
            size,
            root: *root,
        }
    }

    /// Signs an arbitrary message with the log key. The caller must prefix a
    /// domain-separation string that can never start a checkpoint body
    /// (e.g. `"sunshine-ledger/receipt/v1\n"`), so a receipt signature can
    /// never be replayed as a checkpoint signature or the reverse.
    pub fn sign_bytes(&self, domain_prefixed_msg: &[u8]) -> Signature {
        self.key.sign(domain_prefixed_msg)
    }
}

/// A checkpoint this log just signed: the exact note bytes plus the values
/// in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedCheckpoint {
    note: String,
    origin: String,
    size: u64,
    root: TreeHash,
}

impl SignedCheckpoint {
    /// The note bytes, as served at `/checkpoint`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.as_bytes().to_vec()
    }

    /// The note bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        self.note.as_bytes()
    }

    /// The note as text.
    pub fn as_text(&self) -> &str {
        &self.note
    }

    /// The log origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> &TreeHash {
        &self.root
    }
}

/// Verifies checkpoints signed by one log key (Ed25519, signature type 0x01).
#[derive(Clone)]
pub struct LogVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogVerifier").field("vkey", &self.vkey()).finish()
    }
}

impl LogVerifier {
    fn from_parts(name: String, key_id: u32, key: VerifyingKey) -> Self {
        Self { name, key_id, key }
    }

    /// Parses a log verifier key `name+hexid+base64(0x01 ‖ pubkey)`.
    ///
    /// # Errors
    /// Malformed key, another signature type
    /// ([`CheckpointError::UnsupportedKeyType`]), a key ID that does not
    /// match ([`CheckpointError::KeyIdMismatch`]), a weak key.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let p = parse_vkey(vkey, ALG_ED25519)?;
        Ok(Self::from_parts(p.name, p.key_id, p.key))
    }

    /// The key name, which is the log origin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The verifier key string.
    pub fn vkey(&self) -> String {
        ed25519_vkey(&self.name, ALG_ED25519, &self.key)
    }

    /// Verifies a signature made by [`LogSigner::sign_bytes`] (strict
    /// Ed25519 verification).
    ///
    /// # Errors
    /// [`CheckpointError::BadLogSignature`].
    pub fn verify_bytes(&self, domain_prefixed_msg: &[u8], sig: &Signature) -> Result<(), CheckpointError> {
        self.key
            .verify_strict(domain_prefixed_msg, sig)
            .map_err(|_| CheckpointError::BadLogSignature {
                name: self.name.clone(),
                key_id: self.key_id,
            })
    }

    /// Verifies a signed checkpoint note: a valid signature by this log key,
    /// a well-formed `tlog-checkpoint` body, and an origin equal to the key
    /// name. Signatures by other keys are kept, unverified, for cosignature
    /// checks.
    ///
    /// # Errors
    /// Every [`CheckpointError`] parsing variant; [`CheckpointError::NoLogSignature`]
    /// or [`CheckpointError::BadLogSignature`]; [`CheckpointError::OriginMismatch`].
    pub fn verify_checkpoint(&self, note_bytes: &[u8]) -> Result<VerifiedCheckpoint, CheckpointError> {
        precheck_note(note_bytes)?;
        let note = Note::from_bytes(note_bytes).map_err(|e| malformed_note(&e))?;
        let verifiers = VerifierList::new(vec![Box::new(NoteKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key,
        })]);
        // Authenticate before interpreting the body.
        let (_, others) = note.verify(&verifiers).map_err(|e| match e {
            NoteError::UnverifiedNote => CheckpointError::NoLogSignature {
                name: self.name.clone(),
                key_id: self.key_id,
            },
            NoteError::InvalidSignature { .. } => CheckpointError::BadLogSignature {
                name: self.name.clone(),
                key_id: self.key_id,
            },
            other => malformed_note(&other),
        })?;
        self.verify_every_log_line(note_bytes, note.text())?;
        let text =
            std::str::from_utf8(note.text()).map_err(|_| CheckpointError::MalformedNote("not valid UTF-8".into()))?;
        let body = parse_checkpoint_body(text)?;
        if body.origin != self.name {
            return Err(CheckpointError::OriginMismatch {
                expected: self.name.clone(),
                found: body.origin,
            });
        }
        Ok(VerifiedCheckpoint {
            origin: body.origin,
            size: body.size,
            root: body.root,
            extensions: body.extensions,
            body: text.to_owned(),
            note_bytes: note_bytes.to_vec(),
            other_signatures: others,
        })
    }
}

impl LogVerifier {
    /// Every signature line by this key (its name and key ID) must verify;
    /// called after `Note::verify` accepted the first one, which is skipped.
    ///
    /// `signed_note::Note::verify` (like Go's `note.Open`) verifies the first
    /// line by a known key and skips any later line by the same key, so a
    /// note with a good log signature followed by a forged one passed, while
    /// c2sp.org/signed-note says "if the key name and ID match a known key,
    /// verifiers MUST verify the signature" and the page (verify.js) refuses
    /// the note. The node would have stored such a note from a witness's
    /// `POST /v1/cosignatures` and served it at `/v1/checkpoint/cosigned`,
    /// where the page called the log's checkpoint forged (fuzz target
    /// `fuzz_checkpoint_note`, docs/SECURITY.md).
    fn verify_every_log_line(&self, note_bytes: &[u8], text: &[u8]) -> Result<(), CheckpointError> {
        let bad = || CheckpointError::BadLogSignature {
            name: self.name.clone(),
            key_id: self.key_id,
        };
        // The note is `text ‖ "\n" ‖ signature lines`, each ending in "\n"
        // (`signed_note` parsed it so), and valid UTF-8 (`precheck_note`).
        let block = note_bytes
            .get(text.len() + 1..)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| CheckpointError::MalformedNote("signature block".into()))?;
        let mut first = true;
        for line in block.lines() {
            let sig = NoteSignature::from_bytes(line.as_bytes()).map_err(|e| malformed_note(&e))?;
            if sig.name() != self.name || sig.id() != self.key_id {
                continue;
            }
            // `Note::verify` checked the first line by this key, in the same
            // order: verifying it again would double the cost of every
            // checkpoint check for nothing.
            if std::mem::take(&mut first) {
                continue;
            }
            let sig: [u8; 64] = sig.signature().try_into().map_err(|_| bad())?;
            self.key
                .verify_strict(text, &Signature::from_bytes(&sig))
                .map_err(|_| bad())?;
        }
        Ok(())
    }
}

/// The log key in the form `signed_note` wants for [`Note::verify`].
///
/// Implemented here rather than using `signed_note::StandardVerifier`, which
/// can only be built by re-parsing a vkey string, and which verifies with
/// `verify` rather than `verify_strict`.
#[derive(Clone)]
struct NoteKey {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl signed_note::Verifier for NoteKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &Signature::from_bytes(&sig)).is_ok()
    }
}

/// A checkpoint whose log signature, format and origin have been verified.
/// Only [`LogVerifier::verify_checkpoint`] creates one.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedCheckpoint {
    origin: String,
    size: u64,
    root: TreeHash,
    extensions: Vec<String>,
    body: String,
    note_bytes: Vec<u8>,
    other_signatures: Vec<NoteSignature>,
}

impl VerifiedCheckpoint {
    /// The log origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> &TreeHash {
        &self.root
    }

    /// Extension lines (opaque, unaudited; usually none).
    pub fn extension_lines(&self) -> &[String] {
        &self.extensions
    }

    /// The signed note text (the checkpoint body, with its final newline).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The exact note bytes that were verified.
    pub fn note_bytes(&self) -> &[u8] {
        &self.note_bytes
    }

    /// Signature lines from keys other than the log key (cosignatures among
    /// them), not verified.
    pub fn other_signatures(&self) -> &[NoteSignature] {
        &self.other_signatures
    }

    /// The state a witness records after cosigning this checkpoint.
    pub fn to_witness_state(&self) -> WitnessState {
        WitnessState {
            origin: self.origin.clone(),
            size: self.size,
            root: self.root,
        }
    }
}

/// The message an Ed25519 `cosignature/v1` signs.
fn cosigned_message(timestamp: u64, body: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{body}").into_bytes()
}

/// A witness's cosigning key (`c2sp.org/tlog-cosignature`, Ed25519, type 0x04).
pub struct WitnessSigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl fmt::Debug for WitnessSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl WitnessSigner {
    /// A witness signer named `name` (a valid key name). The Ed25519
    /// cosignature does not sign the witness name, so never use one key for
    /// two witness names.
    ///
    /// # Errors
    /// [`CheckpointError::BadKeyName`].
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let key_id = ed25519_key_id(name, ALG_COSIGNATURE_V1, &key.verifying_key());
        Ok(Self {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// The witness name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier key `name+hexid+base64(0x04 ‖ pubkey)`.
    pub fn verifier_key(&self) -> String {
        ed25519_vkey(&self.name, ALG_COSIGNATURE_V1, &self.key.verifying_key())
    }

    /// A [`WitnessVerifier`] for this key.
    pub fn verifier(&self) -> WitnessVerifier {
        WitnessVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Cosigns `checkpoint` at `time_s` (POSIX seconds). Call only after
    /// [`witness_check`] accepted it, or use [`WitnessSigner::check_and_cosign`].
    ///
    /// # Errors
    /// [`CheckpointError::BadTimestamp`] if `time_s` is 0 (tlog-witness: the
    /// timestamp MUST NOT be zero) or above 2^63 − 1.
    pub fn cosign(&self, checkpoint: &VerifiedCheckpoint, time_s: u64) -> Result<CosignatureLine, CheckpointError> {
        if time_s == 0 || time_s > MAX_COSIGNATURE_TIMESTAMP {
            return Err(CheckpointError::BadTimestamp(time_s));
        }
        let sig = self.key.sign(&cosigned_message(time_s, checkpoint.body()));
        Ok(CosignatureLine {
            name: self.name.clone(),
            key_id: self.key_id,
            timestamp: time_s,
            signature: sig,
        })
    }

    /// [`witness_check`] then [`WitnessSigner::cosign`]: the whole
    /// `add-checkpoint` decision. The caller must persist the returned state
    /// atomically with the old-size check (see tlog-witness) before
    /// releasing the cosignature.
    ///
    /// # Errors
    /// Those of [`witness_check`] and [`WitnessSigner::cosign`].
    pub fn check_and_cosign(
        &self,
        prev: Option<&WitnessState>,
        checkpoint: &VerifiedCheckpoint,
        consistency_proof: &[TreeHash],
        time_s: u64,
    ) -> Result<(WitnessState, CosignatureLine), CheckpointError> {
        let state = witness_check(prev, checkpoint, consistency_proof)?;
        let line = self.cosign(checkpoint, time_s)?;
        Ok((state, line))
    }
}

/// One Ed25519 cosignature, as a note signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureLine {
    name: String,
    key_id: u32,
    timestamp: u64,
    signature: Signature,
}

impl CosignatureLine {
    /// Witness name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Witness key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Cosignature time, POSIX seconds.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// `— <name> base64(key ID ‖ u64 timestamp ‖ signature)` plus newline.
    pub fn to_line(&self) -> String {
        let mut payload = Vec::with_capacity(COSIGNATURE_LEN);
        payload.extend_from_slice(&self.timestamp.to_be_bytes());
        payload.extend_from_slice(&self.signature.to_bytes());
        signature_line(&self.name, self.key_id, &payload)
    }

    /// Parses one signature line (with or without its newline) as an
    /// Ed25519 cosignature, e.g. from a witness's `add-checkpoint` reply.
    /// This checks the shape only: verify the note with
    /// [`WitnessVerifier::verify_cosignature`] after adding it.
    ///
    /// # Errors
    /// [`CheckpointError::MalformedCosignature`] or [`CheckpointError::MalformedNote`].
    pub fn parse(line: &str) -> Result<Self, CheckpointError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if line.len() > 1024 {
            return Err(CheckpointError::TooLarge {
                what: "cosignature line",
                len: line.len(),
                max: 1024,
            });
        }
        let sig = NoteSignature::from_bytes(line.as_bytes()).map_err(|e| malformed_note(&e))?;
        let (timestamp, signature) = split_cosignature(&sig)?;
        Ok(Self {
            name: sig.name().to_owned(),
            key_id: sig.id(),
            timestamp,
            signature,
        })
    }
}

impl fmt::Display for CosignatureLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

/// Splits a cosignature's bytes (after the key ID) into timestamp and
/// Ed25519 signature.
fn split_cosignature(sig: &NoteSignature) -> Result<(u64, Signature), CheckpointError> {
    let malformed = |reason: String| CheckpointError::MalformedCosignature {
        name: sig.name().to_owned(),
        reason,
    };
    let bytes = sig.signature();
    if bytes.len() != COSIGNATURE_LEN {
        return Err(malformed(format!(
            "{} bytes after the key ID, expected {COSIGNATURE_LEN} (u64 timestamp + 64-byte signature)",
            bytes.len()
        )));
    }
    let (ts, sig_bytes) = bytes.split_at(8);
    let ts = u64::from_be_bytes(ts.try_into().map_err(|_| malformed("timestamp".into()))?);
    if ts > MAX_COSIGNATURE_TIMESTAMP {
        return Err(malformed(format!("timestamp {ts} exceeds 2^63-1")));
    }
    let sig_bytes: [u8; 64] = sig_bytes.try_into().map_err(|_| malformed("signature length".into()))?;
    Ok((ts, Signature::from_bytes(&sig_bytes)))
}

/// Adds (or replaces, for the same witness key) a cosignature line in a
/// signed note and returns the new note bytes. The line is not verified
/// here: re-verify the result.
///
/// # Errors
/// A malformed note, or a result over the size or signature-count limits.
pub fn add_cosignature(note_bytes: &[u8], line: &CosignatureLine) -> Result<Vec<u8>, CheckpointError> {
    precheck_note(note_bytes)?;
    let note = Note::from_bytes(note_bytes).map_err(|e| malformed_note(&e))?;
    // `Note` exposes its text but not its signatures, so re-read the lines.
    let text_len = note.text().len();
    let sig_block = note_bytes
        .get(text_len + 1..)
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(|| CheckpointError::MalformedNote("signature block".into()))?;
    let mut out = Vec::with_capacity(note_bytes.len() + 128);
    out.extend_from_slice(note.text());
    out.push(b'\n');
    let mut count = 0usize;
    for l in sig_block.lines() {
        let sig = NoteSignature::from_bytes(l.as_bytes()).map_err(|e| malformed_note(&e))?;
        // Same rule as `signed_note::Note::add_sigs`: a new signature by a
        // key replaces that key's old one.
        if sig.name() == line.name && sig.id() == line.key_id {
            continue;
        }
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
        count += 1;
    }
    out.extend_from_slice(line.to_line().as_bytes());
    count += 1;
    if count > MAX_NOTE_SIGNATURES {
        return Err(CheckpointError::MalformedNote(format!(
            "more than {MAX_NOTE_SIGNATURES} signature lines"
        )));
    }
    if out.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge {
            what: "cosigned note",
            len: out.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    Ok(out)
}

/// Verifies one witness's Ed25519 cosignatures (type 0x04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl WitnessVerifier {
    /// Parses a witness vkey `name+hexid+base64(0x04 ‖ pubkey)`.
    ///
    /// # Errors
    /// As [`LogVerifier::from_vkey`], with signature type 0x04.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let p = parse_vkey(vkey, ALG_COSIGNATURE_V1)?;
        Ok(Self {
            name: p.name,
            key_id: p.key_id,
            key: p.key,
        })
    }

    /// The witness name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The verifier key string.
    pub fn vkey(&self) -> String {
        ed25519_vkey(&self.name, ALG_COSIGNATURE_V1, &self.key)
    }

    /// Finds this witness's cosignature line(s) on `checkpoint` and
    /// verifies them (strict Ed25519). Returns the cosignature timestamp
    /// (the latest, should the witness have signed more than once).
    ///
    /// As the signed-note spec asks, a line matching this witness's name and
    /// key ID that fails to verify is an error, not something to skip.
    ///
    /// # Errors
    /// [`CheckpointError::NoCosignature`], [`CheckpointError::MalformedCosignature`],
    /// [`CheckpointError::BadCosignature`].
    pub fn verify_cosignature(&self, checkpoint: &VerifiedCheckpoint) -> Result<u64, CheckpointError> {
        let mut latest = None;
        for sig in checkpoint.other_signatures() {
            if sig.name() != self.name || sig.id() != self.key_id {
                continue;
            }
            let (ts, signature) = split_cosignature(sig)?;
            self.key
                .verify_strict(&cosigned_message(ts, checkpoint.body()), &signature)
                .map_err(|_| CheckpointError::BadCosignature {
                    name: self.name.clone(),
                    key_id: self.key_id,
                })?;
            latest = latest.max(Some(ts));
        }
        latest.ok_or_else(|| CheckpointError::NoCosignature {
            name: self.name.clone(),
            key_id: self.key_id,
        })
    }
}

/// Number of distinct witnesses in `witnesses` with a valid cosignature on
/// `checkpoint`, for k-of-n policies.
///
/// Witnesses are counted once per *public key*: a policy listing the same
/// witness twice, or one key under two names (which the Ed25519 cosignature
/// cannot tell apart, as it does not sign the name), must not count twice.
pub fn count_valid_cosignatures(checkpoint: &VerifiedCheckpoint, witnesses: &[WitnessVerifier]) -> usize {
    let mut counted: BTreeSet<[u8; 32]> = BTreeSet::new();
    for w in witnesses {
        if counted.contains(w.key.as_bytes()) {
            continue;
        }
        if w.verify_cosignature(checkpoint).is_ok() {
            counted.insert(*w.key.as_bytes());
        }
    }
    counted.len()
}

/// What a witness remembers about a log: the last checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessState {
    /// Log origin.
    pub origin: String,
    /// Tree size of the last cosigned checkpoint.
    pub size: u64,
    /// Root hash of the last cosigned checkpoint.
    pub root: TreeHash,
}

/// The witness's decision (`c2sp.org/tlog-witness`, `add-checkpoint`): may
/// `new` be cosigned, given the last cosigned state `prev` (None if it never
/// cosigned this log) and a consistency proof from `prev` to `new`?
///
/// Refuses another origin, a smaller size (rollback), the same size with a
/// different root (fork), a non-empty proof when none is needed (no previous
/// state, previous size 0, or same size), and a bad consistency proof.
/// Returns the state to persist.
///
/// # Errors
/// [`CheckpointError::OriginMismatch`], [`CheckpointError::Rollback`],
/// [`CheckpointError::Fork`], [`CheckpointError::EmptyTreeRootMismatch`] or
/// [`CheckpointError::BadConsistencyProof`].
pub fn witness_check(
    prev: Option<&WitnessState>,
    new: &VerifiedCheckpoint,
    consistency_proof: &[TreeHash],
) -> Result<WitnessState, CheckpointError> {
    let no_proof_expected = || {
        if consistency_proof.is_empty() {
            Ok(())
        } else {
            Err(CheckpointError::BadConsistencyProof(MerkleError::BadProofLength {
                expected: 0,
                got: consistency_proof.len(),
            }))
        }
    };
    let Some(prev) = prev else {
        // Old size 0: "the consistency proof MUST be empty, because the
        // empty tree is consistent with any tree".
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    };
    if prev.origin != new.origin {
        return Err(CheckpointError::OriginMismatch {
            expected: prev.origin.clone(),
            found: new.origin.clone(),
        });
    }
    if new.size < prev.size {
        return Err(CheckpointError::Rollback {
            old_size: prev.size,
            new_size: new.size,
        });
    }
    if new.size == prev.size {
        if new.root != prev.root {
            return Err(CheckpointError::Fork { size: new.size });
        }
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    }
    if prev.size == 0 {
        // `verify_consistency` refuses old size 0 (a proof from the empty
        // tree proves nothing), so handle it here: only the empty-tree root
        // is a valid size-0 state.
        if prev.root != EMPTY_TREE_ROOT {
            return Err(CheckpointError::EmptyTreeRootMismatch);
        }
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    }
    verify_consistency(consistency_proof, prev.size, &prev.root, new.size, &new.root)
        .map_err(CheckpointError::BadConsistencyProof)?;
    Ok(new.to_witness_state())
}

/// Two signed checkpoints of one log that cannot both be honest: the
/// exact note bytes, so anyone holding the log key can re-check them with
/// [`ForkEvidence::check`].
///
/// Same size with different roots is self-contained proof of misbehaviour.
/// Different sizes are evidence only together with the consistency proof
/// the log served, which fails to link them (and the log's inability to
/// produce a valid one when asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// The first checkpoint's exact note bytes.
    pub a: Vec<u8>,
    /// The second checkpoint's exact note bytes.
    pub b: Vec<u8>,
}

impl ForkEvidence {
    /// Re-checks the evidence from the note bytes alone: both notes must be
    /// signed by `verifier`'s key and [`detect_fork`] must find a fork
    /// between them (given the consistency proof, if the sizes differ).
    ///
    /// # Errors
    /// Any checkpoint verification error, or [`CheckpointError::NotAFork`].
    pub fn check(
        &self,
        verifier: &LogVerifier,
        proof_if_sizes_differ: Option<&[TreeHash]>,
    ) -> Result<(VerifiedCheckpoint, VerifiedCheckpoint), CheckpointError> {
        let a = verifier.verify_checkpoint(&self.a)?;
        let b = verifier.verify_checkpoint(&self.b)?;
        if detect_fork(&a, &b, proof_if_sizes_differ).is_none() {
            return Err(CheckpointError::NotAFork(format!(
                "checkpoints of sizes {} and {} are not shown to conflict{}",
                a.size,
                b.size,
                if a.size != b.size && proof_if_sizes_differ.is_none() {
                    " (sizes differ: a consistency proof is needed)"
                } else {
                    ""
                }
            )));
        }
        Ok((a, b))
    }
}

/// Checks two verified checkpoints of the same log for a fork.
///
/// Same size, different roots: always a fork. Different sizes: a fork if
/// `proof_if_sizes_differ` (the consistency proof from the smaller to the
/// larger, as obtained from the log) does not verify; without a proof
/// nothing can be concluded. Different origins are different logs: `None`.
pub fn detect_fork(
    a: &VerifiedCheckpoint,
    b: &VerifiedCheckpoint,
    proof_if_sizes_differ: Option<&[TreeHash]>,
) -> Option<ForkEvidence> {
    if a.origin != b.origin {
        return None;
    }
    let evidence = || ForkEvidence {
        a: a.note_bytes.clone(),
        b: b.note_bytes.clone(),
    };
    if a.size == b.size {
        return (a.root != b.root).then(evidence);
    }
    let proof = proof_if_sizes_differ?;
    let (old, new) = if a.size < b.size { (a, b) } else { (b, a) };
    if old.size == 0 {
        // The empty tree (whose root parsing enforced) is a prefix of all.
        return None;
    }
    verify_consistency(proof, old.size, &old.root, new.size, &new.root)
        .err()
        .map(|_| evidence())
}

/// A C2SP `tlog-proof`: an offline proof that a leaf is in a log, against a
/// signed (and possibly cosigned) checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct TlogProof {
    /// Optional opaque, unauthenticated extra data (the `extra` line).
    pub extra_data: Option<Vec<u8>>,
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// RFC 6962 inclusion proof, from the leaf's sibling up to the root's child.
    pub inclusion_proof: Vec<TreeHash>,
    /// The checkpoint note, verbatim (with its signatures and cosignatures).
    pub checkpoint: String,
}

impl TlogProof {
    /// Builds a proof from a verified checkpoint (its exact note bytes).
    pub fn new(
        extra_data: Option<Vec<u8>>,
        index: u64,
        inclusion_proof: Vec<TreeHash>,
        checkpoint: &VerifiedCheckpoint,
    ) -> Self {
        Self {
            extra_data,
            index,
            inclusion_proof,
            // Verified notes are UTF-8 (`precheck_note`).
            checkpoint: String::from_utf8_lossy(checkpoint.note_bytes()).into_owned(),
        }
    }

    /// The `.tlog-proof` text.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(128 + self.inclusion_proof.len() * 45 + self.checkpoint.len());
        out.push_str(TLOG_PROOF_HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra_data {
            out.push_str("extra ");
            out.push_str(&BASE64.encode(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.inclusion_proof {
            out.push_str(&BASE64.encode(h.0));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses `.tlog-proof` text. Syntax only: call [`TlogProof::verify`].
    ///
    /// # Errors
    /// [`CheckpointError::TooLarge`] or [`CheckpointError::MalformedTlogProof`].
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        if text.len() > MAX_TLOG_PROOF_BYTES {
            return Err(CheckpointError::TooLarge {
                what: "tlog-proof",
                len: text.len(),
                max: MAX_TLOG_PROOF_BYTES,
            });
        }
        let malformed = |why: String| CheckpointError::MalformedTlogProof(why);
        let next_line = |s: &str| -> Result<(String, usize), CheckpointError> {
            s.find('\n')
                .map(|i| (s[..i].to_owned(), i + 1))
                .ok_or_else(|| malformed("unexpected end of text".into()))
        };
        let mut rest = text
            .strip_prefix(TLOG_PROOF_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or_else(|| malformed(format!("first line must be {TLOG_PROOF_HEADER}")))?;
        let (mut line, used) = next_line(rest)?;
        rest = &rest[used..];
        let mut extra_data = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            // Cheap bound before decoding (base64 of the limit), exact bound
            // after: the first alone let up to 2 bytes over the limit through
            // (fuzz target `fuzz_tlog_proof`).
            if b64.len() > MAX_TLOG_PROOF_EXTRA_BYTES.div_ceil(3) * 4 {
                return Err(malformed("extra data too large".into()));
            }
            let extra = BASE64
                .decode(b64)
                .map_err(|_| malformed("extra line is not standard base64".into()))?;
            if extra.len() > MAX_TLOG_PROOF_EXTRA_BYTES {
                return Err(malformed("extra data too large".into()));
            }
            extra_data = Some(extra);
            let (l, used) = next_line(rest)?;
            line = l;
            rest = &rest[used..];
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_canonical_u64)
            .ok_or_else(|| malformed("expected 'index <decimal without leading zeros>'".into()))?;
        let mut inclusion_proof = Vec::new();
        loop {
            let (l, used) = next_line(rest)?;
            rest = &rest[used..];
            if l.is_empty() {
                break;
            }
            if inclusion_proof.len() == MAX_PROOF_HASHES {
                return Err(malformed(format!("more than {MAX_PROOF_HASHES} proof hashes")));
            }
            let h = decode_hash(&l).ok_or_else(|| {
                malformed(format!(
                    "proof line {} is not base64 of 32 bytes",
                    inclusion_proof.len() + 1
                ))
            })?;
            inclusion_proof.push(h);
        }
        if rest.is_empty() {
            return Err(malformed("missing checkpoint after the empty line".into()));
        }
        Ok(Self {
            extra_data,
            index,
            inclusion_proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// Verifies the checkpoint with `verifier` and the inclusion of `leaf`
    /// (the leaf hash, computed by the caller from the entry) at `index`.
    /// Returns the verified checkpoint, on which the caller then checks
    /// cosignatures (see [`TlogProof::verify_with_witnesses`]).
    ///
    /// # Errors
    /// Checkpoint errors, or [`CheckpointError::BadInclusionProof`].
    pub fn verify(&self, verifier: &LogVerifier, leaf: &TreeHash) -> Result<VerifiedCheckpoint, CheckpointError> {
        let cp = verifier.verify_checkpoint(self.checkpoint.as_bytes())?;
        verify_inclusion(&self.inclusion_proof, cp.size, &cp.root, self.index, leaf)
            .map_err(CheckpointError::BadInclusionProof)?;
        Ok(cp)
    }

    /// [`TlogProof::verify`] plus a k-of-n witness policy: at least
    /// `threshold` distinct `witnesses` must have cosigned the checkpoint.
    ///
    /// # Errors
    /// As [`TlogProof::verify`], or [`CheckpointError::NotEnoughCosignatures`].
    pub fn verify_with_witnesses(
        &self,
        verifier: &LogVerifier,
        leaf: &TreeHash,
        witnesses: &[WitnessVerifier],
        threshold: usize,
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        let cp = self.verify(verifier, leaf)?;
        let got = count_valid_cosignatures(&cp, witnesses);
        if got < threshold {
            return Err(CheckpointError::NotEnoughCosignatures { got, need: threshold });
        }
        Ok(cp)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::merkle::{leaf_hash, MemoryTree};
    use proptest::prelude::*;

    const ORIGIN: &str = "ledger.example.gov.cn/sunshine";

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn log() -> LogSigner {
        LogSigner::new(ORIGIN, key(1)).unwrap()
    }

    fn tree(n: u64) -> MemoryTree {
        let leaves: Vec<TreeHash> = (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
        MemoryTree::from_leaves(&leaves)
    }

    /// A note with `body` and one signature line by `key` under `name`,
    /// bypassing LogSigner's checks (to build hostile inputs).
    fn hand_signed(body: &str, name: &str, key: &SigningKey) -> Vec<u8> {
        let id = ed25519_key_id(name, ALG_ED25519, &key.verifying_key());
        let sig = key.sign(body.as_bytes());
        format!("{body}\n{}", signature_line(name, id, &sig.to_bytes())).into_bytes()
    }

    fn root_b64(t: &MemoryTree) -> String {
        BASE64.encode(t.root().0)
    }

    #[test]
    fn sign_verify_round_trip() {
        let t = tree(10);
        let signer = log();
        let cp = signer.sign_checkpoint(t.size(), &t.root());
        let text = cp.as_text();
        assert_eq!(
            text,
            format!(
                "{ORIGIN}\n10\n{}\n\n\u{2014} {ORIGIN} {}",
                root_b64(&t),
                text.rsplit(' ').next().unwrap()
            )
        );
        let v = LogVerifier::from_vkey(&signer.verifier_key()).unwrap();
        assert_eq!(v.vkey(), signer.verifier_key());
        assert_eq!(v.key_id(), signer.key_id());
        let got = v.verify_checkpoint(cp.as_bytes()).unwrap();
        assert_eq!(got.origin(), ORIGIN);
        assert_eq!(got.size(), 10);
        assert_eq!(got.root(), &t.root());
        assert_eq!(got.note_bytes(), cp.as_bytes());
        assert_eq!(got.body(), format!("{ORIGIN}\n10\n{}\n", root_b64(&t)));
        assert!(got.other_signatures().is_empty());
        assert!(got.extension_lines().is_empty());
        assert_eq!(signer.verifier().verify_checkpoint(&cp.to_bytes()).unwrap(), got);
        // Empty tree.
        let empty = signer.sign_checkpoint(0, &EMPTY_TREE_ROOT);
        assert_eq!(v.verify_checkpoint(empty.as_bytes()).unwrap().size(), 0);
        // sign_bytes / verify_bytes for receipts.
        let sig = signer.sign_bytes(b"sunshine-ledger/receipt/v1\nx");
        v.verify_bytes(b"sunshine-ledger/receipt/v1\nx", &sig).unwrap();
        assert!(v.verify_bytes(b"sunshine-ledger/receipt/v1\ny", &sig).is_err());
        assert_eq!(signer.verifying_key(), *v.verifying_key());
    }

    #[test]
    fn tampered_or_foreign_checkpoints_are_rejected_with_specific_errors() {
        let t = tree(7);
        let signer = log();
        let v = signer.verifier();
        let good = signer.sign_checkpoint(7, &t.root()).to_bytes();

        // A flipped byte in the body: size 7 -> 8.
        let pos = ORIGIN.len() + 1;
        let mut flipped = good.clone();
        assert_eq!(flipped[pos], b'7');
        flipped[pos] = b'8';
        assert!(matches!(
            v.verify_checkpoint(&flipped),
            Err(CheckpointError::BadLogSignature { .. })
        ));

        // Signed by another key under the same origin: unknown key ID.
        let other = LogSigner::new(ORIGIN, key(2)).unwrap().sign_checkpoint(7, &t.root());
        assert!(matches!(
            v.verify_checkpoint(other.as_bytes()),
            Err(CheckpointError::NoLogSignature { .. })
        ));

        // Another key's signature bytes under our name and key ID.
        let forged_sig = key(2).sign(format!("{ORIGIN}\n7\n{}\n", root_b64(&t)).as_bytes());
        let body = format!("{ORIGIN}\n7\n{}\n", root_b64(&t));
        let forged = format!(
            "{body}\n{}",
            signature_line(ORIGIN, signer.key_id(), &forged_sig.to_bytes())
        );
        assert!(matches!(
            v.verify_checkpoint(forged.as_bytes()),
            Err(CheckpointError::BadLogSignature { .. })
        ));

        // Another origin, signed by another log's key.
        let other_log = LogSigner::new("other.example/log", key(1)).unwrap();
        let cp = other_log.sign_checkpoint(7, &t.root());
        assert!(matches!(
            v.verify_checkpoint(cp.as_bytes()),
            Err(CheckpointError::NoLogSignature { .. })
        ));
        // Another origin in the body, signed with our key under our name.
        let note = hand_signed(&format!("other.example/log\n7\n{}\n", root_b64(&t)), ORIGIN, &key(1));
        assert_eq!(
            v.verify_checkpoint(&note),
            Err(CheckpointError::OriginMismatch {
                expected: ORIGIN.into(),
                found: "other.example/log".into()
            })
        );

        // A size with a leading zero, validly signed.
        let note = hand_signed(&format!("{ORIGIN}\n07\n{}\n", root_b64(&t)), ORIGIN, &key(1));
        assert_eq!(
            v.verify_checkpoint(&note),
            Err(CheckpointError::NonCanonicalSize("07".into()))
        );
        for size in ["+7", "-7", "7 ", "0x7", "", "18446744073709551616"] {
            let note = hand_signed(&format!("{ORIGIN}\n{size}\n{}\n", root_b64(&t)), ORIGIN, &key(1));
            assert!(
                matches!(v.verify_checkpoint(&note), Err(CheckpointError::NonCanonicalSize(_))),
                "{size:?}"
            );
        }

        // Missing trailing newline.
        assert_eq!(
            v.verify_checkpoint(&good[..good.len() - 1]),
            Err(CheckpointError::MissingTrailingNewline)
        );

        // Bad root, size 0 with a non-empty root, empty extension line,
        // missing lines.
        let note = hand_signed(&format!("{ORIGIN}\n7\nAAAA\n"), ORIGIN, &key(1));
        assert!(matches!(
            v.verify_checkpoint(&note),
            Err(CheckpointError::BadRootHash(_))
        ));
        let note = hand_signed(&format!("{ORIGIN}\n0\n{}\n", root_b64(&t)), ORIGIN, &key(1));
        assert_eq!(v.verify_checkpoint(&note), Err(CheckpointError::EmptyTreeRootMismatch));
        let note = hand_signed(&format!("{ORIGIN}\n7\n{}\next\n\n", root_b64(&t)), ORIGIN, &key(1));
        assert!(v.verify_checkpoint(&note).is_err());
        let note = hand_signed(&format!("{ORIGIN}\n7\n"), ORIGIN, &key(1));
        assert!(matches!(
            v.verify_checkpoint(&note),
            Err(CheckpointError::MalformedCheckpoint(_))
        ));
        // Extension lines are accepted and exposed.
        let note = hand_signed(&format!("{ORIGIN}\n7\n{}\nrotation 2\n", root_b64(&t)), ORIGIN, &key(1));
        assert_eq!(v.verify_checkpoint(&note).unwrap().extension_lines(), ["rotation 2"]);

        // CRLF, oversize, no signature block, not UTF-8.
        let crlf = String::from_utf8(good.clone()).unwrap().replace('\n', "\r\n");
        assert!(matches!(
            v.verify_checkpoint(crlf.as_bytes()),
            Err(CheckpointError::MalformedNote(_))
        ));
        assert!(matches!(
            v.verify_checkpoint(&vec![b'a'; MAX_NOTE_BYTES + 1]),
            Err(CheckpointError::TooLarge { .. })
        ));
        assert!(matches!(
            v.verify_checkpoint(format!("{ORIGIN}\n7\n").as_bytes()),
            Err(CheckpointError::MalformedNote(_))
        ));
        assert!(matches!(
            v.verify_checkpoint(&[0xff, b'\n', b'\n']),
            Err(CheckpointError::MalformedNote(_))
        ));
    }

    #[test]
    fn key_names_and_vkeys_are_validated() {
        for bad in ["", "a b", "a+b", "a\nb", "a\u{1}b", &"x".repeat(256)] {
            assert!(
                matches!(LogSigner::new(bad, key(1)), Err(CheckpointError::BadKeyName(_))),
                "{bad:?}"
            );
            assert!(WitnessSigner::new(bad, key(1)).is_err());
        }
        let vkey = log().verifier_key();
        let witness_vkey = WitnessSigner::new("w.example/1", key(3)).unwrap().verifier_key();
        assert!(matches!(
            LogVerifier::from_vkey(&witness_vkey),
            Err(CheckpointError::UnsupportedKeyType { found: 4, expected: 1 })
        ));
        assert!(matches!(
            WitnessVerifier::from_vkey(&vkey),
            Err(CheckpointError::UnsupportedKeyType { found: 1, expected: 4 })
        ));
        let (name, rest) = vkey.split_once('+').unwrap();
        let (id, b64) = rest.split_once('+').unwrap();
        let wrong_id = format!("{name}+{:08x}+{b64}", u32::from_str_radix(id, 16).unwrap() ^ 1);
        assert!(matches!(
            LogVerifier::from_vkey(&wrong_id),
            Err(CheckpointError::KeyIdMismatch { .. })
        ));
        assert!(matches!(
            LogVerifier::from_vkey(&format!("{name}+{}+{b64}", id.to_uppercase())),
            Err(CheckpointError::BadVerifierKey(_)) | Err(CheckpointError::KeyIdMismatch { .. })
        ));
        for bad in [
            format!("{name}+{id}+{b64}!"),
            format!("{name}+{id}"),
            format!("{name}+{id}+"),
            format!("{name}+{id}+AQ=="),
            format!("{name}+{}+{b64}", &id[..7]),
            format!("other+{id}+{b64}"),
        ] {
            assert!(LogVerifier::from_vkey(&bad).is_err(), "{bad}");
        }
        // A weak (small-order) key with a correct key ID: the identity point.
        let mut weak = vec![ALG_ED25519, 1];
        weak.extend_from_slice(&[0u8; 31]);
        let weak_vkey = format!("weak+{:08x}+{}", key_id("weak", &weak), BASE64.encode(&weak));
        assert_eq!(
            LogVerifier::from_vkey(&weak_vkey).map(|_| ()),
            Err(CheckpointError::WeakKey)
        );
        assert!(LogVerifier::from_vkey(&"a".repeat(MAX_VKEY_BYTES + 1)).is_err());
    }

    #[test]
    fn signed_note_spec_example_signature_verifies() {
        // c2sp.org/signed-note's example: a valid signature on a note that is
        // not a checkpoint. Reaching the body parser proves the signature
        // path (key ID, vkey format, Ed25519 over the text) matches the spec.
        let v =
            LogVerifier::from_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").unwrap();
        let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        assert!(matches!(
            v.verify_checkpoint(note.as_bytes()),
            Err(CheckpointError::MalformedCheckpoint(_)) | Err(CheckpointError::NonCanonicalSize(_))
        ));
        let tampered = note.replace("example message", "example massage");
        assert!(matches!(
            v.verify_checkpoint(tampered.as_bytes()),
            Err(CheckpointError::BadLogSignature { .. })
        ));
    }

    #[test]
    fn interop_with_tlog_tiles_and_signed_note() {
        let t = tree(1234);
        let signer = log();
        let cp = signer.sign_checkpoint(t.size(), &t.root());
        let note = signed_note::Note::from_bytes(cp.as_bytes()).unwrap();
        let sv = signed_note::StandardVerifier::new(&signer.verifier_key()).unwrap();
        let (verified, unverified) = note.verify(&VerifierList::new(vec![Box::new(sv.clone())])).unwrap();
        assert_eq!(verified.len(), 1);
        assert!(unverified.is_empty());
        let parsed = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
        assert_eq!(parsed.origin(), ORIGIN);
        assert_eq!(parsed.size(), 1234);
        assert_eq!(parsed.hash(), &t.root());
        assert_eq!(parsed.to_bytes(), note.text());
        // A checkpoint signed by signed_note's own signer passes our verifier.
        let mut seed = vec![ALG_ED25519];
        seed.extend_from_slice(&key(1).to_bytes());
        let skey = format!("PRIVATE+KEY+{ORIGIN}+{:08x}+{}", signer.key_id(), BASE64.encode(&seed));
        let theirs = signed_note::StandardSigner::new(&skey).unwrap();
        let mut n = signed_note::Note::new(&parsed.to_bytes(), &[]).unwrap();
        n.add_sigs(&[&theirs]).unwrap();
        assert_eq!(n.to_bytes(), cp.as_bytes(), "Ed25519 is deterministic: same bytes");
        let ours = signer.verifier().verify_checkpoint(&n.to_bytes()).unwrap();
        assert_eq!((ours.size(), ours.root()), (1234, &t.root()));
        // Cosignatures are ignored by plain signed-note verifiers.
        let cosigned = {
            let w = WitnessSigner::new("w.example/1", key(3)).unwrap();
            let vc = signer.verifier().verify_checkpoint(cp.as_bytes()).unwrap();
            add_cosignature(cp.as_bytes(), &w.cosign(&vc, 1_700_000_000).unwrap()).unwrap()
        };
        // signed_note ignores the cosignature (unknown key) and still verifies.
        let note = signed_note::Note::from_bytes(&cosigned).unwrap();
        let (verified, unverified) = note.verify(&VerifierList::new(vec![Box::new(sv)])).unwrap();
        assert_eq!((verified.len(), unverified.len()), (1, 1));
    }

    #[test]
    fn cosignature_round_trip_and_tampering() {
        let t = tree(20);
        let signer = log();
        let v = signer.verifier();
        let cp = v
            .verify_checkpoint(signer.sign_checkpoint(20, &t.root()).as_bytes())
            .unwrap();
        let w1 = WitnessSigner::new("audit.example/w1", key(11)).unwrap();
        let w2 = WitnessSigner::new("discipline.example/w2", key(12)).unwrap();
        let w3 = WitnessSigner::new("third.example/w3", key(13)).unwrap();
        let v1 = WitnessVerifier::from_vkey(&w1.verifier_key()).unwrap();
        let v2 = WitnessVerifier::from_vkey(&w2.verifier_key()).unwrap();
        let v3 = w3.verifier();
        assert_eq!(v1, w1.verifier());
        assert_eq!(v1.vkey(), w1.verifier_key());

        let line1 = w1.cosign(&cp, 1_700_000_001).unwrap();
        let line2 = w2.cosign(&cp, 1_700_000_002).unwrap();
        // The exact spec message: "cosignature/v1\ntime <T>\n" + body.
        let payload = BASE64
            .decode(line1.to_line().trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        assert_eq!(payload.len(), 4 + 8 + 64);
        assert_eq!(payload[..4], w1.key_id().to_be_bytes());
        assert_eq!(payload[4..12], 1_700_000_001u64.to_be_bytes());
        let msg = format!("cosignature/v1\ntime 1700000001\n{}", cp.body());
        let sig = Signature::from_bytes(&payload[12..].try_into().unwrap());
        key(11).verifying_key().verify_strict(msg.as_bytes(), &sig).unwrap();
        assert_eq!(CosignatureLine::parse(&line1.to_line()).unwrap(), line1);

        let note = add_cosignature(cp.note_bytes(), &line1).unwrap();
        let note = add_cosignature(&note, &line2).unwrap();
        let cosigned = v.verify_checkpoint(&note).unwrap();
        assert_eq!(cosigned.other_signatures().len(), 2);
        assert_eq!(v1.verify_cosignature(&cosigned), Ok(1_700_000_001));
        assert_eq!(v2.verify_cosignature(&cosigned), Ok(1_700_000_002));
        assert!(matches!(
            v3.verify_cosignature(&cosigned),
            Err(CheckpointError::NoCosignature { .. })
        ));
        let all = [v1.clone(), v2.clone(), v3.clone()];
        assert_eq!(count_valid_cosignatures(&cosigned, &all), 2);
        assert_eq!(count_valid_cosignatures(&cp, &all), 0);
        // The same witness listed twice counts once.
        assert_eq!(count_valid_cosignatures(&cosigned, &[v1.clone(), v1.clone()]), 1);
        // One key under two names counts once, although the line verifies
        // under both names (the Ed25519 cosignature does not sign the name).
        let alias = WitnessSigner::new("alias.example/w1", key(11)).unwrap();
        let alias_line = alias.cosign(&cp, 1_700_000_003).unwrap();
        let both = add_cosignature(&note, &alias_line).unwrap();
        let both = v.verify_checkpoint(&both).unwrap();
        assert_eq!(count_valid_cosignatures(&both, &[v1.clone(), alias.verifier()]), 1);

        // Re-adding a witness's line replaces its old one.
        let newer = w1.cosign(&cp, 1_700_000_100).unwrap();
        let replaced = v.verify_checkpoint(&add_cosignature(&note, &newer).unwrap()).unwrap();
        assert_eq!(replaced.other_signatures().len(), 2);
        assert_eq!(v1.verify_cosignature(&replaced), Ok(1_700_000_100));

        // Tampering: a flipped signature byte, a changed timestamp, a
        // cosignature of another checkpoint, a wrong length.
        let tamper = |f: &dyn Fn(&mut Vec<u8>)| -> Result<u64, CheckpointError> {
            let mut p = payload.clone();
            f(&mut p);
            let line = signature_line("audit.example/w1", w1.key_id(), &p[4..]);
            let note = format!("{}{line}", String::from_utf8(cp.note_bytes().to_vec()).unwrap());
            v1.verify_cosignature(&v.verify_checkpoint(note.as_bytes()).unwrap())
        };
        assert_eq!(tamper(&|_| ()), Ok(1_700_000_001));
        assert!(matches!(
            tamper(&|p| p[40] ^= 1),
            Err(CheckpointError::BadCosignature { .. })
        ));
        assert!(matches!(
            tamper(&|p| p[11] ^= 1),
            Err(CheckpointError::BadCosignature { .. })
        ));
        assert!(matches!(
            tamper(&|p| p[4] = 0x80),
            Err(CheckpointError::MalformedCosignature { .. })
        ));
        assert!(matches!(
            tamper(&|p| {
                p.pop();
            }),
            Err(CheckpointError::MalformedCosignature { .. })
        ));
        let other_cp = v
            .verify_checkpoint(signer.sign_checkpoint(21, &tree(21).root()).as_bytes())
            .unwrap();
        let foreign = w1.cosign(&other_cp, 1_700_000_001).unwrap();
        let moved = v
            .verify_checkpoint(&add_cosignature(cp.note_bytes(), &foreign).unwrap())
            .unwrap();
        assert!(matches!(
            v1.verify_cosignature(&moved),
            Err(CheckpointError::BadCosignature { .. })
        ));
        // A bad line from a known witness fails that witness even next to a
        // good one.
        let mixed = format!(
            "{}{}",
            String::from_utf8(note.clone()).unwrap(),
            signature_line("audit.example/w1", w1.key_id(), &[0u8; 72])
        );
        let mixed = v.verify_checkpoint(mixed.as_bytes()).unwrap();
        assert!(v1.verify_cosignature(&mixed).is_err());
        assert_eq!(count_valid_cosignatures(&mixed, &all), 1);

        // Timestamps: 0 and > 2^63-1 are refused when signing.
        assert_eq!(w1.cosign(&cp, 0), Err(CheckpointError::BadTimestamp(0)));
        assert_eq!(w1.cosign(&cp, 1 << 63), Err(CheckpointError::BadTimestamp(1 << 63)));
        assert!(w1.cosign(&cp, MAX_COSIGNATURE_TIMESTAMP).is_ok());
        assert!(add_cosignature(b"no blank line\n", &line1).is_err());
    }

    #[test]
    fn witness_check_refuses_rollback_fork_and_bad_proofs() {
        let big = tree(50);
        let signer = log();
        let v = signer.verifier();
        let at = |n: u64| {
            v.verify_checkpoint(signer.sign_checkpoint(n, &big.root_at(n).unwrap()).as_bytes())
                .unwrap()
        };
        let (c0, c10, c30) = (at(0), at(10), at(30));

        // First contact: no proof needed, none accepted.
        let s10 = witness_check(None, &c10, &[]).unwrap();
        assert_eq!(
            s10,
            WitnessState {
                origin: ORIGIN.into(),
                size: 10,
                root: big.root_at(10).unwrap()
            }
        );
        assert!(matches!(
            witness_check(None, &c10, &[EMPTY_TREE_ROOT]),
            Err(CheckpointError::BadConsistencyProof(_))
        ));
        // Growth with a valid proof.
        let proof = big.consistency_proof(10, 30).unwrap();
        let s30 = witness_check(Some(&s10), &c30, &proof).unwrap();
        assert_eq!(s30.size, 30);
        // Bad proof: flipped, truncated, missing.
        let mut bad = proof.clone();
        bad[0].0[0] ^= 1;
        assert_eq!(
            witness_check(Some(&s10), &c30, &bad),
            Err(CheckpointError::BadConsistencyProof(MerkleError::RootMismatch))
        );
        assert!(matches!(
            witness_check(Some(&s10), &c30, &proof[1..]),
            Err(CheckpointError::BadConsistencyProof(MerkleError::BadProofLength { .. }))
        ));
        assert!(witness_check(Some(&s10), &c30, &[]).is_err());
        // Rollback.
        assert_eq!(
            witness_check(Some(&s30), &c10, &[]),
            Err(CheckpointError::Rollback {
                old_size: 30,
                new_size: 10
            })
        );
        // Same size, same root: fine (idempotent); with a proof: refused.
        assert_eq!(witness_check(Some(&s30), &c30, &[]).unwrap(), s30);
        assert!(witness_check(Some(&s30), &c30, &proof).is_err());
        // Fork: same size, another root, validly signed by the log.
        let forked_tree = MemoryTree::from_leaves(&[leaf_hash(b"evil"); 30]);
        let fork = v
            .verify_checkpoint(signer.sign_checkpoint(30, &forked_tree.root()).as_bytes())
            .unwrap();
        assert_eq!(
            witness_check(Some(&s30), &fork, &[]),
            Err(CheckpointError::Fork { size: 30 })
        );
        // A different origin.
        let other = LogSigner::new("other.example/log", key(1)).unwrap();
        let oc = other
            .verifier()
            .verify_checkpoint(other.sign_checkpoint(40, &big.root_at(40).unwrap()).as_bytes())
            .unwrap();
        assert!(matches!(
            witness_check(Some(&s30), &oc, &[]),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        // From an empty-tree state: no proof needed.
        let s0 = witness_check(None, &c0, &[]).unwrap();
        assert_eq!(witness_check(Some(&s0), &c10, &[]).unwrap(), s10);
        assert!(witness_check(Some(&s0), &c10, &proof).is_err());
        let corrupt = WitnessState { root: big.root(), ..s0 };
        assert_eq!(
            witness_check(Some(&corrupt), &c10, &[]),
            Err(CheckpointError::EmptyTreeRootMismatch)
        );

        // check_and_cosign ties the check to the signature.
        let w = WitnessSigner::new("audit.example/w1", key(11)).unwrap();
        let (state, line) = w.check_and_cosign(Some(&s10), &c30, &proof, 1_700_000_000).unwrap();
        assert_eq!(state, s30);
        assert_eq!(line.timestamp(), 1_700_000_000);
        assert!(w.check_and_cosign(Some(&s30), &c10, &[], 1_700_000_000).is_err());
    }

    #[test]
    fn fork_detection() {
        let big = tree(40);
        let signer = log();
        let v = signer.verifier();
        let at = |n: u64| {
            v.verify_checkpoint(signer.sign_checkpoint(n, &big.root_at(n).unwrap()).as_bytes())
                .unwrap()
        };
        let (c10, c30) = (at(10), at(30));
        let proof = big.consistency_proof(10, 30).unwrap();
        assert_eq!(detect_fork(&c10, &c30, Some(&proof)), None);
        assert_eq!(detect_fork(&c30, &c10, Some(&proof)), None);
        assert_eq!(detect_fork(&c10, &c30, None), None);
        assert_eq!(detect_fork(&c30, &c30, None), None);
        assert_eq!(detect_fork(&at(0), &c30, Some(&[])), None);

        let evil = MemoryTree::from_leaves(&[leaf_hash(b"evil"); 30]);
        let fork = v
            .verify_checkpoint(signer.sign_checkpoint(30, &evil.root()).as_bytes())
            .unwrap();
        let ev = detect_fork(&c30, &fork, None).unwrap();
        assert_eq!(ev.a, c30.note_bytes());
        assert_eq!(ev.b, fork.note_bytes());
        let (a, b) = ev.check(&v, None).unwrap();
        assert_eq!((a.size(), b.size()), (30, 30));
        // Different sizes, the proof against the forked tree fails.
        let ev = detect_fork(&c10, &fork, Some(&proof)).unwrap();
        assert!(ev.check(&v, Some(&proof)).is_ok());
        assert!(matches!(ev.check(&v, None), Err(CheckpointError::NotAFork(_))));
        let honest = ForkEvidence {
            a: c10.note_bytes().to_vec(),
            b: c30.note_bytes().to_vec(),
        };
        assert!(matches!(
            honest.check(&v, Some(&proof)),
            Err(CheckpointError::NotAFork(_))
        ));
        // Evidence that is not a fork, or not signed by this log, is refused.
        let fake = ForkEvidence {
            a: c30.note_bytes().to_vec(),
            b: c30.note_bytes().to_vec(),
        };
        assert!(matches!(fake.check(&v, None), Err(CheckpointError::NotAFork(_))));
        let other_log = LogSigner::new(ORIGIN, key(9)).unwrap();
        assert!(ev.check(&other_log.verifier(), Some(&proof)).is_err());
        // Different origins are different logs.
        let other = LogSigner::new("other.example/log", key(1)).unwrap();
        let oc = other
            .verifier()
            .verify_checkpoint(other.sign_checkpoint(30, &evil.root()).as_bytes())
            .unwrap();
        assert_eq!(detect_fork(&c30, &oc, None), None);
    }

    #[test]
    fn tlog_proof_round_trip_and_verification() {
        let leaves: Vec<TreeHash> = (0..100u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let t = MemoryTree::from_leaves(&leaves);
        let signer = log();
        let v = signer.verifier();
        let cp = v
            .verify_checkpoint(signer.sign_checkpoint(100, &t.root()).as_bytes())
            .unwrap();
        let w1 = WitnessSigner::new("audit.example/w1", key(11)).unwrap();
        let w2 = WitnessSigner::new("discipline.example/w2", key(12)).unwrap();
        let cosigned = add_cosignature(cp.note_bytes(), &w1.cosign(&cp, 1_700_000_000).unwrap()).unwrap();
        let cp = v.verify_checkpoint(&cosigned).unwrap();

        let proof = TlogProof::new(
            Some(b"receipt #73".to_vec()),
            73,
            t.inclusion_proof(73, 100).unwrap(),
            &cp,
        );
        let text = proof.to_text();
        let hashes: String = proof
            .inclusion_proof
            .iter()
            .map(|h| format!("{}\n", BASE64.encode(h.0)))
            .collect();
        assert_eq!(
            text,
            format!(
                "c2sp.org/tlog-proof@v1\nextra {}\nindex 73\n{hashes}\n{}",
                BASE64.encode(b"receipt #73"),
                String::from_utf8(cosigned.clone()).unwrap()
            )
        );
        let parsed = TlogProof::parse(&text).unwrap();
        assert_eq!(parsed, proof);
        assert_eq!(parsed.verify(&v, &leaves[73]).unwrap(), cp);
        assert!(matches!(
            parsed.verify(&v, &leaves[72]),
            Err(CheckpointError::BadInclusionProof(_))
        ));
        let witnesses = [w1.verifier(), w2.verifier()];
        assert!(parsed.verify_with_witnesses(&v, &leaves[73], &witnesses, 1).is_ok());
        assert_eq!(
            parsed.verify_with_witnesses(&v, &leaves[73], &witnesses, 2),
            Err(CheckpointError::NotEnoughCosignatures { got: 1, need: 2 })
        );
        let mut wrong_index = parsed.clone();
        wrong_index.index = 74;
        assert!(wrong_index.verify(&v, &leaves[73]).is_err());
        let mut other_log = parsed.clone();
        other_log.checkpoint = LogSigner::new(ORIGIN, key(5))
            .unwrap()
            .sign_checkpoint(100, &t.root())
            .as_text()
            .to_owned();
        assert!(matches!(
            other_log.verify(&v, &leaves[73]),
            Err(CheckpointError::NoLogSignature { .. })
        ));

        // No extra line; index 0 in a one-leaf tree has an empty proof.
        let one = MemoryTree::from_leaves(&leaves[..1]);
        let cp1 = v
            .verify_checkpoint(signer.sign_checkpoint(1, &one.root()).as_bytes())
            .unwrap();
        let p = TlogProof::new(None, 0, vec![], &cp1);
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\n"));
        assert_eq!(TlogProof::parse(&text).unwrap(), p);
        TlogProof::parse(&text).unwrap().verify(&v, &leaves[0]).unwrap();

        // Malformed texts.
        let good = proof.to_text();
        let bad = [
            good.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
            good.replacen("index 73", "index 073", 1),
            good.replacen("index 73", "index -1", 1),
            good.replacen("index 73", "index  73", 1),
            good.replacen("extra ", "extra !", 1),
            good.replacen(&hashes, &hashes.replacen('=', "", 1), 1),
            good.replacen(&hashes, "", 1).replacen("\n\n", "\n", 1),
            format!(
                "c2sp.org/tlog-proof@v1\nindex 1\n{}\n{}",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(65),
                cp1.body()
            ),
            "c2sp.org/tlog-proof@v1\nindex 1\n\n".to_owned(),
            "c2sp.org/tlog-proof@v1\nindex 1".to_owned(),
            String::new(),
            "x".repeat(MAX_TLOG_PROOF_BYTES + 1),
        ];
        for b in &bad {
            assert!(TlogProof::parse(b).is_err(), "{:?}", &b[..b.len().min(120)]);
        }
    }

    /// Regression (fuzz target `fuzz_checkpoint_note`, case 0x73f488df90c1b193
    /// of seed 0x5eed20190711): a valid log signature line followed by a
    /// second line under the log key's name and ID whose signature is
    /// garbage. `signed_note` verified the first and skipped the second.
    #[test]
    fn a_forged_log_line_after_a_good_one_fails_the_note() {
        let t = tree(22);
        let signer = log();
        let good = signer.sign_checkpoint(22, &t.root()).to_bytes();
        let forged_line = signature_line(ORIGIN, signer.key_id(), &[0x5a; 64]);
        let mut note = good.clone();
        note.extend_from_slice(forged_line.as_bytes());
        let v = signer.verifier();
        assert!(matches!(
            v.verify_checkpoint(&note),
            Err(CheckpointError::BadLogSignature { .. })
        ));
        // Before the good one, too; and the same good line twice is fine.
        let block = &good[good.len() - signature_line(ORIGIN, signer.key_id(), &[0; 64]).len()..];
        let mut first = good[..good.len() - block.len()].to_vec();
        first.extend_from_slice(forged_line.as_bytes());
        first.extend_from_slice(block);
        assert!(matches!(
            v.verify_checkpoint(&first),
            Err(CheckpointError::BadLogSignature { .. })
        ));
        let mut twice = good.clone();
        twice.extend_from_slice(block);
        assert_eq!(v.verify_checkpoint(&twice).map(|cp| cp.size()), Ok(22));
        // A witness posting such a note cannot get it stored either.
        let w = WitnessSigner::new("w.example/w", key(9)).unwrap();
        let cp = v.verify_checkpoint(&good).unwrap();
        let cosigned = add_cosignature(&note, &w.cosign(&cp, 1).unwrap()).unwrap();
        assert!(v.verify_checkpoint(&cosigned).is_err());
    }

    /// Regression (fuzz target `fuzz_verifier_keys`, case 0xa519439351051cb8
    /// of seed 0x5eed20190711, `审计局/witness+3be314d8+AfL/////…`): a vkey
    /// whose key is the non-canonical encoding y = p + 5 of a valid point.
    #[test]
    fn vkeys_with_a_non_canonical_point_encoding_are_refused() {
        let vkey_of = |pk: &[u8; 32]| {
            let mut k = vec![ALG_ED25519];
            k.extend_from_slice(pk);
            format!("a+{:08x}+{}", key_id("a", &k), BASE64.encode(&k))
        };
        let mut refused = 0;
        for k in 0u8..19 {
            for sign in [0u8, 0x80] {
                // y = p + k, p = 2^255 - 19, little-endian.
                let mut pk = [0xff; 32];
                pk[0] = 0xed + k;
                pk[31] = 0x7f | sign;
                if VerifyingKey::from_bytes(&pk).is_ok_and(|v| !v.is_weak()) {
                    assert!(matches!(
                        LogVerifier::from_vkey(&vkey_of(&pk)),
                        Err(CheckpointError::BadVerifierKey(_))
                    ));
                    refused += 1;
                    // The canonical encoding of the same point is a usable key.
                    let mut canonical = [0u8; 32];
                    canonical[0] = k;
                    canonical[31] = sign;
                    assert!(LogVerifier::from_vkey(&vkey_of(&canonical)).is_ok());
                }
            }
        }
        assert!(refused > 0, "some y = p + k encode a strong point");
        // y = p + 5, x even: the fuzz case's key.
        let mut pk = [0xff; 32];
        pk[0] = 0xf2;
        pk[31] = 0x7f;
        assert!(VerifyingKey::from_bytes(&pk).is_ok_and(|v| !v.is_weak()));
        assert!(LogVerifier::from_vkey(&vkey_of(&pk)).is_err());
    }

    /// Regression (fuzz target `fuzz_tlog_proof`, case 0x5f58309473ae76ac of
    /// seed 0x5eed20190711): 16,385 bytes of extra data were accepted.
    #[test]
    fn tlog_proof_extra_data_is_capped_exactly() {
        let t = tree(3);
        let signer = log();
        let cp = signer
            .verifier()
            .verify_checkpoint(signer.sign_checkpoint(3, &t.root()).as_bytes())
            .unwrap();
        for (len, ok) in [
            (MAX_TLOG_PROOF_EXTRA_BYTES, true),
            (MAX_TLOG_PROOF_EXTRA_BYTES + 1, false),
            (MAX_TLOG_PROOF_EXTRA_BYTES + 2, false),
            (MAX_TLOG_PROOF_EXTRA_BYTES + 3, false),
        ] {
            let p = TlogProof::new(Some(vec![7; len]), 0, t.inclusion_proof(0, 3).unwrap(), &cp);
            assert_eq!(TlogProof::parse(&p.to_text()).is_ok(), ok, "{len} bytes");
        }
    }

    proptest! {
        #[test]
        fn prop_verify_checkpoint_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = log().verifier().verify_checkpoint(&bytes);
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = TlogProof::parse(s);
                let _ = LogVerifier::from_vkey(s);
                let _ = WitnessVerifier::from_vkey(s);
                let _ = CosignatureLine::parse(s);
            }
        }

        #[test]
        fn prop_mutated_checkpoints_never_verify_as_something_else(pos in any::<usize>(), byte in any::<u8>(), size in 0u64..1000) {
            let t = tree(size.min(50));
            let signer = log();
            let good = signer.sign_checkpoint(t.size(), &t.root()).to_bytes();
            let mut m = good.clone();
            let i = pos % m.len();
            prop_assume!(m[i] != byte);
            m[i] = byte;
            if let Ok(cp) = signer.verifier().verify_checkpoint(&m) {
                // Only the signature block may change harmlessly (e.g. an
                // added unknown signature line); the statement may not.
                prop_assert_eq!(cp.size(), t.size());
                prop_assert_eq!(cp.root(), &t.root());
            }
        }
    }
}
