//! The log's own checkpoints: parsing a checkpoint body, signing it with
//! the log key ([`LogSigner`]) and verifying it ([`LogVerifier`]).
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, NoteError, VerifierList};

use crate::merkle::{TreeHash, EMPTY_TREE_ROOT};

use super::error::malformed_note;
use super::note::{
    check_key_name, decode_hash, ed25519_key_id, ed25519_vkey, parse_canonical_u64, parse_vkey, precheck_note,
    signature_line,
};
use super::{CheckpointError, NoteSignature, WitnessState, ALG_ED25519};

/// The parsed body of a checkpoint (`c2sp.org/tlog-checkpoint`).
pub(super) struct CheckpointBody {
    origin: String,
    size: u64,
    root: TreeHash,
    extensions: Vec<String>,
}

/// Parses a checkpoint body: origin, canonical decimal size, base64 root,
/// then optional non-empty extension lines; every line newline-terminated.
pub(super) fn parse_checkpoint_body(text: &str) -> Result<CheckpointBody, CheckpointError> {
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
pub(super) struct NoteKey {
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
    pub(super) origin: String,
    pub(super) size: u64,
    pub(super) root: TreeHash,
    pub(super) extensions: Vec<String>,
    pub(super) body: String,
    pub(super) note_bytes: Vec<u8>,
    pub(super) other_signatures: Vec<NoteSignature>,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;

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
        use signed_note::key_id;
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
}
