//! The list reader moved to [`crate::sheet`], shared with `ledger post csv`
//! (one reader of offices' CSV and workbook files, not two copies).

pub use crate::sheet::*;
