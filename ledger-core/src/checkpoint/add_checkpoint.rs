//! The `add-checkpoint` call of `c2sp.org/tlog-witness`: its request body
//! (built by the log, parsed by the witness) and the witness's whole
//! decision on it, with the HTTP status the spec names for every refusal.
//!
//! Pure: the witness server (`ledger witness serve`) holds the state, the
//! lock and the disk; the node's push task builds the body. Both the server
//! and the pull witness (`ledger witness --node`) decide with
//! [`witness_check`], so the consistency rules exist once.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::merkle::TreeHash;

use super::note::{decode_hash, parse_canonical_u64};
use super::{witness_check, CheckpointError, LogVerifier, VerifiedCheckpoint, WitnessState, MAX_NOTE_BYTES};

/// Most consistency-proof lines in a request ("The client MUST NOT send
/// more than 63 consistency proof lines").
pub const MAX_ADD_CHECKPOINT_PROOF_LINES: usize = 63;

/// Largest `add-checkpoint` body: the `old` line (at most `old ` and 20
/// digits), 63 proof lines of 45 bytes, the empty line and a maximal note.
pub const MAX_ADD_CHECKPOINT_BYTES: usize = 32 + MAX_ADD_CHECKPOINT_PROOF_LINES * 45 + 1 + MAX_NOTE_BYTES;

/// An `add-checkpoint` request body.
#[derive(Debug, Clone, PartialEq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes the witness holds.
    pub old_size: u64,
    /// RFC 6962 consistency proof from `old_size` to the checkpoint's size.
    pub consistency_proof: Vec<TreeHash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpointRequest {
    /// The request body: `old N\n`, one base64 hash per line, an empty line,
    /// then the checkpoint.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.consistency_proof.len() * 45 + self.checkpoint.len());
        out.extend_from_slice(format!("old {}\n", self.old_size).as_bytes());
        for h in &self.consistency_proof {
            out.extend_from_slice(BASE64.encode(h.0).as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses a request body (syntax only; the checkpoint is verified by
    /// [`decide_add_checkpoint`]).
    ///
    /// # Errors
    /// [`CheckpointError::TooLarge`] or [`CheckpointError::MalformedAddCheckpoint`].
    pub fn parse(body: &[u8]) -> Result<Self, CheckpointError> {
        if body.len() > MAX_ADD_CHECKPOINT_BYTES {
            return Err(CheckpointError::TooLarge {
                what: "add-checkpoint request",
                len: body.len(),
                max: MAX_ADD_CHECKPOINT_BYTES,
            });
        }
        let malformed = |why: String| CheckpointError::MalformedAddCheckpoint(why);
        let mut rest = body;
        let mut next_line = || -> Result<&[u8], CheckpointError> {
            let i = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| malformed("a line does not end with a newline (truncated body?)".into()))?;
            let (line, tail) = rest.split_at(i);
            rest = tail.get(1..).unwrap_or_default();
            Ok(line)
        };
        let old_line = next_line()?;
        let old_size = std::str::from_utf8(old_line)
            .ok()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(parse_canonical_u64)
            .ok_or_else(|| malformed("first line must be 'old <size>' (ASCII decimal, no leading zeros)".into()))?;
        let mut consistency_proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if consistency_proof.len() == MAX_ADD_CHECKPOINT_PROOF_LINES {
                return Err(malformed(format!(
                    "more than {MAX_ADD_CHECKPOINT_PROOF_LINES} consistency proof lines"
                )));
            }
            let hash = std::str::from_utf8(line).ok().and_then(decode_hash).ok_or_else(|| {
                malformed(format!(
                    "consistency proof line {} is not the base64 of 32 bytes",
                    consistency_proof.len() + 1
                ))
            })?;
            consistency_proof.push(hash);
        }
        if rest.is_empty() {
            return Err(malformed("no checkpoint after the empty line".into()));
        }
        Ok(Self {
            old_size,
            consistency_proof,
            checkpoint: rest.to_vec(),
        })
    }
}

/// Why a witness refuses an `add-checkpoint` request, each with the status
/// code `c2sp.org/tlog-witness` prescribes ([`AddCheckpointRefusal::http_status`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AddCheckpointRefusal {
    /// 400: the body or the checkpoint is malformed, or `old` is larger than
    /// the checkpoint's size.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// 404: the witness knows no log of this origin.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// 403: no valid signature by a trusted key of the log (or a line by a
    /// trusted key that does not verify).
    #[error("checkpoint not signed by a trusted key of the log: {0}")]
    NotSigned(CheckpointError),
    /// 409: `old` is not the size of the latest checkpoint the witness
    /// cosigned for this log (which is `held`, 0 if none).
    #[error("old size {old} is not the size this witness holds ({held})")]
    OldSizeMismatch {
        /// The size in the request.
        old: u64,
        /// The size the witness holds.
        held: u64,
    },
    /// 422: the checkpoint is not consistent with what the witness holds
    /// (bad consistency proof, a fork at the same size, a proof from the
    /// empty tree, a size-0 checkpoint with another root).
    #[error("inconsistent: {0}")]
    Inconsistent(CheckpointError),
}

impl AddCheckpointRefusal {
    /// The HTTP status of this refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::UnknownOrigin(_) => 404,
            Self::NotSigned(_) => 403,
            Self::OldSizeMismatch { .. } => 409,
            Self::Inconsistent(_) => 422,
        }
    }

    /// A stable ASCII code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnknownOrigin(_) => "unknown_log",
            Self::NotSigned(_) => "not_signed",
            Self::OldSizeMismatch { .. } => "old_size_mismatch",
            Self::Inconsistent(_) => "inconsistent",
        }
    }
}

/// The origin line of an unverified checkpoint note, to pick the log (and
/// its lock and state) before verifying.
///
/// # Errors
/// [`AddCheckpointRefusal::Malformed`] when the note has no origin line.
pub fn checkpoint_origin(note: &[u8]) -> Result<&str, AddCheckpointRefusal> {
    let end = note.iter().position(|&b| b == b'\n').unwrap_or(note.len());
    let origin = std::str::from_utf8(note.get(..end).unwrap_or_default())
        .map_err(|_| AddCheckpointRefusal::Malformed("the checkpoint's origin line is not UTF-8".into()))?;
    if origin.is_empty() || end == note.len() {
        return Err(AddCheckpointRefusal::Malformed(
            "the checkpoint has no origin line".into(),
        ));
    }
    Ok(origin)
}

/// Verifies the checkpoint against the log's trusted keys (all of the same
/// origin: the key in force and, during a rotation, the next one the
/// operator added). Any one valid signature suffices, but a line by a
/// trusted key that fails is a refusal (signed-note: such a note is
/// malformed).
///
/// # Errors
/// [`AddCheckpointRefusal::Malformed`], [`AddCheckpointRefusal::NotSigned`]
/// or [`AddCheckpointRefusal::Inconsistent`] (a size-0 checkpoint whose root
/// is not the empty tree's).
pub fn verify_for_witness(trusted: &[LogVerifier], note: &[u8]) -> Result<VerifiedCheckpoint, AddCheckpointRefusal> {
    let mut verified = None;
    let mut refusal = None;
    for key in trusted {
        match key.verify_checkpoint(note) {
            Ok(cp) => {
                verified.get_or_insert(cp);
            }
            Err(CheckpointError::NoLogSignature { .. }) => {}
            Err(e @ CheckpointError::BadLogSignature { .. }) => return Err(AddCheckpointRefusal::NotSigned(e)),
            Err(e @ CheckpointError::EmptyTreeRootMismatch) => return Err(AddCheckpointRefusal::Inconsistent(e)),
            Err(e @ CheckpointError::OriginMismatch { .. }) => {
                return Err(AddCheckpointRefusal::UnknownOrigin(e.to_string()))
            }
            Err(e) => {
                refusal.get_or_insert(AddCheckpointRefusal::Malformed(e.to_string()));
            }
        }
    }
    match (verified, refusal) {
        (Some(cp), _) => Ok(cp),
        (None, Some(r)) => Err(r),
        (None, None) => Err(AddCheckpointRefusal::NotSigned(CheckpointError::NoLogSignature {
            name: trusted.first().map(|k| k.name().to_owned()).unwrap_or_default(),
            key_id: trusted.first().map(LogVerifier::key_id).unwrap_or_default(),
        })),
    }
}

/// The witness's whole decision on a parsed request for a log whose trusted
/// keys are `trusted`, given what it holds (`held`, None if it never
/// cosigned this log): the verified checkpoint and the state to persist
/// (atomically with the `old` check) before cosigning.
///
/// The checks run in the spec's order of precedence: signature (403), `old`
/// not above the size (400), `old` equal to the held size (409), then
/// consistency (422, via [`witness_check`]).
///
/// # Errors
/// An [`AddCheckpointRefusal`].
pub fn decide_add_checkpoint(
    trusted: &[LogVerifier],
    held: Option<&WitnessState>,
    request: &AddCheckpointRequest,
) -> Result<(VerifiedCheckpoint, WitnessState), AddCheckpointRefusal> {
    let checkpoint = verify_for_witness(trusted, &request.checkpoint)?;
    if request.old_size > checkpoint.size() {
        return Err(AddCheckpointRefusal::Malformed(format!(
            "old size {} is larger than the checkpoint's size {}",
            request.old_size,
            checkpoint.size()
        )));
    }
    let held_size = held.map_or(0, |h| h.size);
    if request.old_size != held_size {
        return Err(AddCheckpointRefusal::OldSizeMismatch {
            old: request.old_size,
            held: held_size,
        });
    }
    let state =
        witness_check(held, &checkpoint, &request.consistency_proof).map_err(AddCheckpointRefusal::Inconsistent)?;
    Ok((checkpoint, state))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;
    use crate::merkle::{leaf_hash, MemoryTree};

    #[test]
    fn request_round_trip_and_exact_bytes() {
        let t = tree(30);
        let signer = log();
        let note = signer.sign_checkpoint(30, &t.root()).to_bytes();
        let proof = t.consistency_proof(10, 30).unwrap();
        let req = AddCheckpointRequest {
            old_size: 10,
            consistency_proof: proof.clone(),
            checkpoint: note.clone(),
        };
        let bytes = req.to_bytes();
        let hashes: String = proof.iter().map(|h| format!("{}\n", BASE64.encode(h.0))).collect();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            format!("old 10\n{hashes}\n{}", String::from_utf8(note.clone()).unwrap())
        );
        assert_eq!(AddCheckpointRequest::parse(&bytes).unwrap(), req);
        let first = AddCheckpointRequest {
            old_size: 0,
            consistency_proof: vec![],
            checkpoint: note.clone(),
        };
        assert!(first.to_bytes().starts_with(b"old 0\n\n"));
        assert_eq!(AddCheckpointRequest::parse(&first.to_bytes()).unwrap(), first);

        let good = String::from_utf8(bytes).unwrap();
        let bad = [
            good.replacen("old 10", "old 010", 1),
            good.replacen("old 10", "old -1", 1),
            good.replacen("old 10", "Old 10", 1),
            good.replacen("old 10", "old  10", 1),
            good.replacen("old 10\n", "", 1),
            good.replacen(&hashes, &hashes.replacen('=', "", 1), 1),
            format!(
                "old 1\n{}\n",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64)
            ) + "x\n",
            "old 10\n\n".into(),
            "old 10".into(),
            String::new(),
        ];
        for b in &bad {
            assert!(
                matches!(
                    AddCheckpointRequest::parse(b.as_bytes()),
                    Err(CheckpointError::MalformedAddCheckpoint(_))
                ),
                "{:?}",
                &b[..b.len().min(80)]
            );
        }
        assert!(matches!(
            AddCheckpointRequest::parse(&vec![b'a'; MAX_ADD_CHECKPOINT_BYTES + 1]),
            Err(CheckpointError::TooLarge { .. })
        ));
    }

    #[test]
    fn decision_gives_each_refusal_its_spec_status() {
        let big = tree(50);
        let signer = log();
        let trusted = [signer.verifier()];
        let note = |n: u64| signer.sign_checkpoint(n, &big.root_at(n).unwrap()).to_bytes();
        let req = |old: u64, proof: Vec<TreeHash>, n: u64| AddCheckpointRequest {
            old_size: old,
            consistency_proof: proof,
            checkpoint: note(n),
        };
        // First contact at 10, then 10 → 30 with a proof.
        let (cp, s10) = decide_add_checkpoint(&trusted, None, &req(0, vec![], 10)).unwrap();
        assert_eq!(cp.size(), 10);
        assert_eq!(s10.size, 10);
        let proof = big.consistency_proof(10, 30).unwrap();
        let (_, s30) = decide_add_checkpoint(&trusted, Some(&s10), &req(10, proof.clone(), 30)).unwrap();
        assert_eq!((s30.size, s30.root), (30, big.root_at(30).unwrap()));
        // The same checkpoint again: accepted, same state.
        assert_eq!(
            decide_add_checkpoint(&trusted, Some(&s30), &req(30, vec![], 30))
                .unwrap()
                .1,
            s30
        );
        let status = |held: Option<&WitnessState>, r: &AddCheckpointRequest| {
            decide_add_checkpoint(&trusted, held, r)
                .map(|_| ())
                .map_err(|e| e.http_status())
        };
        // Wrong old size: 409, with the held size.
        assert_eq!(
            decide_add_checkpoint(&trusted, Some(&s30), &req(10, proof.clone(), 40)).map(|_| ()),
            Err(AddCheckpointRefusal::OldSizeMismatch { old: 10, held: 30 })
        );
        assert_eq!(status(None, &req(10, proof.clone(), 30)), Err(409));
        // old above the checkpoint's size: 400.
        assert_eq!(status(Some(&s30), &req(30, vec![], 10)), Err(400));
        // Bad proof: 422. A proof where none is due: 422.
        let mut bad = proof.clone();
        bad[0].0[0] ^= 1;
        assert_eq!(status(Some(&s10), &req(10, bad, 30)), Err(422));
        assert_eq!(status(None, &req(0, proof.clone(), 30)), Err(422));
        // A fork at the held size: 422.
        let forked = MemoryTree::from_leaves(&[leaf_hash(b"evil"); 30]);
        let fork = AddCheckpointRequest {
            old_size: 30,
            consistency_proof: vec![],
            checkpoint: signer.sign_checkpoint(30, &forked.root()).to_bytes(),
        };
        assert_eq!(status(Some(&s30), &fork), Err(422));
        // Another key for the same origin: 403. A forged line by the trusted key: 403.
        let impostor = LogSigner::new(ORIGIN, key(9)).unwrap();
        let by_impostor = AddCheckpointRequest {
            checkpoint: impostor.sign_checkpoint(30, &big.root_at(30).unwrap()).to_bytes(),
            ..req(10, proof.clone(), 30)
        };
        assert_eq!(status(Some(&s10), &by_impostor), Err(403));
        let mut forged = note(30);
        let at = forged.len() - 10;
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            status(
                Some(&s10),
                &AddCheckpointRequest {
                    checkpoint: forged,
                    ..req(10, proof.clone(), 30)
                }
            ),
            Err(403)
        );
        // A key rotation: the operator trusts both keys; either signs.
        let both = [signer.verifier(), impostor.verifier()];
        assert!(decide_add_checkpoint(&both, Some(&s10), &by_impostor).is_ok());
        // A malformed checkpoint body: 400.
        let garbled = AddCheckpointRequest {
            checkpoint: hand_signed(&format!("{ORIGIN}\n030\n{}\n", root_b64(&big)), ORIGIN, &key(1)),
            ..req(0, vec![], 30)
        };
        assert_eq!(status(None, &garbled), Err(400));
        // Size 0 with a root other than the empty tree's: 422.
        let zero = AddCheckpointRequest {
            checkpoint: hand_signed(&format!("{ORIGIN}\n0\n{}\n", root_b64(&big)), ORIGIN, &key(1)),
            ..req(0, vec![], 0)
        };
        assert_eq!(status(None, &zero), Err(422));
        // The origin line is read before anything else.
        assert_eq!(checkpoint_origin(&note(10)).unwrap(), ORIGIN);
        assert_eq!(checkpoint_origin(b"").map_err(|e| e.http_status()), Err(400));
        assert_eq!(checkpoint_origin(b"no newline").map_err(|e| e.http_status()), Err(400));
    }
}
