//! History from before the policy's controls: an entry dated before a
//! control's `enforced_from` date is accepted without it, but what it broke
//! is still worked out here, so the node, the page and the audit show it
//! with a warning and never with a plain green tick. Only entries dated
//! before the last control's start pay for this (an early return otherwise).

use crate::amount::Fen;
use crate::entry::{EntryBody, EntryKind, HouseholdSubsidy};
use crate::keys::PublicKey;

use super::state::HistoryWarning;
use super::{LedgerState, RuleError};

impl LedgerState {
    /// The controls `body` (already accepted) broke before they applied.
    pub(super) fn history_warnings(
        &self,
        kind: EntryKind,
        body: &EntryBody,
        policy_amount: Option<Fen>,
        signers: &[PublicKey],
    ) -> Vec<HistoryWarning> {
        let Some(date) = body.business_date() else {
            return Vec::new();
        };
        let enforced = self.policy.enforced_from;
        // Dated on or after every control's start: nothing is history.
        let last_start = enforced
            .registration
            .max(enforced.payment_list)
            .max(enforced.roles)
            .max(enforced.projects);
        if date >= last_start {
            return Vec::new();
        }
        // (`policy_amount` is the amount the co-signature policy applies to.)
        let mut warnings = Vec::new();
        if date < enforced.roles {
            // The same check as the enforced one, with roles always applied.
            if let Err(e @ RuleError::MissingRole { office_zh, .. }) = self.roles_signed(kind, policy_amount, signers) {
                let mut w = HistoryWarning::from_rule("missing_role", &e);
                if let RuleError::MissingRole { office, .. } = e {
                    w.message = format!("not signed by the {office} the policy names (before roles were enforced)");
                }
                w.message_zh = format!("缺少政策规定的{office_zh}签字");
                warnings.push(w);
            }
        }
        match body {
            EntryBody::HouseholdSubsidy(s) => self.subsidy_history(s, &mut warnings),
            EntryBody::ProjectDisbursement(d) => self.project_history(d, &mut warnings),
            EntryBody::HouseholdRegister(r) if r.notices.is_none() => warnings.push(HistoryWarning::text(
                "registered_without_procedure",
                "未经两公告四公示程序建档立卡".into(),
                "registered without the notices of 两公告四公示 (before the control)".into(),
            )),
            _ => {}
        }
        warnings
    }

    fn subsidy_history(&self, s: &HouseholdSubsidy, warnings: &mut Vec<HistoryWarning>) {
        let enforced = self.policy.enforced_from;
        if s.date < enforced.registration && !self.entitled(s) {
            warnings.push(HistoryWarning::text(
                "paid_unregistered",
                format!(
                    "发放日 {} 该户未在有权享受“{}”的类别中建档立卡",
                    s.date,
                    s.category.label_zh()
                ),
                format!(
                    "household not registered in a category entitling it to {} on {}",
                    s.category.name(),
                    s.date
                ),
            ));
        }
        if s.date < enforced.payment_list && s.notice.is_none() {
            warnings.push(HistoryWarning::text(
                "paid_without_notice",
                "发放前未经发放公示".into(),
                "paid without a payment-list line (发放公示)".into(),
            ));
        }
        if s.date < enforced.payment_list {
            if let Some(r) = &s.notice {
                if let Err(e) = self.line_allows(s, r) {
                    // `line_allows` fails only in these four ways here: the
                    // line was resolved and matched by the content rules.
                    let code = match e {
                        RuleError::AmountAboveNotice { .. } => "paid_above_notice",
                        RuleError::LineWithdrawn { .. } => "paid_on_withdrawn_line",
                        RuleError::ObjectionOpen { .. } => "paid_under_open_objection",
                        RuleError::PublicityNotEnded { .. } => "paid_before_window_end",
                        _ => "paid_without_notice",
                    };
                    warnings.push(HistoryWarning::from_rule(code, &e));
                }
            }
        }
    }
}
