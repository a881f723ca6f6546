//! The one-pass audit (issue 16): entries handed over by the verifier
//! (`Replay::push_observed`, with the rule engine's effects and state and the
//! strict check done in its parallel stage) give exactly the report of the
//! auditor's own replay (`audit_entries`: decoding, verifying and replaying
//! again), on the demo ledger (every kind of entry) and on the same ledger
//! with a crafted mixed-order signature, which both name.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_audit::{audit_entries, AuditConfig, Auditor, Rule};
use ledger_core::chain::SequencedEntry;
use ledger_core::signature_rule::crafted;
use ledger_core::verify::Replay;
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog};

const NOW_MS: u64 = 1_704_067_200_000;

fn demo() -> DemoLog {
    generate(&DemoConfig {
        seed: 16,
        target_entries: 3_000,
        now_ms: NOW_MS,
    })
    .unwrap()
}

/// (the auditor's own replay, the one pass) as Debug text: every field of
/// the report, findings in order.
fn both(entries: &[Vec<u8>]) -> (String, String) {
    let decoded: Vec<SequencedEntry> = entries
        .iter()
        .map(|b| SequencedEntry::decode(b).unwrap().entry)
        .collect();
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let mut replay = Replay::with_chunk_entries(1_024);
    let mut auditor = Auditor::new(AuditConfig::default());
    replay
        .push_observed(&refs, Some(0), &mut |a| {
            auditor.observe_applied(a.entry, a.effects, a.state, a.non_strict.unwrap());
        })
        .unwrap();
    let one_pass = auditor.finish(&replay.state);
    let own = audit_entries(&decoded, &replay.state, AuditConfig::default());
    assert!(!one_pass.findings.is_empty());
    (format!("{own:#?}"), format!("{one_pass:#?}"))
}

#[test]
fn one_pass_reports_exactly_what_the_own_replay_reports() {
    let log = demo();
    let (own, one_pass) = both(&demo_entries(&log, NOW_MS));
    assert_eq!(own, one_pass);
    assert!(!own.contains("NonStrictSignature"), "the demo signs honestly");
}

#[test]
fn one_pass_names_a_crafted_signature_as_the_own_replay_does() {
    let mut log = demo();
    let k = 2_000;
    let public = log.submissions[k].signatures[0].key;
    let key = log
        .admins
        .iter()
        .chain(&log.operators)
        .find(|o| o.grant.key == public)
        .map(|o| o.key.clone())
        .unwrap();
    let message = log.submissions[k].submission.signing_message();
    log.submissions[k].signatures[0].signature = crafted::mixed_order_r(&key, &message);
    let (own, one_pass) = both(&demo_entries(&log, NOW_MS));
    assert_eq!(own, one_pass);
    let report_has = |text: &str| text.matches(&format!("rule: {:?}", Rule::NonStrictSignature)).count();
    assert_eq!(report_has(&one_pass), 1);
    assert!(one_pass.contains(&format!("#{k}")));
}
