//! Structure-aware fuzz targets of ledger-core's decoders of outside input
//! (issue 11, item 7; docs/SECURITY.md, "Fuzzing"):
//!
//! | target | decoder | where the input comes from |
//! | --- | --- | --- |
//! | `postcard::fuzz_signed_submission_postcard` | `SignedSubmission::decode` | `POST /v1/submissions` (octet-stream), `ledger submit` files |
//! | `postcard::fuzz_sequenced_entry_postcard` | `SequencedEntry::decode`, `chain::submission_bytes` | `/v1/entries`, bundles, tiles, the store |
//! | `bundle::fuzz_bundle` | `bundle::parse_bundle` (+ each record's `SequencedEntry::decode`) | `ledger verify`, `ledger-node restore`, `ledger export` resume |
//! | `checkpoint::fuzz_checkpoint_note` | `LogVerifier::verify_checkpoint`, `WitnessVerifier::verify_cosignature`, `add_cosignature`, `CosignatureLine::parse` | `/checkpoint`, `POST /v1/cosignatures`, `ledger witness`, saved checkpoints |
//! | `verifier_keys::fuzz_verifier_keys` | `LogVerifier::from_vkey`, `WitnessVerifier::from_vkey`, `keys::parse_verifier_key` | genesis and `LogKeyRotate` entries, `--log-key`, `--witness` |
//! | `tlog_proof::fuzz_tlog_proof` | `TlogProof::parse` | `ledger prove --check FILE` |
//! | `tile_path::fuzz_tile_path` | `merkle::parse_tile_path` | `GET /tile/…` |
//!
//! Each generates valid values (really signed where the decoder checks
//! signatures), encodes them, mutates them at the level of the format's
//! fields and of bytes, and checks: no panic; an accepted input is exactly
//! the canonical encoding of what was decoded (decode then encode gives the
//! same bytes); an unmutated valid input decodes to the original value.
//!
//! `cargo test -p ledger-core --test fuzz_decoders` runs a short run of each
//! (CI); `fuzz/long-run.sh` runs millions of cases in release mode
//! (`FUZZ_CASES`, `FUZZ_SEED`, `FUZZ_REPLAY`: see `fuzzkit::settings`).
//!
//! One test binary, one module per decoder (issue 18), all driven by the
//! shared harness `ledger_core::testkit::fuzz`; the valid values they start
//! from (postcard pools, signed notes) are built once in `support`.

mod bundle;
mod checkpoint;
mod postcard;
mod support;
mod tile_path;
mod tlog_proof;
mod verifier_keys;
