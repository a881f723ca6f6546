//! Signing: the submissions under construction ([`Emitter`]), each with the
//! key-ring positions that sign it, and their signing at the end, in
//! parallel with rayon. Signing is >95% of the work and Ed25519 signatures
//! are deterministic, so the result does not depend on the thread count.

use crate::dice::Dice;
use crate::keys::KeyRing;
use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{required_signatures, CosignRule, EntryBody};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use rayon::prelude::*;

/// A submission to sign: by the first `count` of the two signers (key-ring
/// positions).
pub(crate) type Planned = (Submission, [usize; 2], usize);

/// The submissions under construction, in log order, signed at the end.
pub(crate) struct Emitter<'a> {
    pub(crate) dice: &'a mut Dice,
    pub(crate) origin: &'a str,
    pub(crate) not_after_ms: u64,
    pub(crate) rules: Vec<CosignRule>,
    pub(crate) planned: Vec<Planned>,
}

impl Emitter<'_> {
    fn next_seq(&self) -> u64 {
        self.planned.len() as u64
    }

    /// Add a submission signed by `primary` and, when the policy requires a
    /// second signature, by `cosigner`. Returns its sequence number.
    pub(crate) fn emit(&mut self, body: EntryBody, primary: usize, cosigner: usize) -> u64 {
        let required = required_signatures(&self.rules, body.kind(), body.amount());
        let count = if required >= 2 { 2 } else { 1 };
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: self.origin.to_string(),
            nonce: Bytes(self.dice.bytes()),
            not_after_ms: self.not_after_ms,
            body,
        };
        self.planned.push((submission, [primary, cosigner], count));
        self.next_seq() - 1
    }
}

/// Sign every planned submission with its keys from `ring`, in parallel.
pub(crate) fn sign_all(planned: Vec<Planned>, ring: &KeyRing) -> Vec<SignedSubmission> {
    planned
        .into_par_iter()
        .map(|(submission, signers, count)| {
            let chosen: Vec<&SigningKey> = signers.iter().take(count).filter_map(|i| ring.key(*i)).collect();
            submission.sign(&chosen)
        })
        .collect()
}
