//! `GET /v1/households/code/{code}`: a household by its household code
//! (户码, docs/FORMAT.md §8.5.1) — the full code with its check symbol, or a
//! unique prefix of its data symbols. A typo is refused with a message that
//! says what to re-read, and an ambiguous prefix asks for more symbols: the
//! node never picks one household among several.

use super::households::{household_answer, HouseholdAnswer};
use super::{blocking, ledger, path_param, Params};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::query::Lookup;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ledger_core::household_code::{parse_query, CodeError, CodeQuery};
use serde::Serialize;
use std::collections::HashMap;

/// How the input was understood.
#[derive(Debug, Clone, Serialize)]
pub struct CodeQueryJson {
    /// As given (clipped to 64 characters).
    pub input: String,
    /// The symbols after normalisation.
    pub normalised: String,
    /// `code` (a full code) or `prefix`.
    pub matched: &'static str,
}

/// The HTTP error for a code that does not parse.
pub(crate) fn code_error(e: &CodeError) -> ApiError {
    let english = match e {
        CodeError::BadSymbol { symbol, position } => {
            format!("symbol {position} ({symbol:?}) is not in the household code's alphabet")
        }
        CodeError::TooShort { symbols } => format!("a household code needs at least 6 symbols, not {symbols}"),
        CodeError::TooLong { symbols } => format!("a household code has 11 symbols, not {symbols}"),
        CodeError::BadCheck => "the check symbol does not match: one symbol mistyped or two swapped".to_string(),
    };
    ApiError::new(StatusCode::BAD_REQUEST, e.code(), english).with_zh(e.message_zh())
}

pub(super) async fn by_code(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<HouseholdAnswer>, ApiError> {
    let input = path_param(path)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    let parsed = parse_query(&input).map_err(|e| code_error(&e))?;
    let (normalised, matched) = match parsed {
        CodeQuery::Full(code) => (code.compact(), "code"),
        CodeQuery::Prefix(p) => (normalised_prefix(&input, p.len()), "prefix"),
    };
    blocking(move || {
        let found = ledger(&app)?.query.directory().by_code(parsed);
        let reference = match found {
            Lookup::One(r) => r,
            Lookup::Many(n) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "ambiguous_code",
                    format!("{n} households have a code starting with {normalised}; give more symbols"),
                )
                .with_zh(format!("有 {n} 户的户码以 {normalised} 开头，请多输入几位")))
            }
            Lookup::None => {
                let shown = match parsed {
                    CodeQuery::Full(code) => code.display(),
                    CodeQuery::Prefix(_) => normalised.clone(),
                };
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_code",
                    format!("no household the log names has the code {shown}"),
                )
                .with_zh(format!("没有找到户码为 {shown} 的农户，请核对")));
            }
        };
        // The directory is an index: confirm the answer is the code's.
        if let CodeQuery::Full(code) = parsed {
            if !code.matches(&reference) {
                return Err(ApiError::internal("the code index names a household of another code"));
            }
        }
        let query = CodeQueryJson {
            input: input.chars().take(64).collect(),
            normalised,
            matched,
        };
        household_answer(&app, reference, after, limit, Some(query)).map(Json)
    })
    .await
}

/// The prefix's symbols as normalised (the parse succeeded, so every kept
/// character is a symbol): uppercase, separators and full-width forms gone.
fn normalised_prefix(input: &str, len: usize) -> String {
    let alphabet = ledger_core::household_code::ALPHABET;
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| alphabet.contains(*c))
        .take(len)
        .collect()
}
