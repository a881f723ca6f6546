//! Exit codes and one-line errors.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | everything held |
//! | 1 | verification failed (a bad entry, signature, proof, checkpoint or fork), or `--fail-on` findings |
//! | 2 | usage error (bad flags or values) |
//! | 3 | network or node error (unreachable, timeout, an error answer, a submission the node refused) |
//! | 4 | input file error (missing, unreadable, too large, malformed, an invalid CSV row) |

use std::fmt;

/// Why the command failed, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: verification failed.
    Verify = 1,
    /// 2: usage.
    Usage = 2,
    /// 3: network or node.
    Network = 3,
    /// 4: input file.
    Input = 4,
}

/// An error with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub kind: ExitKind,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// An error of this kind.
pub fn fail(kind: ExitKind, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        kind,
        message: message.into(),
    })
}

/// Usage error (exit 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    fail(ExitKind::Usage, message)
}

/// Input file error (exit 4).
pub fn input(message: impl Into<String>) -> anyhow::Error {
    fail(ExitKind::Input, message)
}

/// Network or node error (exit 3).
pub fn network(message: impl Into<String>) -> anyhow::Error {
    fail(ExitKind::Network, message)
}

/// Verification failure (exit 1).
pub fn verify(message: impl Into<String>) -> anyhow::Error {
    fail(ExitKind::Verify, message)
}

/// Tag any error with an exit kind and a context.
pub trait Tag<T> {
    /// As an input file error, with context.
    fn input_err(self, context: impl fmt::Display) -> anyhow::Result<T>;
    /// As a usage error, with context.
    fn usage_err(self, context: impl fmt::Display) -> anyhow::Result<T>;
}

impl<T, E: fmt::Display> Tag<T> for Result<T, E> {
    fn input_err(self, context: impl fmt::Display) -> anyhow::Result<T> {
        self.map_err(|e| input(format!("{context}: {e}")))
    }
    fn usage_err(self, context: impl fmt::Display) -> anyhow::Result<T> {
        self.map_err(|e| usage(format!("{context}: {e}")))
    }
}

/// The exit code of an error: the first [`Failure`] in its chain, else 1.
pub fn exit_kind(error: &anyhow::Error) -> ExitKind {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.kind)
        .unwrap_or(ExitKind::Verify)
}

/// The error as one line.
pub fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}")
        .replace(['\n', '\r'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
