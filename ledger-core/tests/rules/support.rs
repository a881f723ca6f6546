//! The demo fixture (built once per test binary) and the small helpers the
//! rule tests share: signing bodies, applying them, asserting a refusal.

use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, SubsidyCategory};
use ledger_core::ids::{Ident, Period, Text};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::{Effects, LedgerState, RuleError};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use ledger_core::Fen;
use ledger_demo::{self as demo, DemoConfig, DemoLog, DemoOperator};
use std::sync::OnceLock;

/// When the demo entries are sequenced (2021-01-15 09:00 China time, after the demo's last business date).
pub(crate) const NOW_MS: u64 = 1_610_672_400_000;
/// When the test submissions are sequenced: after every demo entry.
pub(crate) const T_MS: u64 = NOW_MS + 100_000;
/// Test submissions are valid for an hour.
pub(crate) const VALID_MS: u64 = 3_600_000;

pub(crate) struct Fixture {
    pub(crate) log: DemoLog,
    /// The state after the whole demo log.
    pub(crate) state: LedgerState,
    /// The demo's sequenced entries.
    pub(crate) entries: Vec<Vec<u8>>,
}

/// A small demo (every kind of entry, a few hundred subsidies), replayed
/// once and shared by every test (each clones the state it mutates).
pub(crate) fn fx() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = DemoConfig {
            seed: 11,
            target_entries: 700,
            now_ms: NOW_MS,
        };
        let log = demo::generate(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut state = LedgerState::new();
        for (seq, signed) in log.submissions.iter().enumerate() {
            let verified = signed.clone().verify().unwrap_or_else(|e| panic!("{seq}: {e}"));
            state
                .apply(seq as u64, NOW_MS + seq as u64, &verified)
                .unwrap_or_else(|e| panic!("demo entry {seq}: {e}"));
        }
        let entries = demo::demo_entries(&log, NOW_MS);
        Fixture { log, state, entries }
    })
}

pub(crate) fn sign(body: EntryBody, nonce: u8, keys: &[&SigningKey]) -> SignedSubmission {
    Submission {
        v: SUBMISSION_VERSION,
        origin: demo::DEMO_ORIGIN.to_string(),
        nonce: Bytes([nonce; 16]),
        not_after_ms: T_MS + VALID_MS,
        body,
    }
    .sign(keys)
}

/// Verify the signatures and apply at the next sequence number, at `T_MS`.
pub(crate) fn apply_at(state: &mut LedgerState, signed: &SignedSubmission, time_ms: u64) -> Result<Effects, RuleError> {
    let verified = signed.clone().verify().unwrap_or_else(|e| panic!("signatures: {e}"));
    state.apply(state.size(), time_ms, &verified)
}

pub(crate) fn apply(state: &mut LedgerState, signed: &SignedSubmission) -> Result<Effects, RuleError> {
    apply_at(state, signed, T_MS)
}

pub(crate) fn ok(result: Result<Effects, RuleError>) -> Effects {
    result.unwrap_or_else(|e| panic!("expected acceptance, got [{}] {e}", e.code()))
}

pub(crate) fn text(s: &str) -> Text {
    Text::new(s).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn ident(s: &str) -> Ident {
    Ident::new(s).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn code(c: u64) -> RegionCode {
    RegionCode::new(c).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn day(yyyymmdd: u32) -> ledger_core::ids::Date {
    ledger_core::ids::Date::new(yyyymmdd).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn fen(f: u64) -> Fen {
    Fen::new(f).unwrap_or_else(|e| panic!("{e}"))
}

/// A town finance office with money: its operator, the town's poverty
/// office (the co-signer of household subsidies), the town, one of its
/// villages, a 2019 fund it holds and the balance.
pub(crate) struct TownMoney {
    pub(crate) op: &'static DemoOperator,
    pub(crate) cosigner: &'static DemoOperator,
    pub(crate) town: RegionCode,
    pub(crate) village: RegionCode,
    pub(crate) fund: Ident,
    pub(crate) balance: Fen,
}

pub(crate) fn town_money(skip: usize) -> TownMoney {
    let f = fx();
    f.log
        .operators
        .iter()
        .filter(|o| o.revoked_at_seq.is_none() && o.grant.office == ledger_core::keys::Office::TownFinance)
        .filter_map(|op| {
            let town = *op.grant.scope.regions.first()?;
            if town.level() != RegionLevel::Town {
                return None;
            }
            let cosigner = f.log.town_poverty_office(town)?;
            let village = *f.state.regions().children(town).first()?;
            // A 2019 fund: the test subsidies are history from February
            // 2019, before the demo policy's controls (registration,
            // payment list, roles) apply; only the signature count does.
            let (fund, balance) = f
                .state
                .balances_of(&Account::Treasury(town))
                .into_iter()
                .filter(|(fund, _)| f.state.fund(fund).is_some_and(|r| r.fiscal_year == 2019))
                .max_by_key(|(_, b)| *b)?;
            Some(TownMoney {
                op,
                cosigner,
                town,
                village,
                fund,
                balance,
            })
        })
        .nth(skip)
        .unwrap_or_else(|| panic!("the demo has towns holding money"))
}

pub(crate) fn subsidy(from: RegionCode, village: RegionCode, fund: &Ident, amount: u64) -> EntryBody {
    let household = &fx().log.households[0];
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: fund.clone(),
        from: Account::Treasury(from),
        household: household.reference,
        masked_name: household.masked_name.clone(),
        village,
        category: SubsidyCategory::Other,
        period: Period { year: 2019, month: 2 },
        amount: fen(amount),
        // Before the demo policy's controls (2019-03-01): history.
        date: day(20190225),
        notice: None,
        supplementary: None,
    })
}

/// The district operators: finance bureau (funds), social security,
/// then the two co-signers.
pub(crate) fn district(i: usize) -> &'static DemoOperator {
    fx().log.district_operators()[i]
}

pub(crate) fn assert_rule(result: Result<Effects, RuleError>, expected: RuleError, code: &str) {
    match result {
        Ok(_) => panic!("expected [{code}] {expected}, the entry was accepted"),
        Err(e) => {
            assert_eq!(e, expected);
            assert_eq!(e.code(), code);
        }
    }
}

/// A replayed demo state and a helper to sign bodies for it.
pub(crate) fn demo_state(
) -> Result<(ledger_demo::DemoLog, ledger_core::rules::LedgerState, u64), Box<dyn std::error::Error>> {
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 5,
        target_entries: 300,
        now_ms: 1_800_000_000_000,
    })?;
    let mut state = ledger_core::rules::LedgerState::new();
    let mut seq = 0u64;
    for s in &log.submissions {
        state.apply(seq, 1_800_000_000_000, &s.clone().verify()?)?;
        seq += 1;
    }
    Ok((log, state, seq))
}

pub(crate) fn body_submission(
    origin: &str,
    body: ledger_core::entry::EntryBody,
    nonce: u8,
) -> ledger_core::submission::Submission {
    ledger_core::submission::Submission {
        v: SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: ledger_core::encoding::Bytes([nonce; 16]),
        not_after_ms: 1_800_000_000_000 + 3_600_000,
        body,
    }
}
