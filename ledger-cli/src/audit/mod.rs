//! Parts of `ledger audit` (issue 16): the HTML report and its charts, and
//! `ledger prove` against a bundle (a finding's entries, a household by a
//! prefix of its reference).

pub mod html;
pub mod prove_bundle;
pub mod strict_cache;
pub mod svg;
