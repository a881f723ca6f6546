//! Making a sequenced batch durable and answering it: one write and one
//! flush, the record of what the log key signed, the readers' aggregates,
//! the receipts' one signature, then every client's answer.

use super::batch::{Outcome, Sequenced};
use super::key_files::KeyFiles;
use super::{Answer, SequenceError};
use crate::ledger::{load_reversal_targets, record_batch, reversals_in, Latest, Shared};
use crate::metrics::Metrics;
use crate::signed_state;
use ledger_core::chain::SequencedEntry;
use ledger_core::encoding::Hash32;
use ledger_core::entry::EntryBody;
use ledger_core::receipt::{sign_batch, Receipt, SignedReceipt};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Make a sequenced batch durable (one atomic write, one flush), publish it
/// to readers, sign its receipts and answer every client. Returns true if
/// storage failed.
pub(super) fn finish_batch(shared: &Shared, s: Sequenced, key_files: &KeyFiles) -> bool {
    let Sequenced {
        started,
        batch,
        appended,
        receipt_runs,
        outcomes,
        replies,
        tree_size,
        root,
        note,
    } = s;
    // The batch's receipts by position (seq − first appended seq).
    let first_seq = appended.first().map_or(0, |(entry, _)| entry.seq);
    let mut receipts: Vec<Option<SignedReceipt>> = Vec::with_capacity(appended.len());
    if !appended.is_empty() {
        // Durable in the log, then recorded as the last checkpoint the key
        // signed: only then may the checkpoint or any receipt leave the node.
        let written = shared
            .store
            .commit(&batch)
            .map_err(anyhow::Error::from)
            .and_then(|()| signed_state::record(&shared.data_dir, &note));
        if let Err(e) = written {
            tracing::error!(error = %format!("{e:#}"), "group commit failed");
            for (reply, items) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(items.iter().map(|_| Err(SequenceError::StorageFailed)).collect());
            }
            return true;
        }
        // Durable. Read the targets of any reversal (rare) outside the lock,
        // so that the aggregates are updated here, in one write, and read
        // handlers never write.
        let pending = shared
            .ledger
            .read()
            .map(|l| l.query.pending_reversals().to_vec())
            .unwrap_or_default();
        let wanted = reversals_in(&pending, appended.iter().map(|(entry, _)| entry));
        let targets = load_reversal_targets(&shared.store, &wanted);
        // Publish to readers, then answer.
        if let Ok(mut ledger) = shared.ledger.write() {
            let ledger = &mut *ledger;
            // On failure a reversal stays pending and is retried after the
            // next commit; the aggregates lag, they are never wrong.
            let recorded = match targets {
                Ok(t) => record_batch(ledger, &appended, t),
                Err(e) => record_batch(ledger, &appended, Vec::new()).and(Err(e)),
            };
            if let Err(e) = recorded {
                tracing::error!(error = %e, "reversal targets could not be folded into the aggregates");
            }
        }
        if let Ok(mut latest) = shared.latest.write() {
            *latest = Some(Arc::new(Latest {
                note,
                size: tree_size,
                root,
            }));
        }
        shared.committed.store(tree_size, Ordering::Release);
        shared.metrics.entries.inc_by(appended.len() as u64);
        Metrics::set_gauge(&shared.metrics.log_size, tree_size);
        shared.metrics.batch_size.observe(appended.len() as f64);
        shared.metrics.commit_seconds.observe(started.elapsed().as_secs_f64());
        // One signature for the whole batch's receipts (`receipt::sign_batch`).
        for (key, run) in receipt_runs {
            receipts.extend(sign_batch(run, &key).into_iter().map(Some));
        }
    }

    // A receipt is handed over (not cloned) to the one item that asked for
    // its entry, cloned only for a copy of the same submission in the batch.
    let mut askers = vec![0u32; receipts.len()];
    for outcome in outcomes.iter().flatten() {
        if let Outcome::Appended(seq) = outcome {
            if let Some(n) = askers.get_mut(seq.wrapping_sub(first_seq) as usize) {
                *n += 1;
            }
        }
    }
    let mut take_receipt = |seq: u64| -> Result<SignedReceipt, SequenceError> {
        let at = seq.wrapping_sub(first_seq) as usize;
        let (Some(n), Some(slot)) = (askers.get_mut(at), receipts.get_mut(at)) else {
            return Err(SequenceError::StorageFailed);
        };
        *n = n.saturating_sub(1);
        let receipt = if *n == 0 { slot.take() } else { slot.clone() };
        receipt.ok_or(SequenceError::StorageFailed)
    };
    for (reply, items) in replies.into_iter().zip(outcomes) {
        let results = items
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Rejected(e) => Err(e),
                Outcome::Appended(seq) => take_receipt(seq).map(Answer::Receipt),
                Outcome::Existing { seq, id, key } => existing_receipt(shared, &key, seq, &id).map(Answer::Receipt),
                Outcome::WouldAccept => Ok(Answer::WouldAccept),
            })
            .collect();
        // The client may have gone away; the entry is durable regardless.
        let _ = reply.send(results);
    }
    // A rotation is in force in memory already (the sequencer signed with
    // the new key); renaming the key files waits for no one (`key_files`).
    for (entry, _) in &appended {
        if let EntryBody::LogKeyRotate { log_vkey, .. } = &entry.signed.submission.body {
            key_files.rotated(log_vkey);
        }
    }
    false
}

/// Rebuild the receipt of an entry already in the log (an idempotent retry):
/// the same receipt fields as the first answer, signed again as a batch of one.
fn existing_receipt(
    shared: &Shared,
    key: &ed25519_dalek::SigningKey,
    seq: u64,
    expected_id: &Hash32,
) -> Result<SignedReceipt, SequenceError> {
    let bytes = shared
        .store
        .entry(seq)
        .map_err(|_| SequenceError::StorageFailed)?
        .ok_or(SequenceError::StorageFailed)?;
    let decoded = SequencedEntry::decode(&bytes).map_err(|_| SequenceError::StorageFailed)?;
    // Verify on read: the idempotency index must point at this very submission.
    if decoded.entry.signed.id() != *expected_id {
        tracing::error!(
            seq,
            "the idempotency index points at another entry: the store is damaged"
        );
        return Err(SequenceError::IndexDamaged { seq });
    }
    let origin = {
        let ledger = shared.ledger.read().map_err(|_| SequenceError::StorageFailed)?;
        ledger.state.origin().unwrap_or_default().to_string()
    };
    Ok(Receipt::new(
        &origin,
        seq,
        decoded.entry.signed.id(),
        decoded.entry_hash,
        decoded.leaf_hash,
        decoded.entry.time_ms,
    )
    .sign(key))
}
