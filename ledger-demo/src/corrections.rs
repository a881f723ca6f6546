//! Corrections and objections, chosen among the planned payments:
//! - a February 2019 低保 payment (history, before the ledger's controls)
//!   posted twice: the duplicate is inserted here and reversed in March;
//! - a 2020 payment to a household later found ineligible: a villager
//!   objects to the payment (异议), it is reversed, then the objection is
//!   upheld;
//! - two objections against lines of a 2019 third-quarter payment list
//!   (发放公示): one upheld (the line is withdrawn and that household is not
//!   paid that month), one dismissed (the household is paid after the
//!   decision);
//! - a payment underpaid by a quarter of its publicised amount, made good
//!   seven days later by a supplementary payment (补发, issue 14) on the
//!   same payment-list line: the one second payment of a household,
//!   category and period the duplicate-payment control lets through.

use crate::households::{Payer, SubsidyItem};
use crate::YEARS;
use ledger_core::entry::SubsidyCategory;
use std::collections::HashMap;

/// The round (quarter) whose payment list draws the two line objections:
/// the third quarter of 2019.
pub(crate) const OBJECTION_ROUND: u8 = 2;

/// What the corrections and objections touch, by index in the payments.
#[derive(Debug, Default)]
pub(crate) struct Corrections {
    /// The payments to reverse, with the reason.
    pub(crate) reversal_reasons: HashMap<usize, &'static str>,
    /// The payment objected to after it was made: reversed, then upheld.
    pub(crate) payment_upheld: Option<usize>,
    /// The payment-list line objected to and withdrawn: never paid.
    pub(crate) line_upheld: Option<usize>,
    /// The payment-list line objected to in vain: paid after the decision.
    pub(crate) line_dismissed: Option<usize>,
    /// The payment underpaid and made good by a supplementary payment (补发).
    pub(crate) back_pay: Option<usize>,
}

/// Insert the duplicate payment into `items` and choose what is reversed
/// and objected to.
pub(crate) fn plan_corrections(items: &mut Vec<SubsidyItem>) -> Corrections {
    let mut c = Corrections::default();
    let town_paid = |i: &SubsidyItem| matches!(i.payer, Payer::Town(_));
    if let Some(d) = items
        .iter()
        .position(|i| i.history && i.category == SubsidyCategory::MinimumLiving && town_paid(i))
    {
        let copy = items[d];
        items.insert(d + 1, copy);
        c.reversal_reasons.insert(d + 1, "同一户同期重复发放，经核查予以冲正");
    }
    let one_off = |i: &SubsidyItem| {
        matches!(
            i.category,
            SubsidyCategory::Employment | SubsidyCategory::IndustrySupport | SubsidyCategory::HousingRenovation
        )
    };
    let eligible_target = |i: &SubsidyItem| i.year == YEARS[1] && i.date_month() <= 11 && town_paid(i) && !i.history;
    let ineligible = items
        .iter()
        .position(|i| eligible_target(i) && one_off(i))
        .or_else(|| items.iter().position(eligible_target));
    if let Some(r) = ineligible {
        items[r].confirm_after = None;
        c.reversal_reasons
            .insert(r, "经村级评议和乡镇审核，该户不符合补助条件，予以冲正");
        c.payment_upheld = Some(r);
    }
    let in_round = |i: &SubsidyItem| !i.history && i.round() == OBJECTION_ROUND;
    c.line_upheld = items
        .iter()
        .position(|i| in_round(i) && i.category == SubsidyCategory::MinimumLiving);
    if let Some(u) = c.line_upheld {
        items[u].confirm_after = None;
        let household = items[u].household;
        c.line_dismissed = items.iter().position(|i| {
            in_round(i) && i.household != household && Some(i.household) != ineligible.map(|r| items[r].household)
        });
    }
    // A 低保 payment after the controls, in no other correction, with a
    // month left for the 补发 before the year ends.
    let touched = |k: usize| {
        c.reversal_reasons.contains_key(&k) || [c.payment_upheld, c.line_upheld, c.line_dismissed].contains(&Some(k))
    };
    c.back_pay = (0..items.len()).find(|&k| {
        let i = &items[k];
        !i.history
            && town_paid(i)
            && i.category == SubsidyCategory::MinimumLiving
            && i.round() != OBJECTION_ROUND
            && i.date_month() <= 11
            && i.amount >= 400
            && !touched(k)
    });
    c
}

/// What the underpaid payment lacks: a quarter of its amount, in whole 元.
pub(crate) fn back_pay_fen(amount: u64) -> u64 {
    (amount / 4 / 100 * 100).max(100)
}
