//! `ledger-witness`: a c2sp.org/tlog-witness server for Sunshine Ledger
//! logs. `ledger witness serve ARGS…` runs `ledger-witness serve ARGS…`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::{Parser, Subcommand};
use ledger_witness::messages::{self, Lang};
use std::process::ExitCode;

/// 阳光账本见证人：按 c2sp.org/tlog-witness 协议，只为与已联署历史一致的检查点联署
/// (a Sunshine Ledger witness: cosigns a log's checkpoint only if it extends what it cosigned before).
#[derive(Debug, Parser)]
#[command(
    name = "ledger-witness",
    version,
    after_help = "示例 (Examples):\n  ledger-witness serve --key jiwei.key --state-dir /var/lib/jiwei-witness --listen 0.0.0.0:7380 --log \"$LOG_VKEY\"\n  ledger witness serve --key jiwei.key --state-dir jiwei-state --log \"$LOG_VKEY\"     # 同一程序 (the same program, through `ledger`)\n\n退出码 (exit codes): 0 正常停止 (stopped cleanly), 2 用法错误 (usage), 3 不能监听 (cannot listen), 4 密钥或状态文件错误 (key or state file error)."
)]
struct Cli {
    /// 只记录警告 (log warnings only; RUST_LOG overrides).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// 提示语言：zh（中文）或 en（English）；默认按 LC_ALL/LC_MESSAGES/LANG，未设置时为中文
    /// (language of messages: zh or en; default from the locale, Chinese when unset).
    #[arg(long, value_enum, global = true)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 运行见证人服务：账本向它 POST /add-checkpoint (run the c2sp.org/tlog-witness server).
    #[command(
        after_help = "示例 (Examples):\n  ledger-witness serve --key jiwei.key --state-dir /var/lib/jiwei-witness --listen 0.0.0.0:7380 --log \"$LOG_VKEY\"\n\n节点这样推送 (the node pushes to it with): ledger-node --witness-url WITNESS_VKEY=http://HOST:7380\n退出码 (exit codes): 0 正常停止 (stopped cleanly), 2 用法错误 (usage), 3 不能监听 (cannot listen), 4 密钥或状态文件错误 (key or state file error)."
    )]
    Serve(ledger_witness::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    messages::init(cli.lang);
    let result = match &cli.command {
        Command::Serve(args) => ledger_witness::run(args, cli.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, as `ledger` prints its errors.
            let line = e.to_string().replace(['\n', '\r'], " ");
            eprintln!("ledger-witness: {line}");
            ExitCode::from(e.exit_code())
        }
    }
}
