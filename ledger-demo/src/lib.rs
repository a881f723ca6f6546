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
//!    district, two admin keys (区财政局, 区纪委监委), the policy
//!    ([`demo_policy`]: co-signature rules with the offices that must sign
//!    ([`demo_cosign_rules`]), 7-day publicity windows, the assistance
//!    categories, a 30-day confirmation deadline, every household control
//!    enforced from [`CONTROLS_FROM`], 2019-03-01, the project library's
//!    payment rules from [`PROJECTS_FROM`], 2019-07-01, a 5 % retention
//!    ([`RETENTION_BP`]) and the default fund time limits), the
//!    pseudonym-key commitment and the log key.
//! 2. **KeyGrant**s, each co-signed by both admins, each with its office and
//!    a scope allowing exactly what it signs: two district finance bureau
//!    operators (区财政局), the district leader (区分管领导) and the district
//!    poverty office (区扶贫办, also the district publicity), one 财政所 and
//!    one 镇扶贫办 per town, the discipline inspector (纪检监察: objections),
//!    one 村委会 per village with households (application and village
//!    notices, home verification, confirmations).
//! 3. Then every dated event of 2019-2020 in business-date order:
//!    - **FundIssue**s in January (ten funds a year, 文号 in the real style),
//!      each exactly what its towns pay out (the 2019 低保 fund keeps a
//!      reserve at the district); **Transfer**s to the towns on
//!      10 February (in 2019 one 低保 transfer sent to the wrong town,
//!      reversed, re-sent) and to the economically weak villages in March;
//!    - the project library (项目库, `library`): each project proposed
//!      (**ProjectRegister**), reviewed (**ProjectReview**, 审核论证),
//!      publicised (a `ProjectPlan` **Notice**, 7 days), approved with its
//!      budget and contractor (**ProjectApprove**, 淮区扶贫〔2019〕12号 and
//!      on), started, paid by milestone (预付款 / 进度款 / 竣工验收款, and
//!      质保金 a year after acceptance; each passed from the town into the
//!      project's account the day it is paid), accepted,
//!      handed over and evaluated; adjustments (a contractor replaced, a
//!      budget raised, a budget cut), one project cancelled, one failed
//!      review, the last 2020 projects at each earlier stage (next year's
//!      library proposed, reviewed or approved), and three payments of
//!      spring 2019 that broke the project
//!      rules before they were enforced (paid before approval, to another
//!      company, over the budget), accepted with history warnings;
//!    - history from before the ledger: the February 2019 低保 payments,
//!      without registration or the town poverty office's signature, and
//!      without a payment list (in one village: citing a list posted the day
//!      before, so paid before its window ended), accepted with history
//!      warnings and flagged by the audit; one of them posted twice and
//!      reversed in March; a few 特困供养 registrations of January 2019
//!      imported without the procedure (also flagged);
//!    - from 1 March 2019 the registration procedure (两公告两比对四公示) of
//!      every household: the **Notice**s 申报公告 (per village), the
//!      **HouseholdCheck**s 部门数据比对 and 入户核对, the 村级, 镇级 and 区级
//!      公示, the 异议审核公示 (per village), then **HouseholdRegister** in
//!      低保 and/or 建档立卡低收入户 (whichever entitles it to its subsidies);
//!    - every quarter, one payment list (发放公示) per village; the
//!      **HouseholdSubsidy** payments (低保 monthly, premiums, education,
//!      危房改造, employment, industry support, 临时救助) on the 15th-24th,
//!      each citing its line, co-signed by the 镇扶贫办 and the 财政所; most
//!      confirmed by the household (**PaymentConfirm**, witnessed by the
//!      村委会) within 30 days, some never;
//!    - **Objection**s and their decisions (**ObjectionResolve**): against a
//!      2019 third-quarter list line, upheld (the line withdrawn, that
//!      household not paid that month) and another dismissed (paid after
//!      the decision); against a 2020 payment, reversed and then upheld;
//!    - in June 2020 the 脱贫公告 and **HouseholdExit** of a few 建档立卡
//!      households; one of them returns to poverty and goes through the
//!      whole procedure again in September;
//!    - on 1 January 2020 one town's operator is rotated (**KeyRevoke**,
//!      then a new **KeyGrant**).
//!
//! The log is cut at exactly `target_entries` (any prefix of a valid log
//! is valid): the plan estimates its size, a little over.
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
//! what it checks. The signatures and offices it signs for are ledger-core's
//! own (`ledger_core::policy::required_signatures` and `required_roles`),
//! not a copy.
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
//! - `keys`: the key ring, each key's office and what it is granted.
//! - `calendar`: every business date: the procedure's stages, payment
//!   rounds and days, exits.
//! - `funds`: the ten funds of each year; which fund pays which subsidy.
//! - `projects`: contractors and village projects.
//! - `library`: each project's way through the library's stages, with
//!   its documents (文号) and payments, and [`PROJECTS_FROM`].
//! - `households`: the villages with households, the households, their
//!   categories, exits and planned payments (with dates and confirmations).
//! - `corrections`: the payments to reverse and the objections.
//! - `budget`: what each fund issues and each town and village receives.
//! - `genesis`: genesis entries ([`genesis_submission`]) and the policy
//!   ([`demo_policy`], [`demo_cosign_rules`]).
//! - `signing`: submissions under construction, their signers chosen by the
//!   offices the policy requires, signed in parallel.
//! - `history`: the entries posted in log order: `events` (the dated
//!   events, sorted), `money` (funds, transfers), `library` (the
//!   projects' stages and payments), `procedure`
//!   (registration notices, checks, registrations, exits), `payments`
//!   (payment lists, payments, objections, reversals, confirmations).
//! - `generate`: [`generate()`], which runs the steps below.
//! - `entries`: [`demo_entries`], sequencing without a node.
//!
//! # The steps of [`generate()`], in order
//!
//! The order is part of the output: every step draws from the same dice.
//!
//! 1. Draw the log key and the pseudonym key; load the district; set up the
//!    key ring (`KeyRing::set_up`).
//! 2. Plan (`plan_ledger`): the contractors (`contractors`), projects
//!    (`plan_projects`) and their steps (`plan_library`), the funds of both
//!    years (`Funds::define`), the villages with households
//!    (`choose_places`, about one per 150 entries), the weak villages among
//!    them, the committees' keys, households and their payments up to the
//!    target size (`plan_households`), corrections and objections
//!    (`plan_corrections`), then the budget (`Budget::allocate`).
//! 3. Post (`History`): genesis (`post_genesis`), key grants
//!    (`grant_operator_keys`), then every dated event in order
//!    (`post_events`); cut at the target size.
//! 4. Sign every submission in parallel (`sign_all`).
//! 5. Assemble the [`DemoLog`] (`assemble_log`).
//!
//! `tests/golden.rs` pins the generated bytes: a refactor must not change
//! them.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod budget;
mod calendar;
mod contacts;
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
mod library;
mod log;
mod names;
mod projects;
mod regions;
mod signing;

pub use entries::demo_entries;
pub use error::DemoError;
pub use generate::generate;
pub use genesis::{demo_cosign_rules, demo_policy, genesis_submission, GenesisParts, CONTROLS_FROM, RETENTION_BP};
pub use library::PROJECTS_FROM;
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
