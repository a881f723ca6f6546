//! The audit benchmark (issue 16): the demo ledger as a bundle and three
//! compare lists (deceased, public employees, vehicles), then `ledger
//! verify` and `ledger audit --compare …` timed on them. Timings are
//! printed, never asserted.
//!
//! - smoke (runs with the tests): 2,000 entries, 1,000 rows per list;
//! - full (ignored; bench/audit.sh runs it in release): 1,000,000 entries,
//!   100,000 rows per list, or `AUDIT_BENCH_ENTRIES` / `AUDIT_BENCH_ROWS`.
//!   `AUDIT_BENCH_DIR` keeps the files there; `AUDIT_BENCH_LEDGER` times
//!   that `ledger` binary (bench/audit.sh: the release build) instead of
//!   the test profile's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{checkpoint, ok};
use ledger_core::household::check_char;
use ledger_core::keys::verifier_key_string;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A valid synthetic resident ID no demo household has (area 110101).
fn synthetic_id(n: u64) -> String {
    let (yy, mm, dd) = (50 + (n / 1000) % 50, 1 + (n / 50_000) % 12, 1 + (n / 600_000) % 28);
    let body = format!("11010119{yy:02}{mm:02}{dd:02}{:03}", n % 1000);
    let bytes: [u8; 17] = body.as_bytes().try_into().expect("17 digits");
    format!("{body}{}", check_char(&bytes))
}

struct Files {
    bundle: PathBuf,
    vkey: String,
    pseudonym: PathBuf,
    lists: Vec<String>,
}

/// The demo bundle and lists: every `stride`-th demo household is on each
/// list (the deceased dated 2019-01-01, before most payments), the rest of
/// the rows synthetic.
fn prepare(dir: &Path, entries: u64, rows: usize) -> Files {
    let started = Instant::now();
    let now = 1_704_067_200_000; // 2024-01-01: fixed, so runs compare
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: ledger_demo::DEFAULT_SEED,
        target_entries: entries,
        now_ms: now,
    })
    .expect("demo");
    let sequenced = ledger_demo::demo_entries(&log, now);
    let note = checkpoint(&log.origin, &log.log_key, &sequenced, sequenced.len() as u64);
    let vkey = verifier_key_string(&log.origin, &log.log_key.verifying_key());
    let bundle = dir.join("demo.bundle");
    common::write_bundle(&bundle, &log.origin, &vkey, &sequenced, &note);
    let pseudonym = dir.join("pseudonym.key");
    std::fs::write(&pseudonym, hex::encode(log.pseudonym_key.to_bytes())).expect("key");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&pseudonym, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let mut lists = Vec::new();
    for (k, (kind, header)) in [
        ("deceased", "身份证号码,姓名,死亡日期"),
        ("public_employee", "身份证号码,姓名,工作单位"),
        ("vehicle", "身份证号码,姓名,号牌号码,车辆类型"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut text = format!("{header}\n");
        let stride = 97 + k * 2;
        let mut n = 0;
        for (i, h) in log.households.iter().enumerate() {
            if n >= rows / 10 {
                break;
            }
            if i % stride == k {
                n += 1;
                let _ = match kind {
                    "deceased" => writeln!(text, "{},{},2019-01-01", h.resident_id, h.full_name),
                    "public_employee" => writeln!(text, "{},{},区农业农村局", h.resident_id, h.full_name),
                    _ => writeln!(text, "{},{},苏H{:05},小型轿车", h.resident_id, h.full_name, i),
                };
            }
        }
        for j in n..rows {
            let id = synthetic_id((k as u64) * 1_000_000 + j as u64);
            let _ = match kind {
                "deceased" => writeln!(text, "{id},王某,2020-05-01"),
                "public_employee" => writeln!(text, "{id},王某,区财政局"),
                _ => writeln!(text, "{id},王某,苏H{j:06},小型轿车"),
            };
        }
        let path = dir.join(format!("{kind}.csv"));
        std::fs::write(&path, text).expect("list");
        lists.push(format!("{kind}={}", path.display()));
    }
    eprintln!(
        "prepared {entries} entries and 3 lists of {rows} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Files {
        bundle,
        vkey,
        pseudonym,
        lists,
    }
}

/// Run `ledger` (`AUDIT_BENCH_LEDGER` if set) and require success.
fn ledger(args: &[&str]) {
    match std::env::var("AUDIT_BENCH_LEDGER") {
        Ok(bin) => {
            let out = std::process::Command::new(bin)
                .arg("--quiet")
                .args(args)
                .output()
                .expect("ledger");
            assert!(
                out.status.success(),
                "ledger {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(_) => {
            ok(args);
        }
    }
}

fn run(dir: &Path, entries: u64, rows: usize) {
    let f = prepare(dir, entries, rows);
    let bundle = f.bundle.display().to_string();
    let t = Instant::now();
    ledger(&["verify", &bundle, "--log-key", &f.vkey]);
    let verify_s = t.elapsed().as_secs_f64();
    let mut args: Vec<String> = vec![
        "audit".into(),
        bundle.clone(),
        "--log-key".into(),
        f.vkey.clone(),
        "--pseudonym-key".into(),
        f.pseudonym.display().to_string(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        dir.join("audit.json").display().to_string(),
    ];
    for l in &f.lists {
        args.push("--compare".into());
        args.push(l.clone());
    }
    let cache = dir.join("strict-cache.json");
    let _ = std::fs::remove_file(&cache);
    args.push("--strict-cache".into());
    args.push(cache.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let t = Instant::now();
    ledger(&refs);
    let audit_s = t.elapsed().as_secs_f64();
    // Again, as next month's audit would: the strict checks come from the cache.
    let t = Instant::now();
    ledger(&refs);
    let rerun_s = t.elapsed().as_secs_f64();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("audit.json")).expect("json")).expect("json");
    let findings = doc["report"]["findings"].as_array().map_or(0, Vec::len);
    let lists = doc["lists"].as_array().map_or(0, Vec::len);
    assert_eq!(lists, 3);
    eprintln!(
        "AUDIT-BENCH entries={entries} rows={rows} verify_s={verify_s:.2} audit_with_lists_s={audit_s:.2} audit_again_with_strict_cache_s={rerun_s:.2} findings={findings}"
    );
}

#[test]
fn audit_bench_smoke() {
    let dir = tempfile::tempdir().expect("tempdir");
    run(dir.path(), 2_000, 1_000);
}

#[test]
#[ignore = "the full benchmark: bench/audit.sh"]
fn audit_bench_full() {
    let entries = std::env::var("AUDIT_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rows = std::env::var("AUDIT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    match std::env::var("AUDIT_BENCH_DIR") {
        Ok(d) => {
            std::fs::create_dir_all(&d).expect("dir");
            run(Path::new(&d), entries, rows);
        }
        Err(_) => {
            let dir = tempfile::tempdir().expect("tempdir");
            run(dir.path(), entries, rows);
        }
    }
}
