//! The rule engine and the chain verifier against the demo ledger: one test
//! per refusal, each asserting the exact error and its stable code, and the
//! verifier naming the first bad entry of a damaged ledger.
//!
//! One test binary, one module per subject (issue 18): every module shares
//! the demo fixture of `support`, built once for the binary
//! (`cargo test -p ledger-core --test rules NAME` still finds a test by name).

mod authorization;
mod money;
mod support;
mod verifier;
