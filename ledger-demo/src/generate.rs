//! [`generate`]: the demo log, built in named steps (see the crate docs for
//! their order). All randomness is drawn from one [`Dice`] in a fixed order:
//! keys, the plan, then the nonces as the entries are posted.

use crate::budget::Budget;
use crate::corrections::{plan_corrections, Corrections};
use crate::dice::Dice;
use crate::error::DemoError;
use crate::funds::{FundKey, Funds};
use crate::history::{Finished, History};
use crate::households::{choose_places, plan_households, HouseholdPlan, SubsidyItem};
use crate::keys::{KeyRing, ADMIN_DISCIPLINE, ADMIN_FINANCE, DISTRICT_FUNDS};
use crate::library::plan_library;
use crate::log::{DemoConfig, DemoHousehold, DemoLog, DemoOperator};
use crate::projects::{contractors, plan_projects, ProjectPlan};
use crate::regions::District;
use crate::signing::sign_all;
use crate::DEMO_ORIGIN;
use ed25519_dalek::SigningKey;
use ledger_core::household::PseudonymKey;
use ledger_core::ids::Date;
use ledger_core::submission::SignedSubmission;
use std::collections::{HashMap, HashSet};

/// The demo's last business date: `now_ms` must be on or after it.
const LAST_BUSINESS_DATE: u32 = 20201231;

/// Entries planned beyond the target, then cut off the end of the log, so
/// that the log reaches the target although the plan only estimates it.
const MARGIN: u64 = 6;

/// Everything decided before the first entry is posted: the shared context
/// of the posting steps ([`History`]).
pub(crate) struct Plan {
    pub(crate) district: District,
    pub(crate) ring: KeyRing,
    pub(crate) funds: Funds,
    pub(crate) projects: Vec<ProjectPlan>,
    pub(crate) households: Vec<DemoHousehold>,
    /// What the procedure does with each household.
    pub(crate) plans: Vec<HouseholdPlan>,
    /// The household payments, in payment order.
    pub(crate) items: Vec<SubsidyItem>,
    /// The reversals and objections.
    pub(crate) corrections: Corrections,
    pub(crate) budget: Budget,
}

/// The log's own secrets, drawn first.
struct LogSecrets {
    log_key: SigningKey,
    pseudonym_key: PseudonymKey,
}

/// Generate the demo log described in the crate documentation.
pub fn generate(config: &DemoConfig) -> Result<DemoLog, DemoError> {
    let today = Date::in_china_at(config.now_ms)
        .filter(|d| d.get() >= LAST_BUSINESS_DATE)
        .ok_or_else(|| DemoError("now_ms must be after the demo's last business date, 2020-12-31".into()))?;
    let mut dice = Dice::seeded(config.seed);
    // Step 1. Keys first, so that they depend on the seed only, not on the
    // size (the village committees' keys are derived per village).
    let secrets = draw_log_secrets(&mut dice);
    let district = District::huaian()?;
    let ring = KeyRing::set_up(&mut dice, &district)?;
    // Step 2. Plan everything: projects, funds, households, corrections, budget.
    let mut plan = plan_ledger(&mut dice, config, district, ring, &secrets.pseudonym_key, today)?;
    let target = config.target_entries as usize;
    // The contacts (有疑问？) are the log's last entries, in place of the
    // planned tail, so earlier entries keep their sequence numbers; a log
    // too small to hold every grant before them has none.
    let contacts = crate::contacts::count(&plan.district);
    let (cut_at, contacts) = match target.checked_sub(contacts) {
        Some(cut) if cut > plan.ring.holders.len() => (cut, contacts),
        _ => (target, 0),
    };
    // Step 3. Post the entries in log order: first on a copy of the dice, to
    // learn which payments the cut at the target leaves out, so that the
    // budget does not send money for them (it would sit at the towns).
    let cut = {
        let mut trial = dice.clone();
        let mut history = History::new(&mut trial, &plan, config.now_ms)?;
        history.post_genesis(&secrets.log_key, &secrets.pseudonym_key)?;
        history.grant_operator_keys()?;
        history.post_events()?;
        history.items_cut_at(cut_at as u64)
    };
    trim_budget(&mut plan, &cut);
    let mut history = History::new(&mut dice, &plan, config.now_ms)?;
    history.post_genesis(&secrets.log_key, &secrets.pseudonym_key)?;
    history.grant_operator_keys()?;
    history.post_events()?;
    let mut finished = history.finish();
    // The plan estimates its size: cut the end of the log at the target
    // (any prefix of a valid log is valid).
    finished.planned.truncate(cut_at);
    if contacts > 0 {
        let town_poverty_base = plan.ring.town_poverty_base;
        let entries = crate::contacts::entries(&plan.district, town_poverty_base, config.now_ms, || dice.bytes())?;
        finished.planned.extend(entries);
    }
    finished.revoked_at_seq.retain(|_, seq| (*seq as usize) < cut_at);
    let mut confirmed: Vec<u64> = finished
        .confirmed
        .iter()
        .filter(|(_, by)| (*by as usize) < cut_at)
        .map(|(payment, _)| *payment)
        .collect();
    confirmed.sort_unstable();
    // Step 4. Sign in parallel: the expensive part, and deterministic.
    let Finished {
        planned,
        revoked_at_seq,
        ..
    } = finished;
    let submissions = sign_all(planned, &plan.ring);
    Ok(assemble_log(plan, secrets, &revoked_at_seq, confirmed, submissions))
}

/// Allocate only what the payments that stay in the log need, when the
/// payments `cut` off its end would otherwise have been funded. Only amounts
/// change, never which transfers there are, so the log keeps its entries and
/// their order (if a transfer would disappear, the budget stays as it was).
fn trim_budget(plan: &mut Plan, cut: &HashSet<usize>) {
    if cut.is_empty() {
        return;
    }
    let kept: Vec<SubsidyItem> = plan
        .items
        .iter()
        .enumerate()
        .filter(|(k, _)| !cut.contains(k))
        .map(|(_, item)| *item)
        .collect();
    let trimmed = Budget::allocate(&plan.funds, &kept, &plan.projects);
    let same_transfers =
        trimmed.town.keys().eq(plan.budget.town.keys()) && trimmed.village.keys().eq(plan.budget.village.keys());
    if same_transfers {
        plan.budget = trimmed;
    }
}

/// Step 1: the log's checkpoint key and the pseudonym key.
fn draw_log_secrets(dice: &mut Dice) -> LogSecrets {
    let log_key = dice.key();
    let pseudonym_key = PseudonymKey::from_bytes(dice.bytes());
    LogSecrets { log_key, pseudonym_key }
}

/// Step 2: plan the contractors, the projects and their way through the
/// library's stages, the funds, the villages with households, the weak
/// villages among them, the committees' keys, just enough households to
/// reach the target size, then the corrections and the budget that covers
/// it all.
fn plan_ledger(
    dice: &mut Dice,
    config: &DemoConfig,
    district: District,
    mut ring: KeyRing,
    pseudonym_key: &PseudonymKey,
    today: Date,
) -> Result<Plan, DemoError> {
    let n_projects = (config.target_entries / 75).clamp(4, 600) as usize;
    let pool = contractors(dice)?;
    let mut projects = plan_projects(dice, &district, &pool, n_projects)?;
    plan_library(dice, &district, &pool, &mut projects)?;
    let funds = Funds::define(dice)?;
    // Households live in about one village per 150 entries (all of them
    // at benchmark sizes), so that notices batch many lines.
    let n_places = (config.target_entries / 150).max(4) as usize;
    let places = choose_places(dice, &district.towns, n_places);
    // The weak villages' collectives pay their households' industry
    // support: they are among the villages with households.
    let weak_villages = district.choose_weak_villages(dice, &places);
    ring.add_village_committees(&district, &places)?;
    let fixed = fixed_entries(&ring, &funds, &projects);
    let needed = config.target_entries.saturating_sub(fixed) + MARGIN;
    let planned = plan_households(
        dice,
        &district.towns,
        &places,
        &weak_villages,
        pseudonym_key,
        (needed, &project_transfers(&projects)),
        today,
    )?;
    let mut items = planned.items;
    let corrections = plan_corrections(&mut items);
    let budget = Budget::allocate(&funds, &items, &projects);
    Ok(Plan {
        district,
        ring,
        funds,
        projects,
        households: planned.households,
        plans: planned.plans,
        items,
        corrections,
        budget,
    })
}

/// The towns that receive a fund for their projects: (year, fund, town).
fn project_transfers(projects: &[ProjectPlan]) -> HashSet<(u16, FundKey, u16)> {
    projects
        .iter()
        .filter(|p| p.allocation > 0)
        .map(|p| (p.year, p.fund, p.town))
        .collect()
}

/// The number of entries other than the households' (whose own transfers
/// the households' plan counts): genesis, grants, rotation, funds, the
/// transfers for projects, the misdirected one and its reversal, the
/// projects' steps (a payment is two: the transfer into the project's
/// account and the payment), the corrections and the objections.
fn fixed_entries(ring: &KeyRing, funds: &Funds, projects: &[ProjectPlan]) -> u64 {
    1 + (ring.holders.len() as u64 - 3) // grants after genesis, except the replacement
        + 2 // rotation: revoke + grant
        + funds.defs.len() as u64
        + project_transfers(projects).len() as u64
        + 2 // misdirected transfer + its reversal
        + projects.iter().map(ProjectPlan::entries).sum::<u64>()
        + 3 // duplicate payment + its reversal + reversal of an ineligible payment
        + 1 // the supplementary payment (补发) of an underpaid one
        + 6 // three objections and their decisions
}

/// Step 5: the [`DemoLog`]: keys, households and signed submissions.
fn assemble_log(
    plan: Plan,
    secrets: LogSecrets,
    revoked_at_seq: &HashMap<usize, u64>,
    confirmed: Vec<u64>,
    submissions: Vec<SignedSubmission>,
) -> DemoLog {
    let holders = &plan.ring.holders;
    let operator = |i: usize| DemoOperator {
        name: holders[i].name.clone(),
        key: holders[i].key.clone(),
        grant: holders[i].grant.clone(),
        revoked_at_seq: revoked_at_seq.get(&i).copied(),
    };
    DemoLog {
        origin: DEMO_ORIGIN.to_string(),
        log_key: secrets.log_key,
        admins: vec![operator(ADMIN_FINANCE), operator(ADMIN_DISCIPLINE)],
        operators: (DISTRICT_FUNDS..holders.len()).map(operator).collect(),
        pseudonym_key: secrets.pseudonym_key,
        households: plan.households,
        confirmed_payments: confirmed,
        submissions,
    }
}
