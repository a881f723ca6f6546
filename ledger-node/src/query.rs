//! In-memory aggregates for the public queries, updated after each durable
//! commit and rebuilt at start-up by the replay.

use ledger_core::chain::SequencedEntry;
use ledger_core::entry::EntryBody;
use ledger_core::rules::{Effects, LedgerState};

/// Aggregates for the public queries.
#[derive(Debug, Default)]
pub struct QueryIndex {
    title: String,
}

impl QueryIndex {
    /// Record a durable entry. `state` is at least as new as the entry.
    pub fn record(&mut self, entry: &SequencedEntry, _effects: &Effects, _state: &LedgerState) {
        if let EntryBody::Genesis(g) = &entry.signed.submission.body {
            self.title = g.title.to_string();
        }
    }

    /// The log's title from genesis.
    pub fn title(&self) -> &str {
        &self.title
    }
}
