//! Households: who is paid, where they live, which assistance categories
//! they are registered in (低保, 建档立卡低收入户), whether they leave poverty
//! (or return to it), and their payments over both years (低保 monthly,
//! premiums, education, 危房改造, employment, industry support, 临时救助),
//! each with its business date and whether and when the household confirms
//! it, in the order a finance office posts them.

use crate::budget::round_up;
use crate::calendar::{exit_date, history_day, payment_day, payment_month, plus, registration_date, round_of, ymd};
use crate::dice::Dice;
use crate::error::{err, DemoError};
use crate::funds::{subsidy_fund, FundKey};
use crate::log::DemoHousehold;
use crate::names::{person_name, resident_id};
use crate::regions::TownInfo;
use crate::{FIRST_YEAR, YEARS, YUAN};
use ledger_core::entry::SubsidyCategory;
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Period};
use ledger_core::procedure::MAX_NOTICE_LINES;
use std::collections::{HashMap, HashSet};

/// Who pays: a town's finance station, or a weak village's collective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Payer {
    Town(u16),
    Village(u16, u16),
}

/// One planned household payment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SubsidyItem {
    /// The fiscal year (of the fund that pays it).
    pub(crate) year: u16,
    /// The business date of the payment.
    pub(crate) date: Date,
    pub(crate) payer: Payer,
    pub(crate) household: u32,
    pub(crate) category: SubsidyCategory,
    pub(crate) period: Period,
    pub(crate) amount: u64,
    /// The household confirms it this many days after the payment (None:
    /// never, or not by the demo's end).
    pub(crate) confirm_after: Option<u8>,
    /// Paid before the controls (February 2019, imported history): no
    /// payment list, no registration, never confirmed.
    pub(crate) history: bool,
}

/// What the procedure does with one household.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HouseholdPlan {
    /// (town, village) index.
    pub(crate) place: (u16, u16),
    /// Registered in 低保.
    pub(crate) minimum_living: bool,
    /// Registered in 特困供养 in January 2019, imported from before the
    /// ledger without the procedure (history the audit reports).
    pub(crate) extreme_poverty: bool,
    /// Registered in 建档立卡低收入户.
    pub(crate) low_income: bool,
    /// Leaves poverty (脱贫) in June 2020.
    pub(crate) exits: bool,
    /// Returns to poverty and is registered again (cohort 2).
    pub(crate) returns: bool,
}

/// The households, their plans and their payments, in payment order.
pub(crate) struct PlannedHouseholds {
    pub(crate) households: Vec<DemoHousehold>,
    pub(crate) plans: Vec<HouseholdPlan>,
    pub(crate) items: Vec<SubsidyItem>,
}

/// Does registration in 低保 alone entitle to `category`? (The demo
/// policy: 低保 entitles to the allowance and the medical premium.)
pub(crate) fn covered_by_minimum_living(category: SubsidyCategory) -> bool {
    matches!(
        category,
        SubsidyCategory::MinimumLiving | SubsidyCategory::MedicalInsurance
    )
}

/// Counts the entries the households will need, notices included (each
/// notice holds at most 500 lines), so the plan stops near the target.
#[derive(Default)]
struct Estimate {
    entries: u64,
    /// Lines so far per group; a new group of 500 lines is one more notice
    /// (times the notices the group posts).
    groups: HashMap<(u8, u32, u32), u32>,
    /// The transfers that pay for it all: (year, fund, town, village or
    /// `u16::MAX` for the district's transfer to the town).
    transfers: HashSet<(u16, FundKey, u16, u16)>,
}

impl Estimate {
    /// A line on group `key` whose notices are `per_chunk` entries.
    fn line(&mut self, key: (u8, u32, u32), per_chunk: u64) {
        let lines = self.groups.entry(key).or_insert(0);
        if *lines % MAX_NOTICE_LINES as u32 == 0 {
            self.entries += per_chunk;
        }
        *lines += 1;
    }

    /// The transfers a payment needs (district → town, and town → village
    /// for a village collective's), each counted once.
    fn payment(&mut self, item: &SubsidyItem) {
        let fund = subsidy_fund(item.category);
        let (town, village) = match item.payer {
            Payer::Town(t) => (t, None),
            Payer::Village(t, v) => (t, Some(v)),
        };
        for v in [Some(u16::MAX), village].into_iter().flatten() {
            if self.transfers.insert((item.year, fund, town, v)) {
                self.entries += 1;
            }
        }
    }
}

/// The villages where households live, weighted (villages 6, urban
/// residents' committees 1), `count` of them, sorted; all when `count`
/// reaches their number.
pub(crate) fn choose_places(dice: &mut Dice, towns: &[TownInfo], count: usize) -> Vec<(u16, u16)> {
    let mut all: Vec<(u16, u16, u64)> = Vec::new();
    for (t, town) in towns.iter().enumerate() {
        for (v, village) in town.villages.iter().enumerate() {
            all.push((t as u16, v as u16, if village.rural { 6 } else { 1 }));
        }
    }
    if count >= all.len() {
        return all.iter().map(|(t, v, _)| (*t, *v)).collect();
    }
    let total: u64 = all.iter().map(|p| p.2).sum();
    let mut chosen: HashSet<(u16, u16)> = HashSet::new();
    while chosen.len() < count {
        let mut draw = dice.below(total);
        for (t, v, w) in &all {
            if draw < *w {
                chosen.insert((*t, *v));
                break;
            }
            draw -= w;
        }
    }
    let mut places: Vec<(u16, u16)> = chosen.into_iter().collect();
    places.sort_unstable();
    places
}

/// Generate households in `places` and their payments over both years,
/// until they need about `needed` entries (registration procedure, payment
/// lists, payments, confirmations, exits, the transfers that fund them;
/// those of `funded`, (year, fund, town) for projects, are counted
/// already). `today` is the demo's last day: no confirmation is dated after it.
pub(crate) fn plan_households(
    dice: &mut Dice,
    towns: &[TownInfo],
    places: &[(u16, u16)],
    weak: &[(u16, u16)],
    pseudonym: &PseudonymKey,
    (needed, funded): (u64, &HashSet<(u16, FundKey, u16)>),
    today: Date,
) -> Result<PlannedHouseholds, DemoError> {
    let mut cumulative: Vec<u64> = Vec::new();
    let mut total = 0u64;
    for (t, v) in places {
        total += if towns[*t as usize].villages[*v as usize].rural {
            6
        } else {
            1
        };
        cumulative.push(total);
    }
    let mut out = PlannedHouseholds {
        households: Vec::new(),
        plans: Vec::new(),
        items: Vec::new(),
    };
    let mut seen_ids: HashSet<String> = HashSet::new();
    // The towns' transfers for projects are counted already.
    let mut estimate = Estimate {
        transfers: funded.iter().map(|&(y, f, t)| (y, f, t, u16::MAX)).collect(),
        ..Estimate::default()
    };
    let mut exits = 0u32;
    if total == 0 {
        return Ok(out);
    }
    let exit_on = exit_date()?;
    let returned_on = registration_date(1)?;
    while estimate.entries < needed {
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
        let index = out.households.len() as u32;
        let town_payer = if weak.contains(&(t, v)) {
            Payer::Village(t, v)
        } else {
            Payer::Town(t)
        };
        let mut mine = plan_payments(dice, index, (t, v), town_payer)?;
        // The allowance comes with 低保, or for a few (elderly, alone) with
        // 特困供养, registered before the ledger (imported history).
        let allowance = mine.iter().any(|i| i.category == SubsidyCategory::MinimumLiving);
        let extreme_poverty = allowance && dice.chance(80);
        let minimum_living = allowance && !extreme_poverty;
        let low_income = !allowance || mine.iter().any(|i| !covered_by_minimum_living(i.category));
        let needs_low_income = |i: &SubsidyItem| !(allowance && covered_by_minimum_living(i.category));
        // 脱贫: a few registered low-income households leave poverty in
        // June 2020; the first of them returns to poverty and is registered
        // again in the autumn (临时救助 after an illness).
        let exit = low_income && (dice.chance(30) || (exits == 0 && index >= 2));
        let returns = exit && exits == 0;
        if exit {
            exits += 1;
            mine.retain(|i| !(needs_low_income(i) && i.date >= exit_on && (!returns || i.date < returned_on)));
        }
        if returns {
            mine.retain(|i| !(i.category == SubsidyCategory::Other && i.year > FIRST_YEAR));
            mine.push(SubsidyItem {
                year: FIRST_YEAR + 1,
                date: ymd(FIRST_YEAR + 1, 11, payment_day(v))?,
                payer: Payer::Town(t),
                household: index,
                category: SubsidyCategory::Other,
                period: Period {
                    year: FIRST_YEAR + 1,
                    month: 0,
                },
                amount: dice.range(10, 30) * 100 * YUAN,
                confirm_after: None,
                history: false,
            });
        }
        // Confirmations (确认): most within the 30 days, some never.
        for item in mine.iter_mut().filter(|i| !i.history) {
            if dice.chance(930) {
                let days = dice.range(1, 25) as u8;
                if plus(item.date, u32::from(days))? <= today {
                    item.confirm_after = Some(days);
                }
            }
        }
        // What these need: 2 checks and a registration per category; the
        // village's application, village publicity and objection review,
        // the town's and the district's publicity (by 500 lines); the
        // payments, confirmations, payment lists; the exit and its notice;
        // the return's whole procedure.
        let categories = u64::from(minimum_living) + u64::from(low_income);
        let vkey = u32::from(t) << 16 | u32::from(v);
        for _ in 0..categories {
            estimate.entries += 3;
            estimate.line((0, vkey, 0), 3);
            estimate.line((1, u32::from(t), 0), 1);
            estimate.line((2, 0, 0), 1);
        }
        for item in &mine {
            estimate.payment(item);
            estimate.entries += 1 + u64::from(item.confirm_after.is_some());
            if !item.history {
                let round = round_of(item.date_year(), item.date_month());
                estimate.line((3, vkey, u32::from(round)), 1);
            }
        }
        if extreme_poverty {
            estimate.entries += 1;
        }
        if exit {
            estimate.entries += 1;
            estimate.line((4, vkey, 0), 1);
        }
        if returns {
            estimate.entries += 5 + 2 + 1;
        }
        out.items.extend(mine);
        out.plans.push(HouseholdPlan {
            place: (t, v),
            minimum_living,
            extreme_poverty,
            low_income,
            exits: exit,
            returns,
        });
        out.households.push(DemoHousehold {
            resident_id: id_text,
            full_name,
            masked_name,
            reference: pseudonym.household_ref(&id),
            village: village.code,
        });
    }
    // Payment order: by date, then as a finance office batches them
    // (payer, village, household, category).
    let households = &out.households;
    out.items.sort_by_key(|i| {
        let village = households.get(i.household as usize).map(|h| h.village);
        (i.date, i.payer, village, i.household, i.category)
    });
    Ok(out)
}

impl SubsidyItem {
    /// The payment's calendar year.
    pub(crate) fn date_year(&self) -> u16 {
        (self.date.get() / 10_000) as u16
    }
    /// The payment's month.
    pub(crate) fn date_month(&self) -> u8 {
        ((self.date.get() / 100) % 100) as u8
    }
    /// Its payment round (quarter), for the payment list.
    pub(crate) fn round(&self) -> u8 {
        round_of(self.date_year(), self.date_month())
    }
}

/// One household's payments over both years: who pays, what, when. Draws
/// the household's size first.
fn plan_payments(
    dice: &mut Dice,
    household: u32,
    (town, village): (u16, u16),
    town_payer: Payer,
) -> Result<Vec<SubsidyItem>, DemoError> {
    let persons = dice.range(1, 5);
    let mut mine: Vec<SubsidyItem> = Vec::new();
    let item = |year: u16, month: u8, category: SubsidyCategory, period_month: u8, amount_yuan: u64| {
        let payer = if category == SubsidyCategory::IndustrySupport {
            town_payer
        } else {
            Payer::Town(town)
        };
        // 低保 of January and February 2019 was paid before the ledger.
        let history = year == FIRST_YEAR && month <= 2 && category == SubsidyCategory::MinimumLiving;
        let date = if history {
            ymd(year, 2, history_day(village))
        } else {
            ymd(year, payment_month(year, month), payment_day(village))
        };
        date.map(|date| SubsidyItem {
            year,
            date,
            payer,
            household,
            category,
            period: Period {
                year,
                month: period_month,
            },
            amount: amount_yuan * YUAN,
            confirm_after: None,
            history,
        })
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
                mine.push(item(year, month, SubsidyCategory::MinimumLiving, month, monthly)?);
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
            mine.push(item(year, 1, SubsidyCategory::MedicalInsurance, 0, premium * persons)?);
        }
        if pension {
            mine.push(item(year, 3, SubsidyCategory::Pension, 0, 100 * adults)?);
        }
        if education {
            mine.push(item(year, 9, SubsidyCategory::Education, 0, level)?);
        }
        if housing_year == Some(year) {
            let month = dice.range(5, 11) as u8;
            mine.push(item(
                year,
                month,
                SubsidyCategory::HousingRenovation,
                0,
                housing_amount,
            )?);
        }
        if employment && dice.chance(700) {
            mine.push(item(year, 6, SubsidyCategory::Employment, 0, dice.range(10, 30) * 100)?);
        }
        if industry && dice.chance(800) {
            let month = dice.range(4, 6) as u8;
            mine.push(item(
                year,
                month,
                SubsidyCategory::IndustrySupport,
                0,
                dice.range(2, 10) * 500,
            )?);
        }
        if relief_year == Some(year) {
            let month = dice.range(1, 12) as u8;
            mine.push(item(year, month, SubsidyCategory::Other, 0, dice.range(5, 30) * 100)?);
        }
    }
    if mine.is_empty() {
        // Every registered poor household at least has its premium paid.
        mine.push(item(
            FIRST_YEAR,
            1,
            SubsidyCategory::MedicalInsurance,
            0,
            220 * persons,
        )?);
    }
    Ok(mine)
}
