//! The `tlog-proof` offline proof format (`c2sp.org/tlog-proof`).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::merkle::{verify_inclusion, TreeHash};

use super::note::{decode_hash, parse_canonical_u64};
use super::{
    count_valid_cosignatures, CheckpointError, LogVerifier, VerifiedCheckpoint, WitnessVerifier, MAX_PROOF_HASHES,
    MAX_TLOG_PROOF_BYTES, MAX_TLOG_PROOF_EXTRA_BYTES, TLOG_PROOF_HEADER,
};

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
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;
    use crate::merkle::{leaf_hash, MemoryTree};

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
}
