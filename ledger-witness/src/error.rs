//! Why `ledger-witness` stopped, as an exit code. The codes are `ledger`'s
//! (docs/CLI.md), so `ledger witness serve` passes them through unchanged:
//! 0 stopped cleanly, 2 usage, 3 cannot listen or serve, 4 key or state
//! file error.

/// A start-up or serving failure; the message is already in the run's
/// language ([`crate::messages`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ServeError {
    /// Bad flags or values (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Cannot listen, or the server failed (exit 3).
    #[error("{0}")]
    Network(String),
    /// The key file, the state folder or a state file (exit 4).
    #[error("{0}")]
    Input(String),
}

impl ServeError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::Usage(_) => 2,
            ServeError::Network(_) => 3,
            ServeError::Input(_) => 4,
        }
    }
}
