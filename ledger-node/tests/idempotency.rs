//! Idempotent retries under a pipelined sequencer: the same submissions
//! posted many times at once — so that copies land in the same commit batch,
//! in a batch still being written, and after it is durable — are each
//! sequenced once, and every copy gets the same receipt.

mod common;

use common::{empty_node_for, post_all_but_trailing_subsidies, TestResult};
use ledger_core::receipt::SignedReceipt;
use ledger_core::submission::SignedSubmission;
use ledger_node::api::Limits;
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_get_one_entry_and_the_same_receipt() -> TestResult {
    let node = empty_node_for("idempotency-concurrent", 7, 1_000, Limits::default())?;
    let log_key = node.log.log_key.verifying_key();
    // Everything but the trailing run of household subsidies first, in order.
    let rest = post_all_but_trailing_subsidies(&node, 400).await?;
    let size_before = node.app.shared.committed();
    assert!(
        rest.len() >= 20,
        "the demo ends with at least 20 money entries, has {}",
        rest.len()
    );

    // Eight requests of overlapping windows of the rest, each sent four times.
    let window = rest.len() / 4;
    let start_of = |part: usize| (part * window / 2).min(rest.len() - window);
    let covered: std::collections::BTreeSet<usize> = (0..8).flat_map(|p| start_of(p)..start_of(p) + window).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for copy in 0..4u64 {
        for part in 0..8 {
            let start = start_of(part);
            let items: Vec<SignedSubmission> = rest[start..start + window].to_vec();
            let app = node.app.clone();
            // Staggered by about a flush, so that some copies arrive while
            // the batch holding their first copy is still being written.
            let delay = std::time::Duration::from_micros(700 * (copy * 8 + part as u64));
            tasks.spawn(async move {
                tokio::time::sleep(delay).await;
                let answers = ledger_node::api::write::submit_parsed(&app, items.iter().cloned().map(Ok).collect())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((copy, items, answers))
            });
        }
    }
    let mut receipts: HashMap<_, Vec<SignedReceipt>> = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (_, items, answers) = joined??;
        assert_eq!(items.len(), answers.len());
        for (item, answer) in items.iter().zip(answers) {
            let receipt = answer.map_err(|e| format!("a copy was refused: {} {}", e.code, e.message))?;
            receipt.verify(&log_key)?;
            assert_eq!(receipt.receipt.submission_id, item.id());
            receipts.entry(item.id()).or_default().push(receipt);
        }
    }
    // Every distinct submission sequenced exactly once; all its copies agree.
    assert_eq!(receipts.len(), covered.len());
    let distinct = receipts.len() as u64;
    assert_eq!(node.app.shared.committed(), size_before + distinct);
    let mut seqs: Vec<u64> = Vec::new();
    for (id, copies) in &receipts {
        assert!(copies.len() >= 2, "every submission was sent at least twice");
        for c in copies {
            assert_eq!(c.receipt, copies[0].receipt, "copies of {id} disagree");
        }
        seqs.push(copies[0].receipt.seq);
    }
    seqs.sort_unstable();
    let expected: Vec<u64> = (size_before..size_before + distinct).collect();
    assert_eq!(seqs, expected, "one entry per distinct submission, no gaps");
    Ok(())
}
