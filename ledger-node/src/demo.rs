//! `--demo`: on an empty data folder, create the demo keys under `DIR/keys/`
//! and load the fixtures demo data set through the real write path
//! (signature verification, rule engine, group commit, flush, receipts).

use crate::api::write::submit_parsed;
use crate::api::AppState;
use crate::config::NodeConfig;
use crate::keyfile;
use anyhow::{bail, Context, Result};
use ledger_core::keys::format_signing_key;
use ledger_demo::{generate, DemoConfig, DemoLog};

/// Seed of the demo data set (the policy's year).
pub const DEMO_SEED: u64 = 2019;
/// Submissions per request while loading.
const LOAD_CHUNK: usize = 1_000;

fn demo_log(config: &NodeConfig) -> Result<DemoLog> {
    generate(&DemoConfig {
        seed: DEMO_SEED,
        target_entries: config.demo_entries,
        now_ms: crate::sequencer::now_ms(),
    })
    .map_err(|e| anyhow::anyhow!("generating the demo data set: {e}"))
}

/// Start the demo log (the `init` step with the demo's log key) and write
/// the demo's other keys (admins, operators, pseudonym key).
pub fn prepare(config: &NodeConfig) -> Result<()> {
    let log = demo_log(config)?;
    let keys = keyfile::keys_dir(&config.data_dir);
    crate::init::init_with_key(&config.data_dir, &log.origin, &log.log_key, config.store.log)?;
    for (i, admin) in log.admins.iter().enumerate() {
        keyfile::write_secret(
            &keys.join(format!("admin-{}.key", i + 1)),
            &format_signing_key(&format!("admin-{}", i + 1), &admin.key),
        )?;
    }
    for (i, op) in log.operators.iter().enumerate() {
        keyfile::write_secret(
            &keys.join(format!("operator-{}.key", i + 1)),
            &format_signing_key(&format!("operator-{}", i + 1), &op.key),
        )?;
    }
    keyfile::write_secret(
        &keys.join("pseudonym.key"),
        &format!("{}\n", hex::encode(log.pseudonym_key.to_bytes())),
    )?;
    Ok(())
}

/// Post the demo submissions through the write path.
pub async fn load(app: &AppState, config: &NodeConfig) -> Result<()> {
    let log = demo_log(config)?;
    let total = log.submissions.len();
    tracing::info!(total, "loading the demo data set");
    let mut accepted = 0usize;
    for chunk in log.submissions.chunks(LOAD_CHUNK) {
        let parsed = chunk.iter().cloned().map(Ok).collect();
        let results = submit_parsed(app, parsed)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("loading the demo")?;
        for (i, r) in results.iter().enumerate() {
            if let Err(e) = r {
                bail!("demo submission {} was rejected: {e}", accepted + i);
            }
        }
        accepted += results.len();
    }
    tracing::info!(accepted, "demo data set loaded");
    Ok(())
}
