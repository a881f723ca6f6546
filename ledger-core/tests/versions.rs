//! Format 3 (issue 14) refuses the older formats with a message that says
//! what the reader holds (docs/FORMAT.md §1 "Versions"): the leading version
//! byte of an entry, a submission and a bundle header is checked before
//! anything else is decoded.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_core::bundle::{parse_header, BUNDLE_MAGIC};
use ledger_core::chain::{SequencedEntry, ENTRY_VERSION};
use ledger_core::submission::{SignedSubmission, SUBMISSION_VERSION};
use ledger_demo::{demo_entries, generate, DemoConfig};

const NOW_MS: u64 = 1_610_672_400_000;

const V2: &str = "format version 2 is not supported: this build reads version 3 (an older ledger: version 2 is from before supplementary payments and the duplicate-payment control, issue 14; docs/FORMAT.md §1 \"Versions\")";
const V1: &str = "format version 1 is not supported: this build reads version 3 (an older ledger: version 1 is from before business dates and the policy's controls; docs/FORMAT.md §1 \"Versions\")";

fn an_entry() -> Vec<u8> {
    let log = generate(&DemoConfig {
        seed: 3,
        target_entries: 300,
        now_ms: NOW_MS,
    })
    .unwrap();
    demo_entries(&log, NOW_MS).swap_remove(5)
}

#[test]
fn this_build_writes_and_reads_version_3() {
    assert_eq!(
        (ENTRY_VERSION, SUBMISSION_VERSION, ledger_core::bundle::BUNDLE_VERSION),
        (3, 3, 3)
    );
    let bytes = an_entry();
    assert_eq!(bytes[0], 3);
    let decoded = SequencedEntry::decode(&bytes).unwrap();
    assert_eq!(decoded.entry.v, 3);
    assert_eq!(decoded.entry.signed.submission.v, 3);
}

#[test]
fn a_version_2_or_1_entry_is_refused_by_name() {
    for (version, message) in [(2u8, V2), (1u8, V1)] {
        let mut bytes = an_entry();
        bytes[0] = version;
        let e = SequencedEntry::decode(&bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("malformed submission: {message}"),
            "entry v{version}"
        );
    }
}

#[test]
fn a_version_2_submission_and_bundle_header_are_refused_by_name() {
    let bytes = an_entry();
    let decoded = SequencedEntry::decode(&bytes).unwrap();
    let mut submission = decoded.entry.signed.encode();
    assert_eq!(submission[0], 3);
    submission[0] = 2;
    let e = SignedSubmission::decode(&submission).unwrap_err();
    assert_eq!(e.to_string(), format!("malformed submission: {V2}"));

    // A bundle header whose version byte is 2.
    let mut bundle = BUNDLE_MAGIC.to_vec();
    let header = [2u8, 0, 0, 0];
    bundle.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bundle.extend_from_slice(&header);
    let e = parse_header(&bundle).unwrap_err();
    assert_eq!(e.to_string(), format!("bundle header: {V2}"));
}
