//! Deterministic demo data: a realistic 2019-2020 阳光扶贫 ledger for
//! Huai'an District, generated from a seed.
//!
//! The same [`DemoConfig`] always yields the same keys and the same
//! submission bytes, so tests, benchmarks, the node's `--demo` mode and the
//! documentation can all talk about one data set. Randomness comes only from
//! `ChaCha20Rng::seed_from_u64(seed)`, read through `next_u64`/`fill_bytes`
//! (whose output is fixed by the ChaCha20 algorithm, not by `rand`'s
//! version-dependent sampling helpers), so the bytes stay stable across
//! dependency upgrades.
//!
//! What the log holds, in order:
//!
//! 1. **Genesis** (seq 0): title 淮安区阳光扶贫资金账本, the 361 regions of the
//!    district, two admin keys (区财政局, 区纪委监委), the co-signature policy
//!    ([`demo_cosign_rules`]), the pseudonym-key commitment and the log key.
//! 2. **KeyGrant**s, each co-signed by both admins: two district finance
//!    bureau operators, two co-signers (分管副局长, 区扶贫办主任), one 财政所
//!    operator per town or street, scoped to it.
//! 3. For each fiscal year 2019 and 2020: the **FundIssue**s of ten funds
//!    (central, provincial, municipal, district budgets and social
//!    donations, with 文号 in the real style) into `treasury:320803000000`;
//!    **Transfer**s district → towns (including, in 2019, one transfer sent
//!    to the wrong town, reversed, and re-sent) and towns → a few
//!    economically weak villages; then month by month **ProjectRegister**s,
//!    transfers into the project accounts, **ProjectDisbursement**s to
//!    contractors (预付款 / 进度款 / 竣工验收款) and **HouseholdSubsidy**
//!    payments (低保 monthly, medical and pension premiums, education, 危房改造,
//!    employment, industry support, 临时救助).
//! 4. At the start of 2020 one town's operator is rotated (**KeyRevoke** then
//!    a new **KeyGrant**).
//! 5. Corrections: a 低保 payment posted twice and reversed, and a 2020
//!    payment to a household found ineligible, reversed.
//!
//! Money never overdraws: every allocation is computed from the payments it
//! must cover (rounded up), and the tests replay the whole log through
//! [`ledger_core::rules::LedgerState`].
//!
//! The generator builds all bodies sequentially (the only place randomness is
//! used), then signs them in parallel with rayon: signing is >95% of the
//! work and Ed25519 signatures are deterministic, so the result does not
//! depend on the thread count.
//!
//! This crate sits outside ledger-core on purpose: a verifier must trust
//! ledger-core and nothing more, and a generator of test data is not part of
//! what it checks. The co-signature requirement it signs for is ledger-core's
//! own (`ledger_core::entry::required_signatures`), not a copy.
//!
//! # Modules, one subject each
//!
//! - `lib.rs`: this overview, the public constants, the re-exports.
//! - `log`: what goes in and out: [`DemoConfig`], [`DemoLog`],
//!   [`DemoOperator`], [`DemoHousehold`].
//! - `error`: [`DemoError`] and checked constructors of ledger values.
//! - `dice`: every random choice, read from one ChaCha20 stream.
//! - `names`: synthetic people's names and resident IDs.
//! - `credit_codes`: synthetic enterprises' unified social credit codes.
//! - `regions`: the district's divisions ([`DIVISIONS`],
//!   [`huaian_regions`]), towns and villages, weak villages.
//! - `keys`: the key ring and what each key is granted.
//! - `funds`: the ten funds of each year; which fund pays which subsidy.
//! - `projects`: contractors and village projects.
//! - `households`: households and their planned payments.
//! - `corrections`: the payments to reverse.
//! - `budget`: what each fund issues and each town and village receives.
//! - `genesis`: genesis entries ([`genesis_submission`]) and the
//!   co-signature policy ([`demo_cosign_rules`]).
//! - `signing`: submissions under construction, signed in parallel.
//! - `history`: the entries posted in log order, step by step;
//!   `history::months`, a fiscal year's month-by-month payments and
//!   reversals.
//! - `generate`: [`generate()`], which runs the steps below.
//! - `entries`: [`demo_entries`], sequencing without a node.
//!
//! # The steps of [`generate()`], in order
//!
//! The order is part of the output: every step draws from the same dice.
//!
//! 1. Draw the log key and the pseudonym key; load the district; set up the
//!    key ring (`KeyRing::set_up`).
//! 2. Plan (`plan_ledger`): projects with their contractors
//!    (`plan_projects`), weak villages, the funds of both years
//!    (`Funds::define`), household payments up to the target size
//!    (`plan_households`), corrections (`plan_corrections`), then the budget
//!    (`Budget::allocate`, which draws each fund's reserve).
//! 3. Post (`History`): genesis (`post_genesis`), operator grants
//!    (`grant_operator_keys`), then for each fiscal year
//!    (`post_fiscal_year`): rotate a town operator (2020 only), issue funds,
//!    pass funds to the towns (with the misdirected transfer in 2019) and to
//!    the weak villages, then month by month register and pay projects, pay
//!    households and reverse payments (`post_months`).
//! 4. Sign every submission in parallel (`sign_all`).
//! 5. Assemble the [`DemoLog`] (`assemble_log`).
//!
//! `tests/golden.rs` pins the generated bytes: a refactor must not change
//! them.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod budget;
mod calendar;
mod corrections;
mod credit_codes;
mod dice;
mod entries;
mod error;
mod funds;
mod generate;
mod genesis;
mod history;
mod households;
mod keys;
mod log;
mod names;
mod projects;
mod regions;
mod signing;

pub use entries::demo_entries;
pub use error::DemoError;
pub use generate::generate;
pub use genesis::{demo_cosign_rules, demo_policy, genesis_submission, GenesisParts, CONTROLS_FROM};
pub use log::{DemoConfig, DemoHousehold, DemoLog, DemoOperator};
pub use regions::{huaian_regions, DIVISIONS};

/// The demo log's origin (a valid signed-note key name: no spaces, no `+`).
pub const DEMO_ORIGIN: &str = "huaian.sunshine-ledger.example/demo";
/// The demo log's title.
pub const DEMO_TITLE: &str = "淮安区阳光扶贫资金账本";
/// The seed of the default demo.
pub const DEFAULT_SEED: u64 = 320_803;
/// The size of the default demo.
pub const DEFAULT_TARGET_ENTRIES: u64 = 3_000;
/// Grants are valid from 2019-01-01 00:00:00 Beijing time (Unix ms).
pub const GRANT_VALID_FROM_MS: u64 = 1_546_272_000_000;
/// Grants are valid until 2099-12-31 23:59:59.999 Beijing time (Unix ms).
pub const GRANT_VALID_UNTIL_MS: u64 = 4_102_415_999_999;
/// Every demo submission may be sequenced up to 24 hours after `now_ms`.
pub const SUBMISSION_VALIDITY_MS: u64 = 24 * 3600 * 1000;
/// The district's division code.
pub const DISTRICT_CODE: u64 = 320_803_000_000;

/// One yuan in fen.
const YUAN: u64 = 100;
/// The first fiscal year of the demo; the second is the year after.
const FIRST_YEAR: u16 = 2019;
/// The demo's two fiscal years.
const YEARS: [u16; 2] = [FIRST_YEAR, FIRST_YEAR + 1];
