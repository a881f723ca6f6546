//! What a household payment shows besides its amount: business date,
//! payment-list line, confirmation (确认) and the warnings of history paid
//! before a control was enforced.

use super::{today, LineRefJson};
use crate::api::error::ApiError;
use crate::api::read::ledger;
use crate::api::AppState;
use crate::ledger::Ledger;
use crate::query::Confirmation;
use ledger_core::entry::HouseholdSubsidy;
use ledger_core::ids::Date;
use ledger_core::rules::HistoryWarning;
use serde::Serialize;

/// A payment's confirmation (确认).
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationJson {
    /// `confirmed`, `pending`, `overdue` or `not_required`.
    pub status: &'static str,
    /// 已确认 / 待确认 / 逾期未确认 / 无需确认.
    pub status_zh: &'static str,
    /// The confirming entry.
    pub seq: Option<u64>,
    /// Confirmed on, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `bank_statement`, `card_signature` or `in_person`.
    pub method: Option<&'static str>,
    /// 银行流水 / 明白卡签字 / 当面确认.
    pub method_zh: Option<&'static str>,
    /// Last day to confirm, `YYYY-MM-DD` (null when not required or confirmed).
    pub deadline: Option<String>,
}

/// A control a payment broke before it was enforced.
#[derive(Debug, Clone, Serialize)]
pub struct WarningJson {
    /// Stable code (`paid_without_notice`, …).
    pub code: &'static str,
    /// What it means, in Chinese, with its facts (the rule engine's own
    /// words, marked as history before the rule).
    pub message_zh: String,
    /// The rule engine's finding, in English.
    pub message: String,
    /// For `missing_role`: the office that did not sign (an `Office` code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<&'static str>,
}

pub(crate) fn warnings_json(warnings: &[HistoryWarning]) -> Vec<WarningJson> {
    warnings
        .iter()
        .map(|w| WarningJson {
            code: w.code,
            message_zh: format!("{}（规则施行前的历史记录）", w.message_zh),
            message: w.message.clone(),
            office: w.office.map(|o| o.name()),
        })
        .collect()
}

/// Business date, payment-list line, confirmation and warnings of a
/// household payment.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentControls {
    /// 发放日期, `YYYY-MM-DD`.
    pub date: String,
    /// The payment-list line it cites, or null (history before the control).
    pub notice: Option<LineRefJson>,
    /// Its confirmation.
    pub confirmation: ConfirmationJson,
    /// Controls it broke before they were enforced (empty: none).
    pub warnings: Vec<WarningJson>,
    /// The node's verdict on every control it knows (`verdict`).
    pub controls: super::verdict::ControlsJson,
}

impl PaymentControls {
    /// Date and line only; confirmation and warnings to be filled in.
    pub(crate) fn blank(s: &HouseholdSubsidy) -> PaymentControls {
        PaymentControls {
            date: s.date.to_string(),
            notice: s.notice.as_ref().map(|r| LineRefJson {
                notice: r.notice.to_string(),
                line: r.line,
            }),
            confirmation: ConfirmationJson {
                status: "not_required",
                status_zh: "无需确认",
                seq: None,
                date: None,
                method: None,
                method_zh: None,
                deadline: None,
            },
            warnings: Vec::new(),
            controls: super::verdict::ControlsJson {
                status: "ok",
                checks: Vec::new(),
            },
        }
    }
}

/// The controls of each payment in `payments` (subsidies read and checked
/// by the caller): date, line, confirmation and warnings, all from the
/// query index (the confirming entries are not read back: the index keeps
/// their date and method). Takes the read lock itself, briefly; the caller
/// must not hold it.
pub(crate) fn payment_controls(
    app: &AppState,
    payments: &[(u64, &HouseholdSubsidy)],
    visible: u64,
) -> Result<Vec<PaymentControls>, ApiError> {
    let today = today();
    // Before the lock: the duplicate check may read the store.
    let twins = super::verdict::duplicate_twins(app, payments, visible)?;
    let ledger = ledger(app)?;
    let mut out = Vec::with_capacity(payments.len());
    for (seq, s) in payments {
        let mut c = ledger.query.confirmation(*seq, s.date, today);
        if let Confirmation::Confirmed { by, .. } = c {
            if by >= visible {
                // Not durable yet: as if unconfirmed.
                c = unconfirmed(&ledger, s.date, today);
            }
        }
        let confirmation = match c {
            Confirmation::Confirmed { by, date, method } => ConfirmationJson {
                status: "confirmed",
                status_zh: "已确认",
                seq: Some(by),
                date: Some(date.to_string()),
                method: Some(method.name()),
                method_zh: Some(method.label_zh()),
                deadline: None,
            },
            Confirmation::NotRequired => ConfirmationJson {
                status: "not_required",
                status_zh: "无需确认",
                seq: None,
                date: None,
                method: None,
                method_zh: None,
                deadline: None,
            },
            Confirmation::Pending(deadline) | Confirmation::Overdue(deadline) => {
                let overdue = matches!(c, Confirmation::Overdue(_));
                ConfirmationJson {
                    status: if overdue { "overdue" } else { "pending" },
                    status_zh: if overdue { "逾期未确认" } else { "待确认" },
                    seq: None,
                    date: None,
                    method: None,
                    method_zh: None,
                    deadline: Some(deadline.to_string()),
                }
            }
        };
        let warnings = warnings_json(ledger.query.warnings(*seq));
        let reversed = crate::api::read::reversed_by(&ledger, *seq, visible).is_some();
        let controls = super::verdict::verdict(reversed, twins.get(seq), &confirmation, &warnings);
        out.push(PaymentControls {
            date: s.date.to_string(),
            notice: s.notice.as_ref().map(|r| LineRefJson {
                notice: r.notice.to_string(),
                line: r.line,
            }),
            confirmation,
            warnings,
            controls,
        });
    }
    Ok(out)
}

/// The status of an unconfirmed payment dated `date`.
fn unconfirmed(ledger: &Ledger, date: Date, today: Date) -> Confirmation {
    // `u64::MAX` is never a confirmed payment: the index answers by date.
    match ledger.query.confirmation(u64::MAX, date, today) {
        Confirmation::Confirmed { .. } => Confirmation::NotRequired,
        other => other,
    }
}
