//! Households: who is paid, where they live, and their payments over both
//! years (低保 monthly, premiums, education, 危房改造, employment, industry
//! support, 临时救助), in the order a finance office posts them.

use crate::budget::round_up;
use crate::dice::Dice;
use crate::error::{err, DemoError};
use crate::funds::paid_by_district;
use crate::log::DemoHousehold;
use crate::names::{person_name, resident_id};
use crate::regions::TownInfo;
use crate::{FIRST_YEAR, YEARS, YUAN};
use ledger_core::entry::SubsidyCategory;
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::Period;
use std::collections::HashSet;

/// Who pays: the district treasury, a town's, or a village collective's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Payer {
    District,
    Town(u16),
    Village(u16, u16),
}

/// One planned household payment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SubsidyItem {
    pub(crate) year: u16,
    /// Month of payment (1-12).
    pub(crate) month: u8,
    pub(crate) payer: Payer,
    pub(crate) household: u32,
    pub(crate) category: SubsidyCategory,
    pub(crate) period: Period,
    pub(crate) amount: u64,
}

/// Generate households and their payments over both years, until there are
/// at least `needed` payments. Returns the households (with their places)
/// and the payments in payment order.
#[allow(clippy::type_complexity)]
pub(crate) fn plan_households(
    dice: &mut Dice,
    towns: &[TownInfo],
    weak: &[(u16, u16)],
    pseudonym: &PseudonymKey,
    needed: u64,
) -> Result<(Vec<DemoHousehold>, Vec<SubsidyItem>), DemoError> {
    // Where households live: villages weighted 6, residents' committees 1.
    let mut places: Vec<(u16, u16)> = Vec::new();
    let mut cumulative: Vec<u64> = Vec::new();
    let mut total = 0u64;
    for (t, town) in towns.iter().enumerate() {
        for (v, village) in town.villages.iter().enumerate() {
            total += if village.rural { 6 } else { 1 };
            places.push((t as u16, v as u16));
            cumulative.push(total);
        }
    }
    let mut households = Vec::new();
    let mut items: Vec<SubsidyItem> = Vec::with_capacity(needed as usize + 32);
    let mut seen_ids: HashSet<String> = HashSet::new();
    if total == 0 {
        return Ok((households, items));
    }
    while (items.len() as u64) < needed {
        let draw = dice.below(total);
        let slot = cumulative.partition_point(|c| *c <= draw);
        let (t, v) = places[slot.min(places.len() - 1)];
        let village = &towns[t as usize].villages[v as usize];
        let id_text = loop {
            let candidate = resident_id(dice);
            if seen_ids.insert(candidate.clone()) {
                break candidate;
            }
        };
        let id = ResidentId::parse(&id_text).map_err(err)?;
        let full_name = person_name(dice);
        let masked_name = MaskedName::mask(&full_name).map_err(err)?;
        let index = households.len() as u32;
        let town_payer = if weak.contains(&(t, v)) {
            Payer::Village(t, v)
        } else {
            Payer::Town(t)
        };
        let mine = plan_payments(dice, index, t, town_payer);
        items.extend(mine);
        households.push(DemoHousehold {
            resident_id: id_text,
            full_name,
            masked_name,
            reference: pseudonym.household_ref(&id),
            village: village.code,
        });
    }
    // Payment order: by year and month, then as a finance office batches
    // them (payer, village, household).
    items.sort_by_key(|i| {
        let village = households.get(i.household as usize).map(|h| h.village);
        (i.year, i.month, i.payer, village, i.household, i.category)
    });
    items.truncate(needed as usize);
    Ok((households, items))
}

/// One household's payments over both years: who pays, what, when. Draws
/// the household's size first.
fn plan_payments(dice: &mut Dice, household: u32, town: u16, town_payer: Payer) -> Vec<SubsidyItem> {
    let persons = dice.range(1, 5);
    let mut mine: Vec<SubsidyItem> = Vec::new();
    let item = |year: u16, month: u8, category: SubsidyCategory, period_month: u8, amount_yuan: u64| {
        let payer = if paid_by_district(category) {
            Payer::District
        } else if category == SubsidyCategory::IndustrySupport {
            town_payer
        } else {
            Payer::Town(town)
        };
        SubsidyItem {
            year,
            month,
            payer,
            household,
            category,
            period: Period {
                year,
                month: period_month,
            },
            amount: amount_yuan * YUAN,
        }
    };
    // 低保: monthly; the allowance is the gap to the local standard.
    if dice.chance(200) {
        let base = dice.range(26, 90) * 10;
        let start = if dice.chance(150) { dice.range(2, 12) as u8 } else { 1 };
        for year in YEARS {
            let monthly = if year == FIRST_YEAR {
                base
            } else {
                round_up(base * 108 / 100, 10)
            };
            let first = if year == FIRST_YEAR { start } else { 1 };
            for month in first..=12 {
                mine.push(item(year, month, SubsidyCategory::MinimumLiving, month, monthly));
            }
        }
    }
    // Basic medical insurance premium paid for every member (代缴).
    let medical = dice.chance(700);
    // Pension premium (100 元 per adult, the lowest tier) for one or two adults.
    let pension = dice.chance(400);
    let adults = dice.range(1, 2).min(persons);
    let education = dice.chance(250);
    let level = [1_000, 1_250, 2_000, 2_500, 3_000, 5_000][dice.index(6)];
    let housing_year = if dice.chance(40) {
        Some(YEARS[dice.index(2)])
    } else {
        None
    };
    let housing_amount = dice.range(10, 30) * 1_000;
    let employment = dice.chance(100);
    let industry = dice.chance(200);
    let relief_year = if dice.chance(30) {
        Some(YEARS[dice.index(2)])
    } else {
        None
    };
    for year in YEARS {
        if medical {
            let premium = if year == FIRST_YEAR { 220 } else { 250 };
            mine.push(item(year, 1, SubsidyCategory::MedicalInsurance, 0, premium * persons));
        }
        if pension {
            mine.push(item(year, 3, SubsidyCategory::Pension, 0, 100 * adults));
        }
        if education {
            mine.push(item(year, 9, SubsidyCategory::Education, 0, level));
        }
        if housing_year == Some(year) {
            let month = dice.range(5, 11) as u8;
            mine.push(item(year, month, SubsidyCategory::HousingRenovation, 0, housing_amount));
        }
        if employment && dice.chance(700) {
            mine.push(item(year, 6, SubsidyCategory::Employment, 0, dice.range(10, 30) * 100));
        }
        if industry && dice.chance(800) {
            let month = dice.range(4, 6) as u8;
            mine.push(item(
                year,
                month,
                SubsidyCategory::IndustrySupport,
                0,
                dice.range(2, 10) * 500,
            ));
        }
        if relief_year == Some(year) {
            let month = dice.range(1, 12) as u8;
            mine.push(item(year, month, SubsidyCategory::Other, 0, dice.range(5, 30) * 100));
        }
    }
    if mine.is_empty() {
        // Every registered poor household at least has its premium paid.
        mine.push(item(FIRST_YEAR, 1, SubsidyCategory::MedicalInsurance, 0, 220 * persons));
    }
    mine
}
