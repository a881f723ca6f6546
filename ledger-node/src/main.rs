//! `ledger-node`: see `ledger-node --help`.

use clap::Parser;
use ledger_node::config::{Args, Command, LogFormat, NodeConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    ledger_node::memory::limit_arenas();
    let args = Args::parse();
    let config = match NodeConfig::resolve(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ledger-node: {e:#}");
            return ExitCode::from(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        LogFormat::Human => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    if let Some(Command::Init) = &args.command {
        let Some(origin) = &config.origin else {
            eprintln!("ledger-node: init needs --origin NAME, the log's name in its checkpoints (e.g. huaian.example.gov.cn/ledger)");
            return ExitCode::from(2);
        };
        return match ledger_node::init::init(&config.data_dir, origin, config.store.log) {
            Ok(vkey) => {
                // One plain line on stdout for scripts: the log's verifier key.
                println!("{vkey}");
                eprintln!(
                    "新账本已创建 / created a new log in {}: the log key is keys/log.key (back it up, keep it secret); put the verifier key above in the genesis entry (`ledger genesis --log-vkey …`), then start the node: ledger-node --data {}",
                    config.data_dir.display(),
                    config.data_dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ledger-node: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::PrepareRotation) = &args.command {
        return match ledger_node::server::prepare_rotation(&config) {
            Ok((vkey, endorsement)) => {
                // Two plain lines on stdout for scripts: the key, then the endorsement.
                println!("{vkey}");
                println!("{endorsement}");
                eprintln!(
                    "prepared keys/log-next.key; admins now post the rotation:\n  ledger rotate-log-key --node URL --key ADMIN.key --vkey '{vkey}' --endorsement {endorsement}"
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ledger-node: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Restore { bundle }) = &args.command {
        return match ledger_node::restore::restore(&config.data_dir, bundle, config.store) {
            Ok(count) => {
                println!("restored {count} verified entries into {}", config.data_dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ledger-node: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let mirror = args
        .command
        .as_ref()
        .and_then(|c| c.mirror_config(config.origin.clone()));
    if mirror.is_some() && args.data.is_none() {
        eprintln!("ledger-node: mirror needs --data DIR, its own data folder (not a primary's)");
        return ExitCode::from(2);
    }
    let mut config = config;
    if let Some(Command::Mirror {
        mirror_listen: Some(addr),
        ..
    }) = &args.command
    {
        config.listen = *addr;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ledger-node: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(Command::Publish { .. }), Some(publish)) = (&args.command, config.publish_to.clone()) {
        let target = publish.target.to_string();
        return match runtime.block_on(ledger_node::server::publish_once(&config, publish)) {
            Ok(size) => {
                println!("published {size} entries to {target}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ledger-node: publish --to {target}: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let served = match mirror {
        Some(mirror) => runtime.block_on(ledger_node::mirror::serve(config, mirror)),
        None => runtime.block_on(ledger_node::server::serve(config)),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger-node: {e:#}");
            ExitCode::FAILURE
        }
    }
}
