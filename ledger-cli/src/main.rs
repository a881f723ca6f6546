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
mod witness_serve;

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

/// Exit status of a command whose standard output was closed: 128 + SIGPIPE,
/// what a shell reports for `cat` or `grep` killed by the signal, so a
/// `set -o pipefail` script sees the same as with them.
const CLOSED_STDOUT_EXIT: i32 = 141;

/// `ledger verify FILE | head`: when the reader goes away, end quietly with
/// [`CLOSED_STDOUT_EXIT`], as the common CLIs do, instead of a panic and a
/// backtrace. Rust ignores SIGPIPE (so writes return EPIPE) and `println!`
/// panics on a failed write; restoring the signal's default action instead
/// would also kill the command on a write to a socket the node closed (a
/// network error must exit 3 with its message), so the panic of a print to
/// a closed stdout is recognised here, and only that one.
fn end_quietly_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_closed_stdout(message) {
            std::process::exit(CLOSED_STDOUT_EXIT);
        }
        default(info)
    }));
}

/// Is this std's panic message for a print to a closed pipe
/// (`failed printing to stdout: Broken pipe (os error 32)`)? The error text
/// is built from the OS error itself, so it matches what std formats.
fn is_closed_stdout(message: &str) -> bool {
    /// EPIPE: 32 on Linux, macOS and the BSDs.
    const EPIPE: i32 = 32;
    let broken = std::io::Error::from_raw_os_error(EPIPE).to_string();
    message.starts_with("failed printing to stdout") && message.ends_with(&broken)
}

fn main() -> ExitCode {
    end_quietly_on_closed_stdout();
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

#[cfg(test)]
mod tests {
    use super::is_closed_stdout;

    #[test]
    fn only_a_print_to_a_closed_stdout_is_quiet() {
        assert!(is_closed_stdout("failed printing to stdout: Broken pipe (os error 32)"));
        assert!(!is_closed_stdout(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_stdout(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_stdout("index out of bounds: Broken pipe (os error 32)"));
    }
}
