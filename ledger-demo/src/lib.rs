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
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::SigningKey;
use ledger_core::amount::Fen;
use ledger_core::chain::{entry_hash, ChainHead, ENTRY_VERSION};
use ledger_core::checkpoint::LogSigner;
use ledger_core::encoding::{self, Bytes};
use ledger_core::entry::{
    required_signatures, Account, CosignRule, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis,
    HouseholdSubsidy, Payee, ProjectCategory, ProjectDisbursement, ProjectRegister, Reversal, SubsidyCategory,
    Transfer,
};
use ledger_core::household::{check_char, HouseholdRef, MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Ident, Period, Text};
use ledger_core::keys::{KeyGrant, Role, Scope};
use ledger_core::region::{parse_division_list, RegionCode, RegionDef, RegionLevel};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The district's 361 statistical divisions (2019), one `CODE NAME` a line.
pub const DIVISIONS: &str = include_str!("../../fixtures/huaian-district-2019-divisions.txt");
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
/// Town allocations are rounded up to 10,000 元, as budget documents are.
const TOWN_ROUNDING_FEN: u64 = 10_000 * YUAN;
/// Village allocations are rounded up to 1,000 元.
const VILLAGE_ROUNDING_FEN: u64 = 1_000 * YUAN;
/// The first fiscal year of the demo; the second is the year after.
const FIRST_YEAR: u16 = 2019;
/// Number of economically weak villages (集体经济薄弱村) whose industry
/// support is paid through the village collective's own account.
const WEAK_VILLAGES: usize = 12;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// The seed of every random choice (keys included).
    pub seed: u64,
    /// How many submissions the log should hold, genesis included. The
    /// generator hits it exactly once it exceeds the fixed structure (funds,
    /// grants, transfers, projects: a few hundred entries); the rest are
    /// household subsidies.
    pub target_entries: u64,
    /// The earliest time (Unix ms) at which the submissions will be
    /// sequenced; each is valid until `now_ms + 24 h`.
    pub now_ms: u64,
}

impl DemoConfig {
    /// The default demo (seed [`DEFAULT_SEED`], [`DEFAULT_TARGET_ENTRIES`]
    /// entries) for a log sequenced from `now_ms` on.
    pub fn new(now_ms: u64) -> DemoConfig {
        DemoConfig {
            seed: DEFAULT_SEED,
            target_entries: DEFAULT_TARGET_ENTRIES,
            now_ms,
        }
    }
}

/// A key holder of the demo log.
#[derive(Debug, Clone)]
pub struct DemoOperator {
    /// Who holds it, e.g. `施河镇财政所 张*华` (also the grant's holder).
    pub name: String,
    /// The private key.
    pub key: SigningKey,
    /// What the log grants it.
    pub grant: KeyGrant,
    /// The sequence number of the entry that revoked it, if any.
    pub revoked_at_seq: Option<u64>,
}

/// A synthetic household. The resident ID is synthetic but valid (area
/// 320803, plausible birth date, correct GB 11643 check character); it is
/// here so that tests and the demo terminal can look households up, and it
/// appears in no entry.
#[derive(Debug, Clone)]
pub struct DemoHousehold {
    /// The 18-character resident ID of the head of household.
    pub resident_id: String,
    /// The full name of the head of household (never in an entry).
    pub full_name: String,
    /// The masked name the entries carry.
    pub masked_name: MaskedName,
    /// The household reference under the log's pseudonym key.
    pub reference: HouseholdRef,
    /// The household's village.
    pub village: RegionCode,
}

/// A generated demo log: its keys and its submissions, in order.
#[derive(Debug, Clone)]
pub struct DemoLog {
    /// The log's origin, [`DEMO_ORIGIN`].
    pub origin: String,
    /// The log's checkpoint and receipt key.
    pub log_key: SigningKey,
    /// The two admin keys granted in genesis (区财政局, 区纪委监委).
    pub admins: Vec<DemoOperator>,
    /// Every operator key: district operators, co-signers, one per town,
    /// and the replacement of the rotated town operator (last).
    pub operators: Vec<DemoOperator>,
    /// The secret key of household references.
    pub pseudonym_key: PseudonymKey,
    /// The households paid.
    pub households: Vec<DemoHousehold>,
    /// The submissions in log order; entry 0 is genesis.
    pub submissions: Vec<SignedSubmission>,
}

impl DemoLog {
    /// The log's verifier key (signed-note form), as declared in genesis.
    pub fn log_vkey(&self) -> Option<&str> {
        match self.submissions.first().map(|s| &s.submission.body) {
            Some(EntryBody::Genesis(g)) => Some(g.log_vkey.as_str()),
            _ => None,
        }
    }

    /// The unrevoked operator whose scope is exactly the town of `region`
    /// (the town's 财政所), if any.
    pub fn town_operator(&self, region: RegionCode) -> Option<&DemoOperator> {
        let town = region.town()?;
        self.operators
            .iter()
            .find(|o| o.revoked_at_seq.is_none() && o.grant.scope.regions.as_slice() == [town])
    }

    /// The unrevoked operators whose scope is the whole district, in order:
    /// the two finance bureau operators, then the two co-signers.
    pub fn district_operators(&self) -> Vec<&DemoOperator> {
        self.operators
            .iter()
            .filter(|o| o.revoked_at_seq.is_none() && o.grant.scope.regions.iter().any(|r| r.get() == DISTRICT_CODE))
            .collect()
    }
}

/// Why demo data could not be built (a bug in the generator, or an explicit
/// genesis part that does not validate).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("demo data: {0}")]
pub struct DemoError(pub String);

fn err(e: impl std::fmt::Display) -> DemoError {
    DemoError(e.to_string())
}

fn text(s: &str) -> Result<Text, DemoError> {
    Text::new(s).map_err(|e| DemoError(format!("{e}: {s:?}")))
}

fn ident(s: &str) -> Result<Ident, DemoError> {
    Ident::new(s).map_err(err)
}

fn fen(amount: u64) -> Result<Fen, DemoError> {
    Fen::new(amount).map_err(err)
}

fn region(code: u64) -> Result<RegionCode, DemoError> {
    RegionCode::new(code).map_err(err)
}

fn round_up(value: u64, step: u64) -> u64 {
    value.div_ceil(step).saturating_mul(step)
}

/// The explicit parts of a genesis entry.
#[derive(Debug, Clone)]
pub struct GenesisParts<'a> {
    /// The log's origin (signed-note key name).
    pub origin: &'a str,
    /// Human title.
    pub title: &'a str,
    /// The region table, parents first.
    pub regions: Vec<RegionDef>,
    /// The first grants (at least one admin).
    pub grants: Vec<KeyGrant>,
    /// The co-signature policy.
    pub cosign_rules: Vec<CosignRule>,
    /// The pseudonym key (only its commitment is published).
    pub pseudonym_key: &'a PseudonymKey,
    /// The log's checkpoint key (only its verifier key is published).
    pub log_key: &'a SigningKey,
    /// The submission's nonce.
    pub nonce: [u8; 16],
    /// The submission's not-after time (Unix ms).
    pub not_after_ms: u64,
}

/// Build and sign a genesis submission from explicit parts. `signers` must be
/// admin keys granted in `parts.grants` (genesis is self-signed).
pub fn genesis_submission(parts: &GenesisParts<'_>, signers: &[&SigningKey]) -> Result<SignedSubmission, DemoError> {
    let log_vkey = LogSigner::new(parts.origin, parts.log_key.clone())
        .map_err(err)?
        .verifier_key();
    let body = EntryBody::Genesis(Genesis {
        title: text(parts.title)?,
        grants: parts.grants.clone(),
        regions: parts.regions.clone(),
        cosign_rules: parts.cosign_rules.clone(),
        pseudonym_commitment: parts.pseudonym_key.commitment(),
        log_vkey,
    });
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: parts.origin.to_string(),
        nonce: Bytes(parts.nonce),
        not_after_ms: parts.not_after_ms,
        body,
    };
    Ok(submission.sign(signers))
}

/// The 361 regions of Huai'an District, sorted by code (parents first).
pub fn huaian_regions() -> Result<Vec<RegionDef>, DemoError> {
    parse_division_list(DIVISIONS).map_err(|(line, e)| DemoError(format!("division list line {line}: {e}")))
}

/// The demo's co-signature policy ("五签五核" in small):
/// a fund issue of 1,000,000 元 or more, a transfer of 5,000,000 元 or more
/// and a project payment of 500,000 元 or more need two signatures; every
/// reversal needs two (a correction is where money is most easily hidden);
/// every key grant needs two admins, while a revocation needs one, so that a
/// compromised key can be cut off at once.
pub fn demo_cosign_rules() -> Result<Vec<CosignRule>, DemoError> {
    Ok(vec![
        CosignRule {
            kind: EntryKind::FundIssue,
            min_amount: fen(1_000_000 * YUAN)?,
            signatures: 2,
        },
        CosignRule {
            kind: EntryKind::Transfer,
            min_amount: fen(5_000_000 * YUAN)?,
            signatures: 2,
        },
        CosignRule {
            kind: EntryKind::ProjectDisbursement,
            min_amount: fen(500_000 * YUAN)?,
            signatures: 2,
        },
        CosignRule {
            kind: EntryKind::Reversal,
            min_amount: Fen::ZERO,
            signatures: 2,
        },
        CosignRule {
            kind: EntryKind::KeyGrant,
            min_amount: Fen::ZERO,
            signatures: 2,
        },
    ])
}

// ---------------------------------------------------------------------------
// Randomness

/// Uniform choices read straight from the ChaCha20 stream. `below` uses the
/// multiply-shift reduction: its bias (< n / 2^64) is irrelevant for demo
/// data, and unlike `rand::Rng::gen_range` its output is fixed forever.
struct Dice(ChaCha20Rng);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.0.fill_bytes(&mut out);
        out
    }
    fn key(&mut self) -> SigningKey {
        SigningKey::from_bytes(&self.bytes())
    }
}

// ---------------------------------------------------------------------------
// Names

/// Common surnames of northern Jiangsu, frequent ones repeated so they are
/// drawn more often.
const SURNAMES: [&str; 48] = [
    "王", "王", "王", "张", "张", "张", "陈", "陈", "李", "李", "刘", "刘", "周", "周", "徐", "徐", "朱", "朱", "孙",
    "吴", "杨", "顾", "蒋", "季", "沈", "戴", "薛", "韩", "唐", "胡", "马", "曹", "许", "严", "潘", "钱", "丁", "高",
    "卢", "夏", "姚", "范", "程", "葛", "邵", "汤", "金", "秦",
];
/// Two-character given names typical of rural households of that generation.
const GIVEN_NAMES_2: [&str; 48] = [
    "建国", "桂英", "秀兰", "玉兰", "国华", "德明", "志强", "长林", "春华", "凤英", "海军", "红梅", "学军", "加宝",
    "其林", "广友", "素珍", "立新", "爱华", "金山", "兆云", "成林", "如意", "士明", "正兰", "宝山", "文华", "玉珍",
    "永生", "德胜", "秀英", "兰芳", "光明", "少华", "连生", "家富", "庆云", "冬梅", "小红", "国平", "春生", "明军",
    "秀芳", "桂香", "洪林", "月华", "俊杰", "守田",
];
/// One-character given names.
const GIVEN_NAMES_1: [&str; 16] = [
    "芳", "军", "强", "静", "勇", "红", "伟", "平", "兰", "华", "英", "林", "明", "霞", "斌", "娟",
];

fn person_name(dice: &mut Dice) -> String {
    let surname = SURNAMES[dice.index(SURNAMES.len())];
    let given = if dice.chance(800) {
        GIVEN_NAMES_2[dice.index(GIVEN_NAMES_2.len())]
    } else {
        GIVEN_NAMES_1[dice.index(GIVEN_NAMES_1.len())]
    };
    format!("{surname}{given}")
}

/// A masked official's name for a key holder, e.g. `张*华`.
fn official_name(dice: &mut Dice) -> Result<String, DemoError> {
    Ok(MaskedName::mask(&person_name(dice)).map_err(err)?.as_str().to_string())
}

/// A synthetic 18-digit resident ID: area 320803, a birth date between 1934
/// and 1994, a 3-digit order code, the GB 11643 check character.
fn resident_id(dice: &mut Dice) -> String {
    let year = dice.range(1934, 1994) as u32;
    let month = dice.range(1, 12) as u32;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    let day = dice.range(1, days) as u32;
    let order = dice.range(1, 999) as u32;
    let body = format!("320803{year:04}{month:02}{day:02}{order:03}");
    let mut body17 = [0u8; 17];
    body17.copy_from_slice(&body.as_bytes()[..17]);
    format!("{body}{}", check_char(&body17))
}

/// Characters of a unified social credit code (GB 32100), by value.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100 weights of the 17 body characters.
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// GB 11714 weights of the 8 body characters of an organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A synthetic but well-formed unified social credit code of an enterprise
/// registered in `area`: `91` ‖ area ‖ organisation code (`MA` + 6 characters
/// + its GB 11714 check character) ‖ GB 32100 check character.
fn uscc(dice: &mut Dice, area: &str) -> String {
    let mut org = String::from("MA");
    for _ in 0..6 {
        org.push(USCC_CHARS[dice.index(USCC_CHARS.len())] as char);
    }
    let body = format!("91{area}{org}{}", org_code_check(&org));
    format!("{body}{}", uscc_check(&body))
}

/// GB 11714 check character of an 8-character organisation code body.
fn org_code_check(body8: &str) -> char {
    let sum: u32 = body8
        .bytes()
        .zip(ORG_WEIGHTS)
        .map(|(c, w)| {
            if c.is_ascii_digit() {
                u32::from(c - b'0') * w
            } else {
                (u32::from(c - b'A') + 10) * w
            }
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    }
}

/// GB 32100 check character of a 17-character credit code body.
fn uscc_check(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32 * w)
        .sum();
    USCC_CHARS[((31 - sum % 31) % 31) as usize] as char
}

// ---------------------------------------------------------------------------
// Places

struct VillageInfo {
    code: RegionCode,
    /// Short name for project titles: `王桥村委会` → `王桥村`.
    short: String,
    rural: bool,
}

struct TownInfo {
    code: RegionCode,
    name: String,
    /// The implementing unit of its projects (`施河镇人民政府`).
    government: String,
    /// Its finance office (`施河镇财政所`).
    finance_office: String,
    villages: Vec<VillageInfo>,
}

fn towns_of(regions: &[RegionDef]) -> Vec<TownInfo> {
    let mut towns: Vec<TownInfo> = Vec::new();
    for def in regions {
        match def.code.level() {
            RegionLevel::Town => {
                let name = def.name.clone();
                let (government, finance_office) = if name.ends_with('镇') {
                    (format!("{name}人民政府"), format!("{name}财政所"))
                } else if name.ends_with("街道") {
                    (format!("{name}办事处"), format!("{name}财政所"))
                } else if name.ends_with("农场") {
                    (format!("{name}管理委员会"), format!("{name}财务科"))
                } else {
                    (format!("{name}管理委员会"), format!("{name}财政局"))
                };
                towns.push(TownInfo {
                    code: def.code,
                    name,
                    government,
                    finance_office,
                    villages: Vec::new(),
                });
            }
            RegionLevel::Village => {
                // Statistical "virtual" units have no residents of their own.
                if def.name.contains("虚拟") {
                    continue;
                }
                let rural = def.name.ends_with("村委会");
                let short = def.name.strip_suffix("委会").unwrap_or(&def.name).to_string();
                if let Some(town) = towns.iter_mut().find(|t| Some(t.code) == def.code.parent()) {
                    town.villages.push(VillageInfo {
                        code: def.code,
                        short,
                        rural,
                    });
                }
            }
            RegionLevel::District => {}
        }
    }
    towns
}

// ---------------------------------------------------------------------------
// Funds

/// The ten funds issued each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum FundKey {
    Central,
    Provincial,
    Municipal,
    District,
    MinLiving,
    Housing,
    Education,
    Medical,
    Pension,
    Donation,
}

/// Funds that pay subsidies through the town finance offices: every town
/// with residents receives an allocation of each, every year.
const TOWN_SUBSIDY_FUNDS: [FundKey; 5] = [
    FundKey::Provincial,
    FundKey::Municipal,
    FundKey::MinLiving,
    FundKey::Housing,
    FundKey::Donation,
];

struct FundDef {
    key: FundKey,
    year: u16,
    id: Ident,
    title: Text,
    document_no: String,
    source: FundSource,
    category: FundCategory,
}

fn fund_defs(dice: &mut Dice, year: u16) -> Result<Vec<FundDef>, DemoError> {
    let y = year;
    // Document numbers: the 2019 special-fund numbers are the ones quoted in
    // the brief; the others are drawn in plausible ranges, distinct per prefix.
    let first = year == FIRST_YEAR;
    let scn_provincial = if first { 12 } else { dice.range(8, 20) };
    let scn_central = scn_provincial + dice.range(3, 15);
    let hcn = if first { 35 } else { dice.range(20, 60) };
    let hqc = if first { 8 } else { dice.range(3, 15) };
    let hqs_medical = dice.range(2, 10);
    let hqs_pension = hqs_medical + dice.range(1, 6);
    let specs: [(FundKey, String, String, String, FundSource, FundCategory); 10] = [
        (
            FundKey::Central,
            format!("{y}年中央财政专项扶贫资金"),
            format!("苏财农〔{y}〕{scn_central}号"),
            format!("F{y}-SCN-{scn_central:03}"),
            FundSource::Central,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::Provincial,
            format!("{y}年省级财政专项扶贫资金"),
            format!("苏财农〔{y}〕{scn_provincial}号"),
            format!("F{y}-SCN-{scn_provincial:03}"),
            FundSource::Provincial,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::Municipal,
            format!("{y}年市级财政专项扶贫资金"),
            format!("淮财农〔{y}〕{hcn}号"),
            format!("F{y}-HCN-{hcn:03}"),
            FundSource::Municipal,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::District,
            format!("{y}年区级财政专项扶贫配套资金"),
            format!("淮区财〔{y}〕{hqc}号"),
            format!("F{y}-HQC-{hqc:03}"),
            FundSource::District,
            FundCategory::Infrastructure,
        ),
        {
            let n = dice.range(20, 45);
            (
                FundKey::MinLiving,
                format!("{y}年困难群众救助补助资金（最低生活保障）"),
                format!("苏财社〔{y}〕{n}号"),
                format!("F{y}-SCS-{n:03}"),
                FundSource::Provincial,
                FundCategory::SocialSecurity,
            )
        },
        {
            let n = dice.range(30, 80);
            (
                FundKey::Housing,
                format!("{y}年农村危房改造省级补助资金"),
                format!("苏财建〔{y}〕{n}号"),
                format!("F{y}-SCJ-{n:03}"),
                FundSource::Provincial,
                FundCategory::Housing,
            )
        },
        {
            let n = dice.range(5, 25);
            (
                FundKey::Education,
                format!("{y}年建档立卡家庭学生教育资助资金"),
                format!("淮区财教〔{y}〕{n}号"),
                format!("F{y}-HQJ-{n:03}"),
                FundSource::District,
                FundCategory::Education,
            )
        },
        (
            FundKey::Medical,
            format!("{y}年低收入人口城乡居民医保个人缴费代缴资金"),
            format!("淮区财社〔{y}〕{hqs_medical}号"),
            format!("F{y}-HQS-{hqs_medical:03}"),
            FundSource::District,
            FundCategory::Medical,
        ),
        (
            FundKey::Pension,
            format!("{y}年低收入人口城乡居民养老保险代缴资金"),
            format!("淮区财社〔{y}〕{hqs_pension}号"),
            format!("F{y}-HQS-{hqs_pension:03}"),
            FundSource::District,
            FundCategory::SocialSecurity,
        ),
        {
            let n = dice.range(1, 9);
            (
                FundKey::Donation,
                format!("{y}年“阳光扶贫”社会捐赠帮扶资金"),
                format!("淮区慈〔{y}〕{n}号"),
                format!("F{y}-HQCS-{n:03}"),
                FundSource::SocialDonation,
                FundCategory::Other,
            )
        },
    ];
    specs
        .into_iter()
        .map(|(key, title, document_no, id, source, category)| {
            Ok(FundDef {
                key,
                year,
                id: ident(&id)?,
                title: text(&title)?,
                document_no,
                source,
                category,
            })
        })
        .collect()
}

/// Which fund pays a subsidy category, and who pays it out.
fn subsidy_fund(category: SubsidyCategory) -> FundKey {
    match category {
        SubsidyCategory::MinimumLiving => FundKey::MinLiving,
        SubsidyCategory::HousingRenovation => FundKey::Housing,
        SubsidyCategory::Education => FundKey::Education,
        SubsidyCategory::MedicalInsurance => FundKey::Medical,
        SubsidyCategory::Pension => FundKey::Pension,
        SubsidyCategory::Employment => FundKey::Municipal,
        SubsidyCategory::IndustrySupport => FundKey::Provincial,
        SubsidyCategory::Other => FundKey::Donation,
    }
}

/// Premiums and student aid are paid centrally by the district; the rest
/// through the town finance offices (and, for weak villages' industry
/// support, the village collective).
fn paid_by_district(category: SubsidyCategory) -> bool {
    matches!(
        category,
        SubsidyCategory::MedicalInsurance | SubsidyCategory::Pension | SubsidyCategory::Education
    )
}

// ---------------------------------------------------------------------------
// Plan

/// Who pays: the district treasury, a town's, or a village collective's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Payer {
    District,
    Town(u16),
    Village(u16, u16),
}

#[derive(Debug, Clone, Copy)]
struct SubsidyItem {
    year: u16,
    /// Month of payment (1-12).
    month: u8,
    payer: Payer,
    household: u32,
    category: SubsidyCategory,
    period: Period,
    amount: u64,
}

struct ProjectPlan {
    year: u16,
    town: u16,
    id: Ident,
    body: ProjectRegister,
    fund: FundKey,
    payee: Payee,
    contract: Text,
    /// Month of registration and of the transfer into the project account.
    month: u8,
    /// (month, percent of budget, milestone).
    milestones: Vec<(u8, u64, &'static str)>,
}

struct Contractor {
    payee: Payee,
    kind: ContractorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContractorKind {
    Construction,
    Water,
    Solar,
    Agriculture,
}

fn contractors(dice: &mut Dice) -> Result<Vec<Contractor>, DemoError> {
    const WORDS: [&str; 24] = [
        "瑞丰", "恒达", "鑫源", "宏盛", "兴淮", "楚韵", "运河", "华泰", "金鼎", "永盛", "润达", "嘉禾", "汇通", "苏淮",
        "天顺", "广源", "丰泽", "盛世", "淮扬", "新禾", "博远", "安澜", "绿野", "晟阳",
    ];
    let forms: [(ContractorKind, &str, &str); 6] = [
        (ContractorKind::Construction, "淮安市", "建设工程有限公司"),
        (ContractorKind::Construction, "江苏", "建设集团有限公司"),
        (ContractorKind::Water, "淮安", "水利建筑工程有限公司"),
        (ContractorKind::Solar, "江苏", "新能源科技有限公司"),
        (ContractorKind::Agriculture, "淮安", "农业科技发展有限公司"),
        (ContractorKind::Agriculture, "江苏", "温室工程有限公司"),
    ];
    let mut out = Vec::new();
    for (i, word) in WORDS.iter().enumerate() {
        let (kind, prefix, suffix) = forms[i % forms.len()];
        let area = if dice.chance(600) { "320803" } else { "320800" };
        let id = uscc(dice, area);
        out.push(Contractor {
            payee: Payee {
                id: ident(&id)?,
                name: text(&format!("{prefix}{word}{suffix}"))?,
            },
            kind,
        });
    }
    Ok(out)
}

fn plan_projects(
    dice: &mut Dice,
    towns: &[TownInfo],
    pool: &[Contractor],
    count: usize,
) -> Result<Vec<ProjectPlan>, DemoError> {
    // Projects are built in rural villages (村), not in urban residents' committees.
    let rural: Vec<(u16, u16)> = towns
        .iter()
        .enumerate()
        .flat_map(|(t, town)| {
            town.villages
                .iter()
                .enumerate()
                .filter(|(_, v)| v.rural)
                .map(move |(v, _)| (t as u16, v as u16))
        })
        .collect();
    if rural.is_empty() {
        return Ok(Vec::new());
    }
    let mut per_village: HashMap<(u16, u16), u32> = HashMap::new();
    let mut contracts: BTreeMap<u16, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let year = FIRST_YEAR + (i % 2) as u16;
        let (t, v) = rural[dice.index(rural.len())];
        let town = &towns[t as usize];
        let village = &town.villages[v as usize];
        let roll = dice.below(100);
        let (category, budget_yuan, fund, kind) = match roll {
            0..=34 => {
                let b = dice.range(400, 1_800) * 1_000;
                let f = if dice.chance(500) {
                    FundKey::Central
                } else {
                    FundKey::District
                };
                (ProjectCategory::VillageRoad, b, f, ContractorKind::Construction)
            }
            35..=54 => {
                let b = dice.range(800, 2_000) * 1_000;
                let f = if dice.chance(600) {
                    FundKey::Provincial
                } else {
                    FundKey::Municipal
                };
                (ProjectCategory::IndustryBase, b, f, ContractorKind::Agriculture)
            }
            55..=64 => (
                ProjectCategory::Solar,
                dice.range(1_200, 1_600) * 1_000,
                FundKey::Provincial,
                ContractorKind::Solar,
            ),
            65..=79 => (
                ProjectCategory::Water,
                dice.range(200, 600) * 1_000,
                FundKey::Central,
                ContractorKind::Water,
            ),
            80..=94 => (
                ProjectCategory::Irrigation,
                dice.range(300, 900) * 1_000,
                FundKey::District,
                ContractorKind::Water,
            ),
            _ => (
                ProjectCategory::HousingRenovation,
                dice.range(500, 1_500) * 1_000,
                FundKey::Housing,
                ContractorKind::Construction,
            ),
        };
        let vname = &village.short;
        let name = match category {
            ProjectCategory::VillageRoad => {
                let a = dice.range(1, 8);
                let b = a + dice.range(1, 4);
                let km = budget_yuan / 40_000; // ~40万元 per km of 3.5 m cement road, in tenths
                format!("{vname}{a}组至{b}组道路硬化工程（{}.{}公里）", km / 10, km % 10)
            }
            ProjectCategory::IndustryBase => {
                format!("{vname}高效设施农业产业基地（钢架大棚{}亩）", budget_yuan / 25_000)
            }
            ProjectCategory::Solar => format!("{vname}村级光伏扶贫电站（{}千瓦）", budget_yuan / 7_000 / 10 * 10),
            ProjectCategory::Water => format!("{vname}农村安全饮水管网改造工程"),
            ProjectCategory::Irrigation => format!("{vname}小型农田水利（泵站及渠系配套）工程"),
            _ => format!("{vname}农村危房集中改造项目"),
        };
        let n = per_village.entry((t, v)).or_insert(0);
        *n += 1;
        let id = ident(&format!("P{year}-{:06}-{:02}", village.code.get() % 1_000_000, n))?;
        let month = dice.range(2, 5) as u8;
        let complete = year == FIRST_YEAR || dice.chance(700);
        let mut milestones = vec![(month + 1, 30, "预付款"), (month + 3, 40, "进度款")];
        if complete {
            milestones.push((month + 6, 25, "竣工验收款"));
        }
        let start_day = dice.range(1, 28) as u32;
        let start = Date::new(u32::from(year) * 10_000 + u32::from(month + 1) * 100 + start_day).map_err(DemoError)?;
        let end = Date::new(u32::from(year) * 10_000 + u32::from(month + 7) * 100 + 28).map_err(DemoError)?;
        let candidates: Vec<&Contractor> = pool.iter().filter(|c| c.kind == kind).collect();
        let payee = candidates
            .get(dice.index(candidates.len().max(1)))
            .map(|c| c.payee.clone())
            .ok_or_else(|| DemoError("no contractor of the right kind".into()))?;
        let k = contracts.entry(year).or_insert(0);
        *k += 1;
        let contract = text(&format!("淮区扶贫项目合同 HAFP-{year}-{k:03}"))?;
        let body = ProjectRegister {
            project: id.clone(),
            name: text(&name)?,
            village: village.code,
            category,
            budget: fen(budget_yuan * YUAN)?,
            implementer: text(&town.government)?,
            start,
            end,
        };
        out.push(ProjectPlan {
            year,
            town: t,
            id,
            body,
            fund,
            payee,
            contract,
            month,
            milestones,
        });
    }
    Ok(out)
}

/// Generate households and their payments over both years, until there are
/// at least `needed` payments. Returns the households (with their places)
/// and the payments in payment order.
#[allow(clippy::type_complexity)]
fn plan_households(
    dice: &mut Dice,
    towns: &[TownInfo],
    weak: &HashSet<(u16, u16)>,
    pseudonym: &PseudonymKey,
    needed: u64,
) -> Result<(Vec<DemoHousehold>, Vec<SubsidyItem>), DemoError> {
    // Where households live: villages weighted 6, residents' committees 1.
    let mut places: Vec<(u16, u16)> = Vec::new();
    let mut cumulative: Vec<u64> = Vec::new();
    let mut total = 0u64;
    for (t, town) in towns.iter().enumerate() {
        for (v, village) in town.villages.iter().enumerate() {
            total += if village.rural { 6 } else { 1 };
            places.push((t as u16, v as u16));
            cumulative.push(total);
        }
    }
    let mut households = Vec::new();
    let mut items: Vec<SubsidyItem> = Vec::with_capacity(needed as usize + 32);
    let mut seen_ids: HashSet<String> = HashSet::new();
    if total == 0 {
        return Ok((households, items));
    }
    let years = [FIRST_YEAR, FIRST_YEAR + 1];
    while (items.len() as u64) < needed {
        let draw = dice.below(total);
        let slot = cumulative.partition_point(|c| *c <= draw);
        let (t, v) = places[slot.min(places.len() - 1)];
        let village = &towns[t as usize].villages[v as usize];
        let id_text = loop {
            let candidate = resident_id(dice);
            if seen_ids.insert(candidate.clone()) {
                break candidate;
            }
        };
        let id = ResidentId::parse(&id_text).map_err(err)?;
        let full_name = person_name(dice);
        let masked_name = MaskedName::mask(&full_name).map_err(err)?;
        let index = households.len() as u32;
        let persons = dice.range(1, 5);
        let town_payer = if weak.contains(&(t, v)) {
            Payer::Village(t, v)
        } else {
            Payer::Town(t)
        };
        let mut mine: Vec<SubsidyItem> = Vec::new();
        let item = |year: u16, month: u8, category: SubsidyCategory, period_month: u8, amount_yuan: u64| {
            let payer = if paid_by_district(category) {
                Payer::District
            } else if category == SubsidyCategory::IndustrySupport {
                town_payer
            } else {
                Payer::Town(t)
            };
            SubsidyItem {
                year,
                month,
                payer,
                household: index,
                category,
                period: Period {
                    year,
                    month: period_month,
                },
                amount: amount_yuan * YUAN,
            }
        };
        // 低保: monthly; the allowance is the gap to the local standard.
        if dice.chance(200) {
            let base = dice.range(26, 90) * 10;
            let start = if dice.chance(150) { dice.range(2, 12) as u8 } else { 1 };
            for year in years {
                let monthly = if year == FIRST_YEAR {
                    base
                } else {
                    round_up(base * 108 / 100, 10)
                };
                let first = if year == FIRST_YEAR { start } else { 1 };
                for month in first..=12 {
                    mine.push(item(year, month, SubsidyCategory::MinimumLiving, month, monthly));
                }
            }
        }
        // Basic medical insurance premium paid for every member (代缴).
        let medical = dice.chance(700);
        // Pension premium (100 元 per adult, the lowest tier) for one or two adults.
        let pension = dice.chance(400);
        let adults = dice.range(1, 2).min(persons);
        let education = dice.chance(250);
        let level = [1_000, 1_250, 2_000, 2_500, 3_000, 5_000][dice.index(6)];
        let housing_year = if dice.chance(40) {
            Some(years[dice.index(2)])
        } else {
            None
        };
        let housing_amount = dice.range(10, 30) * 1_000;
        let employment = dice.chance(100);
        let industry = dice.chance(200);
        let relief_year = if dice.chance(30) {
            Some(years[dice.index(2)])
        } else {
            None
        };
        for year in years {
            if medical {
                let premium = if year == FIRST_YEAR { 220 } else { 250 };
                mine.push(item(year, 1, SubsidyCategory::MedicalInsurance, 0, premium * persons));
            }
            if pension {
                mine.push(item(year, 3, SubsidyCategory::Pension, 0, 100 * adults));
            }
            if education {
                mine.push(item(year, 9, SubsidyCategory::Education, 0, level));
            }
            if housing_year == Some(year) {
                let month = dice.range(5, 11) as u8;
                mine.push(item(year, month, SubsidyCategory::HousingRenovation, 0, housing_amount));
            }
            if employment && dice.chance(700) {
                mine.push(item(year, 6, SubsidyCategory::Employment, 0, dice.range(10, 30) * 100));
            }
            if industry && dice.chance(800) {
                let month = dice.range(4, 6) as u8;
                mine.push(item(
                    year,
                    month,
                    SubsidyCategory::IndustrySupport,
                    0,
                    dice.range(2, 10) * 500,
                ));
            }
            if relief_year == Some(year) {
                let month = dice.range(1, 12) as u8;
                mine.push(item(year, month, SubsidyCategory::Other, 0, dice.range(5, 30) * 100));
            }
        }
        if mine.is_empty() {
            // Every registered poor household at least has its premium paid.
            mine.push(item(FIRST_YEAR, 1, SubsidyCategory::MedicalInsurance, 0, 220 * persons));
        }
        items.extend(mine);
        households.push(DemoHousehold {
            resident_id: id_text,
            full_name,
            masked_name,
            reference: pseudonym.household_ref(&id),
            village: village.code,
        });
    }
    // Payment order: by year and month, then as a finance office batches
    // them (payer, village, household).
    items.sort_by_key(|i| {
        let village = households.get(i.household as usize).map(|h| h.village);
        (i.year, i.month, i.payer, village, i.household, i.category)
    });
    items.truncate(needed as usize);
    Ok((households, items))
}

// ---------------------------------------------------------------------------
// Emission

/// Key ring indices.
const ADMIN_FINANCE: usize = 0;
const ADMIN_DISCIPLINE: usize = 1;
const DISTRICT_FUNDS: usize = 2;
const DISTRICT_SOCIAL: usize = 3;
const COSIGN_FINANCE: usize = 4;
const COSIGN_POVERTY: usize = 5;
const TOWN_BASE: usize = 6;

/// The submissions under construction, signed at the end in parallel.
struct Emitter<'a> {
    dice: &'a mut Dice,
    origin: &'a str,
    not_after_ms: u64,
    rules: Vec<CosignRule>,
    planned: Vec<(Submission, [usize; 2], usize)>,
}

impl Emitter<'_> {
    fn next_seq(&self) -> u64 {
        self.planned.len() as u64
    }

    /// Add a submission signed by `primary` and, when the policy requires a
    /// second signature, by `cosigner`. Returns its sequence number.
    fn emit(&mut self, body: EntryBody, primary: usize, cosigner: usize) -> u64 {
        let required = required_signatures(&self.rules, body.kind(), body.amount());
        let count = if required >= 2 { 2 } else { 1 };
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: self.origin.to_string(),
            nonce: Bytes(self.dice.bytes()),
            not_after_ms: self.not_after_ms,
            body,
        };
        self.planned.push((submission, [primary, cosigner], count));
        self.next_seq() - 1
    }
}

/// What happens in a month, in the order it is posted.
enum Event {
    Register(usize),
    Disburse(usize, usize),
    Subsidy(usize),
    Reverse(usize, &'static str),
}

fn grant(
    key: &SigningKey,
    holder: &str,
    role: Role,
    regions: Vec<RegionCode>,
    kinds: Vec<EntryKind>,
) -> Result<KeyGrant, DemoError> {
    Ok(KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        holder: text(holder)?,
        role,
        scope: Scope { regions, kinds },
        valid_from_ms: GRANT_VALID_FROM_MS,
        valid_until_ms: GRANT_VALID_UNTIL_MS,
    })
}

/// A key holder under construction: name, key, role, regions, kinds.
type RingEntry = (String, SigningKey, Role, Vec<RegionCode>, Vec<EntryKind>);

/// Generate the demo log described in the module documentation.
pub fn generate(config: &DemoConfig) -> Result<DemoLog, DemoError> {
    let mut dice = Dice(ChaCha20Rng::seed_from_u64(config.seed));
    // Keys first, so that they depend on the seed only, not on the size.
    let log_key = dice.key();
    let pseudonym_key = PseudonymKey::from_bytes(dice.bytes());
    let regions = huaian_regions()?;
    let towns = towns_of(&regions);
    let district = region(DISTRICT_CODE)?;
    let rotated_town = towns.iter().position(|t| t.name == "车桥镇").unwrap_or(0);

    let admin_kinds = vec![
        EntryKind::KeyGrant,
        EntryKind::KeyRevoke,
        EntryKind::RegionRegister,
        EntryKind::PolicyUpdate,
        EntryKind::LogKeyRotate,
    ];
    let all_money = vec![
        EntryKind::FundIssue,
        EntryKind::Transfer,
        EntryKind::ProjectRegister,
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
    ];
    let cosign_kinds = vec![
        EntryKind::FundIssue,
        EntryKind::Transfer,
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
    ];
    let town_kinds = vec![
        EntryKind::Transfer,
        EntryKind::ProjectRegister,
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
    ];
    let mut ring: Vec<RingEntry> = Vec::new();
    let add = |ring: &mut Vec<RingEntry>,
               dice: &mut Dice,
               office: &str,
               role: Role,
               regions: Vec<RegionCode>,
               kinds: Vec<EntryKind>|
     -> Result<(), DemoError> {
        let name = format!("{office} {}", official_name(dice)?);
        ring.push((name, dice.key(), role, regions, kinds));
        Ok(())
    };
    add(
        &mut ring,
        &mut dice,
        "淮安区财政局",
        Role::Admin,
        vec![district],
        admin_kinds.clone(),
    )?;
    add(
        &mut ring,
        &mut dice,
        "淮安区纪委监委",
        Role::Admin,
        vec![district],
        admin_kinds,
    )?;
    add(
        &mut ring,
        &mut dice,
        "淮安区财政局农业科",
        Role::Operator,
        vec![district],
        all_money.clone(),
    )?;
    add(
        &mut ring,
        &mut dice,
        "淮安区财政局社会保障科",
        Role::Operator,
        vec![district],
        all_money,
    )?;
    add(
        &mut ring,
        &mut dice,
        "淮安区财政局分管副局长",
        Role::Operator,
        vec![district],
        cosign_kinds.clone(),
    )?;
    add(
        &mut ring,
        &mut dice,
        "淮安区扶贫开发领导小组办公室主任",
        Role::Operator,
        vec![district],
        cosign_kinds,
    )?;
    for town in &towns {
        add(
            &mut ring,
            &mut dice,
            &town.finance_office,
            Role::Operator,
            vec![town.code],
            town_kinds.clone(),
        )?;
    }
    let replacement = ring.len();
    let rotated_office = towns
        .get(rotated_town)
        .map(|t| t.finance_office.clone())
        .unwrap_or_default();
    let rotated_code = towns.get(rotated_town).map(|t| t.code).unwrap_or(district);
    add(
        &mut ring,
        &mut dice,
        &rotated_office,
        Role::Operator,
        vec![rotated_code],
        town_kinds,
    )?;
    let grants: Vec<KeyGrant> = ring
        .iter()
        .map(|(name, key, role, regions, kinds)| grant(key, name, *role, regions.clone(), kinds.clone()))
        .collect::<Result<_, _>>()?;
    let keys: Vec<SigningKey> = ring.iter().map(|r| r.1.clone()).collect();

    // Plan everything that is not a household payment.
    let n_projects = (config.target_entries / 75).clamp(4, 600) as usize;
    let pool = contractors(&mut dice)?;
    let projects = plan_projects(&mut dice, &towns, &pool, n_projects)?;
    let mut weak: HashSet<(u16, u16)> = HashSet::new();
    let rural: Vec<(u16, u16)> = towns
        .iter()
        .enumerate()
        .flat_map(|(t, town)| {
            town.villages
                .iter()
                .enumerate()
                .filter(|(_, v)| v.rural)
                .map(move |(v, _)| (t as u16, v as u16))
        })
        .collect();
    while weak.len() < WEAK_VILLAGES.min(rural.len()) {
        weak.insert(rural[dice.index(rural.len())]);
    }
    let mut weak_sorted: Vec<(u16, u16)> = weak.iter().copied().collect();
    weak_sorted.sort_unstable();
    let subsidy_towns: Vec<u16> = towns
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.villages.is_empty())
        .map(|(i, _)| i as u16)
        .collect();
    let years = [FIRST_YEAR, FIRST_YEAR + 1];
    let funds: Vec<FundDef> = {
        let mut all = fund_defs(&mut dice, years[0])?;
        all.extend(fund_defs(&mut dice, years[1])?);
        all
    };
    // Entries other than household payments: genesis, grants, rotation,
    // funds, transfers, projects, the misdirected transfer and its reversal.
    let mut project_fund_towns: HashSet<(u16, FundKey, u16)> = HashSet::new();
    for p in &projects {
        if !TOWN_SUBSIDY_FUNDS.contains(&p.fund) {
            project_fund_towns.insert((p.year, p.fund, p.town));
        }
    }
    let fixed: u64 = 1
        + (ring.len() as u64 - 3) // grants after genesis, except the replacement
        + 2 // rotation: revoke + grant
        + funds.len() as u64
        + (years.len() * TOWN_SUBSIDY_FUNDS.len() * subsidy_towns.len()) as u64
        + project_fund_towns.len() as u64
        + 2 // misdirected transfer + its reversal
        + (years.len() * weak_sorted.len()) as u64
        + projects.iter().map(|p| 2 + p.milestones.len() as u64).sum::<u64>()
        + 3; // duplicate payment + its reversal + reversal of an ineligible payment
    let needed = config.target_entries.saturating_sub(fixed);
    let (households, mut items) = plan_households(&mut dice, &towns, &weak, &pseudonym_key, needed)?;

    // The special corrections, chosen among the planned payments.
    let town_paid = |i: &SubsidyItem| matches!(i.payer, Payer::Town(_));
    let duplicate_of = items
        .iter()
        .position(|i| {
            i.year == years[0] && i.month >= 6 && i.category == SubsidyCategory::MinimumLiving && town_paid(i)
        })
        .or_else(|| items.iter().position(|i| i.year == years[0] && town_paid(i)));
    let mut reversal_reasons: HashMap<usize, &'static str> = HashMap::new();
    if let Some(d) = duplicate_of {
        let copy = items[d];
        items.insert(d + 1, copy);
        reversal_reasons.insert(d + 1, "同一户同期重复发放，经核查予以冲正");
    }
    if let Some(r) = items.iter().enumerate().position(|(k, i)| {
        i.year == years[1] && i.month <= 11 && town_paid(i) && Some(k) != duplicate_of.map(|d| d + 1)
    }) {
        reversal_reasons.insert(r, "经村级评议和乡镇审核，该户不符合补助条件，予以冲正");
    }

    // Needs: what each payer pays out of each fund, per year.
    let fund_index: HashMap<(u16, FundKey), usize> =
        funds.iter().enumerate().map(|(i, f)| ((f.year, f.key), i)).collect();
    let mut town_need: BTreeMap<(usize, u16), u64> = BTreeMap::new();
    let mut village_need: BTreeMap<(usize, u16, u16), u64> = BTreeMap::new();
    let mut district_need: BTreeMap<usize, u64> = BTreeMap::new();
    for item in &items {
        let f = fund_index
            .get(&(item.year, subsidy_fund(item.category)))
            .copied()
            .unwrap_or(0);
        match item.payer {
            Payer::District => *district_need.entry(f).or_insert(0) += item.amount,
            Payer::Town(t) => *town_need.entry((f, t)).or_insert(0) += item.amount,
            Payer::Village(t, v) => *village_need.entry((f, t, v)).or_insert(0) += item.amount,
        }
    }
    for p in &projects {
        let f = fund_index.get(&(p.year, p.fund)).copied().unwrap_or(0);
        *town_need.entry((f, p.town)).or_insert(0) += p.body.budget.get();
    }
    // Weak villages receive their industry support allocation every year.
    let mut village_alloc: BTreeMap<(usize, u16, u16), u64> = BTreeMap::new();
    for year in years {
        let f = fund_index.get(&(year, FundKey::Provincial)).copied().unwrap_or(0);
        for (t, v) in &weak_sorted {
            let need = village_need.get(&(f, *t, *v)).copied().unwrap_or(0);
            let alloc = round_up(need, VILLAGE_ROUNDING_FEN).max(5 * VILLAGE_ROUNDING_FEN);
            village_alloc.insert((f, *t, *v), alloc);
            *town_need.entry((f, *t)).or_insert(0) += alloc;
        }
    }
    let mut town_alloc: BTreeMap<(usize, u16), u64> = BTreeMap::new();
    for (f, def) in funds.iter().enumerate() {
        if TOWN_SUBSIDY_FUNDS.contains(&def.key) {
            for t in &subsidy_towns {
                let need = town_need.get(&(f, *t)).copied().unwrap_or(0);
                town_alloc.insert((f, *t), round_up(need, TOWN_ROUNDING_FEN).max(TOWN_ROUNDING_FEN));
            }
        }
    }
    for (&(f, t), &need) in &town_need {
        town_alloc
            .entry((f, t))
            .or_insert_with(|| round_up(need, TOWN_ROUNDING_FEN));
    }
    let mut issue_amount: Vec<u64> = vec![0; funds.len()];
    for (&(f, _), &a) in &town_alloc {
        issue_amount[f] += a;
    }
    for (&f, &a) in &district_need {
        issue_amount[f] += a;
    }
    for amount in issue_amount.iter_mut() {
        // A small reserve stays at the district, as budgets do.
        let reserve = dice.range(0, 3);
        *amount = round_up(*amount * (100 + reserve) / 100, 100_000 * YUAN).max(100_000 * YUAN);
    }

    // Emit.
    let mut emitter = Emitter {
        dice: &mut dice,
        origin: DEMO_ORIGIN,
        not_after_ms: config.now_ms.saturating_add(SUBMISSION_VALIDITY_MS),
        rules: demo_cosign_rules()?,
        planned: Vec::new(),
    };
    let genesis_nonce = emitter.dice.bytes();
    let town_op = |t: u16, year: u16| -> usize {
        if t as usize == rotated_town && year > FIRST_YEAR {
            replacement
        } else {
            TOWN_BASE + t as usize
        }
    };
    let genesis_grants = vec![grants[ADMIN_FINANCE].clone(), grants[ADMIN_DISCIPLINE].clone()];
    // Genesis is signed like every other entry at the end; build its body here.
    let genesis_body = {
        let parts = GenesisParts {
            origin: DEMO_ORIGIN,
            title: DEMO_TITLE,
            regions: regions.clone(),
            grants: genesis_grants,
            cosign_rules: emitter.rules.clone(),
            pseudonym_key: &pseudonym_key,
            log_key: &log_key,
            nonce: genesis_nonce,
            not_after_ms: emitter.not_after_ms,
        };
        genesis_submission(&parts, &[])?.submission
    };
    emitter
        .planned
        .push((genesis_body, [ADMIN_FINANCE, ADMIN_DISCIPLINE], 2));
    for (i, g) in grants.iter().enumerate() {
        if i == ADMIN_FINANCE || i == ADMIN_DISCIPLINE || i == replacement {
            continue;
        }
        emitter.emit(EntryBody::KeyGrant(g.clone()), ADMIN_FINANCE, ADMIN_DISCIPLINE);
    }
    let treasury = Account::Treasury(district);
    let mut revoked_at_seq: HashMap<usize, u64> = HashMap::new();
    let mut item_seq: HashMap<usize, u64> = HashMap::new();
    for year in years {
        if year > FIRST_YEAR {
            // 人员调整: the rotated town's operator hands over to a successor.
            let old = TOWN_BASE + rotated_town;
            let seq = emitter.emit(
                EntryBody::KeyRevoke {
                    key: grants[old].key,
                    reason: text(&format!("{}经办人工作调动，停用原签名密钥", rotated_office))?,
                },
                ADMIN_FINANCE,
                ADMIN_DISCIPLINE,
            );
            revoked_at_seq.insert(old, seq);
            emitter.emit(
                EntryBody::KeyGrant(grants[replacement].clone()),
                ADMIN_FINANCE,
                ADMIN_DISCIPLINE,
            );
        }
        let year_funds: Vec<usize> = (0..funds.len()).filter(|f| funds[*f].year == year).collect();
        for &f in &year_funds {
            let def = &funds[f];
            emitter.emit(
                EntryBody::FundIssue(FundIssue {
                    fund: def.id.clone(),
                    title: def.title.clone(),
                    document_no: text(&def.document_no)?,
                    source: def.source,
                    category: def.category,
                    fiscal_year: def.year,
                    to: treasury.clone(),
                    amount: fen(issue_amount[f])?,
                }),
                DISTRICT_FUNDS,
                COSIGN_FINANCE,
            );
        }
        let mut misdirected = year == FIRST_YEAR;
        for &f in &year_funds {
            let def = &funds[f];
            for (t, town) in towns.iter().enumerate() {
                let Some(&amount) = town_alloc.get(&(f, t as u16)) else {
                    continue;
                };
                if amount == 0 {
                    continue;
                }
                let memo = text(&format!("拨付{}{}（{}）", town.name, def.title, def.document_no))?;
                let transfer = |to: RegionCode| -> Result<EntryBody, DemoError> {
                    Ok(EntryBody::Transfer(Transfer {
                        fund: def.id.clone(),
                        from: treasury.clone(),
                        to: Account::Treasury(to),
                        amount: fen(amount)?,
                        memo: memo.clone(),
                    }))
                };
                if misdirected && def.key == FundKey::MinLiving {
                    // 误拨: sent to the neighbouring town, reversed, re-sent.
                    misdirected = false;
                    let wrong = &towns[(t + 1) % towns.len()];
                    let seq = emitter.emit(transfer(wrong.code)?, DISTRICT_FUNDS, COSIGN_FINANCE);
                    let reason = format!(
                        "拨付对象错误（应拨{}，误拨{}），予以冲正后重新拨付",
                        town.name, wrong.name
                    );
                    emitter.emit(
                        EntryBody::Reversal(Reversal {
                            target_seq: seq,
                            reason: text(&reason)?,
                        }),
                        DISTRICT_FUNDS,
                        COSIGN_FINANCE,
                    );
                }
                emitter.emit(transfer(town.code)?, DISTRICT_FUNDS, COSIGN_FINANCE);
            }
        }
        for &f in &year_funds {
            let def = &funds[f];
            for (t, v) in &weak_sorted {
                let Some(&amount) = village_alloc.get(&(f, *t, *v)) else {
                    continue;
                };
                let town = &towns[*t as usize];
                let village = &town.villages[*v as usize];
                emitter.emit(
                    EntryBody::Transfer(Transfer {
                        fund: def.id.clone(),
                        from: Account::Treasury(town.code),
                        to: Account::Treasury(village.code),
                        amount: fen(amount)?,
                        memo: text(&format!(
                            "拨付{}{}年到户产业扶持资金（集体经济薄弱村）",
                            village.short, year
                        ))?,
                    }),
                    town_op(*t, year),
                    COSIGN_POVERTY,
                );
            }
        }
        // The year's events, month by month.
        let mut events: Vec<(u8, u8, usize, Event)> = Vec::new();
        for (i, p) in projects.iter().enumerate().filter(|(_, p)| p.year == year) {
            events.push((p.month, 0, i, Event::Register(i)));
            for (m, (month, _, _)) in p.milestones.iter().enumerate() {
                events.push((*month, 1, i, Event::Disburse(i, m)));
            }
        }
        for (k, item) in items.iter().enumerate().filter(|(_, i)| i.year == year) {
            events.push((item.month, 2, k, Event::Subsidy(k)));
            if let Some(reason) = reversal_reasons.get(&k) {
                events.push((item.month + 1, 3, k, Event::Reverse(k, reason)));
            }
        }
        events.sort_by_key(|(month, phase, index, _)| (*month, *phase, *index));
        for (_, _, _, event) in events {
            match event {
                Event::Register(i) => {
                    let p = &projects[i];
                    let op = town_op(p.town, year);
                    emitter.emit(EntryBody::ProjectRegister(p.body.clone()), op, COSIGN_POVERTY);
                    let f = fund_index.get(&(year, p.fund)).copied().unwrap_or(0);
                    emitter.emit(
                        EntryBody::Transfer(Transfer {
                            fund: funds[f].id.clone(),
                            from: Account::Treasury(towns[p.town as usize].code),
                            to: Account::Project(p.id.clone()),
                            amount: p.body.budget,
                            memo: text(&format!("拨付项目资金：{}", p.body.name))?,
                        }),
                        op,
                        COSIGN_POVERTY,
                    );
                }
                Event::Disburse(i, m) => {
                    let p = &projects[i];
                    let (_, percent, milestone) = p.milestones[m];
                    let f = fund_index.get(&(year, p.fund)).copied().unwrap_or(0);
                    emitter.emit(
                        EntryBody::ProjectDisbursement(ProjectDisbursement {
                            fund: funds[f].id.clone(),
                            project: p.id.clone(),
                            from: Account::Project(p.id.clone()),
                            payee: p.payee.clone(),
                            amount: fen(p.body.budget.get() * percent / 100)?,
                            contract_ref: p.contract.clone(),
                            milestone: text(milestone)?,
                        }),
                        town_op(p.town, year),
                        COSIGN_POVERTY,
                    );
                }
                Event::Subsidy(k) => {
                    let item = items[k];
                    let household = households
                        .get(item.household as usize)
                        .ok_or_else(|| DemoError("payment for an unknown household".into()))?;
                    let f = fund_index
                        .get(&(item.year, subsidy_fund(item.category)))
                        .copied()
                        .unwrap_or(0);
                    let (from, op) = match item.payer {
                        Payer::District => (district, DISTRICT_SOCIAL),
                        Payer::Town(t) => (towns[t as usize].code, town_op(t, year)),
                        Payer::Village(t, v) => (towns[t as usize].villages[v as usize].code, town_op(t, year)),
                    };
                    let seq = emitter.emit(
                        EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                            fund: funds[f].id.clone(),
                            from: Account::Treasury(from),
                            household: household.reference,
                            masked_name: household.masked_name.clone(),
                            village: household.village,
                            category: item.category,
                            period: item.period,
                            amount: fen(item.amount)?,
                        }),
                        op,
                        COSIGN_POVERTY,
                    );
                    if reversal_reasons.contains_key(&k) {
                        item_seq.insert(k, seq);
                    }
                }
                Event::Reverse(k, reason) => {
                    let Some(&target_seq) = item_seq.get(&k) else {
                        continue;
                    };
                    let op = match items[k].payer {
                        Payer::District => DISTRICT_SOCIAL,
                        Payer::Town(t) | Payer::Village(t, _) => town_op(t, year),
                    };
                    emitter.emit(
                        EntryBody::Reversal(Reversal {
                            target_seq,
                            reason: text(reason)?,
                        }),
                        op,
                        COSIGN_POVERTY,
                    );
                }
            }
        }
    }

    // Sign in parallel: the expensive part, and deterministic.
    let planned = std::mem::take(&mut emitter.planned);
    let submissions: Vec<SignedSubmission> = planned
        .into_par_iter()
        .map(|(submission, signers, count)| {
            let chosen: Vec<&SigningKey> = signers.iter().take(count).filter_map(|i| keys.get(*i)).collect();
            submission.sign(&chosen)
        })
        .collect();

    let operator = |i: usize| DemoOperator {
        name: ring[i].0.clone(),
        key: keys[i].clone(),
        grant: grants[i].clone(),
        revoked_at_seq: revoked_at_seq.get(&i).copied(),
    };
    Ok(DemoLog {
        origin: DEMO_ORIGIN.to_string(),
        log_key,
        admins: vec![operator(ADMIN_FINANCE), operator(ADMIN_DISCIPLINE)],
        operators: (DISTRICT_FUNDS..keys.len()).map(operator).collect(),
        pseudonym_key,
        households,
        submissions,
    })
}

/// Sequence the demo's submissions into canonical `SequencedEntry` bytes, as
/// a node would: entry `i` at `start_time_ms + i`, each linked to the
/// previous one's blake3 hash. For tests and benchmarks that need a ledger
/// without a node.
///
/// The signed submissions are encoded in parallel first: a struct's
/// encoding is the concatenation of its fields' (docs/FORMAT.md §2), so an
/// entry is `enc(v, seq, time_ms, prev_hash) ‖ enc(signed)`, and only the
/// short header and the hash need the sequential pass. The tests compare the
/// result with [`ChainHead::next_entry`]'s.
pub fn demo_entries(log: &DemoLog, start_time_ms: u64) -> Vec<Vec<u8>> {
    let signed: Vec<Vec<u8>> = log.submissions.par_iter().map(SignedSubmission::encode).collect();
    let mut head = ChainHead::EMPTY;
    let mut out = Vec::with_capacity(signed.len());
    for (seq, signed_bytes) in signed.into_iter().enumerate() {
        let time_ms = start_time_ms.saturating_add(seq as u64).max(head.last_time_ms);
        let mut bytes = encoding::encode(&(ENTRY_VERSION, seq as u64, time_ms, head.last_hash));
        bytes.extend_from_slice(&signed_bytes);
        head = ChainHead {
            size: head.size + 1,
            last_hash: entry_hash(&bytes),
            last_time_ms: time_ms,
        };
        out.push(bytes);
    }
    out
}

#[cfg(test)]
#[allow(clippy::panic)] // a failing test panics, which is its job
mod tests {
    use super::*;

    #[test]
    fn demo_entries_equal_the_sequencer_s() {
        let config = DemoConfig {
            seed: 5,
            target_entries: 400,
            now_ms: 1_600_000_000_000,
        };
        let log = match generate(&config) {
            Ok(log) => log,
            Err(e) => panic!("{e}"),
        };
        let fast = demo_entries(&log, config.now_ms);
        let mut head = ChainHead::EMPTY;
        for (i, signed) in log.submissions.iter().enumerate() {
            let entry = head.next_entry(signed.clone(), config.now_ms + i as u64);
            let bytes = entry.encode();
            assert_eq!(fast[i], bytes, "entry {i}");
            if let Err(e) = head.link(&entry, entry_hash(&bytes)) {
                panic!("{e}");
            }
        }
        assert_eq!(fast.len(), log.submissions.len());
    }

    #[test]
    fn credit_code_check_characters() {
        // The example code of GB 32100-2015's explanatory material.
        assert_eq!(org_code_check("M000100Y"), '4');
        assert_eq!(uscc_check("91350100M000100Y4"), '3');
        let mut dice = Dice(ChaCha20Rng::seed_from_u64(1));
        for _ in 0..100 {
            let code = uscc(&mut dice, "320803");
            assert_eq!(code.len(), 18);
            assert!(code.bytes().all(|c| USCC_CHARS.contains(&c)), "{code}");
            assert_eq!(uscc_check(&code[..17]), code.chars().last().unwrap_or(' '));
        }
    }

    #[test]
    fn synthetic_resident_ids_validate() {
        let mut dice = Dice(ChaCha20Rng::seed_from_u64(2));
        for _ in 0..1_000 {
            let id = resident_id(&mut dice);
            assert!(ResidentId::parse(&id).is_ok(), "{id}");
            assert!(id.starts_with("320803"));
        }
    }

    #[test]
    fn dice_is_uniform_enough_and_in_range() {
        let mut dice = Dice(ChaCha20Rng::seed_from_u64(3));
        let mut seen = [0u32; 6];
        for _ in 0..6_000 {
            let v = dice.range(10, 15);
            assert!((10..=15).contains(&v));
            seen[(v - 10) as usize] += 1;
        }
        assert!(seen.iter().all(|n| (800..1_200).contains(n)), "{seen:?}");
    }
}
