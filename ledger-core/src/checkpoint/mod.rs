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
//!
//! One file per subject: `note` (key names, verifier keys, signature
//! lines), `log` (the log's checkpoints), `cosignature`, `witness` (the
//! cosigning decision), `add_checkpoint` (the tlog-witness request and the
//! witness's whole decision on it, with its HTTP statuses), `fork` (evidence), `proof` (`tlog-proof`), `error`.
//! Callers use the re-exports below, so the paths are `checkpoint::Name`.

mod add_checkpoint;
mod cosignature;
mod error;
mod fork;
mod log;
mod note;
mod proof;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // test fixtures: a failure here is a broken test
mod test_support;
mod witness;

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

pub use add_checkpoint::{
    checkpoint_origin, decide_add_checkpoint, verify_for_witness, AddCheckpointRefusal, AddCheckpointRequest,
    MAX_ADD_CHECKPOINT_BYTES, MAX_ADD_CHECKPOINT_PROOF_LINES,
};
pub use cosignature::{add_cosignature, count_valid_cosignatures, CosignatureLine, WitnessSigner, WitnessVerifier};
pub use error::CheckpointError;
pub use fork::{detect_fork, ForkEvidence, ForkEvidenceFile, FORK_EVIDENCE_KIND};
pub use log::{LogSigner, LogVerifier, SignedCheckpoint, VerifiedCheckpoint};
pub use proof::TlogProof;
pub use witness::{witness_check, WitnessState};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    use proptest::prelude::*;
    use signed_note::key_id;

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

    proptest! {
        #[test]
        fn prop_verify_checkpoint_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = log().verifier().verify_checkpoint(&bytes);
            let _ = AddCheckpointRequest::parse(&bytes);
            let _ = checkpoint_origin(&bytes);
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
