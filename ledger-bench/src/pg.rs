//! The alternative a bureau would otherwise pick: the same rows in a
//! PostgreSQL table (sequence number, entry bytes, idempotency key, indexed
//! region / fund / household columns), inserted in batches of the same size,
//! one transaction per batch, `synchronous_commit = on` (so each batch is one
//! durable WAL flush, like the ledger's group commit).

use crate::data::Workload;
use crate::stats::Throughput;
use anyhow::{Context, Result};
use postgres::types::ToSql;
use postgres::{Client, NoTls};
use serde::Serialize;
use std::time::Instant;

/// What the PostgreSQL baseline measured.
#[derive(Debug, Clone, Serialize)]
pub struct PgFigures {
    /// Rows inserted.
    pub insert: Throughput,
    /// `pg_total_relation_size` of the table (heap, TOAST, indexes).
    pub table_bytes: u64,
    /// Server version.
    pub version: String,
}

/// Insert every entry of `w` (sequenced bytes `entries`) in batches of `batch`.
pub fn run(conninfo: &str, w: &Workload, entries: &[Vec<u8>], batch: usize) -> Result<PgFigures> {
    let mut client =
        Client::connect(conninfo, NoTls).with_context(|| format!("connecting to PostgreSQL ({conninfo})"))?;
    let version: String = client.query_one("SHOW server_version", &[])?.get(0);
    client.batch_execute(
        "SET synchronous_commit = on;
         DROP TABLE IF EXISTS ledger_entries;
         CREATE TABLE ledger_entries (
             seq bigint PRIMARY KEY,
             submission_id bytea NOT NULL UNIQUE,
             region bigint,
             fund text,
             household bytea,
             entry bytea NOT NULL
         );
         CREATE INDEX ledger_entries_region ON ledger_entries (region, seq);
         CREATE INDEX ledger_entries_fund ON ledger_entries (fund, seq);
         CREATE INDEX ledger_entries_household ON ledger_entries (household, seq);",
    )?;
    let ids: Vec<Vec<u8>> = {
        use rayon::prelude::*;
        w.log.submissions.par_iter().map(|s| s.id().0.to_vec()).collect()
    };
    let seqs: Vec<i64> = (0..entries.len() as i64).collect();
    let regions: Vec<Option<i64>> = w.meta.iter().map(|m| m.region.map(|r| r as i64)).collect();
    let households: Vec<Option<Vec<u8>>> = w.meta.iter().map(|m| m.household.map(|h| h.to_vec())).collect();
    let mut statements = std::collections::HashMap::new();
    let started = Instant::now();
    let mut transactions = 0u64;
    for start in (0..entries.len()).step_by(batch.max(1)) {
        let end = (start + batch).min(entries.len());
        let n = end - start;
        if let std::collections::hash_map::Entry::Vacant(slot) = statements.entry(n) {
            let mut sql =
                String::from("INSERT INTO ledger_entries (seq, submission_id, region, fund, household, entry) VALUES ");
            for r in 0..n {
                let b = r * 6;
                if r > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                ));
            }
            let prepared = client.prepare(&sql)?;
            slot.insert(prepared);
        }
        let statement = statements
            .get(&n)
            .ok_or_else(|| anyhow::anyhow!("statement for {n} rows"))?;
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(n * 6);
        for i in start..end {
            params.push(&seqs[i]);
            params.push(&ids[i]);
            params.push(&regions[i]);
            params.push(&w.meta[i].fund);
            params.push(&households[i]);
            params.push(&entries[i]);
        }
        let mut tx = client.transaction()?;
        tx.execute(statement, &params)?;
        tx.commit()?;
        transactions += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let table_bytes: i64 = client
        .query_one("SELECT pg_total_relation_size('ledger_entries')", &[])?
        .get(0);
    Ok(PgFigures {
        insert: Throughput {
            count: entries.len() as u64,
            seconds,
            requests: transactions,
        },
        table_bytes: table_bytes.max(0) as u64,
        version,
    })
}
