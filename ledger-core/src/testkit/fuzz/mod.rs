//! Shared machinery of the structure-aware fuzz targets (issue 11, item 7;
//! docs/SECURITY.md, "Fuzzing"): a seeded PRNG, a runner that counts cases,
//! times them and reports, byte and text mutators, a token model of the
//! postcard entry format, and generators of valid values.
//!
//! Why a hand-written loop and not proptest or `cargo fuzz`: `cargo fuzz`
//! needs a nightly toolchain these machines cannot install, and proptest's
//! per-case machinery (value trees, shrinking, persistence files) costs more
//! than the decoders themselves at the 10 million cases per decoder of the
//! long run. Here every case is a pure function of `(FUZZ_SEED, case index)`,
//! so a failure prints the one number that replays it (`FUZZ_REPLAY`).
//!
//! One home for every fuzz target (ledger-core's `tests/fuzz_decoders.rs`,
//! ledger-node's `tests/fuzz_write.rs`, ledger-cli's `fuzz_csv`), as
//! `ledger_core::testkit::fuzz`. It sits behind the `testkit` feature, like
//! the rest of the kit, and not in a separate always-compiled module or a
//! feature of its own: every includer is test code (ledger-cli's `fuzz_csv`
//! is `#[cfg(test)]`, not part of the release `ledger` binary), so the
//! dev-dependency that turns `testkit` on is all it needs, and resolver 2
//! keeps it out of every release build. It used to be included with
//! `#[path]` into each crate's tests, which compiled it once per includer
//! and left each includer to copy the small helpers (`fail`, the pool seed).
//!
//! The module is split by subject: the PRNG and the runner here, byte and
//! text mutators in `mutate`, the token model of the postcard format in
//! `tokens`, generators of valid values in `values`; everything is
//! re-exported at this level, so targets `use ledger_core::testkit::fuzz::*`.

mod mutate;
mod tokens;
mod values;

pub use mutate::*;
pub use tokens::*;
pub use values::*;

use crate::amount::Fen;
use crate::chain::{SequencedEntry, ENTRY_VERSION};
use crate::encoding::Bytes;
use crate::entry::{
    Account, CosignRule, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy, Payee,
    ProjectCategory, ProjectDisbursement, ProjectRegister, Reversal, SubsidyCategory, Transfer,
};
use crate::household::{HouseholdRef, MaskedName};
use crate::ids::{Date, Ident, Period, Text};
use crate::keys::{KeyGrant, Office, Role as KeyRole, Scope};
use crate::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use crate::procedure::{
    AssistanceCategory, CheckKind, ConfirmMethod, HouseholdCheck, HouseholdExit, HouseholdLine, HouseholdRegister,
    Notice, NoticeLineRef, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve,
    ObjectionTarget, PaymentConfirm, PaymentLine, RegistrationNotices,
};
use crate::project::{
    Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
    ProjectReview,
};
use crate::region::{RegionCode, RegionDef};
use crate::submission::{EntrySignature, SignedSubmission, Submission, SUBMISSION_VERSION};
use ed25519_dalek::SigningKey;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

// ------------------------------------------------------------------ PRNG

/// xoshiro256** seeded through SplitMix64: fast, and the same sequence on
/// every platform, which is all a reproducible fuzz case needs.
#[derive(Clone, Debug)]
pub struct Rng([u64; 4]);

/// One SplitMix64 step: a good 64-bit mix of `x`.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        let a = splitmix(seed);
        let b = splitmix(a);
        let c = splitmix(b);
        let d = splitmix(c);
        Rng([a, b, c, d | 1])
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a collection of `n` items (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.below(span),
            None => self.next_u64(),
        }
    }

    /// True `num` times in `den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// `N` random bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }

    /// `n` random bytes.
    pub fn vec(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// Fewer than `max` random bytes.
    pub fn junk(&mut self, max: usize) -> Vec<u8> {
        let n = self.index(max);
        self.vec(n)
    }

    /// A u64 biased towards the values decoders get wrong: 0, 1, the varint
    /// byte boundaries, 2^53 (JavaScript's exact integers), 2^63, u64::MAX.
    pub fn edgy_u64(&mut self) -> u64 {
        const EDGES: [u64; 16] = [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u32::MAX as u64,
            1 << 32,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
            100_000_000_000_000,
        ];
        match self.below(4) {
            0 => *self.pick(&EDGES),
            1 => self.below(1000),
            2 => self.next_u64() >> self.below(64),
            _ => self.next_u64(),
        }
    }
}

// ---------------------------------------------------------------- runner

/// What one case concluded.
#[derive(Debug)]
pub enum Outcome {
    /// The decoder accepted the input and every property held.
    Accepted,
    /// The decoder refused the input, as it may.
    Rejected,
    /// A property failed: what, in words.
    Fail(String),
}

thread_local! {
    /// The input of the case being run, kept so that a panic inside the
    /// decoder can still be reported with the bytes that caused it.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Record the input of the current case (call it just before the decoder).
pub fn input(bytes: &[u8]) {
    INPUT.with(|i| {
        let mut i = i.borrow_mut();
        i.clear();
        i.extend_from_slice(bytes);
    });
    // With `FUZZ_REPLAY`, `FUZZ_DUMP=FILE` writes the whole input (the
    // failure message shows only its first KiB) for a regression test.
    if let (Ok(_), Ok(path)) = (std::env::var("FUZZ_REPLAY"), std::env::var("FUZZ_DUMP")) {
        let _ = std::fs::write(path, bytes);
    }
}

fn last_input() -> Vec<u8> {
    INPUT.with(|i| i.borrow().clone())
}

/// Parse `10_000_000`, `10000000` or `1e7`.
fn parse_count(text: &str) -> Option<u64> {
    let t = text.trim().replace('_', "");
    if let Some((m, e)) = t.split_once(['e', 'E']) {
        let m: u64 = m.parse().ok()?;
        let e: u32 = e.parse().ok()?;
        return m.checked_mul(10u64.checked_pow(e)?);
    }
    t.parse().ok()
}

/// Run settings, from the environment:
/// * `FUZZ_CASES` — cases per target (default: the target's short-run count);
/// * `FUZZ_SEED` — the run's seed (default fixed, so CI is reproducible);
/// * `FUZZ_REPLAY` — run only the case with this case seed, and print it
///   (`FUZZ_DUMP=FILE` also writes its whole input to FILE);
/// * `FUZZ_REPORT` — append one tab-separated result line per target to this file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Cases to run.
    pub cases: u64,
    /// The run's seed.
    pub seed: u64,
    /// A single case seed to replay.
    pub replay: Option<u64>,
}

/// The default seed: fixed, so the short CI run is the same every time.
pub const DEFAULT_SEED: u64 = 0x5EED_2019_0711;

/// Settings for a target whose short (CI) run is `default_cases`.
pub fn settings(default_cases: u64) -> Settings {
    let num = |name: &str| std::env::var(name).ok().and_then(|v| parse_count(&v));
    let hex_or_num = |name: &str| {
        std::env::var(name).ok().and_then(|v| {
            let v = v.trim().to_owned();
            match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(&h.replace('_', ""), 16).ok(),
                None => parse_count(&v),
            }
        })
    };
    Settings {
        cases: num("FUZZ_CASES").unwrap_or(default_cases),
        seed: hex_or_num("FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        replay: hex_or_num("FUZZ_REPLAY"),
    }
}

/// The seed of case `i` of a run seeded `seed`.
pub fn case_seed(seed: u64, i: u64) -> u64 {
    splitmix(seed ^ splitmix(i.wrapping_add(0x1111)))
}

/// The generator of a target's pool of valid seed values: fixed per run
/// seed (so a replayed case sees the same pool), `salt` telling the pools
/// of one run apart.
pub fn pool_rng(salt: u64) -> Rng {
    Rng::new(settings(0).seed ^ salt)
}

/// A failed property, in words.
pub fn fail(why: impl Into<String>) -> Outcome {
    Outcome::Fail(why.into())
}

/// Printable form of an input: UTF-8 text when it is, hex otherwise.
pub fn show(bytes: &[u8]) -> String {
    const MAX: usize = 1024;
    let cut = &bytes[..bytes.len().min(MAX)];
    let more = if bytes.len() > MAX { " …" } else { "" };
    match std::str::from_utf8(cut) {
        Ok(text) => format!("{} bytes, text {text:?}{more}", bytes.len()),
        Err(_) => {
            let mut h = String::with_capacity(cut.len() * 2);
            for b in cut {
                let _ = write!(h, "{b:02x}");
            }
            format!("{} bytes, hex {h}{more}", bytes.len())
        }
    }
}

/// Run `case` for the configured number of cases (see [`Settings`]), each
/// with its own reproducible generator. Panics (failing the test) at the
/// first failed property or panic, naming the case seed to replay; prints a
/// one-line summary: cases, seconds, accepted and rejected counts.
pub fn run(target: &str, default_cases: u64, mut case: impl FnMut(&mut Rng) -> Outcome) {
    let s = settings(default_cases);
    let started = Instant::now();
    let (mut accepted, mut rejected, mut done) = (0u64, 0u64, 0u64);
    let mut failure: Option<String> = None;
    let seeds: Box<dyn Iterator<Item = u64>> = match s.replay {
        Some(one) => Box::new(std::iter::once(one)),
        None => Box::new((0..s.cases).map(|i| case_seed(s.seed, i))),
    };
    // A panic is reported below with its input; the default hook's message
    // (with the panic's location) still goes to stderr.
    for one in seeds {
        let mut rng = Rng::new(one);
        input(&[]);
        let outcome = catch_unwind(AssertUnwindSafe(|| case(&mut rng)));
        done += 1;
        let problem = match outcome {
            Ok(Outcome::Accepted) => {
                accepted += 1;
                None
            }
            Ok(Outcome::Rejected) => {
                rejected += 1;
                None
            }
            Ok(Outcome::Fail(why)) => Some(why),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".to_owned());
                Some(format!("the decoder panicked: {why}"))
            }
        };
        if s.replay.is_some() {
            println!("replayed case {one:#x}: input {}", show(&last_input()));
        }
        if let Some(why) = problem {
            failure = Some(format!(
                "fuzz target {target}: case seed {one:#x} (run seed {:#x}) failed: {why}\n  input: {}\n  replay: FUZZ_SEED={:#x} FUZZ_REPLAY={one:#x} cargo test … {target} -- --nocapture",
                s.seed,
                show(&last_input()),
                s.seed
            ));
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let result = match &failure {
        None => "ok: no panic, no accepted non-canonical input".to_owned(),
        Some(_) => "FAILED".to_owned(),
    };
    println!(
        "fuzz {target}: {done} cases in {secs:.1} s ({:.2} µs/case), {accepted} accepted, {rejected} rejected, seed {:#x}: {result}",
        secs * 1e6 / done.max(1) as f64,
        s.seed
    );
    if let Ok(path) = std::env::var("FUZZ_REPORT") {
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&path) {
            let _ = writeln!(
                f,
                "{target}\t{done}\t{secs:.1}\t{accepted}\t{rejected}\t{:#x}\t{result}",
                s.seed
            );
        }
    }
    if let Some(message) = failure {
        panic!("{message}");
    }
    // A target whose every case is refused tests the decoder's first check
    // only: the generators must produce accepted inputs too.
    assert!(
        accepted > 0 || s.replay.is_some() || done == 0,
        "fuzz target {target}: no case was accepted; the generator is broken"
    );
}
