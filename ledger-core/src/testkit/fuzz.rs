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

// ------------------------------------------------------- byte mutations

/// Byte values that sit on format boundaries: varint continuation bits,
/// UTF-8 lead bytes, signed/unsigned edges.
pub const INTERESTING_BYTES: [u8; 12] = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0xc0, 0xe2, 0x0a, 0x20];

/// Apply one to four random byte-level mutations: bit flips, interesting
/// bytes, insertions, deletions, truncation, trailing bytes, duplicated
/// chunks, splicing with `other`, runs of varint continuation bytes and
/// little-endian lengths.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = data.len();
        let at = rng.index(len + 1);
        match rng.below(14) {
            0 if len > 0 => {
                let i = rng.index(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.index(len);
                data[i] = *rng.pick(&INTERESTING_BYTES);
            }
            2 => {
                let n = 1 + rng.index(4);
                for _ in 0..n {
                    data.insert(at, rng.next_u64() as u8);
                }
            }
            3 if len > 0 => {
                let n = (1 + rng.index(8)).min(len - at.min(len));
                data.drain(at.min(len)..at.min(len) + n);
            }
            4 => data.truncate(at),
            5 => {
                let n = 1 + rng.index(4);
                for _ in 0..n {
                    data.push(if rng.chance(1, 2) { 0 } else { rng.next_u64() as u8 });
                }
            }
            6 if len > 0 => {
                let start = rng.index(len);
                let end = (start + 1 + rng.index(16)).min(len);
                let chunk = data[start..end].to_vec();
                let to = rng.index(data.len() + 1);
                data.splice(to..to, chunk);
            }
            7 if !other.is_empty() => {
                let from = rng.index(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            8 => {
                let n = 1 + rng.index(10);
                let run: Vec<u8> = (0..n)
                    .map(|_| 0x80)
                    .chain(std::iter::once(if rng.chance(1, 2) { 0 } else { 1 }))
                    .collect();
                let end = (at + run.len()).min(data.len());
                data.splice(at..end, run);
            }
            9 if len > 1 => {
                let (i, j) = (rng.index(len), rng.index(len));
                data.swap(i, j);
            }
            10 if len > 0 => {
                let i = rng.index(len);
                data[i] = data[i].wrapping_add(if rng.chance(1, 2) { 1 } else { 255 });
            }
            11 => {
                let v: u32 = *rng.pick(&[0, 1, 0xffff, 0x1_0000, u32::MAX, (len as u32).wrapping_add(1)]);
                let end = (at + 4).min(data.len());
                data.splice(at..end, v.to_le_bytes());
            }
            _ => {
                let i = rng.index(len + 1);
                data.insert(i, *rng.pick(&INTERESTING_BYTES));
            }
        }
    }
}

// -------------------------------------------------------- text mutations

/// Characters that text formats trip over: line ends, spaces of every kind,
/// the BOM, controls, separators, digits, base64 and hex characters.
pub const INTERESTING_TEXT: [&str; 34] = [
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "  ",
    "\u{a0}",
    "\u{3000}",
    "\u{feff}",
    "\u{2028}",
    "\u{85}",
    "\u{0}",
    "\u{7f}",
    "\u{200b}",
    "+",
    "\u{2014}",
    "\u{2014} ",
    "=",
    "==",
    "/",
    "-",
    ".",
    ",",
    "\"",
    "0",
    "00",
    "9",
    "x",
    "X",
    "A",
    "字",
    "😀",
    "e\u{301}",
    "\\",
];

/// Apply one to three random text-level mutations: insert an interesting
/// token or one of the target's `dict` words at a character boundary,
/// delete, duplicate, swap or drop lines, change a character or its case,
/// bump a digit, truncate.
pub fn mutate_text(rng: &mut Rng, text: &mut String, dict: &[&str]) {
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let at = *rng.pick(&bounds);
        match rng.below(11) {
            0 | 1 => {
                let word = if !dict.is_empty() && rng.chance(1, 2) {
                    *rng.pick(dict)
                } else {
                    *rng.pick(&INTERESTING_TEXT)
                };
                text.insert_str(at, word);
            }
            2 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let n = 1 + rng.index(4).min(bounds.len() - 1 - i - 1);
                let end = bounds[(i + n).min(bounds.len() - 1)];
                text.replace_range(bounds[i]..end, "");
            }
            3 | 4 => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.index(lines.len());
                match rng.below(3) {
                    0 => {
                        let l = lines[i];
                        lines.insert(i, l);
                    }
                    1 => {
                        lines.remove(i);
                    }
                    _ => {
                        let j = rng.index(lines.len());
                        lines.swap(i, j);
                    }
                }
                *text = lines.join("\n");
            }
            5 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let c = text[bounds[i]..].chars().next().unwrap_or(' ');
                let swapped: String = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase().to_string()
                } else if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase().to_string()
                } else if let Some(d) = c.to_digit(10) {
                    char::from_digit((d + 1 + rng.below(9) as u32) % 10, 10)
                        .unwrap_or('0')
                        .to_string()
                } else {
                    (*rng.pick(&INTERESTING_TEXT)).to_owned()
                };
                text.replace_range(bounds[i]..bounds[i + 1], &swapped);
            }
            6 => text.truncate(at),
            7 => {
                let word = if dict.is_empty() { "\n" } else { *rng.pick(dict) };
                text.push_str(word);
            }
            8 if !text.is_empty() => {
                // Repeat a slice: long runs hit length limits.
                let i = rng.index(bounds.len() - 1);
                let end = bounds[(i + 1 + rng.index(8)).min(bounds.len() - 1)];
                let chunk = text[bounds[i]..end].repeat(1 + rng.index(300));
                text.insert_str(bounds[i], &chunk);
            }
            9 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let word = if !dict.is_empty() && rng.chance(1, 2) {
                    *rng.pick(dict)
                } else {
                    *rng.pick(&INTERESTING_TEXT)
                };
                text.replace_range(bounds[i]..bounds[i + 1], word);
            }
            _ => {
                let i = rng.index(bounds.len());
                text.insert(bounds[i], *rng.pick(&['\n', ' ', '\u{feff}', '0', '=']));
            }
        }
    }
}

// ------------------------------------------------ postcard token model

/// What a varint of the format is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarRole {
    /// A number (u16/u32/u64 field).
    Num,
    /// An enum variant index, of an enum with this many variants.
    Variant(u32),
    /// The element count of a sequence.
    Len,
}

/// One field of a postcard encoding, as the format (docs/FORMAT.md §2)
/// lays it out, so that mutations can act on fields instead of bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A `u8` (one raw byte).
    U8(u8),
    /// A LEB128 varint of `bits` bits.
    Var {
        /// Its value.
        value: u64,
        /// 16, 32 or 64.
        bits: u32,
        /// What it is.
        role: VarRole,
    },
    /// Fixed-size raw bytes (hashes, keys, signatures, nonces).
    Fixed(Vec<u8>),
    /// A string: varint byte length, then the bytes.
    Str(Vec<u8>),
    /// A u32 little-endian length prefix (bundle and request framing).
    U32Le(u32),
    /// Bytes written verbatim (what mutations produce).
    Raw(Vec<u8>),
}

/// Append the minimal LEB128 encoding of `v`.
pub fn varint(v: u64, out: &mut Vec<u8>) {
    let mut v = v;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The bytes of a token list.
pub fn tokens_to_bytes(toks: &[Tok]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    for t in toks {
        match t {
            Tok::U8(b) => out.push(*b),
            Tok::Var { value, .. } => varint(*value, &mut out),
            Tok::Fixed(b) | Tok::Raw(b) => out.extend_from_slice(b),
            Tok::Str(s) => {
                varint(s.len() as u64, &mut out);
                out.extend_from_slice(s);
            }
            Tok::U32Le(v) => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
    out
}

/// Reads canonical postcard bytes of a known schema into tokens.
pub struct Walk<'a> {
    b: &'a [u8],
    o: usize,
    /// The tokens read so far.
    pub out: Vec<Tok>,
}

impl<'a> Walk<'a> {
    /// Start at the beginning of `b`.
    pub fn new(b: &'a [u8]) -> Walk<'a> {
        Walk {
            b,
            o: 0,
            out: Vec::new(),
        }
    }
    /// The tokens, if every byte was consumed.
    pub fn finish(self) -> Option<Vec<Tok>> {
        (self.o == self.b.len()).then_some(self.out)
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.o..self.o.checked_add(n)?)?;
        self.o += n;
        Some(s)
    }
    fn raw_var(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let byte = *self.take(1)?.first()?;
            v |= u64::from(byte & 0x7f).checked_shl(7 * i)?;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    /// A `u8`.
    pub fn u8(&mut self) -> Option<u8> {
        let b = *self.take(1)?.first()?;
        self.out.push(Tok::U8(b));
        Some(b)
    }
    /// A varint.
    pub fn var(&mut self, bits: u32, role: VarRole) -> Option<u64> {
        let value = self.raw_var()?;
        self.out.push(Tok::Var { value, bits, role });
        Some(value)
    }
    /// `n` raw bytes.
    pub fn fixed(&mut self, n: usize) -> Option<()> {
        let s = self.take(n)?.to_vec();
        self.out.push(Tok::Fixed(s));
        Some(())
    }
    /// A string.
    pub fn string(&mut self) -> Option<()> {
        let n = usize::try_from(self.raw_var()?).ok()?;
        let s = self.take(n)?.to_vec();
        self.out.push(Tok::Str(s));
        Some(())
    }
    /// A sequence of `item`s.
    pub fn seq(&mut self, item: impl Fn(&mut Walk<'a>) -> Option<()>) -> Option<()> {
        let n = self.var(64, VarRole::Len)?;
        for _ in 0..n {
            item(self)?;
        }
        Some(())
    }
    /// An enum variant index of an enum with `count` variants.
    pub fn variant(&mut self, count: u32) -> Option<u64> {
        self.var(32, VarRole::Variant(count))
    }
    /// A u32 little-endian length.
    pub fn u32le(&mut self) -> Option<u32> {
        let s = self.take(4)?;
        let v = u32::from_le_bytes(s.try_into().ok()?);
        self.out.push(Tok::U32Le(v));
        Some(v)
    }
}

fn region_def(w: &mut Walk<'_>) -> Option<()> {
    w.var(64, VarRole::Num)?;
    w.string()
}

fn grant(w: &mut Walk<'_>) -> Option<()> {
    w.fixed(32)?;
    w.string()?;
    w.variant(3)?;
    w.variant(10)?;
    w.seq(|w| w.var(64, VarRole::Num).map(|_| ()))?;
    w.seq(|w| w.variant(27).map(|_| ()))?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num).map(|_| ())
}

fn cosign_rule(w: &mut Walk<'_>) -> Option<()> {
    w.variant(27)?;
    w.var(64, VarRole::Num)?;
    w.u8()?;
    w.seq(|w| w.variant(10).map(|_| ()))
}

fn date(w: &mut Walk<'_>) -> Option<()> {
    w.var(32, VarRole::Num).map(|_| ())
}

fn policy(w: &mut Walk<'_>) -> Option<()> {
    w.seq(cosign_rule)?;
    for _ in 0..8 {
        w.var(16, VarRole::Num)?;
    }
    w.seq(|w| {
        w.variant(6)?;
        w.seq(|w| w.variant(8).map(|_| ()))?;
        w.u8().map(|_| ())
    })?;
    w.var(16, VarRole::Num)?;
    for _ in 0..5 {
        date(w)?;
    }
    // retention_bp, then the four fund time limits
    for _ in 0..5 {
        w.var(16, VarRole::Num)?;
    }
    Some(())
}

fn contract(w: &mut Walk<'_>) -> Option<()> {
    w.string()?;
    w.string()?;
    w.string()
}

fn fund_budgets(w: &mut Walk<'_>) -> Option<()> {
    w.seq(|w| {
        w.string()?;
        w.var(64, VarRole::Num).map(|_| ())
    })
}

fn line_ref(w: &mut Walk<'_>) -> Option<()> {
    w.string()?;
    w.var(32, VarRole::Num).map(|_| ())
}

/// An `Option<T>`: a tag byte, then the value if it is 1.
fn option(w: &mut Walk<'_>, value: impl Fn(&mut Walk<'_>) -> Option<()>) -> Option<()> {
    match w.u8()? {
        0 => Some(()),
        1 => value(w),
        _ => None,
    }
}

fn account(w: &mut Walk<'_>) -> Option<()> {
    match w.variant(2)? {
        0 => w.var(64, VarRole::Num).map(|_| ()),
        1 => w.string(),
        _ => None,
    }
}

fn notice_lines(w: &mut Walk<'_>) -> Option<()> {
    let num = |w: &mut Walk<'_>| w.var(64, VarRole::Num).map(|_| ());
    match w.variant(3)? {
        0 => w.seq(|w| {
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(6).map(|_| ())
        }),
        1 => w.seq(|w| {
            w.fixed(32)?;
            w.string()?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            w.u8()?;
            num(w)
        }),
        2 => w.seq(|w| w.string()),
        _ => None,
    }
}

fn entry_body(w: &mut Walk<'_>) -> Option<()> {
    let num = |w: &mut Walk<'_>| w.var(64, VarRole::Num).map(|_| ());
    match w.variant(27)? {
        0 => {
            w.string()?;
            w.seq(grant)?;
            w.seq(region_def)?;
            policy(w)?;
            w.fixed(32)?;
            w.string()
        }
        1 => grant(w),
        2 => {
            w.fixed(32)?;
            w.string()
        }
        3 => w.seq(region_def),
        4 => policy(w),
        5 => {
            w.string()?;
            w.string()?;
            w.string()?;
            w.variant(5)?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            account(w)?;
            num(w)?;
            date(w)
        }
        6 => {
            w.string()?;
            account(w)?;
            account(w)?;
            num(w)?;
            w.string()?;
            date(w)
        }
        7 => {
            w.string()?;
            w.string()?;
            num(w)?;
            w.variant(7)?;
            num(w)?;
            w.string()?;
            date(w)?;
            date(w)
        }
        8 => {
            w.string()?;
            w.string()?;
            account(w)?;
            w.string()?;
            w.string()?;
            num(w)?;
            w.string()?;
            w.string()?;
            date(w)
        }
        9 => {
            w.string()?;
            account(w)?;
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            w.u8()?;
            num(w)?;
            date(w)?;
            option(w, line_ref)
        }
        10 => {
            num(w)?;
            w.string()?;
            date(w)
        }
        11 => {
            w.string()?;
            w.string()?;
            w.fixed(64)
        }
        12 => {
            w.string()?;
            w.variant(8)?;
            num(w)?;
            date(w)?;
            w.string()?;
            notice_lines(w)
        }
        13 => {
            line_ref(w)?;
            w.variant(2)?;
            date(w)?;
            w.u8()?;
            w.string()
        }
        14 => {
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(6)?;
            date(w)?;
            option(w, |w| (0..5).try_for_each(|_| line_ref(w)))
        }
        15 => {
            w.fixed(32)?;
            num(w)?;
            date(w)?;
            line_ref(w)?;
            w.string()
        }
        16 => {
            w.string()?;
            match w.variant(2)? {
                0 => line_ref(w)?,
                1 => num(w)?,
                _ => return None,
            }
            w.variant(4)?;
            date(w)?;
            w.string()
        }
        17 => {
            w.string()?;
            w.variant(2)?;
            date(w)?;
            w.string()
        }
        18 => {
            num(w)?;
            w.variant(3)?;
            date(w)
        }
        19 | 24 => {
            w.string()?;
            date(w)?;
            w.string()?;
            w.u8()?;
            w.string()
        }
        20 => {
            w.string()?;
            date(w)?;
            w.string()?;
            line_ref(w)?;
            fund_budgets(w)?;
            contract(w)
        }
        21..=23 => {
            w.string()?;
            date(w)?;
            w.string()?;
            w.string()
        }
        25 => {
            w.string()?;
            date(w)?;
            w.string()?;
            fund_budgets(w)?;
            option(w, contract)?;
            w.string()
        }
        26 => {
            w.string()?;
            date(w)?;
            w.string()
        }
        _ => None,
    }
}

/// Tokens of a canonical `SignedSubmission`.
pub fn signed_submission_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.fixed(16)?;
    w.var(64, VarRole::Num)?;
    entry_body(w)?;
    w.seq(|w| {
        w.fixed(32)?;
        w.fixed(64)
    })
}

/// Tokens of a canonical `SequencedEntry`.
pub fn entry_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.fixed(32)?;
    signed_submission_tokens(w)
}

/// Tokens of a canonical `SignedReceipt`.
pub fn signed_receipt_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.var(64, VarRole::Num)?;
    w.fixed(32)?;
    w.fixed(32)?;
    w.fixed(32)?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.seq(|w| w.fixed(32))?;
    w.fixed(64)
}

/// Tokens of canonical bytes read by `schema`; `None` if the schema does not
/// match them exactly (a test bug: the seeds are canonical).
pub fn tokenize(bytes: &[u8], schema: impl Fn(&mut Walk<'_>) -> Option<()>) -> Option<Vec<Tok>> {
    let mut w = Walk::new(bytes);
    schema(&mut w)?;
    w.finish()
}

/// Strings that the constrained types refuse or that decoders get wrong:
/// empty, blank, controls, the BOM, limits ±1, masked-name shapes, invalid
/// UTF-8 (overlong, surrogate, out of range, cut short).
pub fn interesting_string(rng: &mut Rng) -> Vec<u8> {
    match rng.below(26) {
        0 => Vec::new(),
        1 => b" ".to_vec(),
        2 => b"a".to_vec(),
        3 => "\u{feff}标题".as_bytes().to_vec(),
        4 => b"a\nb".to_vec(),
        5 => b"\t".to_vec(),
        6 => b"x\0".to_vec(),
        7 => "A".repeat(64).into_bytes(),
        8 => "A".repeat(65).into_bytes(),
        9 => "字".repeat(200).into_bytes(),
        10 => "字".repeat(201).into_bytes(),
        11 => "张*三".as_bytes().to_vec(),
        12 => "张**".as_bytes().to_vec(),
        13 => b"*".to_vec(),
        14 => "李*".as_bytes().to_vec(),
        15 => "3*".as_bytes().to_vec(),
        16 => b"320803001001".to_vec(),
        17 => "有中文".as_bytes().to_vec(),
        18 => "\u{202e}abc".as_bytes().to_vec(),
        19 => vec![0xff],
        20 => vec![b'a', 0xc0, 0x80],
        21 => vec![0xed, 0xa0, 0x80],
        22 => vec![0xf4, 0x90, 0x80, 0x80],
        23 => vec![0xe2, 0x80],
        24 => "\u{85}x".as_bytes().to_vec(),
        _ => rng.junk(40),
    }
}

/// A varint of `value` padded to a non-minimal length (`extra` more bytes).
pub fn padded_varint(value: u64, extra: usize) -> Vec<u8> {
    let mut out = Vec::new();
    varint(value, &mut out);
    if let Some(last) = out.last_mut() {
        *last |= 0x80;
    }
    out.extend(std::iter::repeat_n(0x80, extra.saturating_sub(1)));
    out.push(0x00);
    out
}

/// An edge value for a field of `bits` bits: its maximum, one over it (a
/// value of the next wider type), its top bit, zero, a power of two.
fn edge_for_bits(rng: &mut Rng, bits: u32) -> u64 {
    let max = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    match rng.below(6) {
        0 => max,
        1 => max.saturating_add(1),
        2 => (max >> 1) + 1,
        3 => 0,
        4 => 1u64 << rng.below(u64::from(bits.min(64))),
        _ => rng.edgy_u64(),
    }
}

/// Apply one to three field-level mutations to a token list: edge values,
/// values just over a field's width, non-minimal and overlong varints,
/// unknown enum variants, element counts off by one, strings replaced by
/// refused ones, string lengths that disagree with their bytes, wrong-size
/// fixed fields, and tokens deleted, duplicated, swapped or spliced in from
/// `other`.
pub fn mutate_tokens(rng: &mut Rng, toks: &mut Vec<Tok>, other: &[Tok]) {
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        if toks.is_empty() {
            toks.push(Tok::U8(0));
            continue;
        }
        let i = rng.index(toks.len());
        let structural = rng.chance(1, 5);
        if structural {
            match rng.below(5) {
                0 => {
                    toks.remove(i);
                }
                1 => {
                    let t = toks[i].clone();
                    toks.insert(i, t);
                }
                2 => {
                    let j = rng.index(toks.len());
                    toks.swap(i, j);
                }
                3 if !other.is_empty() => {
                    let t = other[rng.index(other.len())].clone();
                    toks.insert(i, t);
                }
                _ if !other.is_empty() => {
                    let from = rng.index(other.len());
                    toks.truncate(i);
                    toks.extend_from_slice(&other[from..]);
                }
                _ => {
                    toks.remove(i);
                }
            }
            continue;
        }
        let replacement = match &toks[i] {
            Tok::U8(b) => Tok::U8(match rng.below(4) {
                0 => b.wrapping_add(1),
                1 => 0,
                2 => 0xff,
                _ => rng.next_u64() as u8,
            }),
            Tok::Var { value, bits, role } => {
                let (value, bits, role) = (*value, *bits, *role);
                match rng.below(7) {
                    0 => Tok::Raw(padded_varint(value, 1 + rng.index(3))),
                    1 => {
                        // Overlong: 11 continuation groups, more than any u64.
                        let mut raw = vec![0x80; 10];
                        raw.push(0x01);
                        Tok::Raw(raw)
                    }
                    2 => {
                        // Cut short: a continuation bit on the last byte.
                        let mut raw = Vec::new();
                        varint(value, &mut raw);
                        if let Some(last) = raw.last_mut() {
                            *last |= 0x80;
                        }
                        Tok::Raw(raw)
                    }
                    _ => {
                        let v = match role {
                            VarRole::Variant(count) => match rng.below(4) {
                                0 => u64::from(count),
                                1 => u64::from(count) + 1 + rng.below(300),
                                _ => rng.below(u64::from(count)),
                            },
                            VarRole::Len => match rng.below(4) {
                                0 => value.wrapping_add(1),
                                1 => value.saturating_sub(1),
                                2 => 0,
                                _ => rng.edgy_u64(),
                            },
                            VarRole::Num => match rng.below(3) {
                                0 => value.wrapping_add(1),
                                1 => value.wrapping_sub(1),
                                _ => edge_for_bits(rng, bits),
                            },
                        };
                        Tok::Var { value: v, bits, role }
                    }
                }
            }
            Tok::Fixed(b) => {
                let mut b = b.clone();
                match rng.below(4) {
                    0 if !b.is_empty() => {
                        let j = rng.index(b.len());
                        b[j] ^= 1 << rng.below(8);
                    }
                    1 => {
                        b.pop();
                    }
                    2 => b.push(rng.next_u64() as u8),
                    _ => b.iter_mut().for_each(|x| *x = 0),
                }
                Tok::Fixed(b)
            }
            Tok::Str(s) => match rng.below(6) {
                0..=2 => Tok::Str(interesting_string(rng)),
                3 => {
                    // A length that disagrees with the bytes.
                    let mut raw = Vec::new();
                    let n = match rng.below(3) {
                        0 => s.len() as u64 + 1,
                        1 => (s.len() as u64).saturating_sub(1),
                        _ => rng.edgy_u64(),
                    };
                    varint(n, &mut raw);
                    raw.extend_from_slice(s);
                    Tok::Raw(raw)
                }
                4 => {
                    let mut raw = padded_varint(s.len() as u64, 1);
                    raw.extend_from_slice(s);
                    Tok::Raw(raw)
                }
                _ => {
                    let mut s = s.clone();
                    let at = rng.index(s.len() + 1);
                    let junk = interesting_string(rng);
                    s.splice(at..at, junk);
                    Tok::Str(s)
                }
            },
            Tok::U32Le(v) => Tok::U32Le(match rng.below(6) {
                0 => v.wrapping_add(1),
                1 => v.wrapping_sub(1),
                2 => 0,
                3 => u32::MAX,
                4 => 65_535 + rng.below(3) as u32,
                _ => rng.next_u64() as u32,
            }),
            Tok::Raw(r) => {
                let mut r = r.clone();
                mutate_bytes(rng, &mut r, &[]);
                Tok::Raw(r)
            }
        };
        toks[i] = replacement;
    }
}

// ----------------------------------------------------- value generators

const IDENT_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/// Characters of valid texts, including the ones display and decoding code
/// mishandles: the BOM, zero-width and bidi controls (format characters are
/// not control characters), astral and combining characters, wide spaces.
const TEXT_CHARS: [char; 40] = [
    'a', 'Z', '0', '9', ' ', '.', '-', '_', '(', '"', '\'', '\\', '<', '>', '&', '%', '淮', '安', '区', '资', '金',
    '〔', '〕', '号', '·', '０', '\u{feff}', '\u{200d}', '\u{202e}', '\u{301}', '😀', '𠀀', '\u{a0}', '\u{3000}',
    '\u{2028}', '+', '—', '=', '*', '/',
];

/// Letters of masked names (alphabetic, or the two middle dots).
const NAME_CHARS: [char; 12] = ['张', '李', '王', '欧', '华', 'A', 'z', 'é', '·', '•', '𠀀', 'Ω'];

fn char_string(rng: &mut Rng, chars: &[char], n: usize) -> String {
    (0..n).map(|_| *rng.pick(chars)).collect()
}

/// A valid identifier (1-64 bytes of `A-Z a-z 0-9 . _ -`).
pub fn gen_ident(rng: &mut Rng) -> Ident {
    let n = match rng.below(4) {
        0 => 1,
        1 => 64,
        _ => 1 + rng.index(20),
    };
    let text: String = (0..n).map(|_| *rng.pick(IDENT_CHARS) as char).collect();
    Ident::new(&text).unwrap_or_else(|_| Ident::new("F2019-001").unwrap_or_else(|e| panic!("{e}")))
}

/// A valid text (1-200 characters, no control characters, not blank).
pub fn gen_text(rng: &mut Rng) -> Text {
    let n = match rng.below(5) {
        0 => 1,
        1 => 200,
        2 => 199,
        _ => 1 + rng.index(30),
    };
    let text = char_string(rng, &TEXT_CHARS, n);
    Text::new(&text).unwrap_or_else(|_| Text::new("淮安区").unwrap_or_else(|e| panic!("{e}")))
}

/// Any valid UTF-8 string (unconstrained `String` fields: origin, names of
/// regions, verifier keys): mostly plausible, sometimes with controls.
pub fn gen_string(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => String::new(),
        1 => "huaian.sunshine-ledger.example/demo".to_owned(),
        2 => {
            let n = rng.index(20);
            let mut s = char_string(rng, &TEXT_CHARS, n);
            s.push(*rng.pick(&['\n', '\0', '\u{85}', '\u{7f}']));
            s
        }
        _ => {
            let n = rng.index(40);
            char_string(rng, &TEXT_CHARS, n)
        }
    }
}

/// A valid masked name (`X*` or `X*Y`).
pub fn gen_masked_name(rng: &mut Rng) -> MaskedName {
    let a = *rng.pick(&NAME_CHARS);
    let text = if rng.chance(1, 3) {
        format!("{a}*")
    } else {
        format!("{a}*{}", rng.pick(&NAME_CHARS))
    };
    MaskedName::parse_masked(&text)
        .unwrap_or_else(|_| MaskedName::parse_masked("张*三").unwrap_or_else(|e| panic!("{e}")))
}

/// A valid region code (12 digits), biased to the range's ends and to the
/// three levels.
pub fn gen_region(rng: &mut Rng) -> RegionCode {
    let code = match rng.below(6) {
        0 => 100_000_000_000,
        1 => 999_999_999_999,
        2 => 320_803_000_000,
        3 => 320_803_000_000 + rng.range(1, 20) * 1000,
        4 => 320_803_000_000 + rng.range(1, 20) * 1000 + rng.range(1, 999),
        _ => rng.range(100_000_000_000, 999_999_999_999),
    };
    RegionCode::new(code).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid date, biased to leap days and the century's ends.
pub fn gen_date(rng: &mut Rng) -> Date {
    let n = match rng.below(5) {
        0 => 20_000_229,
        1 => 20_991_231,
        2 => 20_000_101,
        _ => rng.range(2000, 2099) as u32 * 10_000 + rng.range(1, 12) as u32 * 100 + rng.range(1, 28) as u32,
    };
    Date::new(n).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid period (year 2000-2099, month 0-12).
pub fn gen_period(rng: &mut Rng) -> Period {
    Period::new(rng.range(2000, 2099) as u16, rng.range(0, 12) as u8).unwrap_or_else(|e| panic!("{e}"))
}

/// A fen amount: any u64 decodes (the rules bound it), so edges included.
pub fn gen_fen(rng: &mut Rng) -> Fen {
    Fen::from_raw(rng.edgy_u64())
}

fn gen_account(rng: &mut Rng) -> Account {
    if rng.chance(1, 2) {
        Account::Treasury(gen_region(rng))
    } else {
        Account::Project(gen_ident(rng))
    }
}

fn gen_kind(rng: &mut Rng) -> EntryKind {
    *rng.pick(&EntryKind::ALL)
}

fn gen_grant(rng: &mut Rng) -> KeyGrant {
    KeyGrant {
        key: Bytes(rng.bytes()),
        holder: gen_text(rng),
        role: *rng.pick(&[KeyRole::Admin, KeyRole::Operator, KeyRole::Auditor]),
        office: *rng.pick(Office::ALL),
        scope: Scope {
            regions: (0..rng.below(4)).map(|_| gen_region(rng)).collect(),
            kinds: (0..rng.below(4)).map(|_| gen_kind(rng)).collect(),
        },
        valid_from_ms: rng.edgy_u64(),
        valid_until_ms: rng.edgy_u64(),
    }
}

fn gen_region_def(rng: &mut Rng) -> RegionDef {
    RegionDef {
        code: gen_region(rng),
        name: gen_string(rng),
    }
}

fn gen_cosign_rule(rng: &mut Rng) -> CosignRule {
    CosignRule {
        kind: gen_kind(rng),
        min_amount: gen_fen(rng),
        signatures: rng.next_u64() as u8,
        roles: (0..rng.below(3)).map(|_| *rng.pick(Office::ALL)).collect(),
    }
}

fn gen_policy(rng: &mut Rng) -> Policy {
    let mut days = || rng.next_u64() as u16;
    let publicity_days = PublicityDays {
        application: days(),
        village: days(),
        town: days(),
        district: days(),
        objection_review: days(),
        exit: days(),
        payment_list: days(),
        project_plan: days(),
    };
    Policy {
        cosign_rules: (0..rng.below(4)).map(|_| gen_cosign_rule(rng)).collect(),
        publicity_days,
        categories: (0..rng.below(3))
            .map(|_| CategoryRule {
                category: *rng.pick(AssistanceCategory::ALL),
                subsidies: (0..rng.below(3)).map(|_| *rng.pick(SubsidyCategory::ALL)).collect(),
                ends_with_exit: rng.chance(1, 2),
            })
            .collect(),
        confirmation_days: rng.next_u64() as u16,
        enforced_from: ControlDates {
            registration: gen_date(rng),
            payment_list: gen_date(rng),
            roles: gen_date(rng),
            confirmation: gen_date(rng),
            projects: gen_date(rng),
        },
        retention_bp: rng.next_u64() as u16,
        fund_limits: FundLimits {
            district_days: rng.next_u64() as u16,
            town_days: rng.next_u64() as u16,
            village_days: rng.next_u64() as u16,
            project_days: rng.next_u64() as u16,
        },
    }
}

fn gen_line_ref(rng: &mut Rng) -> NoticeLineRef {
    NoticeLineRef {
        notice: gen_ident(rng),
        line: rng.edgy_u64() as u32,
    }
}

fn gen_notice(rng: &mut Rng) -> Notice {
    let lines = match rng.below(3) {
        0 => NoticeLines::Households(
            (0..rng.below(4))
                .map(|_| HouseholdLine {
                    household: HouseholdRef(Bytes(rng.bytes())),
                    masked_name: gen_masked_name(rng),
                    village: gen_region(rng),
                    category: *rng.pick(AssistanceCategory::ALL),
                })
                .collect(),
        ),
        1 => NoticeLines::Payments(
            (0..rng.below(4))
                .map(|_| PaymentLine {
                    household: HouseholdRef(Bytes(rng.bytes())),
                    masked_name: gen_masked_name(rng),
                    category: *rng.pick(SubsidyCategory::ALL),
                    period: gen_period(rng),
                    amount: gen_fen(rng),
                })
                .collect(),
        ),
        _ => NoticeLines::Projects((0..rng.below(4)).map(|_| gen_ident(rng)).collect()),
    };
    Notice {
        notice: gen_ident(rng),
        stage: *rng.pick(NoticeStage::ALL),
        region: gen_region(rng),
        start: gen_date(rng),
        title: gen_text(rng),
        lines,
    }
}

fn gen_payee(rng: &mut Rng) -> Payee {
    Payee {
        id: gen_ident(rng),
        name: gen_text(rng),
    }
}

fn gen_contract(rng: &mut Rng) -> Contract {
    Contract {
        contractor: gen_payee(rng),
        contract_no: gen_text(rng),
    }
}

fn gen_budgets(rng: &mut Rng) -> Vec<FundBudget> {
    (0..rng.below(3))
        .map(|_| FundBudget {
            fund: gen_ident(rng),
            amount: gen_fen(rng),
        })
        .collect()
}

/// A body of one of the project library's kinds.
fn gen_project_body(rng: &mut Rng) -> EntryBody {
    let milestone = |rng: &mut Rng| ProjectMilestone {
        project: gen_ident(rng),
        date: gen_date(rng),
        document_no: gen_text(rng),
        note: gen_text(rng),
    };
    match rng.below(8) {
        0 => EntryBody::ProjectReview(ProjectReview {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            passed: rng.chance(1, 2),
            note: gen_text(rng),
        }),
        1 => EntryBody::ProjectApprove(ProjectApprove {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            plan: gen_line_ref(rng),
            budgets: gen_budgets(rng),
            contract: gen_contract(rng),
        }),
        2 => EntryBody::ProjectStart(milestone(rng)),
        3 => EntryBody::ProjectAccept(milestone(rng)),
        4 => EntryBody::ProjectHandover(milestone(rng)),
        5 => EntryBody::ProjectEvaluate(ProjectEvaluate {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            score: rng.next_u64() as u8,
            note: gen_text(rng),
        }),
        6 => EntryBody::ProjectAdjust(ProjectAdjust {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            budgets: gen_budgets(rng),
            contract: rng.chance(1, 2).then(|| gen_contract(rng)),
            reason: gen_text(rng),
        }),
        _ => EntryBody::ProjectCancel(ProjectCancel {
            project: gen_ident(rng),
            date: gen_date(rng),
            reason: gen_text(rng),
        }),
    }
}

/// A body of one of the policy's procedure kinds (format version 2).
fn gen_procedure_body(rng: &mut Rng) -> EntryBody {
    match rng.below(7) {
        0 => EntryBody::Notice(gen_notice(rng)),
        1 => EntryBody::HouseholdCheck(HouseholdCheck {
            application: gen_line_ref(rng),
            check: *rng.pick(CheckKind::ALL),
            date: gen_date(rng),
            passed: rng.chance(1, 2),
            note: gen_text(rng),
        }),
        2 => EntryBody::HouseholdRegister(HouseholdRegister {
            household: HouseholdRef(Bytes(rng.bytes())),
            masked_name: gen_masked_name(rng),
            village: gen_region(rng),
            category: *rng.pick(AssistanceCategory::ALL),
            date: gen_date(rng),
            notices: rng.chance(2, 3).then(|| RegistrationNotices {
                application: gen_line_ref(rng),
                village: gen_line_ref(rng),
                town: gen_line_ref(rng),
                district: gen_line_ref(rng),
                objection_review: gen_line_ref(rng),
            }),
        }),
        3 => EntryBody::HouseholdExit(HouseholdExit {
            household: HouseholdRef(Bytes(rng.bytes())),
            village: gen_region(rng),
            date: gen_date(rng),
            announcement: gen_line_ref(rng),
            reason: gen_text(rng),
        }),
        4 => EntryBody::Objection(Objection {
            case_no: gen_ident(rng),
            target: if rng.chance(1, 2) {
                ObjectionTarget::NoticeLine(gen_line_ref(rng))
            } else {
                ObjectionTarget::Entry(rng.edgy_u64())
            },
            channel: *rng.pick(ObjectionChannel::ALL),
            received: gen_date(rng),
            summary: gen_text(rng),
        }),
        5 => EntryBody::ObjectionResolve(ObjectionResolve {
            case_no: gen_ident(rng),
            outcome: *rng.pick(ObjectionOutcome::ALL),
            date: gen_date(rng),
            reason: gen_text(rng),
        }),
        _ => EntryBody::PaymentConfirm(PaymentConfirm {
            payment_seq: rng.edgy_u64(),
            method: *rng.pick(ConfirmMethod::ALL),
            date: gen_date(rng),
        }),
    }
}

/// A valid entry body of any kind, every field drawn from its valid range.
pub fn gen_body(rng: &mut Rng) -> EntryBody {
    match rng.below(14) {
        0 => EntryBody::Genesis(Genesis {
            title: gen_text(rng),
            grants: (0..rng.below(3)).map(|_| gen_grant(rng)).collect(),
            regions: (0..rng.below(6)).map(|_| gen_region_def(rng)).collect(),
            policy: gen_policy(rng),
            pseudonym_commitment: Bytes(rng.bytes()),
            log_vkey: gen_string(rng),
        }),
        1 => EntryBody::KeyGrant(gen_grant(rng)),
        2 => EntryBody::KeyRevoke {
            key: Bytes(rng.bytes()),
            reason: gen_text(rng),
        },
        3 => EntryBody::RegionRegister {
            regions: (0..rng.below(5)).map(|_| gen_region_def(rng)).collect(),
        },
        4 => EntryBody::PolicyUpdate {
            policy: gen_policy(rng),
        },
        5 => EntryBody::FundIssue(FundIssue {
            fund: gen_ident(rng),
            title: gen_text(rng),
            document_no: gen_text(rng),
            source: *rng.pick(FundSource::ALL),
            category: *rng.pick(FundCategory::ALL),
            fiscal_year: rng.edgy_u64() as u16,
            to: gen_account(rng),
            amount: gen_fen(rng),
            date: gen_date(rng),
        }),
        6 => EntryBody::Transfer(Transfer {
            fund: gen_ident(rng),
            from: gen_account(rng),
            to: gen_account(rng),
            amount: gen_fen(rng),
            memo: gen_text(rng),
            date: gen_date(rng),
        }),
        7 => EntryBody::ProjectRegister(ProjectRegister {
            project: gen_ident(rng),
            name: gen_text(rng),
            village: gen_region(rng),
            category: *rng.pick(ProjectCategory::ALL),
            budget: gen_fen(rng),
            implementer: gen_text(rng),
            start: gen_date(rng),
            end: gen_date(rng),
        }),
        8 => EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: gen_ident(rng),
            project: gen_ident(rng),
            from: gen_account(rng),
            payee: Payee {
                id: gen_ident(rng),
                name: gen_text(rng),
            },
            amount: gen_fen(rng),
            contract_ref: gen_text(rng),
            milestone: gen_text(rng),
            date: gen_date(rng),
        }),
        9 => EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: gen_ident(rng),
            from: gen_account(rng),
            household: HouseholdRef(Bytes(rng.bytes())),
            masked_name: gen_masked_name(rng),
            village: gen_region(rng),
            category: *rng.pick(SubsidyCategory::ALL),
            period: gen_period(rng),
            amount: gen_fen(rng),
            date: gen_date(rng),
            notice: rng.chance(1, 2).then(|| gen_line_ref(rng)),
        }),
        10 => EntryBody::Reversal(Reversal {
            target_seq: rng.edgy_u64(),
            reason: gen_text(rng),
            date: gen_date(rng),
        }),
        11 => gen_procedure_body(rng),
        12 => gen_project_body(rng),
        _ => EntryBody::LogKeyRotate {
            log_vkey: gen_string(rng),
            reason: gen_text(rng),
            endorsement: Bytes(rng.bytes()),
        },
    }
}

/// `n` signing keys derived from `rng`.
pub fn gen_keys(rng: &mut Rng, n: usize) -> Vec<SigningKey> {
    (0..n).map(|_| SigningKey::from_bytes(&rng.bytes())).collect()
}

/// A valid signed submission: a generated body, really signed by one to
/// eight distinct `keys` (or, one time in four, carrying random signature
/// bytes: decoding does not verify them).
pub fn gen_signed_submission(rng: &mut Rng, keys: &[SigningKey]) -> SignedSubmission {
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: gen_string(rng),
        nonce: Bytes(rng.bytes()),
        not_after_ms: rng.edgy_u64(),
        body: gen_body(rng),
    };
    let count = if rng.chance(1, 6) { 8 } else { 1 + rng.index(3) };
    let start = rng.index(keys.len());
    let signers: Vec<&SigningKey> = (0..count.min(keys.len()))
        .map(|i| &keys[(start + i) % keys.len()])
        .collect();
    if rng.chance(1, 4) {
        SignedSubmission {
            submission,
            signatures: signers
                .iter()
                .map(|k| EntrySignature {
                    key: Bytes(k.verifying_key().to_bytes()),
                    signature: Bytes(rng.bytes()),
                })
                .collect(),
        }
    } else {
        submission.sign(&signers)
    }
}

/// A valid sequenced entry around a generated signed submission.
pub fn gen_entry(rng: &mut Rng, keys: &[SigningKey]) -> SequencedEntry {
    SequencedEntry {
        v: ENTRY_VERSION,
        seq: rng.edgy_u64(),
        time_ms: rng.edgy_u64(),
        prev_hash: Bytes(rng.bytes()),
        signed: gen_signed_submission(rng, keys),
    }
}
