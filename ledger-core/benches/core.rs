//! Micro-benchmarks of the ledger's building blocks (see docs/PERFORMANCE.md):
//! encoding, hashing, tree append, proof generation, rule application, and
//! the reference rates of Ed25519 — one by one (`verify_strict`) and batched
//! (`verify_batch`) — against which the system figures are read.
//!
//! `cargo bench -p ledger-core --bench core` measures;
//! `cargo bench -p ledger-core --bench core -- --test` runs each once (smoke).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use ledger_core::chain::{entry_hash, SequencedEntry};
use ledger_core::entry::EntryBody;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::receipt::Receipt;
use ledger_core::rules::LedgerState;
use ledger_core::submission::{verify_batch_each, SignedSubmission, VerifiedSubmission};
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog};

/// Demo time base: 2021-01-15 09:00 China time, after the demo's last
/// business date (the rule engine refuses a business date after the
/// sequencing day, and the generator dates nothing after its `now_ms`).
const NOW_MS: u64 = 1_610_672_400_000;
/// Entries in the workload the benches draw from.
const ENTRIES: u64 = 6_000;

struct Fixture {
    log: DemoLog,
    entries: Vec<Vec<u8>>,
    /// Index of a typical household-subsidy entry.
    subsidy: usize,
}

fn fixture() -> Fixture {
    let log = match generate(&DemoConfig {
        seed: ledger_demo::DEFAULT_SEED,
        target_entries: ENTRIES,
        now_ms: NOW_MS,
    }) {
        Ok(log) => log,
        Err(e) => panic!("demo data: {e}"),
    };
    let entries = demo_entries(&log, NOW_MS);
    let subsidy = log
        .submissions
        .iter()
        .rposition(|s| matches!(s.submission.body, EntryBody::HouseholdSubsidy(_)))
        .unwrap_or(0);
    Fixture { log, entries, subsidy }
}

fn verified(signed: &SignedSubmission) -> VerifiedSubmission {
    match signed.clone().verify() {
        Ok(v) => v,
        Err(e) => panic!("demo signature: {e}"),
    }
}

fn encoding(c: &mut Criterion, f: &Fixture) {
    let bytes = &f.entries[f.subsidy];
    let entry = match SequencedEntry::decode(bytes) {
        Ok(d) => d.entry,
        Err(e) => panic!("{e}"),
    };
    let mut g = c.benchmark_group("encoding");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(format!("encode SequencedEntry ({} B subsidy)", bytes.len()), |b| {
        b.iter(|| black_box(&entry).encode())
    });
    g.bench_function("decode SequencedEntry (canonical check + both hashes)", |b| {
        b.iter(|| SequencedEntry::decode(black_box(bytes)))
    });
    g.bench_function("decode SignedSubmission (canonical check)", |b| {
        let record = entry.signed.encode();
        b.iter(|| SignedSubmission::decode(black_box(&record)))
    });
    g.finish();
}

fn hashing(c: &mut Criterion, f: &Fixture) {
    let bytes = &f.entries[f.subsidy];
    let mut g = c.benchmark_group("hashing");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(format!("blake3 chain hash ({} B)", bytes.len()), |b| {
        b.iter(|| entry_hash(black_box(bytes)))
    });
    g.bench_function(format!("sha256 RFC 6962 leaf hash ({} B)", bytes.len()), |b| {
        b.iter(|| leaf_hash(black_box(bytes)))
    });
    g.finish();
}

fn tree(c: &mut Criterion, f: &Fixture) {
    let leaves: Vec<_> = f.entries.iter().map(|e| leaf_hash(e)).collect();
    let mut g = c.benchmark_group("merkle");
    g.throughput(Throughput::Elements(leaves.len() as u64));
    g.bench_function(format!("append {} leaves to an empty tree", leaves.len()), |b| {
        b.iter(|| {
            let mut t = MemoryTree::new();
            for leaf in &leaves {
                t.append(*leaf);
            }
            t.size()
        })
    });
    g.throughput(Throughput::Elements(1));
    // A tree of 2^20 leaves (the size class of the 1,000,000-entry target).
    let size = 1u64 << 20;
    let mut big = MemoryTree::new();
    for i in 0..size {
        big.append(leaves[(i % leaves.len() as u64) as usize]);
    }
    let mut i = 0u64;
    g.bench_function("inclusion proof in a tree of 2^20 leaves", |b| {
        b.iter(|| {
            i = (i + 7_919) % size;
            big.inclusion_proof(black_box(i), size)
        })
    });
    g.bench_function("root of a tree of 2^20 leaves", |b| b.iter(|| big.root()));
    g.finish();
}

fn rules(c: &mut Criterion, f: &Fixture) {
    // State after everything up to the last stretch of subsidies; the bench
    // applies the next 512 subsidies (signatures checked beforehand). Since
    // the demo follows the policy's flow, the payment lists, confirmations
    // and other entries between them are applied too, in log order, but
    // outside the measured time.
    let all: Vec<VerifiedSubmission> = f.log.submissions.iter().map(verified).collect();
    let start = f.subsidy.saturating_sub(1_200);
    let mut state = LedgerState::new();
    for (seq, v) in all.iter().enumerate().take(start) {
        if let Err(e) = state.apply(seq as u64, NOW_MS + seq as u64, v) {
            panic!("entry {seq}: {e}");
        }
    }
    let mut stretch: Vec<(u64, &VerifiedSubmission, bool)> = Vec::new();
    let mut subsidies = 0;
    for (i, v) in all.iter().enumerate().skip(start) {
        let is_subsidy = matches!(v.submission().body, EntryBody::HouseholdSubsidy(_));
        if is_subsidy && subsidies == 512 {
            break;
        }
        subsidies += usize::from(is_subsidy);
        stretch.push((i as u64, v, is_subsidy));
    }
    {
        // The measured path must be the accepting one.
        let mut trial = state.clone();
        for (index, v, _) in &stretch {
            if let Err(e) = trial.apply(*index, NOW_MS + index, v) {
                panic!("entry {index}: {e}");
            }
        }
    }
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(subsidies as u64));
    g.sample_size(20);
    g.bench_function(format!("apply {subsidies} household subsidies"), |b| {
        b.iter_custom(|iterations| {
            let mut measured = std::time::Duration::ZERO;
            for _ in 0..iterations {
                let mut s = state.clone();
                for (index, v, is_subsidy) in &stretch {
                    if *is_subsidy {
                        let started = std::time::Instant::now();
                        let _ = black_box(s.apply(*index, NOW_MS + index, v));
                        measured += started.elapsed();
                    } else {
                        let _ = s.apply(*index, NOW_MS + index, v);
                    }
                }
            }
            measured
        })
    });
    g.finish();
}

fn signatures(c: &mut Criterion, f: &Fixture) {
    struct Raw {
        message: Vec<u8>,
        signature: Signature,
        key: VerifyingKey,
    }
    let mut raw = Vec::new();
    for s in &f.log.submissions {
        let message = s.submission.signing_message();
        for sig in &s.signatures {
            let key = match VerifyingKey::from_bytes(sig.key.as_bytes()) {
                Ok(k) => k,
                Err(e) => panic!("{e}"),
            };
            raw.push(Raw {
                message: message.clone(),
                signature: Signature::from_bytes(sig.signature.as_bytes()),
                key,
            });
        }
    }
    let mut g = c.benchmark_group("ed25519");
    g.throughput(Throughput::Elements(1));
    let one = &raw[raw.len() - 1];
    g.bench_function("verify_strict, one signature (one core)", |b| {
        b.iter(|| one.key.verify_strict(black_box(&one.message), &one.signature))
    });
    // The audit's strict check for a busy key (issue 16): the same answer as
    // `verify_strict` through the key's fixed-base table.
    let one_key = ledger_core::encoding::Bytes(one.key.to_bytes());
    let one_sig = ledger_core::encoding::Bytes(one.signature.to_bytes());
    let table = ledger_core::signature_rule::StrictKey::with_table(&one_key);
    g.bench_function("strict check with the key's table, one signature (one core)", |b| {
        b.iter(|| table.verify(&one_sig, black_box(&one.message)))
    });
    g.bench_function("sign a receipt (log key)", |b| {
        let receipt = Receipt::new(
            "bench.example/log",
            1,
            ledger_core::encoding::Bytes([1; 32]),
            ledger_core::encoding::Bytes([2; 32]),
            leaf_hash(b"x"),
            NOW_MS,
        );
        b.iter(|| black_box(receipt.clone()).sign(&f.log.log_key))
    });
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("sign_batch of 1,000 receipts (one signature, 1,000 paths)", |b| {
        let receipts: Vec<Receipt> = (0..1_000u64)
            .map(|i| {
                Receipt::new(
                    "bench.example/log",
                    i,
                    ledger_core::encoding::Bytes([1; 32]),
                    ledger_core::encoding::Bytes([2; 32]),
                    leaf_hash(&i.to_le_bytes()),
                    NOW_MS,
                )
            })
            .collect();
        b.iter_batched(
            || receipts.clone(),
            |r| ledger_core::receipt::sign_batch(r, &f.log.log_key),
            BatchSize::LargeInput,
        )
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("VerifyingKey::from_bytes (point decompression)", |b| {
        let bytes = one.key.to_bytes();
        b.iter(|| VerifyingKey::from_bytes(black_box(&bytes)))
    });
    for n in [64usize, 256, 512, 1024] {
        let chunk = &raw[raw.len() - n..];
        let messages: Vec<&[u8]> = chunk.iter().map(|r| r.message.as_slice()).collect();
        let sigs: Vec<Signature> = chunk.iter().map(|r| r.signature).collect();
        let keys: Vec<VerifyingKey> = chunk.iter().map(|r| r.key).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("verify_batch of {n} (one core)"), |b| {
            b.iter(|| ed25519_dalek::verify_batch(black_box(&messages), &sigs, &keys))
        });
        // The same signatures through the ZIP-215 batch equation the ledger uses.
        g.bench_function(format!("ZIP-215 batch (ed25519-zebra) of {n} (one core)"), |b| {
            b.iter(|| {
                let mut verifier = ed25519_zebra::batch::Verifier::new();
                for r in chunk {
                    verifier.queue((
                        ed25519_zebra::VerificationKeyBytes::from(r.key.to_bytes()),
                        ed25519_zebra::Signature::from_bytes(&r.signature.to_bytes()),
                        black_box(r.message.as_slice()),
                    ));
                }
                verifier.verify(rand::thread_rng())
            })
        });
    }
    let batch: Vec<SignedSubmission> = f.log.submissions[f.log.submissions.len() - 256..].to_vec();
    let n_sigs: usize = batch.iter().map(|s| s.signatures.len()).sum();
    g.throughput(Throughput::Elements(n_sigs as u64));
    g.bench_function(
        "verify_batch_each of 256 submissions (library: messages, ZIP-215 batch)",
        |b| b.iter_batched(|| batch.clone(), verify_batch_each, BatchSize::LargeInput),
    );
    g.finish();
}

fn all(c: &mut Criterion) {
    let f = fixture();
    encoding(c, &f);
    hashing(c, &f);
    tree(c, &f);
    rules(c, &f);
    signatures(c, &f);
}

criterion_group!(benches, all);
criterion_main!(benches);
