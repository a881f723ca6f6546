//! [`DemoError`], and the checked constructors of ledger values that report
//! it (a failure is a bug in the generator or a bad explicit input).

use ledger_core::amount::Fen;
use ledger_core::ids::{Ident, Text};
use ledger_core::region::RegionCode;

/// Why demo data could not be built (a bug in the generator, or an explicit
/// genesis part that does not validate).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("demo data: {0}")]
pub struct DemoError(pub String);

pub(crate) fn err(e: impl std::fmt::Display) -> DemoError {
    DemoError(e.to_string())
}

pub(crate) fn text(s: &str) -> Result<Text, DemoError> {
    Text::new(s).map_err(|e| DemoError(format!("{e}: {s:?}")))
}

pub(crate) fn ident(s: &str) -> Result<Ident, DemoError> {
    Ident::new(s).map_err(err)
}

pub(crate) fn fen(amount: u64) -> Result<Fen, DemoError> {
    Fen::new(amount).map_err(err)
}

pub(crate) fn region(code: u64) -> Result<RegionCode, DemoError> {
    RegionCode::new(code).map_err(err)
}
