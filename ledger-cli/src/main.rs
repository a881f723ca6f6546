//! `ledger`: the command operators post with and auditors verify with,
//! trusting nothing the node says. See `ledger --help` and docs/CLI.md.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod audit;
mod audit_cmd;
mod batch;
mod cli;
mod compare;
mod contacts_cmd;
mod controls_cmd;
mod exit;
mod export;
#[cfg(test)]
mod fuzz_csv;
mod http;
mod keys;
mod messages;
mod policy_flags;
mod post;
mod progress;
mod project_cmd;
mod prove;
mod query;
mod query_projects;
mod sheet;
mod slips;
mod submit;
mod table;
mod time;
mod verify_cmd;
mod witness;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: verifying a bundle decodes a million
/// entries into short-lived strings and vectors, and with mimalloc that costs
/// about 15 % less CPU (docs/PERFORMANCE.md). The node keeps glibc's
/// allocator: with mimalloc its resident memory at a million entries was
/// higher (311-456 MiB against 287-317 MiB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(cli: &Cli) -> anyhow::Result<()> {
    let (t, q) = (cli.timeout, cli.quiet);
    match &cli.command {
        Command::Keygen(a) => admin::keygen(a, q),
        Command::Grant(a) => admin::grant(a, t, q),
        Command::Revoke(a) => admin::revoke(a, t, q),
        Command::RotateLogKey(a) => admin::rotate(a, t, q),
        Command::PolicyUpdate(a) => admin::policy_update(a, t, q),
        Command::Genesis(a) => admin::genesis(a, t, q),
        Command::Post(a) => post::run(a, t, q),
        Command::Cosign(a) => admin::cosign(a, q),
        Command::Submit(a) => admin::submit_file(a, t, q),
        Command::Export(a) => export::run(a, t, q),
        Command::Verify(a) => verify_cmd::run(a, q),
        Command::Audit(a) => audit_cmd::run(a, q),
        Command::Prove(a) => prove::run(a, t, q),
        Command::Query(a) => query::run(a, t),
        Command::Witness(a) => witness::run(a, t, q),
        Command::Slips(a) => slips::run(a, q),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    messages::init(cli.lang);
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger: {}", exit::one_line(&e));
            ExitCode::from(exit::exit_kind(&e) as u8)
        }
    }
}
