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
use std::collections::{BTreeMap, HashMap};

/// A payment's confirmation (确认). Its Chinese words are in the answer's
/// `labels` (`confirmation`, `method`), once per answer: the lean row.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationJson {
    /// `confirmed`, `pending`, `overdue` or `not_required`.
    pub status: &'static str,
    /// The confirming entry (only when confirmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Confirmed on, `YYYY-MM-DD` (only when confirmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `bank_statement`, `card_signature` or `in_person` (only when confirmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
    /// Last day to confirm, `YYYY-MM-DD` (only when pending or overdue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

impl ConfirmationJson {
    fn not_required() -> ConfirmationJson {
        ConfirmationJson {
            status: "not_required",
            seq: None,
            date: None,
            method: None,
            deadline: None,
        }
    }
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
    warnings.iter().map(warning_json).collect()
}

fn warning_json(w: &HistoryWarning) -> WarningJson {
    WarningJson {
        code: w.code,
        message_zh: format!("{}（规则施行前的历史记录）", w.message_zh),
        message: w.message.clone(),
        office: w.office.map(|o| o.name()),
    }
}

/// A payment's warning on the lean row: its code, and its texts by index
/// into the answer's `warning_texts` (the same texts recur on many rows:
/// sent once per answer, not once per row).
#[derive(Debug, Clone, Serialize)]
pub struct WarningRef {
    /// Stable code (`paid_without_notice`, …).
    pub code: &'static str,
    /// Index of its texts in the answer's `warning_texts`.
    pub text: u32,
    /// For `missing_role`: the office that did not sign (an `Office` code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<&'static str>,
}

/// The texts of one warning (Chinese with its facts, and English).
#[derive(Debug, Clone, Serialize)]
pub struct WarningText {
    /// Chinese, with the facts, ending 规则施行前的历史记录.
    pub message_zh: String,
    /// The rule engine's finding, in English.
    pub message: String,
}

/// The Chinese words of the codes on a page of payments, each code once.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaymentLabels {
    /// Subsidy category code → 中文 (`minimum_living` → 最低生活保障).
    pub category: BTreeMap<&'static str, &'static str>,
    /// Confirmation status → 中文 (`confirmed` → 已确认).
    pub confirmation: BTreeMap<&'static str, &'static str>,
    /// Confirmation method → 中文 (`bank_statement` → 银行流水).
    pub method: BTreeMap<&'static str, &'static str>,
}

/// What a page of payments says once rather than on every row (issue 12:
/// the village query's answer repeated them 50 times): the labels of the
/// codes on its rows and the texts of their warnings. Serialized flattened
/// beside the rows, as `labels` and `warning_texts`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaymentTexts {
    /// Chinese labels of the rows' codes.
    pub labels: PaymentLabels,
    /// Every distinct warning text on the rows; a row's warning names its
    /// text by index.
    pub warning_texts: Vec<WarningText>,
    /// Index of each text already in `warning_texts`.
    #[serde(skip)]
    seen: HashMap<(String, String), u32>,
}

impl PaymentTexts {
    /// The lean form of `warnings`, their texts added once.
    fn warnings(&mut self, warnings: &[HistoryWarning]) -> Vec<WarningRef> {
        warnings
            .iter()
            .map(|w| {
                let WarningJson {
                    code,
                    message_zh,
                    message,
                    office,
                } = warning_json(w);
                let next = self.warning_texts.len() as u32;
                let text = *self.seen.entry((message_zh, message)).or_insert_with_key(|(zh, en)| {
                    self.warning_texts.push(WarningText {
                        message_zh: zh.clone(),
                        message: en.clone(),
                    });
                    next
                });
                WarningRef { code, text, office }
            })
            .collect()
    }
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
    /// Controls it broke before they were enforced (empty: none); texts in
    /// the answer's `warning_texts`.
    pub warnings: Vec<WarningRef>,
    /// The node's verdict on every control it knows (`verdict`); texts in
    /// the answer's `control_texts`.
    pub controls: super::verdict::ControlsJson,
}

impl PaymentControls {
    /// Date and line only; confirmation and warnings to be filled in.
    pub(crate) fn blank(s: &HouseholdSubsidy) -> PaymentControls {
        PaymentControls {
            date: s.date.to_string(),
            notice: line_ref(s),
            confirmation: ConfirmationJson::not_required(),
            warnings: Vec::new(),
            controls: super::verdict::ControlsJson {
                status: "ok",
                checks: Vec::new(),
            },
        }
    }
}

fn line_ref(s: &HouseholdSubsidy) -> Option<LineRefJson> {
    s.notice.as_ref().map(|r| LineRefJson {
        notice: r.notice.to_string(),
        line: r.line,
    })
}

/// The controls of each payment in `payments` (subsidies read and checked
/// by the caller): date, line, confirmation and warnings, all from the
/// query index (the confirming entries are not read back: the index keeps
/// their date and method), and the labels and warning texts of the page,
/// once. Takes the read lock itself, briefly; the caller must not hold it.
pub(crate) fn payment_controls(
    app: &AppState,
    payments: &[(u64, &HouseholdSubsidy)],
    visible: u64,
) -> Result<(Vec<PaymentControls>, PaymentTexts), ApiError> {
    payment_controls_on(app, payments, visible, today())
}

/// [`payment_controls`] as of `today`: the village page's answer cache
/// keys its answers by the day they were built on (`flows_cache`).
pub(crate) fn payment_controls_on(
    app: &AppState,
    payments: &[(u64, &HouseholdSubsidy)],
    visible: u64,
    today: Date,
) -> Result<(Vec<PaymentControls>, PaymentTexts), ApiError> {
    // Before the lock: the duplicate check may read the store.
    let twins = super::verdict::duplicate_twins(app, payments, visible)?;
    let ledger = ledger(app)?;
    let mut texts = PaymentTexts::default();
    let mut out = Vec::with_capacity(payments.len());
    for (seq, s) in payments {
        let mut c = ledger.query.confirmation(*seq, s.date, today);
        if let Confirmation::Confirmed { by, .. } = c {
            if by >= visible {
                // Not durable yet: as if unconfirmed.
                c = unconfirmed(&ledger, s.date, today);
            }
        }
        let (confirmation, status_zh) = match c {
            Confirmation::Confirmed { by, date, method } => {
                texts.labels.method.insert(method.name(), method.label_zh());
                (
                    ConfirmationJson {
                        status: "confirmed",
                        seq: Some(by),
                        date: Some(date.to_string()),
                        method: Some(method.name()),
                        deadline: None,
                    },
                    "已确认",
                )
            }
            Confirmation::NotRequired => (ConfirmationJson::not_required(), "无需确认"),
            Confirmation::Pending(deadline) | Confirmation::Overdue(deadline) => {
                let overdue = matches!(c, Confirmation::Overdue(_));
                (
                    ConfirmationJson {
                        status: if overdue { "overdue" } else { "pending" },
                        seq: None,
                        date: None,
                        method: None,
                        deadline: Some(deadline.to_string()),
                    },
                    if overdue { "逾期未确认" } else { "待确认" },
                )
            }
        };
        texts.labels.confirmation.insert(confirmation.status, status_zh);
        texts.labels.category.insert(s.category.name(), s.category.label_zh());
        let warnings = texts.warnings(ledger.query.warnings(*seq));
        let reversed = crate::api::read::reversed_by(&ledger, *seq, visible).is_some();
        let controls = super::verdict::verdict(reversed, twins.get(seq), &confirmation, &warnings);
        out.push(PaymentControls {
            date: s.date.to_string(),
            notice: line_ref(s),
            confirmation,
            warnings,
            controls,
        });
    }
    Ok((out, texts))
}

/// The status of an unconfirmed payment dated `date`.
fn unconfirmed(ledger: &Ledger, date: Date, today: Date) -> Confirmation {
    // `u64::MAX` is never a confirmed payment: the index answers by date.
    match ledger.query.confirmation(u64::MAX, date, today) {
        Confirmation::Confirmed { .. } => Confirmation::NotRequired,
        other => other,
    }
}
