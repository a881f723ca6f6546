//! Atomic groups in the rule engine (`LedgerState::begin_group`,
//! `rollback_group`, `keep_group`; issue 14): a group taken back leaves the
//! state exactly as it was, whatever kinds of entry it held.
//!
//! The demo log holds every kind of entry. It is replayed twice: plainly,
//! and in groups of varying sizes each applied, taken back, then applied
//! again for real. Every entry's effects (which depend on the balances, the
//! nonces, the lines paid, the keys, the policy, the projects…) and the
//! final state must be the same both ways.

use ledger_core::entry::{Account, EntryBody};
use ledger_core::rules::{Effects, LedgerState, RuleError};
use ledger_core::submission::VerifiedSubmission;
use ledger_demo::{self as demo, DemoConfig};
use std::collections::BTreeSet;

const NOW_MS: u64 = 1_610_672_400_000;

fn demo_log() -> Vec<VerifiedSubmission> {
    let log = demo::generate(&DemoConfig {
        seed: 11,
        target_entries: 700,
        now_ms: NOW_MS,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    log.submissions
        .iter()
        .enumerate()
        .map(|(seq, s)| s.clone().verify().unwrap_or_else(|e| panic!("{seq}: {e}")))
        .collect()
}

/// What a reader can see of a state, for comparing two.
fn observe(state: &LedgerState, entries: &[VerifiedSubmission]) -> Vec<String> {
    let mut accounts: BTreeSet<Account> = BTreeSet::new();
    for v in entries {
        match &v.submission().body {
            EntryBody::FundIssue(f) => {
                accounts.insert(f.to.clone());
            }
            EntryBody::Transfer(t) => {
                accounts.insert(t.from.clone());
                accounts.insert(t.to.clone());
            }
            EntryBody::HouseholdSubsidy(s) => {
                accounts.insert(s.from.clone());
            }
            EntryBody::ProjectDisbursement(d) => {
                accounts.insert(d.from.clone());
            }
            _ => {}
        }
    }
    let mut out = vec![format!("size {}", state.size())];
    out.extend(accounts.iter().map(|a| format!("{a:?}: {:?}", state.balances_of(a))));
    out.extend(state.funds().map(|f| format!("{f:?}")));
    out.extend(state.projects().map(|p| format!("{p:?}")));
    let mut keys: Vec<String> = state.keys().map(|k| format!("{k:?}")).collect();
    keys.sort();
    out.extend(keys);
    out.push(format!("{:?}", state.policy()));
    out.push(format!("{:?}", state.log_vkey_history()));
    for (seq, v) in entries.iter().enumerate() {
        out.push(format!(
            "{seq}: nonce {:?} reversed by {:?}",
            state.nonce_seq(&v.submission().nonce),
            state.reversed_by(seq as u64)
        ));
    }
    out
}

fn apply_all(state: &mut LedgerState, entries: &[VerifiedSubmission], from: usize) -> Vec<Result<Effects, RuleError>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let seq = (from + i) as u64;
            state.apply(seq, NOW_MS + seq, v)
        })
        .collect()
}

#[test]
fn a_group_taken_back_leaves_the_state_as_it_was() {
    let entries = demo_log();
    let mut plain = LedgerState::new();
    let plain_effects = apply_all(&mut plain, &entries, 0);
    assert!(plain_effects.iter().all(Result::is_ok), "the demo replays");

    let mut grouped = LedgerState::new();
    let mut grouped_effects = Vec::new();
    let mut at = 0usize;
    let mut round = 0usize;
    let mut taken_back = 0usize;
    while at < entries.len() {
        // Sizes 1, 2, 3, 5, 8, 13, 21, 1, … so that groups start and end
        // everywhere: inside runs of payments, across admin entries.
        let size = [1, 2, 3, 5, 8, 13, 21][round % 7].min(entries.len() - at);
        round += 1;
        let group = &entries[at..at + size];
        let before = observe(&grouped, &entries);
        grouped.begin_group();
        assert!(grouped.in_group());
        let first_try = apply_all(&mut grouped, group, at);
        assert!(first_try.iter().all(Result::is_ok), "group at {at} applies");
        grouped.rollback_group();
        assert!(!grouped.in_group());
        taken_back += size;
        assert_eq!(
            observe(&grouped, &entries),
            before,
            "group at {at} of {size} taken back"
        );
        grouped.begin_group();
        grouped_effects.extend(apply_all(&mut grouped, group, at));
        grouped.keep_group();
        at += size;
    }
    assert_eq!(taken_back, entries.len());
    assert_eq!(grouped_effects, plain_effects, "every entry has the same effects");
    assert_eq!(observe(&grouped, &entries), observe(&plain, &entries));
}

#[test]
fn a_refused_member_leaves_the_earlier_ones_to_be_taken_back() {
    let entries = demo_log();
    let mut state = LedgerState::new();
    let half = entries.len() / 2;
    assert!(apply_all(&mut state, &entries[..half], 0).iter().all(Result::is_ok));
    let before = observe(&state, &entries);
    // The next entries, then one of them again: its nonce is replayed.
    state.begin_group();
    let next = &entries[half..half + 4];
    assert!(apply_all(&mut state, next, half).iter().all(Result::is_ok));
    let again = state.apply((half + 4) as u64, NOW_MS, &entries[half + 1]);
    assert_eq!(again.map(|_| ()).map_err(|e| e.code()), Err("replayed_nonce"));
    state.rollback_group();
    assert_eq!(observe(&state, &entries), before);
    // Without a group, the same entries apply at the same sequence numbers.
    assert!(apply_all(&mut state, &entries[half..], half).iter().all(Result::is_ok));
    assert_eq!(state.size(), entries.len() as u64);
}

/// The whole state, not only what a reader sees: a group refused at its
/// last member (its first member sent again: a replayed nonce) leaves
/// every table exactly as before, whatever kinds the group held (the demo
/// has every kind), and the journal never copies a table to get there.
#[test]
fn a_refused_group_leaves_every_table_exactly_as_before() {
    let entries = demo_log();
    let mut state = LedgerState::new();
    let mut at = 0usize;
    let mut round = 0usize;
    while at < entries.len() {
        let size = [1, 2, 3, 5, 8, 13, 21][round % 7].min(entries.len() - at);
        round += 1;
        let group = &entries[at..at + size];
        let before = state.clone();
        state.begin_group();
        assert!(
            apply_all(&mut state, group, at).iter().all(Result::is_ok),
            "group at {at} applies"
        );
        let again = state.apply((at + size) as u64, NOW_MS, &group[0]);
        // The genesis again is refused as a second genesis.
        let code = if at == 0 { "genesis" } else { "replayed_nonce" };
        assert_eq!(
            again.map(|_| ()).map_err(|e| e.code()),
            Err(code),
            "group at {at}: its first member again is refused"
        );
        state.rollback_group();
        assert!(state == before, "group at {at} of {size}: every table as before");
        // Then for real, so the next groups start from a longer ledger.
        assert!(apply_all(&mut state, group, at).iter().all(Result::is_ok));
        at += size;
    }
    assert_eq!(state.size(), entries.len() as u64);
    // The comparison sees a difference: one entry more is not equal.
    let before = state.clone();
    state.begin_group();
    let mut fresh = LedgerState::new();
    assert!(fresh != before);
    state.keep_group();
    assert!(state == before);
    fresh.begin_group();
    assert!(fresh.apply(0, NOW_MS, &entries[0]).is_ok());
    fresh.keep_group();
    assert!(fresh != LedgerState::new(), "an applied genesis changes the state");
}
