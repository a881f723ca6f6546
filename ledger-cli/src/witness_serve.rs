//! `ledger witness serve ARGS…`: runs `ledger-witness serve ARGS…`.
//!
//! The C2SP witness server lives in its own crate and binary
//! (ledger-witness/) so that `ledger`, the command auditors install and
//! trust, links no web server (issue 18: `cargo tree -p ledger-cli` has no
//! axum). Users keep the command issue 17 gave them: this finds the binary
//! and becomes it (on Unix `exec`: a signal sent to the process — Ctrl-C,
//! SIGTERM, SIGKILL — reaches the witness itself, and its exit code is the
//! command's), with every argument as given.
//!
//! Where the binary is looked for, first found wins: `$LEDGER_WITNESS_BIN`,
//! then beside the running `ledger` (a `cargo build --workspace` or a
//! release archive puts both in one folder), then `$PATH` (`cargo install`).

use crate::exit::{input, usage};
use crate::messages::Lang;
use anyhow::Result;
use clap::Args;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the `ledger-witness` binary.
pub const WITNESS_BIN_ENV: &str = "LEDGER_WITNESS_BIN";

/// The binary's file name on this platform.
fn binary_name() -> String {
    format!("ledger-witness{}", std::env::consts::EXE_SUFFIX)
}

/// `ledger witness serve`: every argument goes to `ledger-witness serve`
/// unread, `--help` too (its help is the witness's own).
#[derive(Debug, Clone, Args)]
#[command(disable_help_flag = true)]
pub struct ServeArgs {
    /// ledger-witness serve 的参数：--key FILE --state-dir DIR [--listen ADDR] --log VKEY… [--request-timeout-ms MS]；`ledger witness serve --help` 列出全部
    /// (the arguments of `ledger-witness serve`; `--help` lists them).
    #[arg(
        value_name = "ARGS",
        num_args = 0..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<OsString>,
}

/// Run `ledger-witness [--quiet] --lang L serve ARGS…` in place of this
/// process. Returns only on failure: the binary missing (exit 4), a bad
/// `$LEDGER_WITNESS_BIN` (exit 2) or one that cannot be run (exit 4).
pub fn run(args: &ServeArgs, quiet: bool) -> Result<()> {
    let bin = locate(
        std::env::var_os(WITNESS_BIN_ENV),
        std::env::current_exe().ok().as_deref(),
        std::env::var_os("PATH"),
    )?;
    let mut command = Command::new(&bin);
    if quiet {
        command.arg("--quiet");
    }
    // The language this run chose (flag or locale), so both programs speak
    // the same one even if only `ledger` was given `--lang`.
    command.arg("--lang").arg(match crate::messages::lang() {
        Lang::Zh => "zh",
        Lang::En => "en",
    });
    command.arg("serve").args(&args.args);
    become_(command, &bin)
}

#[cfg(unix)]
fn become_(mut command: Command, bin: &Path) -> Result<()> {
    use std::os::unix::process::CommandExt as _;
    // `exec` returns only if it failed.
    let error = command.exec();
    Err(input(format!("不能运行 {}：{error}", bin.display())))
}

#[cfg(not(unix))]
fn become_(mut command: Command, bin: &Path) -> Result<()> {
    // No exec: run it, wait, and end with its exit code.
    let status = command
        .status()
        .map_err(|e| input(format!("不能运行 {}：{e}", bin.display())))?;
    std::process::exit(status.code().unwrap_or(1))
}

/// The `ledger-witness` binary: `env_bin` (must exist), else beside `exe`,
/// else in `path`.
fn locate(env_bin: Option<OsString>, exe: Option<&Path>, path: Option<OsString>) -> Result<PathBuf> {
    if let Some(bin) = env_bin.filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        if bin.is_file() {
            return Ok(bin);
        }
        return Err(usage(format!(
            "环境变量 {WITNESS_BIN_ENV}={} 不是一个文件：请改成 ledger-witness 程序的路径，或取消这个变量",
            bin.display()
        )));
    }
    let beside = exe.and_then(Path::parent).map(|dir| dir.join(binary_name()));
    let on_path = path
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(binary_name()));
    beside.into_iter().chain(on_path).find(|p| p.is_file()).ok_or_else(|| {
        input(format!(
            "找不到 ledger-witness 程序（`ledger witness serve` 由它运行）：请在源码目录运行 `cargo install --path ledger-witness` 安装，或构建整个工作区（`cargo build --workspace --release`）使它与 ledger 在同一文件夹，或用环境变量 {WITNESS_BIN_ENV} 指明它的路径"
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::exit::{exit_kind, ExitKind};

    #[test]
    fn the_variable_then_beside_ledger_then_path_and_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let (bin_dir, path_dir, empty) = (dir.path().join("bin"), dir.path().join("path"), dir.path().join("e"));
        for d in [&bin_dir, &path_dir, &empty] {
            std::fs::create_dir(d).unwrap();
        }
        let beside = bin_dir.join(binary_name());
        let on_path = path_dir.join(binary_name());
        std::fs::write(&on_path, b"").unwrap();
        let ledger = bin_dir.join("ledger");
        let path = Some(std::env::join_paths([&empty, &path_dir]).unwrap());

        // Only on PATH.
        assert_eq!(locate(None, Some(&ledger), path.clone()).unwrap(), on_path);
        // Beside `ledger` wins over PATH.
        std::fs::write(&beside, b"").unwrap();
        assert_eq!(locate(None, Some(&ledger), path.clone()).unwrap(), beside);
        // The variable wins over both; empty means unset.
        assert_eq!(
            locate(Some(on_path.clone().into()), Some(&ledger), path.clone()).unwrap(),
            on_path
        );
        assert_eq!(
            locate(Some(OsString::new()), Some(&ledger), path.clone()).unwrap(),
            beside
        );
        // A variable naming nothing: usage (exit 2), never a fallback to
        // another binary than the one the operator named.
        let e = locate(Some(empty.join("nope").into()), Some(&ledger), path.clone()).unwrap_err();
        assert_eq!(exit_kind(&e), ExitKind::Usage);
        assert!(e.to_string().starts_with("环境变量 LEDGER_WITNESS_BIN="), "{e}");
        // Nowhere: exit 4 and how to install it.
        let e = locate(None, Some(&empty.join("ledger")), Some(empty.clone().into())).unwrap_err();
        assert_eq!(exit_kind(&e), ExitKind::Input);
        assert!(e.to_string().contains("cargo install --path ledger-witness"), "{e}");
    }
}
