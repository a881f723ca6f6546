//! One money model: on the whole demo ledger (with its reversals), the
//! node's query aggregates and the audit's pots hold exactly the balances of
//! the rule state, per (account, fund), per fund and per region.

use ledger_audit::{AuditConfig, Auditor};
use ledger_core::chain::SequencedEntry;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{Account, EntryBody};
use ledger_core::ids::Ident;
use ledger_core::money;
use ledger_core::rules::{Effects, LedgerState};
use ledger_demo::{self as demo, DemoConfig};
use ledger_node::query::QueryIndex;
use std::collections::{BTreeMap, HashSet};

/// 2021-01-15 09:00 China time, after the demo's last business date, as in ledger-core's demo tests.
const NOW_MS: u64 = 1_610_672_400_000;

#[test]
fn aggregates_and_audit_equal_rule_state_on_the_demo_ledger() {
    let config = DemoConfig {
        seed: 18,
        target_entries: 4_000,
        now_ms: NOW_MS,
    };
    let log = match demo::generate(&config) {
        Ok(log) => log,
        Err(e) => panic!("demo: {e}"),
    };

    let mut state = LedgerState::new();
    let mut query = QueryIndex::default();
    let mut auditor = Auditor::new(AuditConfig::default());
    let mut bodies: Vec<EntryBody> = Vec::new();
    let mut pairs: Vec<(Account, Ident)> = Vec::new();
    let mut seen = HashSet::new();
    let mut reversals = 0;
    let mut classes = std::collections::BTreeSet::new();
    for (seq, signed) in log.submissions.iter().enumerate() {
        let seq = seq as u64;
        let verified = match signed.clone().verify() {
            Ok(v) => v,
            Err(e) => panic!("entry {seq}: {e}"),
        };
        let effects: Effects = match state.apply(seq, NOW_MS + seq, &verified) {
            Ok(effects) => effects,
            Err(e) => panic!("entry {seq}: {e}"),
        };
        let entry = SequencedEntry {
            v: ledger_core::chain::ENTRY_VERSION,
            seq,
            time_ms: NOW_MS + seq,
            prev_hash: Bytes([0; 32]),
            signed: signed.clone(),
        };
        query.record(&entry, &effects);
        auditor.observe(&entry);
        let body = &signed.submission.body;
        if matches!(body, EntryBody::Reversal(_)) {
            reversals += 1;
        }
        // The one classification: exactly the `Money` class moves money by
        // itself, and a reversal is classed as one.
        assert_eq!(
            money::movement(body).is_some(),
            body.book_effect() == money::BookEffect::Money,
            "entry {seq}: {:?}",
            body.kind()
        );
        assert_eq!(
            matches!(body, EntryBody::Reversal(_)),
            body.book_effect() == money::BookEffect::Reversal
        );
        classes.insert(format!("{:?}", body.book_effect()));
        if let Some(m) = money::movement(body) {
            for (account, _) in m.legs() {
                if seen.insert((account.clone(), m.fund.clone())) {
                    pairs.push((account.clone(), m.fund.clone()));
                }
            }
        }
        bodies.push(body.clone());
    }
    // The node folds reversals in from the store; here the bodies are at hand.
    for (reversal, target) in query.pending_reversals().to_vec() {
        let Some(body) = bodies.get(target as usize) else {
            panic!("reversal {reversal} of unknown entry {target}");
        };
        assert!(query.resolve_reversal(reversal, target, body));
    }
    assert!(reversals > 0, "the demo ledger must exercise reversals");
    assert_eq!(classes.len(), 5, "the demo has entries of every class: {classes:?}");
    assert!(query.pending_reversals().is_empty());

    // Per (account, fund): rule state = audit = node aggregates.
    let mut nonzero = 0;
    for (account, fund) in &pairs {
        let expected = state.balance(account, fund);
        assert_eq!(
            auditor.balance(account, fund),
            expected,
            "audit {} {fund}",
            account.key()
        );
        let node = match (query.account_id(account), query.fund(fund)) {
            (Some(id), Some(f)) => f.balances.get(&id).copied().unwrap_or(0),
            _ => panic!("the node does not know {} / {fund}", account.key()),
        };
        assert_eq!(node, expected.get(), "node {} {fund}", account.key());
        if expected.get() > 0 {
            nonzero += 1;
        }
    }
    assert!(nonzero > 0, "some money must still be held");

    // Per fund: issued and held.
    for record in state.funds() {
        let Some(info) = query.fund(&record.id) else {
            panic!("the node does not know fund {}", record.id);
        };
        assert_eq!(info.issued, record.issued.get(), "issued {}", record.id);
        let held_by_state: u64 = pairs
            .iter()
            .filter(|(_, f)| *f == record.id)
            .map(|(a, f)| state.balance(a, f).get())
            .sum();
        assert_eq!(info.balances.values().sum::<u64>(), held_by_state, "held {}", record.id);
    }

    // Per region: what the subtree's accounts hold.
    let mut held_by_region: BTreeMap<_, u64> = BTreeMap::new();
    for (account, fund) in &pairs {
        let Some(region) = query.account_id(account).and_then(|id| query.account_region(id)) else {
            panic!("no region for {}", account.key());
        };
        for code in query.regions().keys() {
            if code.covers(region) {
                *held_by_region.entry(*code).or_insert(0) += state.balance(account, fund).get();
            }
        }
    }
    for (code, info) in query.regions() {
        assert_eq!(
            info.agg.balance(),
            held_by_region.get(code).copied().unwrap_or(0),
            "region {code}"
        );
    }
}
