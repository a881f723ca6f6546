//! The sequencing clock: the time an entry is stamped with, which does not
//! follow a wall clock's forward jump (ARCHITECTURE.md, "Time").

use std::sync::Arc;
use std::time::Instant;

/// Current Unix time in ms (one clock for every binary: ledger-datadir).
pub use ledger_datadir::clock::now_ms;

/// How far the wall clock may run ahead of the monotonic clock's projection
/// of the last trusted reading before the sequencer stops following it (see
/// [`SequencingClock`]).
pub const CLOCK_STEP_LIMIT_MS: u64 = 60_000;

/// The clocks the sequencer reads; injectable so that tests can make the
/// wall clock jump without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix time in ms (may jump either way: NTP steps, an operator's `date`).
    fn wall_ms(&self) -> u64;
    /// A monotonic time in ms from an arbitrary origin (never jumps).
    fn monotonic_ms(&self) -> u64;
}

/// The operating system's clocks.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// The system clocks, the monotonic one counted from now.
    pub fn new() -> SystemClock {
        SystemClock { origin: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn wall_ms(&self) -> u64 {
        now_ms()
    }
    fn monotonic_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The sequencer's time source. An entry's time is `max(this, previous
/// entry's time)` (the chain requires times never to decrease, and every
/// replay checks expiry against the entry's time), so a wall clock that
/// jumps ahead and comes back would leave the log's time in the future —
/// refusing every short-window submission as `expired` until the real time
/// caught up. So a forward jump is not followed: the time given is at most
/// the monotonic clock's projection of the last trusted wall reading plus
/// [`CLOCK_STEP_LIMIT_MS`]. A wall clock at or behind that projection is
/// trusted again (the anchor moves back), so a clock that was set back is
/// followed at once. A wall clock that was *behind* and is corrected forward
/// by more than the limit is followed only after a restart; until then
/// entries are stamped slightly early, which is harmless (ARCHITECTURE.md,
/// "Time").
#[derive(Debug)]
pub struct SequencingClock {
    source: Arc<dyn Clock>,
    /// (wall ms, monotonic ms) of the last trusted reading.
    anchor: Option<(u64, u64)>,
    /// The wall clock is ahead of the limit (warned once per jump).
    ahead: bool,
}

impl SequencingClock {
    /// A clock over `source`; the first reading is trusted.
    pub fn new(source: Arc<dyn Clock>) -> SequencingClock {
        SequencingClock {
            source,
            anchor: None,
            ahead: false,
        }
    }

    /// The time to sequence at, in Unix ms.
    pub fn now_ms(&mut self) -> u64 {
        let wall = self.source.wall_ms();
        let monotonic = self.source.monotonic_ms();
        let Some((anchor_wall, anchor_monotonic)) = self.anchor else {
            self.anchor = Some((wall, monotonic));
            return wall;
        };
        let projected = anchor_wall.saturating_add(monotonic.saturating_sub(anchor_monotonic));
        if wall <= projected {
            self.anchor = Some((wall, monotonic));
        }
        let limit = projected.saturating_add(CLOCK_STEP_LIMIT_MS);
        if wall > limit {
            if !self.ahead {
                tracing::warn!(
                    wall_ms = wall,
                    sequencing_ms = limit,
                    "the wall clock jumped ahead of the monotonic clock; sequencing time does not follow it"
                );
            }
            self.ahead = true;
            return limit;
        }
        self.ahead = false;
        wall
    }
}
