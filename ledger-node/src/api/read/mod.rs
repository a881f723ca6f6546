//! The public read API: no login, CORS, rate-limited, paginated, JSON.
//!
//! The JSON shapes are the contract in `docs/API-CONTRACT.md`; the OpenAPI
//! description is `schemas/openapi.json` (a test fails when a route is
//! missing from it).
//!
//! Three rules hold for every handler:
//!
//! * **Only durable data.** Lists stop at `shared.committed()`; proofs and
//!   tiles are against the latest signed checkpoint; aggregates come from
//!   [`crate::query::QueryIndex`], which only records flushed entries.
//! * **Verify on read.** Every entry read from the store is decoded
//!   canonically and its leaf hash compared with the in-memory Merkle tree
//!   (itself rebuilt by a full replay at start): a flipped byte on disk is a
//!   500 `corrupt_entry` naming the entry, never a wrong answer.
//! * **Short locks.** The sequencer takes the ledger's write lock for every
//!   batch, so store reads and decoding happen outside the lock; the read
//!   guard is held only to copy what the answer needs (O(answer)). Handlers
//!   run on the blocking pool, so a slow disk never stalls the async workers.

mod accounts;
mod contacts;
mod controls;
mod entries;
pub mod flows_cache;
mod funds;
mod household_code;
mod household_list;
mod households;
mod idle;
mod keys_policy;
mod log_keys;
mod projects;
mod regions;
mod search;

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ledger::{Latest, Ledger};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Router;
use base64::Engine as _;
use ledger_core::amount::Fen;
use ledger_core::chain::{DecodedEntry, SequencedEntry};
use ledger_core::entry::{Account, EntryBody};
use ledger_core::merkle::TreeHash;
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLockReadGuard};

pub(crate) use entries::checkpoint as checkpoint_handler;
pub use entries::{InclusionProofJson, LogInfo, LogKeyInfo};

/// Default page size when `limit` is not given.
pub const DEFAULT_PAGE: usize = 50;
/// Longest search query, in characters.
pub const MAX_SEARCH_CHARS: usize = 64;

/// Routes of the public read API.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(entries::router())
        .merge(regions::router())
        .merge(controls::router())
        .merge(funds::router())
        .merge(projects::router())
        .merge(idle::router())
        .merge(households::router())
        .merge(household_list::router())
        .merge(contacts::router())
        .merge(log_keys::router())
        .merge(keys_policy::router())
        .merge(accounts::router())
        .merge(search::router())
}

// ---------------------------------------------------------------------------
// What a reader may see

/// The durable view a request answers from.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// Entries `0..visible` are durable and may be listed.
    pub visible: u64,
    /// The latest signed checkpoint: proofs and tiles are against it.
    pub latest: Arc<Latest>,
}

/// The view, or 404 before genesis.
pub(crate) fn view(app: &AppState) -> Result<View, ApiError> {
    let latest = app
        .shared
        .latest()
        .ok_or_else(|| ApiError::not_found("the log has no genesis yet"))?;
    // The sequencer publishes the checkpoint before the committed count, so
    // both bound durable data; the smaller is safe for either use.
    let visible = app.shared.committed().min(latest.size);
    Ok(View { visible, latest })
}

/// The ledger's read guard. Callers hold it only to copy out an answer.
pub(crate) fn ledger(app: &AppState) -> Result<RwLockReadGuard<'_, Ledger>, ApiError> {
    app.shared
        .ledger
        .read()
        .map_err(|_| ApiError::internal("the ledger state lock is poisoned"))
}

/// Run a handler body on the blocking pool (store reads, decoding, hashing).
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal("the read task failed"))?
}

// ---------------------------------------------------------------------------
// Errors of the read path

/// 500 `corrupt_entry`: what the store returned for `seq` is not the entry
/// the verified tree holds.
pub(crate) fn corrupt_entry(seq: u64, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "corrupt_entry",
        format!("entry {seq} read from the store does not verify ({why}); the data folder is damaged: restore it from a backup"),
    )
}

/// 500 `storage`: the store could not be read; 500 `corrupt_entry` naming
/// the entry when what is stored fails its checksum (the store checks every
/// record it reads against the CRC written with it).
pub(crate) fn storage(e: crate::store::StoreError) -> ApiError {
    if let crate::store::StoreError::Damaged(damage) = &e {
        if let Some(seq) = damage.entry {
            return corrupt_entry(seq, damage);
        }
    }
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "storage",
        format!("reading the store: {e}"),
    )
}

// ---------------------------------------------------------------------------
// Parameters

/// Query parameters, validated one by one into `bad_parameter` errors.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// From axum's extractor; a query string that does not parse is a 400.
    pub fn from(query: Result<Query<HashMap<String, String>>, QueryRejection>) -> Result<Params, ApiError> {
        match query {
            Ok(Query(map)) => Ok(Params(map)),
            Err(e) => Err(ApiError::bad_param(format!("query string: {}", e.body_text()))),
        }
    }

    /// A raw value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// An optional unsigned integer: ASCII digits only, no sign, no spaces.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name).map(|v| parse_u64(name, v)).transpose()
    }

    /// The page size: `limit` in 1..=`max`, or [`DEFAULT_PAGE`] (capped by `max`).
    pub fn limit(&self, max: usize) -> Result<usize, ApiError> {
        self.limit_or(DEFAULT_PAGE, max)
    }

    /// The page size: `limit` in 1..=`max`, or `default` (capped by `max`),
    /// for a list whose rows cost more than most.
    pub fn limit_or(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.u64("limit")? {
            None => Ok(default.min(max).max(1)),
            Some(n) if n >= 1 && n <= max as u64 => Ok(n as usize),
            Some(n) => Err(ApiError::bad_param(format!("limit must be 1-{max}, not {n}"))),
        }
    }

    /// A boolean flag: `true`/`1`/empty or `false`/`0`.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") | Some("") => Ok(true),
            Some(other) => Err(ApiError::bad_param(format!(
                "{name} must be true or false, not {:?}",
                clip(other)
            ))),
        }
    }
}

/// Parse a decimal u64 strictly.
pub(crate) fn parse_u64(name: &str, value: &str) -> Result<u64, ApiError> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_param(format!(
            "{name} must be a non-negative integer, not {:?}",
            clip(value)
        )));
    }
    value
        .parse()
        .map_err(|_| ApiError::bad_param(format!("{name} is out of range: {value}")))
}

/// A path parameter; a path that does not decode is a 400.
pub(crate) fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p)
        .map_err(|e| ApiError::bad_param(format!("path: {}", e.body_text())))
}

/// A region code path parameter: 12 digits (400), registered (404 later).
pub(crate) fn parse_region(text: &str) -> Result<RegionCode, ApiError> {
    if text.len() != 12 {
        return Err(ApiError::bad_param(format!(
            "a region code has 12 digits, not {:?}",
            clip(text)
        )));
    }
    RegionCode::parse(text).map_err(|e| ApiError::bad_param(e.to_string()))
}

/// At most 40 characters of user input, for error messages.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

// ---------------------------------------------------------------------------
// Entries read from the store, verified

/// An entry read from the store and decoded.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    /// Sequence number.
    pub seq: u64,
    /// Canonical bytes.
    pub bytes: Vec<u8>,
    /// Decoded, with both hashes.
    pub decoded: DecodedEntry,
}

impl Loaded {
    /// The entry's body.
    pub fn body(&self) -> &EntryBody {
        &self.decoded.entry.signed.submission.body
    }
}

/// Read and decode entries, each checked against its leaf in the verified
/// Merkle tree (verify on read). The leaves are copied under the read lock,
/// briefly; the store reads and decoding run without it. A missing entry,
/// one whose leaf differs, or one that does not decode is corruption.
pub(crate) fn fetch(app: &AppState, seqs: &[u64]) -> Result<Vec<Loaded>, ApiError> {
    let leaves: Vec<Option<TreeHash>> = {
        let ledger = ledger(app)?;
        seqs.iter().map(|seq| ledger.tree.leaf(*seq)).collect()
    };
    let mut out = Vec::with_capacity(seqs.len());
    for (&seq, leaf) in seqs.iter().zip(leaves) {
        let leaf = leaf.ok_or_else(|| corrupt_entry(seq, "it is not in the Merkle tree"))?;
        let bytes = app
            .shared
            .store
            .entry(seq)
            .map_err(storage)?
            .ok_or_else(|| corrupt_entry(seq, "missing from the store"))?;
        // The leaf first, then the decode without the canonical re-encoding
        // check: bytes with a verified leaf are the verified canonical bytes.
        let decoded = SequencedEntry::decode_at_leaf(&bytes, &leaf).map_err(|e| corrupt_entry(seq, e))?;
        out.push(loaded(seq, bytes, decoded)?);
    }
    Ok(out)
}

fn loaded(seq: u64, bytes: Vec<u8>, decoded: DecodedEntry) -> Result<Loaded, ApiError> {
    if decoded.entry.seq != seq {
        return Err(corrupt_entry(seq, format!("it claims sequence {}", decoded.entry.seq)));
    }
    Ok(Loaded { seq, bytes, decoded })
}

/// Compare each entry's leaf hash with the verified in-memory tree.
pub(crate) fn check_leaves(ledger: &Ledger, loaded: &[Loaded]) -> Result<(), ApiError> {
    for l in loaded {
        match ledger.tree.leaf(l.seq) {
            Some(leaf) if leaf == l.decoded.leaf_hash => {}
            Some(_) => return Err(corrupt_entry(l.seq, "its leaf hash differs from the Merkle tree's")),
            None => return Err(corrupt_entry(l.seq, "it is not in the Merkle tree")),
        }
    }
    Ok(())
}

/// The entry that reversed `seq`, if that reversal is durable.
pub(crate) fn reversed_by(ledger: &Ledger, seq: u64, visible: u64) -> Option<u64> {
    // The rule state runs ahead of the disk while a batch is being built.
    ledger.state.reversed_by(seq).filter(|by| *by < visible)
}

// ---------------------------------------------------------------------------
// The JSON form of an entry

/// `Entry` of the contract.
#[derive(Debug, Clone, Serialize)]
pub struct EntryJson {
    /// Sequence number.
    pub seq: u64,
    /// Sequencing time, Unix ms.
    pub time_ms: u64,
    /// Kind, snake_case.
    pub kind: &'static str,
    /// Kind, Chinese label.
    pub kind_zh: &'static str,
    /// blake3 chain hash, hex.
    pub entry_hash: String,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// The previous entry's chain hash, hex.
    pub prev_hash: String,
    /// The idempotency id of the submission, hex.
    pub submission_id: String,
    /// Signers' public keys, hex.
    pub signers: Vec<String>,
    /// One line in Chinese.
    pub summary_zh: String,
    /// The entry body, in the JSON form of the core types.
    pub body: EntryBody,
    /// The entry that reversed this one, if any.
    pub reversed_by: Option<u64>,
    /// The canonical `SequencedEntry` bytes, base64 (standard, padded).
    pub raw: String,
}

/// Build the JSON of a verified entry (under the read lock, for names).
pub(crate) fn entry_json(ledger: &Ledger, loaded: &Loaded, visible: u64) -> EntryJson {
    let entry = &loaded.decoded.entry;
    let body = &entry.signed.submission.body;
    let kind = body.kind();
    EntryJson {
        seq: loaded.seq,
        time_ms: entry.time_ms,
        kind: kind.name(),
        kind_zh: kind.label_zh(),
        entry_hash: loaded.decoded.entry_hash.to_hex(),
        leaf_hash: hex::encode(loaded.decoded.leaf_hash.0),
        prev_hash: entry.prev_hash.to_hex(),
        submission_id: entry.signed.id().to_hex(),
        signers: entry.signed.signatures.iter().map(|s| s.key.to_hex()).collect(),
        summary_zh: summary_zh(ledger, body),
        body: body.clone(),
        reversed_by: reversed_by(ledger, loaded.seq, visible),
        raw: base64::engine::general_purpose::STANDARD.encode(&loaded.bytes),
    }
}

/// Read, verify and render entries, in the order given.
pub(crate) fn entries_json(app: &AppState, seqs: &[u64], visible: u64) -> Result<Vec<EntryJson>, ApiError> {
    let loaded = fetch(app, seqs)?;
    let ledger = ledger(app)?;
    check_leaves(&ledger, &loaded)?;
    Ok(loaded.iter().map(|l| entry_json(&ledger, l, visible)).collect())
}

fn yuan(fen: Fen) -> String {
    format!("{}元", fen.to_yuan_string())
}

/// The name of an account for summaries (`施河镇财政所`, a project's name).
pub(crate) fn account_label(ledger: &Ledger, account: &Account) -> String {
    match ledger.query.account_id(account) {
        Some(id) => ledger.query.account_name(id),
        None => account.key(),
    }
}

/// One line in Chinese saying what an entry did.
pub(crate) fn summary_zh(ledger: &Ledger, body: &EntryBody) -> String {
    let q = &ledger.query;
    let fund_title = |id: &ledger_core::ids::Ident| {
        q.fund(id)
            .map(|f| f.title.to_string())
            .unwrap_or_else(|| id.to_string())
    };
    match body {
        EntryBody::Genesis(g) => {
            format!(
                "创世：{}，登记区划{}个，授权密钥{}个",
                g.title,
                g.regions.len(),
                g.grants.len()
            )
        }
        EntryBody::KeyGrant(g) => format!("授权：{}（{}，{}）", g.holder, g.office.label_zh(), role_zh(g.role)),
        EntryBody::KeyRevoke { key, reason } => format!(
            "撤销授权：密钥{}…，原因：{reason}",
            key.to_hex().get(..16).unwrap_or_default()
        ),
        EntryBody::RegionRegister { regions } => format!("登记区划{}个", regions.len()),
        EntryBody::PolicyUpdate { policy } => format!("更新政策：会签规则{}条", policy.cosign_rules.len()),
        EntryBody::ContactsUpdate(c) => format!(
            "联系方式：{}（{}）{}条",
            ledger.query.region_name(c.region),
            c.region,
            c.contacts.len()
        ),
        EntryBody::FundIssue(f) => format!(
            "资金下达：{}（{}）{}，下达至{}",
            f.title,
            f.document_no,
            yuan(f.amount),
            account_label(ledger, &f.to)
        ),
        EntryBody::Transfer(t) => format!(
            "资金拨付：{} {}，由{}拨付至{}",
            fund_title(&t.fund),
            yuan(t.amount),
            account_label(ledger, &t.from),
            account_label(ledger, &t.to)
        ),
        EntryBody::ProjectRegister(p) => format!(
            "项目入库：{}（{}），预算{}，实施单位{}",
            p.name,
            q.region_name(p.village),
            yuan(p.budget),
            p.implementer
        ),
        EntryBody::ProjectDisbursement(d) => format!(
            "项目支出：{}向{}支付{}（{}）",
            q.project(&d.project)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| d.project.to_string()),
            d.payee.name,
            yuan(d.amount),
            d.milestone
        ),
        EntryBody::HouseholdSubsidy(s) => format!(
            "到户补贴：{} {} {} {} {}",
            q.region_name(s.village),
            s.masked_name,
            s.category.label_zh(),
            s.period,
            yuan(s.amount)
        ),
        EntryBody::Reversal(r) => format!("冲正：撤销第{}号记录，原因：{}", r.target_seq, r.reason),
        EntryBody::LogKeyRotate { reason, .. } => format!("日志密钥轮换：{reason}"),
        EntryBody::Notice(n) => format!(
            "{}：{}（{}，{}起，{}行）",
            n.stage.label_zh(),
            n.title,
            q.region_name(n.region),
            n.start,
            n.lines.len()
        ),
        EntryBody::HouseholdCheck(c) => format!(
            "{}：{}第{}行，{}，{}",
            c.check.label_zh(),
            c.application.notice,
            c.application.line,
            if c.passed { "通过" } else { "未通过" },
            c.date
        ),
        EntryBody::HouseholdRegister(r) => format!(
            "建档立卡：{} {} {}，{}起",
            q.region_name(r.village),
            r.masked_name,
            r.category.label_zh(),
            r.date
        ),
        EntryBody::HouseholdExit(e) => format!("脱贫退出：{}，{}起，{}", q.region_name(e.village), e.date, e.reason),
        EntryBody::Objection(o) => format!(
            "异议{}：{}，{}收到，{}",
            o.case_no,
            o.channel.label_zh(),
            o.received,
            o.summary
        ),
        EntryBody::ObjectionResolve(r) => format!(
            "异议处理{}：{}，{}，{}",
            r.case_no,
            r.outcome.label_zh(),
            r.date,
            r.reason
        ),
        EntryBody::PaymentConfirm(c) => format!(
            "到户确认：第{}号发放，{}，{}",
            c.payment_seq,
            c.method.label_zh(),
            c.date
        ),
        EntryBody::ProjectReview(r) => format!(
            "审核论证：项目{}，{}，{}，{}",
            r.project,
            if r.passed { "通过" } else { "未通过" },
            r.document_no,
            r.date
        ),
        EntryBody::ProjectApprove(a) => format!(
            "批复入库：项目{}，{}，{}，实施单位{}（合同{}）",
            a.project, a.document_no, a.date, a.contract.contractor.name, a.contract.contract_no
        ),
        EntryBody::ProjectStart(m) => format!("项目实施：项目{}，{}，{}", m.project, m.document_no, m.date),
        EntryBody::ProjectAccept(m) => format!("竣工验收：项目{}，{}，{}", m.project, m.document_no, m.date),
        EntryBody::ProjectHandover(m) => format!("资产移交：项目{}，{}，{}", m.project, m.document_no, m.date),
        EntryBody::ProjectEvaluate(e) => format!(
            "绩效评价：项目{}，{}分，{}，{}",
            e.project, e.score, e.document_no, e.date
        ),
        EntryBody::ProjectAdjust(a) => format!(
            "项目调整：项目{}，{}，{}，{}",
            a.project, a.document_no, a.date, a.reason
        ),
        EntryBody::ProjectCancel(c) => format!("项目终止：项目{}，{}，{}", c.project, c.date, c.reason),
    }
}

fn role_zh(role: ledger_core::keys::Role) -> &'static str {
    match role {
        ledger_core::keys::Role::Admin => "管理员",
        ledger_core::keys::Role::Operator => "经办人",
        ledger_core::keys::Role::Auditor => "审计",
    }
}

/// `district`, `town` or `village`.
pub(crate) fn level_name(code: RegionCode) -> &'static str {
    match code.level() {
        RegionLevel::District => "district",
        RegionLevel::Town => "town",
        RegionLevel::Village => "village",
    }
}

/// `{code, name}`.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRef {
    /// 12-digit code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A sankey diagram: nodes and weighted links between their ids.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sankey {
    /// Nodes.
    pub nodes: Vec<SankeyNode>,
    /// Links with a positive value.
    pub links: Vec<SankeyLink>,
}

/// A sankey node.
#[derive(Debug, Clone, Serialize)]
pub struct SankeyNode {
    /// Stable id, e.g. `source:central`, `region:320803001000`.
    pub id: String,
    /// Chinese label.
    pub label: String,
}

/// A sankey link.
#[derive(Debug, Clone, Serialize)]
pub struct SankeyLink {
    /// Node id.
    pub source: String,
    /// Node id.
    pub target: String,
    /// Fen.
    pub value_fen: u64,
}

impl Sankey {
    /// Add a node once.
    pub(crate) fn node(&mut self, id: &str, label: &str) {
        if !self.nodes.iter().any(|n| n.id == id) {
            self.nodes.push(SankeyNode {
                id: id.to_string(),
                label: label.to_string(),
            });
        }
    }

    /// Add a link if its value is positive (nodes must be added by the caller).
    pub(crate) fn link(&mut self, source: &str, target: &str, value_fen: u64) {
        if value_fen > 0 {
            self.links.push(SankeyLink {
                source: source.to_string(),
                target: target.to_string(),
                value_fen,
            });
        }
    }
}

/// `YYYYMMDD` as `YYYY-MM-DD`.
pub(crate) fn iso_date(yyyymmdd: u32) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        yyyymmdd / 10_000,
        (yyyymmdd / 100) % 100,
        yyyymmdd % 100
    )
}
