//! The workload: the deterministic demo ledger (`ledger_demo`), pre-signed
//! with its many operator keys, encoded once, and split into the batches the
//! load generator sends.
//!
//! Ordering matters to a ledger: a subsidy needs the allocation before it, a
//! reversal names its target by sequence number. The generator's log is valid
//! in its own order, so the load generator keeps that order wherever it
//! matters. Every entry that is not a household subsidy, and every subsidy
//! that a later entry names by sequence number (a reversal, a confirmation,
//! an objection against it), is a *barrier*: everything before it is
//! acknowledged before it is sent, and it is acknowledged before anything
//! after it is sent. Between two barriers the entries are subsidies paid from
//! balances allocated before the first barrier; they only debit, so they
//! succeed in any order, and their sequence numbers are named by no entry.
//! Those stretches are sent with several requests in flight.
//!
//! The project library's entries (issue 13: review, approval, start,
//! acceptance, hand-over, evaluation, adjustment, cancellation) are barriers
//! like every non-subsidy entry: a project payment is refused before its
//! approval, over its budget or before its acceptance for the retention
//! share, so each stage must be sequenced exactly between the payments the
//! generator put around it ([`is_barrier`]).

use anyhow::{bail, Result};
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::{EntryBody, EntryKind};
use ledger_core::region::RegionLevel;
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog};
use std::collections::HashSet;
use std::time::Instant;

/// What the PostgreSQL baseline stores per entry besides the bytes.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The entry's kind.
    pub kind: EntryKind,
    /// Must be sequenced exactly at its position (see the module docs).
    pub barrier: bool,
    /// The region the entry concerns (village of a subsidy, …).
    pub region: Option<u64>,
    /// Its fund.
    pub fund: Option<String>,
    /// The household reference of a subsidy.
    pub household: Option<[u8; 32]>,
}

/// The pre-signed workload.
pub struct Workload {
    /// Keys and submissions.
    pub log: DemoLog,
    /// Canonical `SignedSubmission` bytes, in log order.
    pub records: Vec<Vec<u8>>,
    /// Per entry.
    pub meta: Vec<Meta>,
    /// Unix ms the submissions were generated for.
    pub now_ms: u64,
    /// Seconds spent generating and signing.
    pub generate_seconds: f64,
    /// Village codes of the region table.
    pub villages: Vec<u64>,
}

/// Current Unix time in ms (one clock for every binary: ledger-datadir).
pub use ledger_datadir::clock::now_ms;

fn meta_of(body: &EntryBody) -> (Option<u64>, Option<String>, Option<[u8; 32]>) {
    match body {
        EntryBody::HouseholdSubsidy(s) => (Some(s.village.get()), Some(s.fund.to_string()), Some(s.household.0 .0)),
        EntryBody::ProjectRegister(p) => (Some(p.village.get()), None, None),
        EntryBody::Transfer(t) => (
            match &t.to {
                ledger_core::entry::Account::Treasury(r) => Some(r.get()),
                ledger_core::entry::Account::Project(_) => None,
            },
            Some(t.fund.to_string()),
            None,
        ),
        EntryBody::FundIssue(f) => (None, Some(f.fund.to_string()), None),
        EntryBody::ProjectDisbursement(d) => (None, Some(d.fund.to_string()), None),
        _ => (None, None, None),
    }
}

/// Must an entry of `kind` be sequenced exactly at its position? Every kind
/// but a household subsidy (money arriving, project stages and payments,
/// the procedure's steps), and a subsidy that a later entry names by its
/// sequence number (`named`).
pub fn is_barrier(kind: EntryKind, named: bool) -> bool {
    kind != EntryKind::HouseholdSubsidy || named
}

/// Generate and sign `entries` submissions (genesis included), deterministic
/// for a seed.
pub fn prepare(entries: u64, seed: u64) -> Result<Workload> {
    let now = now_ms();
    let started = Instant::now();
    let log = generate(&DemoConfig {
        seed,
        target_entries: entries,
        now_ms: now,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let generate_seconds = started.elapsed().as_secs_f64();
    if log.submissions.len() as u64 != entries {
        bail!(
            "the demo generator made {} entries, not {entries} (it needs at least a few hundred)",
            log.submissions.len()
        );
    }
    let targets: HashSet<u64> = log
        .submissions
        .iter()
        .filter_map(|s| match &s.submission.body {
            // Entries that name another by sequence number: the named one
            // must be sequenced exactly where the generator put it.
            EntryBody::Reversal(r) => Some(r.target_seq),
            EntryBody::PaymentConfirm(c) => Some(c.payment_seq),
            EntryBody::Objection(o) => match o.target {
                ledger_core::procedure::ObjectionTarget::Entry(seq) => Some(seq),
                ledger_core::procedure::ObjectionTarget::NoticeLine(_) => None,
            },
            _ => None,
        })
        .collect();
    let records: Vec<Vec<u8>> = {
        use rayon::prelude::*;
        log.submissions.par_iter().map(|s| s.encode()).collect()
    };
    let meta = log
        .submissions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let body = &s.submission.body;
            let kind = body.kind();
            let (region, fund, household) = meta_of(body);
            Meta {
                kind,
                barrier: is_barrier(kind, targets.contains(&(i as u64))),
                region,
                fund,
                household,
            }
        })
        .collect();
    let villages = ledger_demo::huaian_regions()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .iter()
        .filter(|r| r.code.level() == RegionLevel::Village)
        .map(|r| r.code.get())
        .collect();
    Ok(Workload {
        log,
        records,
        meta,
        now_ms: now,
        generate_seconds,
        villages,
    })
}

impl Workload {
    /// The sequenced entries a node would produce (entry `i` at `now_ms + i`).
    pub fn sequenced(&self) -> Vec<Vec<u8>> {
        demo_entries(&self.log, self.now_ms)
    }

    /// Number of signatures of entries `range`.
    pub fn signatures(&self) -> u64 {
        self.log.submissions.iter().map(|s| s.signatures.len() as u64).sum()
    }

    /// Entries to post one by one by many clients, in any order: `want`
    /// entries (or fewer, if no stretch is that long) out of the latest
    /// stretch between two barriers that is long enough (else the longest),
    /// among the first `limit` entries.
    pub fn free_stretch(&self, want: usize, limit: usize) -> std::ops::Range<usize> {
        let meta = &self.meta[..limit.min(self.meta.len())];
        let mut best: std::ops::Range<usize> = 0..0;
        let mut start = None;
        for i in 0..=meta.len() {
            let barrier = meta.get(i).is_none_or(|m| m.barrier);
            match (barrier, start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    let run = s..i;
                    let long_enough = run.len() >= want;
                    if long_enough || run.len() >= best.len().min(want) {
                        best = run;
                    }
                    start = None;
                }
                _ => {}
            }
        }
        let take = best.len().min(want);
        best.end - take..best.end
    }

    /// Entries `range` as requests of `batch` entries in order (the last one
    /// shorter). A request holding a barrier is a barrier request: sent
    /// after everything before it is acknowledged, and acknowledged before
    /// anything after it is sent, so every entry in it keeps its sequence
    /// number; requests of subsidies only are sent several at a time.
    ///
    /// Why full requests even around barriers: format 2's demo names most of
    /// its payments by sequence number (a confirmation each), so cutting a
    /// request at every barrier made tens of thousands of requests of a few
    /// entries, and the ingest measured the request overhead, not the node
    /// (docs/PERFORMANCE.md, "Window 8 on format 2").
    pub fn requests(&self, range: std::ops::Range<usize>, batch: usize) -> Vec<Request> {
        let mut out: Vec<Request> = Vec::new();
        let mut current: Option<Request> = None;
        for i in range {
            if current.as_ref().is_some_and(|c| c.count >= batch.max(1)) {
                out.extend(current.take());
            }
            let request = current.get_or_insert_with(|| Request {
                barrier: false,
                body: Vec::new(),
                count: 0,
                first: i,
            });
            request.barrier |= self.meta[i].barrier;
            frame(&mut request.body, &self.records[i]);
            request.count += 1;
        }
        out.extend(current);
        out
    }
}

/// One request of the batch mode.
#[derive(Debug, Clone)]
pub struct Request {
    /// Sent alone, after everything before it is acknowledged.
    pub barrier: bool,
    /// `application/octet-stream` body: `u32 LE len ‖ SignedSubmission` records.
    pub body: Vec<u8>,
    /// Submissions in it.
    pub count: usize,
    /// Index of its first entry.
    pub first: usize,
}

/// Append one framed record.
pub fn frame(out: &mut Vec<u8>, record: &[u8]) {
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out.extend_from_slice(record);
}

/// Decode check used by the smoke run: the sequenced bytes decode.
pub fn check_decodes(entries: &[Vec<u8>]) -> Result<()> {
    for (i, e) in entries.iter().enumerate().take(16) {
        SequencedEntry::decode(e).map_err(|err| anyhow::anyhow!("entry {i}: {err}"))?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// In a demo workload, every project-library entry and every project
    /// payment is a barrier: only household subsidies run between them.
    #[test]
    fn project_stages_and_payments_are_barriers() {
        let w = prepare(1_500, 1).unwrap();
        let mut stages = 0;
        for m in &w.meta {
            if !m.barrier {
                assert_eq!(m.kind, EntryKind::HouseholdSubsidy);
            }
            if m.kind.name().starts_with("project") {
                assert!(m.barrier, "{}", m.kind.name());
                stages += 1;
            }
        }
        // 20 projects: their proposals, stages and payments (seed 1); the
        // demo's last entries are its contacts (issue 15), which cut two.
        assert_eq!(stages, 167);
        for kind in EntryKind::ALL.iter().copied() {
            assert_eq!(
                is_barrier(kind, false),
                kind != EntryKind::HouseholdSubsidy,
                "{}",
                kind.name()
            );
            assert!(is_barrier(kind, true));
        }
    }

    /// Requests are full (`batch` entries, in order) whatever the barriers;
    /// a request is a barrier exactly when it holds one.
    #[test]
    fn requests_are_full_and_barrier_when_they_hold_one() {
        let w = prepare(1_500, 1).unwrap();
        let requests = w.requests(0..1_500, 100);
        assert_eq!(requests.len(), 15);
        let mut next = 0;
        for r in &requests {
            assert_eq!((r.first, r.count), (next, 100));
            let holds = w.meta[r.first..r.first + r.count].iter().any(|m| m.barrier);
            assert_eq!(r.barrier, holds, "request at {}", r.first);
            next += r.count;
        }
        // A stretch of subsidies only is not a barrier.
        let pure = (0..1_500)
            .find(|&i| w.meta[i..i + 3].iter().all(|m| !m.barrier))
            .unwrap();
        let r = w.requests(pure..pure + 3, 100);
        assert_eq!((r.len(), r[0].barrier), (1, false));
    }
}
