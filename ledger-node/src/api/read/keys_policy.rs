//! `GET /v1/keys/{key}`: a signing key's grant as the rule engine holds it
//! (holder, office, regions, kinds, validity, revocation), and `GET
//! /v1/policy`: the policy in force (issue 14).
//!
//! Why: a client preparing a batch must know what its key may sign and
//! which controls apply on which dates *before* it sends anything (the
//! operators' CLI names the signer as an office does, resolves village
//! names within the key's regions, and checks payment-list dates in its
//! pre-flight). Without these it scanned the log from the genesis, which
//! stops being possible once the log is long. Both answers are copied from
//! the rule state the sequencer keeps, under the read lock, in O(answer).
//!
//! Durability: a key whose grant is not yet durable is not found, and a
//! revocation not yet durable is not reported. The policy is the rule
//! state's: a `policy_update` being committed is in it at most one batch
//! before it is durable (the node refuses by the same policy meanwhile).

use super::{blocking, ledger, path_param, view, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::encoding::Bytes;
use ledger_core::keys::{parse_verifier_key, PublicKey, Role};
use ledger_core::policy::Policy;
use serde::Serialize;

/// Longest `{key}` path parameter: a verifier key string (`name+id+base64`)
/// with a name of up to 64 characters, percent-encoded.
const MAX_KEY_PARAM_CHARS: usize = 256;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/keys/{key}", get(key_info))
        .route("/v1/policy", get(policy))
}

/// The regions and entry kinds a key may sign for.
#[derive(Debug, Serialize)]
pub struct ScopeJson {
    /// 12-digit region codes; each covers its subtree.
    pub regions: Vec<String>,
    /// Entry kind names (`household_subsidy`, …).
    pub kinds: Vec<&'static str>,
}

/// `GET /v1/keys/{key}`.
#[derive(Debug, Serialize)]
pub struct KeyAnswer {
    /// The public key, 64 hex.
    pub key: String,
    /// Who holds it, e.g. `施河镇财政所 张*华`.
    pub holder: String,
    /// `admin`, `operator` or `auditor`.
    pub role: &'static str,
    /// The office (`town_finance`, …).
    pub office: &'static str,
    /// The office in Chinese (镇财政所, …).
    pub office_zh: &'static str,
    /// What it may sign, and where.
    pub scope: ScopeJson,
    /// First instant (Unix ms) its signatures are accepted.
    pub valid_from_ms: u64,
    /// Last instant (Unix ms) its signatures are accepted.
    pub valid_until_ms: u64,
    /// The entry that granted it (the latest grant).
    pub granted_seq: u64,
    /// The entry that revoked it, if durable.
    pub revoked_seq: Option<u64>,
    /// Whether it is revoked.
    pub revoked: bool,
}

/// `GET /v1/policy`.
#[derive(Debug, Serialize)]
pub struct PolicyAnswer {
    /// Durable entries when answered.
    pub size: u64,
    /// The policy in force, as in the genesis and `policy_update` entries'
    /// JSON (co-signature rules, publicity windows, `enforced_from` dates).
    pub policy: Policy,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Operator => "operator",
        Role::Auditor => "auditor",
    }
}

/// The key of the path: 64 hex digits, or a verifier key string.
fn parse_key(text: &str) -> Result<PublicKey, ApiError> {
    let text = text.trim();
    if text.chars().count() > MAX_KEY_PARAM_CHARS {
        return Err(
            ApiError::bad_param(format!("key: longer than {MAX_KEY_PARAM_CHARS} characters"))
                .with_zh(format!("密钥参数超过 {MAX_KEY_PARAM_CHARS} 个字符")),
        );
    }
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Bytes::from_hex(&text.to_ascii_lowercase())
            .map_err(|e| ApiError::bad_param(format!("key: {e}")).with_zh("密钥应为 64 位十六进制公钥或验证密钥串"));
    }
    parse_verifier_key(text).map(|(_, k)| Bytes(k.to_bytes())).map_err(|e| {
        ApiError::bad_param(format!(
            "key: neither 64 hex digits nor a verifier key (name+id+base64): {e}"
        ))
        .with_zh("密钥应为 64 位十六进制公钥或验证密钥串（名称+编号+base64）")
    })
}

async fn key_info(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<KeyAnswer>, ApiError> {
    let key = parse_key(&path_param(path)?)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        let record = ledger
            .state
            .key(&key)
            .filter(|r| r.granted_seq < visible)
            .ok_or_else(|| {
                ApiError::not_found(format!("key {} is not granted in this log", key.to_hex()))
                    .with_zh("本账本没有授权这个密钥")
            })?;
        let g = &record.grant;
        let revoked_seq = record.revoked_seq.filter(|s| *s < visible);
        Ok(Json(KeyAnswer {
            key: key.to_hex(),
            holder: g.holder.to_string(),
            role: role_name(g.role),
            office: g.office.name(),
            office_zh: g.office.label_zh(),
            scope: ScopeJson {
                regions: g.scope.regions.iter().map(ToString::to_string).collect(),
                kinds: g.scope.kinds.iter().map(|k| k.name()).collect(),
            },
            valid_from_ms: g.valid_from_ms,
            valid_until_ms: g.valid_until_ms,
            granted_seq: record.granted_seq,
            revoked_seq,
            revoked: revoked_seq.is_some(),
        }))
    })
    .await
}

async fn policy(State(app): State<AppState>) -> Result<Json<PolicyAnswer>, ApiError> {
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        Ok(Json(PolicyAnswer {
            size: visible,
            policy: ledger.state.policy().clone(),
        }))
    })
    .await
}
