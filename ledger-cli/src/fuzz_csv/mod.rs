//! Structure-aware fuzz targets of the CSV import, `ledger post csv`
//! (issue 11, item 7; docs/SECURITY.md, "Fuzzing"):
//!
//! * `fuzz_csv_rows` — `batch::parse_rows` on generated subsidy and payment
//!   files (header aliases in English and Chinese, quoting, BOM, CRLF, the
//!   spellings each cell accepts), mutated at the level of the header,
//!   rows, cells and bytes;
//! * `fuzz_csv_cells` — the cell parsers (amounts, resident IDs, periods,
//!   region codes) against independent reference implementations of the
//!   rules docs/CLI.md and docs/FORMAT.md state.
//!
//! CSV is not a canonical format and is never signed: the properties are
//! that no input panics, that every row accepted becomes an entry body with a
//! canonical encoding and in-range fields, that spellings which keep the
//! meaning give exactly the expected bodies, and that an ambiguous header (two
//! columns for one field) is refused. Short run in `cargo test -p ledger-cli`,
//! long run in `fuzz/long-run.sh`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_core::testkit::fuzz as fuzzkit;

mod cells;
mod model;
mod rows;

const SHORT: u64 = 2_000;
