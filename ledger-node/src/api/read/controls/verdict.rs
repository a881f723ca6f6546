//! Two kinds of green (issue 15): besides "recorded in the public log and
//! unaltered" (the proof the page checks), each household payment carries
//! the node's verdict on the controls it knows — `controls` on the payment
//! row — so a villager is not told a duplicate is "verified" in the sense
//! of "correct". Rows carry codes only; the Chinese texts come once per
//! answer ([`control_texts`]), as the rest of the lean rows do.
//!
//! A row lists only the checks that did not pass; the answer names the
//! checks run once ([`CHECKS`], as `checked`), so a check named there and
//! absent from the row passed. Why: the six-check list was about 260 B of
//! a 703 B row on the village page's flows, the hottest read
//! (docs/PERFORMANCE.md, "Rows that carry only what failed"), and almost
//! every row passes almost every check. A reversed payment lists all six
//! as `not_applicable`, so "absent means passed" holds on every row.
//!
//! Nothing is computed twice: publicity, objections, registration and
//! signatures come from the history warnings the rule engine recorded, the
//! confirmation from the confirmation already on the row; only the duplicate
//! check is new, confirmed here from the household's own entries for the
//! few payments the directory marks as candidates (`query::directory`).

use super::payments::{ConfirmationJson, WarningRef};
use crate::api::error::ApiError;
use crate::api::read::{check_leaves, fetch, ledger, reversed_by, storage};
use crate::api::AppState;
use crate::store::IndexKey;
use ledger_core::entry::{EntryBody, HouseholdSubsidy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Check codes, in the order every row lists them: the answer's `checked`.
pub const CHECKS: [&str; 6] = [
    "duplicate",
    "publicity",
    "objection",
    "confirmation",
    "registration",
    "signatures",
];

/// One check of one payment.
#[derive(Debug, Clone, Serialize)]
pub struct CheckJson {
    /// One of [`CHECKS`].
    pub code: &'static str,
    /// `failed`, `pending`, `not_applicable` or `not_enforced_then` (a check
    /// that passed is not listed).
    pub status: &'static str,
    /// `duplicate` failed: the other live payments of the same household,
    /// category and period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<Vec<u64>>,
    /// `confirmation` pending or failed: the last day to confirm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// `not_enforced_then`: the history warnings behind it (their texts are
    /// in the row's `warnings`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<&'static str>,
}

/// The verdict on one payment.
#[derive(Debug, Clone, Serialize)]
pub struct ControlsJson {
    /// `ok` (every check passed, pending or not applicable), `warning`
    /// (one failed or was broken before it was enforced), `reversed` (the
    /// payment was taken back: its checks do not apply).
    pub status: &'static str,
    /// The checks of [`CHECKS`] that did not pass, in that order (every
    /// check, `not_applicable`, for a reversed payment).
    pub checks: Vec<CheckJson>,
}

fn check(code: &'static str, status: &'static str) -> CheckJson {
    CheckJson {
        code,
        status,
        with: None,
        deadline: None,
        because: Vec::new(),
    }
}

/// Which check a history warning belongs to.
fn check_of(warning: &str) -> &'static str {
    match warning {
        "paid_without_notice" | "paid_before_window_end" | "paid_above_notice" => "publicity",
        "paid_under_open_objection" | "paid_on_withdrawn_line" => "objection",
        "paid_unregistered" => "registration",
        // `missing_role`, and any code a later rule adds: a signature-side
        // finding is the safe default (it still turns the row to warning).
        _ => "signatures",
    }
}

/// The verdict on a payment from what its row already carries, the twins
/// found by [`duplicate_twins`] and whether it was reversed.
pub fn verdict(
    reversed: bool,
    twins: Option<&Vec<u64>>,
    confirmation: &ConfirmationJson,
    warnings: &[WarningRef],
) -> ControlsJson {
    if reversed {
        return ControlsJson {
            status: "reversed",
            checks: CHECKS.iter().map(|c| check(c, "not_applicable")).collect(),
        };
    }
    let mut checks: Vec<CheckJson> = Vec::new();
    for code in CHECKS {
        let mut c = check(code, "passed");
        match c.code {
            "duplicate" => {
                if let Some(others) = twins.filter(|t| !t.is_empty()) {
                    c.status = "failed";
                    c.with = Some(others.clone());
                }
            }
            "confirmation" => {
                c.status = match confirmation.status {
                    "confirmed" => "passed",
                    "pending" => "pending",
                    "overdue" => "failed",
                    // Dated before the policy required confirmation: there was
                    // nothing to break.
                    _ => "not_applicable",
                };
                c.deadline = confirmation.deadline.clone();
            }
            _ => {}
        }
        for w in warnings.iter().filter(|w| check_of(w.code) == c.code) {
            if c.status == "passed" {
                c.status = "not_enforced_then";
            }
            if !c.because.contains(&w.code) {
                c.because.push(w.code);
            }
        }
        if c.status != "passed" {
            checks.push(c);
        }
    }
    let bad = checks
        .iter()
        .any(|c| matches!(c.status, "failed" | "not_enforced_then"));
    ControlsJson {
        status: if bad || !warnings.is_empty() { "warning" } else { "ok" },
        checks,
    }
}

/// For each payment that has them, the *other* live payments (neither
/// reversed, both durable) of the same household, category and period.
/// Only the directory's candidates are read from the store, so a page with
/// no duplicate costs one hash lookup per row. Takes the read lock itself,
/// briefly; the caller must not hold it.
pub(crate) fn duplicate_twins(
    app: &AppState,
    payments: &[(u64, &HouseholdSubsidy)],
    visible: u64,
) -> Result<HashMap<u64, Vec<u64>>, ApiError> {
    let candidates: Vec<(u64, &HouseholdSubsidy)> = {
        let ledger = ledger(app)?;
        payments
            .iter()
            .filter(|(_, s)| ledger.query.directory().maybe_duplicate(s))
            .copied()
            .collect()
    };
    let mut out = HashMap::new();
    if candidates.is_empty() {
        return Ok(out);
    }
    // Each candidate household's payments, read once.
    let mut by_household: BTreeMap<[u8; 32], Vec<crate::api::read::Loaded>> = BTreeMap::new();
    for (_, s) in &candidates {
        let key = *s.household.0.as_bytes();
        if by_household.contains_key(&key) {
            continue;
        }
        let seqs = app
            .shared
            .store
            .index_scan(&IndexKey::Household(s.household), None, visible, usize::MAX)
            .map_err(storage)?;
        by_household.insert(key, fetch(app, &seqs)?);
    }
    let ledger = ledger(app)?;
    for loaded in by_household.values() {
        check_leaves(&ledger, loaded)?;
    }
    for (seq, s) in candidates {
        // A supplementary payment (补发/差额补足) is the one second payment
        // the ledger's duplicate rule lets through (issue 14): it is no
        // twin, and the payment it makes good has none because of it.
        if s.supplementary.is_some() || reversed_by(&ledger, seq, visible).is_some() {
            continue;
        }
        let Some(loaded) = by_household.get(s.household.0.as_bytes()) else {
            continue;
        };
        let others: Vec<u64> = loaded
            .iter()
            .filter(|l| l.seq != seq)
            .filter(|l| match l.body() {
                EntryBody::HouseholdSubsidy(o) => {
                    o.supplementary.is_none()
                        && o.household == s.household
                        && o.category == s.category
                        && o.period == s.period
                }
                _ => false,
            })
            .filter(|l| reversed_by(&ledger, l.seq, visible).is_none())
            .map(|l| l.seq)
            .collect();
        if !others.is_empty() {
            out.insert(seq, others);
        }
    }
    Ok(out)
}

/// The Chinese texts of one check: its title, one text per status it can
/// have, and what to do when it is not fine.
#[derive(Debug, Clone, Serialize)]
pub struct CheckTexts {
    /// 重复发放, 公示, ….
    pub title_zh: &'static str,
    /// Status code → what it means for this check.
    pub status_zh: BTreeMap<&'static str, &'static str>,
    /// What a villager can do when the check failed or was broken before
    /// it was enforced.
    pub what_to_do_zh: &'static str,
}

/// The texts of every check, once per answer.
pub fn control_texts() -> BTreeMap<&'static str, CheckTexts> {
    const REVERSED: &str = "此笔发放已冲正（收回），不再检查";
    const ASK: &str = "可拨打 12317 扶贫监督举报电话，或向乡镇纪委、扶贫办反映（见本页“有疑问？”）";
    let texts = |title_zh, pairs: &[(&'static str, &'static str)], what_to_do_zh| CheckTexts {
        title_zh,
        // A check's own text for a status overrides the shared one.
        status_zh: std::iter::once(("not_applicable", REVERSED))
            .chain(pairs.iter().copied())
            .collect(),
        what_to_do_zh,
    };
    BTreeMap::from([
        (
            "duplicate",
            texts(
                "重复发放",
                &[
                    ("passed", "未发现同一户、同一类别、同一期的其他发放"),
                    ("failed", "同一户、同一类别、同一期还有其他未冲正的发放，可能重复发放"),
                ],
                "请向乡镇扶贫办核实；确属重复的，应冲正并收回多发资金。也可拨打 12317 反映",
            ),
        ),
        (
            "publicity",
            texts(
                "发放公示",
                &[
                    (
                        "passed",
                        "发放前已列入发放公示名单，公示期满后才发放，金额不超过公示金额",
                    ),
                    (
                        "not_enforced_then",
                        "发放未经公示、公示期未满即发放或超过公示金额（规则施行前的历史记录）",
                    ),
                ],
                ASK,
            ),
        ),
        (
            "objection",
            texts(
                "异议处理",
                &[
                    ("passed", "发放时没有未处理的异议，公示名单未被撤回"),
                    (
                        "not_enforced_then",
                        "异议尚未处理或名单已撤回时仍予发放（规则施行前的历史记录）",
                    ),
                ],
                ASK,
            ),
        ),
        (
            "confirmation",
            texts(
                "农户确认",
                &[
                    ("passed", "农户已确认收到"),
                    ("pending", "尚在确认期限内，农户还未确认"),
                    ("failed", "超过确认期限，农户仍未确认收到"),
                    (
                        "not_applicable",
                        "发放早于农户确认制度施行，无需确认（已冲正的发放也不再检查）",
                    ),
                ],
                "如果您没有收到这笔钱，请尽快向村委会或乡镇扶贫办反映，或拨打 12317",
            ),
        ),
        (
            "registration",
            texts(
                "建档立卡",
                &[
                    ("passed", "发放日该户已在有权享受此项补贴的类别中建档立卡"),
                    (
                        "not_enforced_then",
                        "发放日该户未在有权享受此项补贴的类别中建档立卡（规则施行前的历史记录）",
                    ),
                ],
                ASK,
            ),
        ),
        (
            "signatures",
            texts(
                "岗位签字",
                &[
                    ("passed", "政策规定的岗位都已签字"),
                    ("not_enforced_then", "缺少政策规定岗位的签字（规则施行前的历史记录）"),
                ],
                ASK,
            ),
        ),
    ])
}
