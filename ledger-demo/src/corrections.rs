//! Corrections: the household payments that will be reversed, chosen among
//! the planned ones: a first-year 低保 payment posted twice (the duplicate is
//! inserted here), and a second-year payment to a household later found
//! ineligible.

use crate::households::{Payer, SubsidyItem};
use crate::YEARS;
use ledger_core::entry::SubsidyCategory;
use std::collections::HashMap;

/// Insert the duplicate payment into `items` and return the reversal
/// reason of each payment to reverse, by its index in `items`.
pub(crate) fn plan_corrections(items: &mut Vec<SubsidyItem>) -> HashMap<usize, &'static str> {
    let town_paid = |i: &SubsidyItem| matches!(i.payer, Payer::Town(_));
    let duplicate_of = items
        .iter()
        .position(|i| {
            i.year == YEARS[0] && i.month >= 6 && i.category == SubsidyCategory::MinimumLiving && town_paid(i)
        })
        .or_else(|| items.iter().position(|i| i.year == YEARS[0] && town_paid(i)));
    let mut reversal_reasons: HashMap<usize, &'static str> = HashMap::new();
    if let Some(d) = duplicate_of {
        let copy = items[d];
        items.insert(d + 1, copy);
        reversal_reasons.insert(d + 1, "同一户同期重复发放，经核查予以冲正");
    }
    if let Some(r) = items.iter().enumerate().position(|(k, i)| {
        i.year == YEARS[1] && i.month <= 11 && town_paid(i) && Some(k) != duplicate_of.map(|d| d + 1)
    }) {
        reversal_reasons.insert(r, "经村级评议和乡镇审核，该户不符合补助条件，予以冲正");
    }
    reversal_reasons
}
