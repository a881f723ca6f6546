//! The byte-level format's worked example (`docs/FORMAT.md` §12): every value
//! in `fixtures/vectors/worked-example.json` is recomputed here from the
//! code, re-derived independently from the specification where it is a hash
//! or a signature (sha2, blake3, ed25519 called directly), and every hex
//! value the document quotes must come from the JSON, so neither can drift.
//!
//! Regenerate after an intended format change:
//! `UPDATE_VECTORS=1 cargo test -p ledger-core --test format_vectors`
//! (it rewrites the JSON and prints the annotated dumps to paste into
//! FORMAT.md).
//!
//! One test binary, one module per check (issue 18): `example` builds the
//! worked example from the code, `document` checks it against the JSON file
//! and FORMAT.md, `spec` re-derives its hashes and signatures from the
//! specification, `enum_tables` checks FORMAT.md's tables against the code.

mod document;
mod enum_tables;
mod example;
mod spec;
