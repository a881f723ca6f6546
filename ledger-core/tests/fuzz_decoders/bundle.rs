//! The bundle decoder (`bundle::parse_bundle` and each record's decode).

use ledger_core::testkit::fuzz as fuzzkit;

use fuzzkit::{fail, input, mutate_bytes, mutate_tokens, show, tokenize, tokens_to_bytes, Outcome, Tok, Walk};
use ledger_core::bundle::{self, BundleHeader, BUNDLE_MAGIC, BUNDLE_VERSION};
use ledger_core::chain::SequencedEntry;
use ledger_core::encoding;

use crate::support::*;

fn bundle_header_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.string()?;
    w.string()?;
    w.var(64, fuzzkit::VarRole::Num).map(|_| ())
}

#[test]
fn fuzz_bundle() {
    let entries = entry_pool();
    let notes = note_pool();
    fuzzkit::run("fuzz_bundle", SHORT, |rng| {
        let count = rng.below(5) as usize;
        let records: Vec<&[u8]> = (0..count)
            .map(|_| entries[rng.index(entries.len())].bytes.as_slice())
            .collect();
        let note = &notes.notes[rng.index(notes.notes.len())];
        let header = BundleHeader {
            v: BUNDLE_VERSION,
            origin: if rng.chance(3, 4) {
                notes.logs[note.log].signer.origin().to_owned()
            } else {
                fuzzkit::gen_string(rng)
            },
            log_vkey: if rng.chance(3, 4) {
                notes.logs[note.log].signer.verifier_key()
            } else {
                fuzzkit::gen_string(rng)
            },
            checkpoint: String::from_utf8_lossy(&note.bytes).into_owned(),
            entry_count: if rng.chance(7, 8) { count as u64 } else { rng.edgy_u64() },
        };
        let head_bytes = encoding::encode(&header);
        let mut head_toks = tokenize(&head_bytes, bundle_header_tokens).unwrap_or_default();
        let mutated = rng.chance(7, 8);
        if mutated && rng.chance(1, 3) {
            mutate_tokens(rng, &mut head_toks, &[]);
        }
        let head = tokens_to_bytes(&head_toks);
        // The file as fields: magic, header length and bytes, then one
        // length-prefixed record per entry.
        let mut toks = vec![
            Tok::Raw(BUNDLE_MAGIC.to_vec()),
            Tok::U32Le(head.len() as u32),
            Tok::Raw(head),
        ];
        for r in &records {
            toks.push(Tok::U32Le(r.len() as u32));
            toks.push(Tok::Raw(r.to_vec()));
        }
        if mutated && rng.chance(1, 2) {
            mutate_tokens(rng, &mut toks, &[]);
        }
        let mut bytes = tokens_to_bytes(&toks);
        if mutated && rng.chance(1, 3) {
            let other = &entries[rng.index(entries.len())].bytes;
            mutate_bytes(rng, &mut bytes, other);
        }
        let unmutated = !mutated && header.entry_count == count as u64;
        input(&bytes);
        match bundle::parse_bundle(&bytes) {
            Ok(view) => {
                let mut again = bundle::encode_header(&view.header);
                for e in &view.entries {
                    again.extend_from_slice(&bundle::encode_record(e));
                }
                if again != bytes {
                    return fail(format!(
                        "accepted a non-canonical bundle; it re-encodes to {}",
                        show(&again)
                    ));
                }
                if view.entries.len() as u64 != view.header.entry_count {
                    return fail("entry count differs from the header's");
                }
                if unmutated && (view.header != header || view.entries != records) {
                    return fail("a valid bundle decoded to other values");
                }
                // What `ledger verify` does next with each record.
                for e in &view.entries {
                    if let Ok(d) = SequencedEntry::decode(e) {
                        if d.entry.encode() != *e {
                            return fail("a bundle record decoded from non-canonical bytes");
                        }
                    }
                }
                Outcome::Accepted
            }
            Err(e) if unmutated => fail(format!("a valid bundle was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}
