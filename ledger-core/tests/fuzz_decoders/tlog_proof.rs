//! `tlog-proof` files (`ledger prove --check`).

use ledger_core::testkit::fuzz as fuzzkit;

use fuzzkit::{fail, input, mutate_bytes, mutate_text, show, Outcome};
use ledger_core::checkpoint::{TlogProof, MAX_TLOG_PROOF_EXTRA_BYTES};
use ledger_core::merkle::TreeHash;

use crate::support::*;

#[test]
fn fuzz_tlog_proof() {
    let notes = note_pool();
    fuzzkit::run("fuzz_tlog_proof", SHORT, |rng| {
        let note = &notes.notes[rng.index(notes.notes.len())];
        let proof = TlogProof {
            extra_data: match rng.below(16) {
                0..=3 => None,
                4 => Some(Vec::new()),
                5 => {
                    let n = MAX_TLOG_PROOF_EXTRA_BYTES - 2 + rng.index(5);
                    Some(rng.vec(n))
                }
                _ => Some(rng.junk(60)),
            },
            index: rng.edgy_u64(),
            inclusion_proof: (0..if rng.chance(1, 20) {
                64 + rng.below(2)
            } else {
                rng.below(8)
            })
                .map(|_| TreeHash(rng.bytes()))
                .collect(),
            checkpoint: String::from_utf8_lossy(&note.bytes).into_owned(),
        };
        let text = proof.to_text();
        let unmutated = rng.chance(1, 8);
        let text = if unmutated {
            text
        } else if rng.chance(1, 4) {
            let mut b = text.into_bytes();
            mutate_bytes(rng, &mut b, &note.bytes);
            match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => return Outcome::Rejected, // the CLI reads the file as UTF-8 text first
            }
        } else {
            let mut t = text;
            mutate_text(
                rng,
                &mut t,
                &["index ", "extra ", "\n\n", "=", "c2sp.org/tlog-proof@v1\n"],
            );
            t
        };
        input(text.as_bytes());
        let valid = proof.inclusion_proof.len() <= 64
            && proof
                .extra_data
                .as_ref()
                .is_none_or(|e| e.len() <= MAX_TLOG_PROOF_EXTRA_BYTES);
        match TlogProof::parse(&text) {
            Ok(p) => {
                let again = p.to_text();
                if again != text {
                    return fail(format!(
                        "accepted a non-canonical tlog-proof; it re-renders as {}",
                        show(again.as_bytes())
                    ));
                }
                if p.extra_data
                    .as_ref()
                    .is_some_and(|e| e.len() > MAX_TLOG_PROOF_EXTRA_BYTES)
                {
                    return fail(format!(
                        "accepted {} bytes of extra data, over the {MAX_TLOG_PROOF_EXTRA_BYTES}-byte limit",
                        p.extra_data.as_ref().map_or(0, Vec::len)
                    ));
                }
                if unmutated && p != proof {
                    return fail("a valid tlog-proof parsed to other values");
                }
                Outcome::Accepted
            }
            Err(e) if unmutated && valid => fail(format!("a valid tlog-proof was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}
