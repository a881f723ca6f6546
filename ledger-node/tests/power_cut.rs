//! Power-cut test: the data folder lives on a loop-mounted ext4; under
//! concurrent load the file system is cut at a random moment
//! (`trigger_fs_error` with `errors=remount-ro`: everything not yet on the
//! device is lost, as in a power cut), the node is killed, the file system
//! unmounted and mounted again. Every cycle then checks that the store
//! opens, the chain verifies and every acknowledged entry is there with the
//! hash its receipt names; the next cycle's node must start on it.
//!
//! kill -9 alone cannot show a missing fsync (the kernel still holds the
//! written pages and writes them later); this cut drops them. The same
//! technique lost the whole sled store in 4 of 4 runs (issue 11).
//!
//! Needs root, loop devices and ext4's `trigger_fs_error`. Without them the
//! test passes after printing SKIPPED and the reason, and writes the reason
//! to `target/SKIPPED-power_cut.txt`, which `./run-tests` shows at the end;
//! `LEDGER_REQUIRE_FAULT_TESTS=1` turns a skip into a failure.
//! `LEDGER_POWER_CUT_CYCLES` (default 20) and `LEDGER_POWER_CUT_SEED`
//! reproduce or lengthen a run.

mod common;

use common::mounts::{self, LoopFs};
use common::{demo_folder, free_port, load_split, start_logged_node, TestResult};
use ledger_core::chain::SequencedEntry;
use ledger_core::receipt::SignedReceipt;
use ledger_core::submission::SignedSubmission;
use ledger_node::ledger::open_ledger;
use ledger_node::signed_state;
use ledger_node::store::Store;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DEFAULT_CYCLES: u32 = 20;
/// Size of the ext4 image (sparse): room for every cycle's entries.
const IMAGE_MIB: u64 = 256;
/// Concurrent posting clients.
const CLIENTS: usize = 6;
/// The cut comes this long after the load starts, at most (uniformly drawn).
const MAX_CUT_DELAY_MS: u64 = 900;

/// xorshift64*: a reproducible source of the random moments (the seed is printed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

fn post(client: &reqwest::blocking::Client, port: u16, batch: &[SignedSubmission]) -> TestResult<serde_json::Value> {
    Ok(client
        .post(format!("http://127.0.0.1:{port}/v1/submissions"))
        .json(&serde_json::json!({ "submissions": batch }))
        .send()?
        .json::<serde_json::Value>()?)
}

/// What the clients of one cycle got back.
#[derive(Default)]
struct Acks {
    receipts: Vec<SignedReceipt>,
    /// Refusals by code (a load that is refused tests nothing: reported).
    refused: std::collections::BTreeMap<String, u64>,
    /// Submissions refused by a ledger rule (the demo revokes a key its
    /// later subsidies use): not sent again.
    settled: Vec<ledger_core::encoding::Hash32>,
}

/// Post `pending` from `CLIENTS` threads in batches of 1–8 until `stop`.
fn load(
    port: u16,
    pending: Vec<SignedSubmission>,
    seed: u64,
    acks: Arc<Mutex<Acks>>,
    acked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    let pending = Arc::new(pending);
    (0..CLIENTS)
        .map(|c| {
            let (pending, acks, acked, stop) = (pending.clone(), acks.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let Ok(client) = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                else {
                    return;
                };
                let mine: Vec<&SignedSubmission> = pending.iter().skip(c).step_by(CLIENTS).collect();
                let mut rng = Rng(seed ^ (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
                let mut at = 0;
                while at < mine.len() && !stop.load(Ordering::Relaxed) {
                    let take = (1 + rng.below(8) as usize).min(mine.len() - at);
                    let batch: Vec<SignedSubmission> = mine[at..at + take].iter().map(|s| (*s).clone()).collect();
                    at += take;
                    // A cut connection or a refused answer: nothing acknowledged.
                    let Ok(answer) = post(&client, port, &batch) else {
                        continue;
                    };
                    let Some(results) = answer["results"].as_array() else {
                        continue;
                    };
                    for (submission, result) in batch.iter().zip(results) {
                        let Some(receipt) = result.get("receipt") else {
                            if let (Some(code), Ok(mut all)) = (result["error"]["code"].as_str(), acks.lock()) {
                                *all.refused.entry(code.to_string()).or_default() += 1;
                                if !matches!(code, "storage_failed" | "unavailable" | "storage_full" | "overloaded") {
                                    all.settled.push(submission.id());
                                }
                            }
                            continue;
                        };
                        if let Ok(r) = serde_json::from_value::<SignedReceipt>(receipt.clone()) {
                            if let Ok(mut all) = acks.lock() {
                                all.receipts.push(r);
                                acked.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            })
        })
        .collect()
}

/// After the remount: the store opens, the chain and checkpoint verify, the
/// recorded signed checkpoint is in the tree, and every acknowledged entry
/// is stored with its receipt's hash. Returns the stored size.
fn check_folder(
    data: &Path,
    receipts: &HashMap<u64, SignedReceipt>,
    log_key: &ed25519_dalek::VerifyingKey,
) -> TestResult<u64> {
    let store = Store::open_read_only(&data.join("store"))
        .map_err(|e| format!("the store does not open after the cut: {e}"))?;
    let (ledger, _latest) =
        open_ledger(&store, &|_| {}).map_err(|e| format!("the stored chain does not verify after the cut: {e}"))?;
    let signed = signed_state::read(data)?.ok_or("the record of the last signed checkpoint is gone")?;
    signed_state::check_tree(&signed, &ledger.tree)
        .map_err(|m| format!("the store is not the tree the log key signed: {m:?}"))?;
    for (seq, receipt) in receipts {
        receipt.verify(log_key)?;
        let bytes = store.entry(*seq)?.ok_or_else(|| {
            format!(
                "acknowledged entry {seq} lost in the power cut (store holds {})",
                store.entry_count()
            )
        })?;
        let decoded = SequencedEntry::decode(&bytes)?;
        assert_eq!(
            decoded.entry_hash, receipt.receipt.entry_hash,
            "entry {seq} differs from its receipt"
        );
        assert_eq!(decoded.entry.signed.id(), receipt.receipt.submission_id);
    }
    Ok(ledger.head.size)
}

#[test]
fn power_cuts_under_load_lose_no_acknowledged_entry() -> TestResult {
    let work = tempfile::tempdir()?;
    if let Some(reason) = mounts::loop_ext4_unavailable(work.path()) {
        return mounts::skip("power_cut", &reason);
    }
    mounts::not_skipped("power_cut");
    let cycles: u32 = match std::env::var("LEDGER_POWER_CUT_CYCLES") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("LEDGER_POWER_CUT_CYCLES={text:?} is not a number"))?,
        Err(_) => DEFAULT_CYCLES,
    };
    let seed: u64 = match std::env::var("LEDGER_POWER_CUT_SEED") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("LEDGER_POWER_CUT_SEED={text:?} is not a number"))?,
        // A new seed each run (printed below, to replay a failure).
        Err(_) => ledger_datadir::clock::now_ms() | 1,
    };
    eprintln!("power-cut test: {cycles} cycles, LEDGER_POWER_CUT_SEED={seed}");
    let mut rng = Rng(seed);

    let base = tempfile::tempdir()?;
    let mut fs = LoopFs::create(base.path(), IMAGE_MIB)?;
    let data = fs.mount.join("data");
    let node_log = base.path().join("node.log");
    // Format 2's demo is 43 % subsidies (the rest is the procedure around
    // them): enough entries that 20 cycles of load never run out.
    let log = demo_folder(&data, 91, 50_000)?;
    let log_key = log.log_key.verifying_key();
    // The subsidies are the concurrent load, the rest set-up posted in
    // order; a reversed entry goes with its reversal (`load_split`).
    let (subsidies, setup) = load_split(&log, true);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut receipts: HashMap<u64, SignedReceipt> = HashMap::new();
    let mut acked_ids = std::collections::HashSet::new();
    let mut cut_mid_load = 0u32;
    for cycle in 0..cycles {
        let port = free_port()?;
        let mut node = start_logged_node(&data, &node_log, port, &[])?;
        if cycle == 0 {
            // Set-up entries (genesis, grants, funds, projects) depend on each
            // other: post them in order before the first cut.
            for batch in setup.chunks(400) {
                let answer = post(&client, port, batch)?;
                let accepted = answer["accepted"].as_u64().unwrap_or(0);
                if accepted != batch.len() as u64 {
                    let refused: Vec<&serde_json::Value> = answer["results"]
                        .as_array()
                        .map(|r| r.iter().filter_map(|item| item.get("error")).collect())
                        .unwrap_or_default();
                    return Err(format!("set-up refused: {refused:?}").into());
                }
                for result in answer["results"].as_array().ok_or("no results")? {
                    let r: SignedReceipt = serde_json::from_value(result["receipt"].clone())?;
                    acked_ids.insert(r.receipt.submission_id);
                    receipts.insert(r.receipt.seq, r);
                }
            }
        }
        // Entries the previous cut may have kept without acknowledging them
        // are answered with their receipts again: resending is safe.
        let pending: Vec<SignedSubmission> = subsidies
            .iter()
            .filter(|s| !acked_ids.contains(&s.id()))
            .cloned()
            .collect();
        assert!(
            pending.len() > 200,
            "the data set ran out of subsidies at cycle {cycle}"
        );
        let acks = Arc::new(Mutex::new(Acks::default()));
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let threads = load(port, pending, rng.next(), acks.clone(), acked.clone(), stop.clone());
        std::thread::sleep(Duration::from_millis(rng.below(MAX_CUT_DELAY_MS)));
        let before_cut = acked.load(Ordering::Relaxed);
        fs.cut()?;
        // The node may notice (its next fdatasync fails) before the kill.
        std::thread::sleep(Duration::from_millis(rng.below(20)));
        node.kill()?;
        node.wait()?;
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        let (got, refused) = {
            let mut acks = acks.lock().map_err(|_| "poisoned")?;
            acked_ids.extend(acks.settled.drain(..));
            (std::mem::take(&mut acks.receipts), std::mem::take(&mut acks.refused))
        };
        if before_cut > 0 {
            cut_mid_load += 1;
        }
        fs.unmount()?;
        fs.mount()?;
        for r in got {
            acked_ids.insert(r.receipt.submission_id);
            if let Some(previous) = receipts.insert(r.receipt.seq, r.clone()) {
                // Two receipts for one position must name the same entry.
                assert_eq!(
                    previous.receipt.entry_hash, r.receipt.entry_hash,
                    "two entries acknowledged at {}",
                    r.receipt.seq
                );
            }
        }
        let size = check_folder(&data, &receipts, &log_key).map_err(|e| format!("cycle {cycle} (seed {seed}): {e}"))?;
        eprintln!(
            "cycle {cycle}: {before_cut} acknowledged before the cut, {} in all, refused {refused:?}; store holds {size} entries",
            receipts.len()
        );
    }
    assert!(
        cut_mid_load * 2 >= cycles,
        "only {cut_mid_load} of {cycles} cuts came while entries were being acknowledged"
    );
    // The node starts on what the last cut left, and serves all of it.
    let port = free_port()?;
    let mut node = start_logged_node(&data, &node_log, port, &[])?;
    let size = client
        .get(format!("http://127.0.0.1:{port}/v1/log"))
        .send()?
        .json::<serde_json::Value>()?["size"]
        .as_u64()
        .ok_or("no size")?;
    node.kill()?;
    node.wait()?;
    let highest = receipts.keys().max().copied().unwrap_or(0);
    assert!(
        size > highest,
        "the node serves {size} entries, an acknowledged one is at {highest}"
    );
    drop(fs);
    Ok(())
}
