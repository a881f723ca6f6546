//! [`generate`]: the demo log, built in named steps (see the crate docs for
//! their order). All randomness is drawn from one [`Dice`] in a fixed order:
//! keys, the plan, then the nonces as the entries are posted.

use crate::budget::Budget;
use crate::corrections::plan_corrections;
use crate::dice::Dice;
use crate::error::DemoError;
use crate::funds::{FundKey, Funds, TOWN_SUBSIDY_FUNDS};
use crate::history::History;
use crate::households::{plan_households, SubsidyItem};
use crate::keys::{KeyRing, ADMIN_DISCIPLINE, ADMIN_FINANCE, DISTRICT_FUNDS};
use crate::log::{DemoConfig, DemoHousehold, DemoLog, DemoOperator};
use crate::projects::{plan_projects, ProjectPlan};
use crate::regions::District;
use crate::signing::sign_all;
use crate::{DEMO_ORIGIN, YEARS};
use ed25519_dalek::SigningKey;
use ledger_core::household::PseudonymKey;
use ledger_core::submission::SignedSubmission;
use std::collections::{HashMap, HashSet};

/// Everything decided before the first entry is posted: the shared context
/// of the posting steps ([`History`]).
pub(crate) struct Plan {
    pub(crate) district: District,
    pub(crate) ring: KeyRing,
    pub(crate) funds: Funds,
    pub(crate) projects: Vec<ProjectPlan>,
    /// The economically weak villages, (town, village), sorted.
    pub(crate) weak_villages: Vec<(u16, u16)>,
    pub(crate) households: Vec<DemoHousehold>,
    /// The household payments, in payment order.
    pub(crate) items: Vec<SubsidyItem>,
    /// The payments to reverse (by index in `items`), with the reason.
    pub(crate) reversal_reasons: HashMap<usize, &'static str>,
    pub(crate) budget: Budget,
}

/// The log's own secrets, drawn first.
struct LogSecrets {
    log_key: SigningKey,
    pseudonym_key: PseudonymKey,
}

/// Generate the demo log described in the crate documentation.
pub fn generate(config: &DemoConfig) -> Result<DemoLog, DemoError> {
    let mut dice = Dice::seeded(config.seed);
    // Step 1. Keys first, so that they depend on the seed only, not on the size.
    let secrets = draw_log_secrets(&mut dice);
    let district = District::huaian()?;
    let ring = KeyRing::set_up(&mut dice, &district)?;
    // Step 2. Plan everything: projects, funds, households, corrections, budget.
    let plan = plan_ledger(&mut dice, config, district, ring, &secrets.pseudonym_key)?;
    // Step 3. Post the entries in log order.
    let mut history = History::new(&mut dice, &plan, config.now_ms)?;
    history.post_genesis(&secrets.log_key, &secrets.pseudonym_key)?;
    history.grant_operator_keys();
    for year in YEARS {
        history.post_fiscal_year(year)?;
    }
    let (planned, revoked_at_seq) = history.finish();
    // Step 4. Sign in parallel: the expensive part, and deterministic.
    let submissions = sign_all(planned, &plan.ring);
    Ok(assemble_log(plan, secrets, &revoked_at_seq, submissions))
}

/// Step 1: the log's checkpoint key and the pseudonym key.
fn draw_log_secrets(dice: &mut Dice) -> LogSecrets {
    let log_key = dice.key();
    let pseudonym_key = PseudonymKey::from_bytes(dice.bytes());
    LogSecrets { log_key, pseudonym_key }
}

/// Step 2: plan the projects, weak villages, funds and just enough
/// household payments to reach the target size, then the corrections and
/// the budget that covers it all.
fn plan_ledger(
    dice: &mut Dice,
    config: &DemoConfig,
    district: District,
    ring: KeyRing,
    pseudonym_key: &PseudonymKey,
) -> Result<Plan, DemoError> {
    let n_projects = (config.target_entries / 75).clamp(4, 600) as usize;
    let projects = plan_projects(dice, &district, n_projects)?;
    let weak_villages = district.choose_weak_villages(dice);
    let subsidy_towns = district.subsidy_towns();
    let funds = Funds::define(dice)?;
    let fixed = fixed_entries(&ring, &funds, &projects, &weak_villages, &subsidy_towns);
    let needed = config.target_entries.saturating_sub(fixed);
    let (households, mut items) = plan_households(dice, &district.towns, &weak_villages, pseudonym_key, needed)?;
    let reversal_reasons = plan_corrections(&mut items);
    let budget = Budget::allocate(dice, &funds, &items, &projects, &weak_villages, &subsidy_towns);
    Ok(Plan {
        district,
        ring,
        funds,
        projects,
        weak_villages,
        households,
        items,
        reversal_reasons,
        budget,
    })
}

/// The number of entries other than household payments: genesis, grants,
/// rotation, funds, transfers, projects, the misdirected transfer and its
/// reversal, the corrections.
fn fixed_entries(
    ring: &KeyRing,
    funds: &Funds,
    projects: &[ProjectPlan],
    weak_villages: &[(u16, u16)],
    subsidy_towns: &[u16],
) -> u64 {
    let mut project_fund_towns: HashSet<(u16, FundKey, u16)> = HashSet::new();
    for p in projects {
        if !TOWN_SUBSIDY_FUNDS.contains(&p.fund) {
            project_fund_towns.insert((p.year, p.fund, p.town));
        }
    }
    1 + (ring.holders.len() as u64 - 3) // grants after genesis, except the replacement
        + 2 // rotation: revoke + grant
        + funds.defs.len() as u64
        + (YEARS.len() * TOWN_SUBSIDY_FUNDS.len() * subsidy_towns.len()) as u64
        + project_fund_towns.len() as u64
        + 2 // misdirected transfer + its reversal
        + (YEARS.len() * weak_villages.len()) as u64
        + projects.iter().map(|p| 2 + p.milestones.len() as u64).sum::<u64>()
        + 3 // duplicate payment + its reversal + reversal of an ineligible payment
}

/// Step 5: the [`DemoLog`]: keys, households and signed submissions.
fn assemble_log(
    plan: Plan,
    secrets: LogSecrets,
    revoked_at_seq: &HashMap<usize, u64>,
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
        submissions,
    }
}
