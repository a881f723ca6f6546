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

/// The table of the demo's keys (who holds which), written beside them.
pub const KEY_TABLE_FILE: &str = "持钥人.txt";

/// Start the demo log (the `init` step with the demo's log key) and write
/// the demo's other keys (admins, operators, pseudonym key), and the table
/// of who holds which ([`KEY_TABLE_FILE`], printed at every demo start).
pub fn prepare(config: &NodeConfig) -> Result<()> {
    let log = demo_log(config)?;
    let keys = keyfile::keys_dir(&config.data_dir);
    crate::init::init_with_key(&config.data_dir, &log.origin, &log.log_key, config.store.log)?;
    let mut files = Vec::new();
    for (i, admin) in log.admins.iter().enumerate() {
        let file = format!("admin-{}.key", i + 1);
        keyfile::write_secret(
            &keys.join(&file),
            &format_signing_key(&format!("admin-{}", i + 1), &admin.key),
        )?;
        files.push((admin, file));
    }
    for (i, op) in log.operators.iter().enumerate() {
        let file = format!("operator-{}.key", i + 1);
        keyfile::write_secret(
            &keys.join(&file),
            &format_signing_key(&format!("operator-{}", i + 1), &op.key),
        )?;
        files.push((op, file));
    }
    keyfile::write_secret(
        &keys.join("pseudonym.key"),
        &format!("{}\n", hex::encode(log.pseudonym_key.to_bytes())),
    )?;
    let names = region_names(&log);
    let table = key_table(&files, &names, log.submissions.len() as u64);
    std::fs::write(keys.join(KEY_TABLE_FILE), table)
        .with_context(|| format!("writing {}", keys.join(KEY_TABLE_FILE).display()))?;
    Ok(())
}

/// The demo's key table, if the data folder has one (a demo data folder).
pub fn read_key_table(config: &NodeConfig) -> Option<String> {
    std::fs::read_to_string(keyfile::keys_dir(&config.data_dir).join(KEY_TABLE_FILE)).ok()
}

/// Region code → name, from genesis.
fn region_names(log: &DemoLog) -> std::collections::HashMap<ledger_core::region::RegionCode, String> {
    match log.submissions.first().map(|s| &s.submission.body) {
        Some(ledger_core::entry::EntryBody::Genesis(g)) => g.regions.iter().map(|r| (r.code, r.name.clone())).collect(),
        _ => Default::default(),
    }
}

/// One line per key, tab-separated, with a header: holder, office (岗位),
/// role, regions, key file, and 已撤销 for a key the demo revokes — so a
/// newcomer knows which file signs as whom (issue 14, item 7).
fn key_table(
    files: &[(&ledger_demo::DemoOperator, String)],
    names: &std::collections::HashMap<ledger_core::region::RegionCode, String>,
    entries: u64,
) -> String {
    use ledger_core::keys::Role;
    let mut out = String::from("持有人\t岗位\t角色\t区域\t密钥文件\n");
    for (op, file) in files {
        let grant = &op.grant;
        let role = match grant.role {
            Role::Admin => "管理员",
            Role::Operator => "经办",
            Role::Auditor => "审计监督",
        };
        let regions: Vec<String> = grant
            .scope
            .regions
            .iter()
            .map(|c| match names.get(c) {
                Some(name) => format!("{name}({c})"),
                None => c.to_string(),
            })
            .collect();
        // A smaller demo may end before the revocation.
        let revoked = if op.revoked_at_seq.is_some_and(|seq| seq < entries) {
            "（已撤销）"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}{revoked}\t{}\t{role}\t{}\t{file}\n",
            grant.holder,
            grant.office.label_zh(),
            regions.join("、"),
        ));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[test]
    fn the_demo_writes_and_prints_who_holds_which_key() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let args = crate::config::Args::try_parse_from([
            "ledger-node",
            "--data",
            data.to_str().unwrap_or_default(),
            "--demo",
            "--demo-entries",
            "3000",
        ])?;
        let config = NodeConfig::resolve(&args)?;
        prepare(&config)?;
        let table = read_key_table(&config).unwrap_or_default();
        let lines: Vec<&str> = table.lines().collect();
        let log = demo_log(&config)?;
        assert_eq!(lines.len(), 1 + log.admins.len() + log.operators.len());
        assert_eq!(lines[0], "持有人\t岗位\t角色\t区域\t密钥文件");
        // Each line names the file that holds that key, and the file is there.
        for (i, line) in lines.iter().skip(1).enumerate() {
            let file = line.rsplit('\t').next().unwrap_or_default();
            let want = if i < log.admins.len() {
                format!("admin-{}.key", i + 1)
            } else {
                format!("operator-{}.key", i + 1 - log.admins.len())
            };
            assert_eq!(file, want);
            assert!(keyfile::keys_dir(&data).join(file).is_file(), "{file}");
            assert_eq!(line.split('\t').count(), 5, "{line}");
        }
        // The admins and a town's 财政所 operator, exactly.
        let admin = &log.admins[0].grant;
        assert_eq!(
            lines[1],
            format!(
                "{}\t系统管理员\t管理员\t淮安区(320803000000)\tadmin-1.key",
                admin.holder
            )
        );
        let shihe = lines
            .iter()
            .find(|l| l.starts_with("施河镇财政所"))
            .copied()
            .unwrap_or_default();
        assert!(
            shihe.contains("\t镇财政所\t经办\t施河镇(320803106000)\toperator-"),
            "{shihe}"
        );
        Ok(())
    }
}
