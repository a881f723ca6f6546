//! Witness cosignatures (`c2sp.org/tlog-cosignature`, Ed25519
//! `cosignature/v1`): signing, parsing, adding to a note and counting.
use std::collections::BTreeSet;
use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use signed_note::Note;

use crate::merkle::TreeHash;

use super::error::malformed_note;
use super::note::{check_key_name, ed25519_key_id, ed25519_vkey, parse_vkey, precheck_note, signature_line};
use super::{
    witness_check, CheckpointError, NoteSignature, VerifiedCheckpoint, WitnessState, ALG_COSIGNATURE_V1,
    COSIGNATURE_LEN, MAX_COSIGNATURE_TIMESTAMP, MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES,
};

/// The message an Ed25519 `cosignature/v1` signs.
pub(super) fn cosigned_message(timestamp: u64, body: &str) -> Vec<u8> {
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
pub(super) fn split_cosignature(sig: &NoteSignature) -> Result<(u64, Signature), CheckpointError> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;

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
}
