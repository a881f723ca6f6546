//! Issue 16's patterns on project payments, over ledger-core's test kit
//! (project P, contractor CONTRACTOR, started 2019-06-05): round amounts,
//! and payments split just below the co-signature threshold. Each test
//! asserts exactly the findings of these rules; a compliant project gives
//! none.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use ledger_audit::{audit_entries, AuditConfig, AuditReport, Rule};
use ledger_core::testkit::project::*;
use ledger_core::testkit::*;

const RULES: [Rule; 4] = [
    Rule::RoundAmounts,
    Rule::SplitBelowThreshold,
    Rule::BackDated,
    Rule::TwoVillagesSamePeriod,
];

/// (rule id, severity, entries, amount in fen, reference) of these rules' findings.
fn found(report: &AuditReport) -> Vec<(&'static str, &'static str, Vec<u64>, Option<u64>, Option<String>)> {
    let mut rows: Vec<_> = report
        .findings
        .iter()
        .filter(|f| RULES.contains(&f.rule))
        .map(|f| {
            (
                f.rule.id(),
                f.severity.name(),
                f.entries.clone(),
                f.amount.map(Fen::get),
                f.reference.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn post(l: &mut Ledger, body: EntryBody, signers: &[&SigningKey]) -> u64 {
    let seq = l.state.size();
    l.ok(body, signers);
    seq
}

fn yuan(y: u64) -> u64 {
    fen(y).get()
}

/// The kit's policy, with project payments of 30,000 元 or more needing a
/// second signature.
fn cosigned_projects() -> (Ledger, Keys) {
    let mut p = policy();
    p.cosign_rules.push(CosignRule {
        kind: EntryKind::ProjectDisbursement,
        min_amount: fen(30_000),
        signatures: 2,
        roles: Vec::new(),
    });
    started_in(base_with(p))
}

#[test]
fn compliant_project_has_none() {
    let (mut l, k) = cosigned_projects();
    post(&mut l, pay(yuan(12_345), CONTRACTOR, 20190701), &signers_of(&k));
    post(&mut l, pay(yuan(40_000), CONTRACTOR, 20190801), &signers_of(&k));
    let report = audit_entries(&l.sequenced, &l.state, AuditConfig::default());
    assert_eq!(found(&report), vec![]);
}

#[test]
fn round_amounts_to_one_contractor() {
    let (mut l, k) = cosigned_projects();
    let a = post(&mut l, pay(yuan(10_000), CONTRACTOR, 20190701), &signers_of(&k));
    let b = post(&mut l, pay(yuan(20_000), CONTRACTOR, 20190901), &signers_of(&k));
    let c = post(&mut l, pay(yuan(10_000), CONTRACTOR, 20191101), &signers_of(&k));
    let report = audit_entries(&l.sequenced, &l.state, AuditConfig::default());
    assert_eq!(
        found(&report),
        vec![(
            "round_amounts",
            "low",
            vec![a, b, c],
            Some(yuan(40_000)),
            Some(format!("project:{P}"))
        )]
    );
    // Two round payments are not yet a pattern.
    let config = AuditConfig {
        round_min_payments: 4,
        ..AuditConfig::default()
    };
    assert_eq!(found(&audit_entries(&l.sequenced, &l.state, config)), vec![]);
}

#[test]
fn split_just_below_the_threshold() {
    let (mut l, k) = cosigned_projects();
    let a = post(&mut l, pay(yuan(28_000), CONTRACTOR, 20190701), &signers_of(&k));
    let b = post(&mut l, pay(yuan(27_500), CONTRACTOR, 20190715), &signers_of(&k));
    // Far later, alone: not part of it.
    post(&mut l, pay(yuan(25_000), CONTRACTOR, 20191001), &signers_of(&k));
    let report = audit_entries(&l.sequenced, &l.state, AuditConfig::default());
    assert_eq!(
        found(&report),
        vec![(
            "split_below_threshold",
            "high",
            vec![a, b],
            Some(yuan(55_500)),
            Some(format!("project:{P}"))
        )]
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::SplitBelowThreshold)
        .unwrap();
    assert!(f.explanation_zh.contains("会签门槛30,000.00元"), "{}", f.explanation_zh);
    assert!(f.id.starts_with("F-") && f.id.len() == 14, "{}", f.id);
    // A window shorter than the 14 days between them: nothing.
    let config = AuditConfig {
        split_window_days: 10,
        ..AuditConfig::default()
    };
    assert_eq!(found(&audit_entries(&l.sequenced, &l.state, config)), vec![]);
}
