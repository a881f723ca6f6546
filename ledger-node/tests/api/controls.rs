//! The policy's controls over HTTP (issue 12): the write API refuses each
//! new rule with its code (nothing written, the batch's other items
//! unaffected), and the read API shows notices, lines, registered
//! households, objections and each payment's date, line, confirmation and
//! warnings, with exact values.
//!
//! Not the demo: a small log built here, so that every date, line and
//! sequence number is known. Entry numbers below are the log's.

use super::*;
use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::LogSigner;
use ledger_core::entry::{FundCategory, FundSource, Genesis, SubsidyCategory, Transfer};
use ledger_core::household::MaskedName;
use ledger_core::ids::{Date, Period};
use ledger_core::keys::{KeyGrant, Office, Role, Scope};
use ledger_core::policy::{CategoryRule, ControlDates, CosignRule, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::{
    AssistanceCategory, CheckKind, ConfirmMethod, HouseholdCheck, HouseholdLine, HouseholdRegister, Notice,
    NoticeLineRef, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve,
    ObjectionTarget, PaymentConfirm, PaymentLine, RegistrationNotices,
};
use ledger_core::region::RegionDef;
use ledger_node::server::{start, Started};

pub(crate) const C_ORIGIN: &str = "test.sunshine/controls-api";
pub(crate) const C_DISTRICT: &str = "320803000000";
pub(crate) const C_TOWN: &str = "320803101000";
pub(crate) const C_V1: &str = "320803101201";
pub(crate) const C_V2: &str = "320803101202";

/// The keys of the test district, one per office.
pub(crate) struct CKeys {
    pub admin: SigningKey,
    pub district_finance: SigningKey,
    pub district_poverty: SigningKey,
    pub town_poverty: SigningKey,
    pub town_finance: SigningKey,
    pub village: SigningKey,
    pub inspector: SigningKey,
}

fn ckeys() -> CKeys {
    let k = |n: u8| SigningKey::from_bytes(&[n; 32]);
    CKeys {
        admin: k(1),
        district_finance: k(2),
        district_poverty: k(4),
        town_poverty: k(5),
        town_finance: k(6),
        village: k(8),
        inspector: k(9),
    }
}

/// A node holding the controls log.
pub(crate) struct ControlsNode {
    pub dir: std::path::PathBuf,
    pub app: ledger_node::api::AppState,
    pub keys: CKeys,
    /// Today in China when the log was built (the open notice starts on it).
    pub today: Date,
    nonce: std::sync::atomic::AtomicU64,
    sequencer: std::thread::JoinHandle<()>,
}

pub(crate) fn rc(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn d(yyyymmdd: u32) -> Date {
    Date::new(yyyymmdd).unwrap_or_else(|e| panic!("{e}"))
}
fn id(s: &str) -> Ident {
    Ident::new(s).unwrap_or_else(|e| panic!("{e}"))
}
fn t(s: &str) -> Text {
    Text::new(s).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn h(n: u8) -> HouseholdRef {
    HouseholdRef(Bytes([n; 32]))
}
fn masked(s: &str) -> MaskedName {
    MaskedName::parse_masked(s).unwrap_or_else(|e| panic!("{e}"))
}
fn yuan(y: u64) -> Fen {
    Fen::new(y * 100).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn line(notice: &str, line: u32) -> NoticeLineRef {
    NoticeLineRef {
        notice: id(notice),
        line,
    }
}

fn grant(key: &SigningKey, role: Role, office: Office, region: &str, kinds: Vec<EntryKind>) -> KeyGrant {
    KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        holder: t(office.label_zh()),
        role,
        office,
        scope: Scope {
            regions: vec![rc(region)],
            kinds,
        },
        valid_from_ms: 0,
        valid_until_ms: u64::MAX / 2,
    }
}

/// The test policy: 7-day windows; 低保 entitles to the minimum-living
/// allowance; a subsidy needs the town poverty office and finance station,
/// a registration the poverty office, a decision the discipline inspector,
/// a confirmation the village committee. Payment lists are enforced from
/// 2019-05-01, registration from 2019-06-01, roles and confirmation from
/// 2019-07-01: entry 3 (2019-03-15) is history.
fn policy() -> Policy {
    let rule = |kind, signatures, roles: &[Office]| CosignRule {
        kind,
        min_amount: Fen::ZERO,
        signatures,
        roles: roles.to_vec(),
    };
    Policy {
        cosign_rules: vec![
            rule(
                EntryKind::HouseholdSubsidy,
                2,
                &[Office::TownPovertyOffice, Office::TownFinance],
            ),
            rule(EntryKind::HouseholdRegister, 1, &[Office::TownPovertyOffice]),
            rule(EntryKind::ObjectionResolve, 1, &[Office::DisciplineInspector]),
            rule(EntryKind::PaymentConfirm, 1, &[Office::VillageCommittee]),
        ],
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![
            CategoryRule {
                category: AssistanceCategory::MinimumLiving,
                subsidies: vec![SubsidyCategory::MinimumLiving],
                ends_with_exit: false,
            },
            CategoryRule {
                category: AssistanceCategory::RegisteredLowIncome,
                subsidies: vec![SubsidyCategory::Education],
                ends_with_exit: true,
            },
        ],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: d(20190601),
            payment_list: d(20190501),
            roles: d(20190701),
            confirmation: d(20190701),
            projects: Date::LAST,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

impl ControlsNode {
    /// Sign a submission with a fresh nonce, valid for an hour.
    pub fn sign(&self, body: EntryBody, signers: &[&SigningKey]) -> SignedSubmission {
        let n = self.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut nonce = [0x5Cu8; 16];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        submission(C_ORIGIN, nonce, now_ms() + 3_600_000, body, signers)
    }

    /// Post through the write path; every one must be accepted.
    async fn post_ok(&self, items: Vec<SignedSubmission>) -> TestResult {
        let results = ledger_node::api::write::submit_parsed(&self.app, items.into_iter().map(Ok).collect()).await?;
        for (i, r) in results.iter().enumerate() {
            if let Err(e) = r {
                return Err(format!("setup item {i}: {} {}", e.code, e.message).into());
            }
        }
        Ok(())
    }
}

pub(crate) fn subsidy(
    household: u8,
    name: &str,
    period: Period,
    amount_yuan: u64,
    date: Date,
    notice: Option<NoticeLineRef>,
) -> EntryBody {
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: id("F2019-DB-001"),
        from: Account::Treasury(rc(C_TOWN)),
        household: h(household),
        masked_name: masked(name),
        village: rc(C_V1),
        category: SubsidyCategory::MinimumLiving,
        period,
        amount: yuan(amount_yuan),
        date,
        notice,
    })
}

fn household_notice(notice: &str, stage: NoticeStage, region: &str, start: u32, lines: &[(u8, &str)]) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: id(notice),
        stage,
        region: rc(region),
        start: d(start),
        title: t(&format!("2019年低保{}", stage.label_zh())),
        lines: NoticeLines::Households(
            lines
                .iter()
                .map(|(n, name)| HouseholdLine {
                    household: h(*n),
                    masked_name: masked(name),
                    village: rc(C_V1),
                    category: AssistanceCategory::MinimumLiving,
                })
                .collect(),
        ),
    })
}

pub(crate) fn payment_list(notice: &str, title: &str, start: Date, lines: &[(Period, u64)]) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: id(notice),
        stage: NoticeStage::PaymentList,
        region: rc(C_V1),
        start,
        title: t(title),
        lines: NoticeLines::Payments(
            lines
                .iter()
                .map(|(period, amount)| PaymentLine {
                    household: h(1),
                    masked_name: masked("张*三"),
                    category: SubsidyCategory::MinimumLiving,
                    period: *period,
                    amount: yuan(*amount),
                })
                .collect(),
        ),
    })
}

fn objection(case: &str, target: ObjectionTarget, channel: ObjectionChannel, on: u32, summary: &str) -> EntryBody {
    EntryBody::Objection(Objection {
        case_no: id(case),
        target,
        channel,
        received: d(on),
        summary: t(summary),
    })
}

fn resolve(case: &str, outcome: ObjectionOutcome, on: u32, reason: &str) -> EntryBody {
    EntryBody::ObjectionResolve(ObjectionResolve {
        case_no: id(case),
        outcome,
        date: d(on),
        reason: t(reason),
    })
}

/// The month of `date` as a period.
pub(crate) fn month_of(date: Date) -> Period {
    let n = date.get();
    Period::new((n / 10_000) as u16, ((n / 100) % 100) as u8).unwrap_or_else(|e| panic!("{e}"))
}

/// The month before `date`'s.
pub(crate) fn month_before(date: Date) -> Period {
    let p = month_of(date);
    if p.month == 1 {
        Period::new(p.year - 1, 12)
    } else {
        Period::new(p.year, p.month - 1)
    }
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A node in `name` holding the controls log:
///
/// | seq | entry |
/// | --- | --- |
/// | 0 | genesis (policy above) |
/// | 1 | fund F2019-DB-001, 1,000,000 元, 2019-01-10 |
/// | 2 | transfer 100,000 元 district → town, 2019-01-20 |
/// | 3 | history: 300 元 to household 9 on 2019-03-15, no registration, no list, signed by finance + village |
/// | 4 | N-APP 申报公告 in 一村, 2019-06-03: households 1, 2 |
/// | 5, 6 | 部门数据比对 / 入户核对 of household 1 |
/// | 7 | N-VIL 村级公示 2019-06-10, households 1, 2 |
/// | 8 | N-TOWN 镇级公示 2019-06-17 (posted in the town) |
/// | 9 | N-DIST 区级公示 2019-06-24 (posted in the district) |
/// | 10 | N-REV 异议审核公示 2019-07-01, household 1 |
/// | 11 | household 1 registered in 低保 from 2019-07-08 |
/// | 12 | N-PAY 发放公示 2019-07-10: 2019-07, 2019-08, 2019-09, 300 元 each |
/// | 13 | 300 元 for 2019-07 on 2019-07-20 (line 0) |
/// | 14 | confirmed 2019-07-25, 明白卡签字 |
/// | 15, 16 | YY-2019-0001 against N-PAY line 1 (12317), dismissed 2019-07-19 |
/// | 17, 18 | YY-2019-0002 against N-VIL line 1 (household 2, letter), upheld 2019-06-20 |
/// | 19 | 300 元 for 2019-08 on 2019-08-20 (line 1), never confirmed |
/// | 20 | YY-2019-0003 against entry 19 (web), open |
/// | 21 | N-PAY-NOW 发放公示 starting today: this month and last month |
/// | 22 | YY-NOW-0001 against N-PAY-NOW line 1 (in person), open |
/// | 23 | N-APP2 申报公告 in 二村 2019-06-03: household 5 |
pub(crate) fn controls_node(name: &str) -> TestResult<ControlsNode> {
    let dir = fresh_dir(name)?;
    let log_key = SigningKey::from_bytes(&[77; 32]);
    ledger_node::init::init_with_key(
        &dir,
        C_ORIGIN,
        &log_key,
        ledger_node::store::StoreOptions::default().log,
    )
    .map_err(|e| format!("{e:#}"))?;
    let Started { app, sequencer } = start(&config(&dir, limits())?).map_err(|e| format!("{e:#}"))?;
    let keys = ckeys();
    let today = Date::in_china_at(now_ms()).ok_or("today")?;
    let node = ControlsNode {
        dir: dir.clone(),
        app,
        keys,
        today,
        nonce: std::sync::atomic::AtomicU64::new(1),
        sequencer,
    };
    let k = &node.keys;
    let work: Vec<EntryKind> = EntryKind::ALL.into_iter().filter(|k| !k.is_admin()).collect();
    let admin_kinds: Vec<EntryKind> = EntryKind::ALL
        .into_iter()
        .filter(|k| k.is_admin() && *k != EntryKind::Genesis)
        .collect();
    let region = |code: &str, name: &str| RegionDef {
        code: rc(code),
        name: name.into(),
    };
    let genesis = EntryBody::Genesis(Genesis {
        title: t("淮安区阳光扶贫测试账本"),
        grants: vec![
            grant(&k.admin, Role::Admin, Office::Admin, C_DISTRICT, admin_kinds),
            grant(
                &k.district_finance,
                Role::Operator,
                Office::DistrictFinance,
                C_DISTRICT,
                work.clone(),
            ),
            grant(
                &k.district_poverty,
                Role::Operator,
                Office::DistrictPovertyOffice,
                C_DISTRICT,
                work.clone(),
            ),
            grant(
                &k.town_poverty,
                Role::Operator,
                Office::TownPovertyOffice,
                C_TOWN,
                work.clone(),
            ),
            grant(
                &k.town_finance,
                Role::Operator,
                Office::TownFinance,
                C_TOWN,
                work.clone(),
            ),
            grant(
                &k.village,
                Role::Operator,
                Office::VillageCommittee,
                C_TOWN,
                work.clone(),
            ),
            grant(
                &k.inspector,
                Role::Operator,
                Office::DisciplineInspector,
                C_DISTRICT,
                work.clone(),
            ),
        ],
        regions: vec![
            region(C_DISTRICT, "淮安区"),
            region(C_TOWN, "施河镇"),
            region(C_V1, "一村"),
            region(C_V2, "二村"),
        ],
        policy: policy(),
        pseudonym_commitment: Bytes([0; 32]),
        log_vkey: LogSigner::new(C_ORIGIN, log_key.clone())
            .map_err(|e| e.to_string())?
            .verifier_key(),
    });
    let p = |y: u16, m: u8| Period::new(y, m).unwrap_or_else(|e| panic!("{e}"));
    let procedure = RegistrationNotices {
        application: line("N-APP", 0),
        village: line("N-VIL", 0),
        town: line("N-TOWN", 0),
        district: line("N-DIST", 0),
        objection_review: line("N-REV", 0),
    };
    let two = [(1u8, "张*三"), (2u8, "李*四")];
    let entries: Vec<(EntryBody, Vec<&SigningKey>)> = vec![
        (
            EntryBody::FundIssue(FundIssue {
                fund: id("F2019-DB-001"),
                title: t("2019年农村低保资金"),
                document_no: t("淮区财〔2019〕12号"),
                source: FundSource::Provincial,
                category: FundCategory::SocialSecurity,
                fiscal_year: 2019,
                to: Account::Treasury(rc(C_DISTRICT)),
                amount: yuan(1_000_000),
                date: d(20190110),
            }),
            vec![&k.district_finance],
        ),
        (
            EntryBody::Transfer(Transfer {
                fund: id("F2019-DB-001"),
                from: Account::Treasury(rc(C_DISTRICT)),
                to: Account::Treasury(rc(C_TOWN)),
                amount: yuan(100_000),
                memo: t("拨付施河镇"),
                date: d(20190120),
            }),
            vec![&k.district_finance],
        ),
        (
            subsidy(9, "王*九", p(2019, 3), 300, d(20190315), None),
            vec![&k.town_finance, &k.village],
        ),
        (
            household_notice("N-APP", NoticeStage::Application, C_V1, 20190603, &two),
            vec![&k.town_poverty],
        ),
        (
            EntryBody::HouseholdCheck(HouseholdCheck {
                application: line("N-APP", 0),
                check: CheckKind::DataComparison,
                date: d(20190605),
                passed: true,
                note: t("无车辆、无财政供养人员"),
            }),
            vec![&k.town_poverty],
        ),
        (
            EntryBody::HouseholdCheck(HouseholdCheck {
                application: line("N-APP", 0),
                check: CheckKind::HomeVerification,
                date: d(20190606),
                passed: true,
                note: t("入户核实属实"),
            }),
            vec![&k.village],
        ),
        (
            household_notice("N-VIL", NoticeStage::VillagePublicity, C_V1, 20190610, &two),
            vec![&k.town_poverty],
        ),
        (
            household_notice("N-TOWN", NoticeStage::TownPublicity, C_TOWN, 20190617, &two),
            vec![&k.town_poverty],
        ),
        (
            household_notice("N-DIST", NoticeStage::DistrictPublicity, C_DISTRICT, 20190624, &two),
            vec![&k.district_poverty],
        ),
        (
            household_notice("N-REV", NoticeStage::ObjectionReview, C_V1, 20190701, &two[..1]),
            vec![&k.town_poverty],
        ),
        (
            EntryBody::HouseholdRegister(HouseholdRegister {
                household: h(1),
                masked_name: masked("张*三"),
                village: rc(C_V1),
                category: AssistanceCategory::MinimumLiving,
                date: d(20190708),
                notices: Some(procedure),
            }),
            vec![&k.town_poverty],
        ),
        (
            payment_list(
                "N-PAY",
                "2019年7-9月低保金发放公示",
                d(20190710),
                &[(p(2019, 7), 300), (p(2019, 8), 300), (p(2019, 9), 300)],
            ),
            vec![&k.town_poverty],
        ),
        (
            subsidy(1, "张*三", p(2019, 7), 300, d(20190720), Some(line("N-PAY", 0))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        (
            EntryBody::PaymentConfirm(PaymentConfirm {
                payment_seq: 13,
                method: ConfirmMethod::CardSignature,
                date: d(20190725),
            }),
            vec![&k.village],
        ),
        (
            objection(
                "YY-2019-0001",
                ObjectionTarget::NoticeLine(line("N-PAY", 1)),
                ObjectionChannel::Hotline12317,
                20190712,
                "反映该户家庭收入超标",
            ),
            vec![&k.village],
        ),
        (
            resolve(
                "YY-2019-0001",
                ObjectionOutcome::Dismissed,
                20190719,
                "经入户核实，收入未超标",
            ),
            vec![&k.inspector],
        ),
        (
            objection(
                "YY-2019-0002",
                ObjectionTarget::NoticeLine(line("N-VIL", 1)),
                ObjectionChannel::Letter,
                20190612,
                "反映该户有经营性车辆",
            ),
            vec![&k.village],
        ),
        (
            resolve(
                "YY-2019-0002",
                ObjectionOutcome::Upheld,
                20190620,
                "经核实属实，撤回公示",
            ),
            vec![&k.inspector],
        ),
        (
            subsidy(1, "张*三", p(2019, 8), 300, d(20190820), Some(line("N-PAY", 1))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        (
            objection(
                "YY-2019-0003",
                ObjectionTarget::Entry(19),
                ObjectionChannel::Web,
                20190825,
                "反映8月低保金未实际到账",
            ),
            vec![&k.village],
        ),
        (
            payment_list(
                "N-PAY-NOW",
                "本月低保金发放公示",
                today,
                &[(month_of(today), 300), (month_before(today), 300)],
            ),
            vec![&k.town_poverty],
        ),
        (
            EntryBody::Objection(Objection {
                case_no: id("YY-NOW-0001"),
                target: ObjectionTarget::NoticeLine(line("N-PAY-NOW", 1)),
                channel: ObjectionChannel::InPerson,
                received: today,
                summary: t("反映上月已发放"),
            }),
            vec![&k.village],
        ),
        (
            EntryBody::Notice(Notice {
                notice: id("N-APP2"),
                stage: NoticeStage::Application,
                region: rc(C_V2),
                start: d(20190603),
                title: t("2019年低保申请公告（二村）"),
                lines: NoticeLines::Households(vec![HouseholdLine {
                    household: h(5),
                    masked_name: masked("赵*五"),
                    village: rc(C_V2),
                    category: AssistanceCategory::MinimumLiving,
                }]),
            }),
            vec![&k.town_poverty],
        ),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        node.post_ok(vec![node.sign(genesis, &[&node.keys.admin])]).await?;
        let items = entries
            .into_iter()
            .map(|(body, signers)| node.sign(body, &signers))
            .collect();
        node.post_ok(items).await
    })?;
    Ok(node)
}

static CONTROLS: OnceLock<Result<ControlsNode, String>> = OnceLock::new();

/// The shared controls node (read tests only: nothing is posted to it).
pub(crate) fn cnode() -> TestResult<&'static ControlsNode> {
    CONTROLS
        .get_or_init(|| {
            std::thread::spawn(|| controls_node("controls-read").map_err(|e| e.to_string()))
                .join()
                .unwrap_or_else(|_| Err("building the controls node panicked".into()))
        })
        .as_ref()
        .map_err(|e| e.clone().into())
}

fn hex(n: u8) -> String {
    h(n).to_string()
}

// ---------------------------------------------------------------------------
// The write API refuses each control with its code

#[tokio::test]
async fn each_control_is_refused_with_its_code_and_the_batch_goes_on() -> TestResult {
    let node = tokio::task::spawn_blocking(|| controls_node("controls-write").map_err(|e| e.to_string()))
        .await?
        .map_err(|e| e.to_string())?;
    let app = &node.app;
    let k = &node.keys;
    let today = node.today;
    let size = |v: &Value| u(&v["size"]);
    let mut before = size(&get_json(app, "/v1/log").await?);
    assert_eq!(before, 24);
    let in_three_days = today.plus_days(3).ok_or("date")?;
    let cases: Vec<(&str, StatusCode, EntryBody, Vec<&SigningKey>)> = vec![
        // Household 2 applied but was never registered.
        (
            "not_registered",
            StatusCode::UNPROCESSABLE_ENTITY,
            EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                household: h(2),
                masked_name: MaskedName::parse_masked("李*四")?,
                ..match subsidy(1, "张*三", Period::new(2019, 9)?, 300, d(20190920), None) {
                    EntryBody::HouseholdSubsidy(s) => s,
                    _ => return Err("subsidy".into()),
                }
            }),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Registered, but no payment-list line cited.
        (
            "not_publicized",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", Period::new(2019, 9)?, 300, d(20190920), None),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // This month's line, whose window started today.
        (
            "publicity_not_ended",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", month_of(today), 300, today, Some(line("N-PAY-NOW", 0))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Last month's line, under the open objection YY-NOW-0001.
        (
            "objection_open",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", month_before(today), 300, today, Some(line("N-PAY-NOW", 1))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Two signatures, but not the town poverty office's.
        (
            "missing_role",
            StatusCode::FORBIDDEN,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                300,
                d(20190920),
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_finance, &k.village],
        ),
        (
            "date_in_future",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                300,
                in_three_days,
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_poverty, &k.town_finance],
        ),
        (
            "line_withdrawn",
            StatusCode::UNPROCESSABLE_ENTITY,
            EntryBody::HouseholdRegister(HouseholdRegister {
                household: h(2),
                masked_name: MaskedName::parse_masked("李*四")?,
                village: rc(C_V1),
                category: AssistanceCategory::MinimumLiving,
                date: d(20190708),
                notices: Some(RegistrationNotices {
                    application: line("N-APP", 1),
                    village: line("N-VIL", 1),
                    town: line("N-TOWN", 1),
                    district: line("N-DIST", 1),
                    objection_review: line("N-REV", 0),
                }),
            }),
            vec![&k.town_poverty],
        ),
        (
            "amount_above_notice",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                301,
                d(20190920),
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_poverty, &k.town_finance],
        ),
    ];
    for (i, (code, status, body, signers)) in cases.into_iter().enumerate() {
        let refused = node.sign(body, &signers);
        // Alone: the request's status and code.
        let answer = post_json(app, std::slice::from_ref(&refused)).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{code}: {}",
            answer.text()
        );
        assert_schema("Error", &answer.json()?)?;
        assert_eq!(
            size(&get_json(app, "/v1/log").await?),
            before,
            "{code}: nothing written"
        );
        // In a batch between two valid items: reported in place, the others recorded.
        let fresh = |n: usize| {
            node.sign(
                EntryBody::Notice(Notice {
                    notice: Ident::new(&format!("N-OK-{i}-{n}")).unwrap_or_else(|e| panic!("{e}")),
                    stage: NoticeStage::Application,
                    region: rc(C_V2),
                    start: d(20190901),
                    title: Text::new("补充申请公告").unwrap_or_else(|e| panic!("{e}")),
                    lines: NoticeLines::Households(vec![HouseholdLine {
                        household: h(6),
                        masked_name: MaskedName::parse_masked("钱*六").unwrap_or_else(|e| panic!("{e}")),
                        village: rc(C_V2),
                        category: AssistanceCategory::MinimumLiving,
                    }]),
                }),
                &[&k.town_poverty],
            )
        };
        let batch = vec![fresh(0), refused, fresh(1)];
        let answer = post_json(app, &batch).await?;
        assert_eq!(answer.status, StatusCode::OK, "{code}: {}", answer.text());
        let json = answer.json()?;
        assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (2, 1), "{code}");
        assert_eq!(json["results"][1]["error"]["code"], code);
        assert_eq!(
            u(&json["results"][0]["receipt"]["receipt"]["seq"]),
            before,
            "{code}: {json}"
        );
        assert_eq!(
            u(&json["results"][2]["receipt"]["receipt"]["seq"]),
            before + 1,
            "{code}: {json}"
        );
        before += 2;
        assert_eq!(
            size(&get_json(app, "/v1/log").await?),
            before,
            "{code}: only the valid items"
        );
    }
    // The same payment accepted once the control is satisfied: signed by
    // the offices the policy names, on its own line, within its amount.
    let ok = node.sign(
        subsidy(
            1,
            "张*三",
            Period::new(2019, 9)?,
            300,
            d(20190920),
            Some(line("N-PAY", 2)),
        ),
        &[&k.town_poverty, &k.town_finance],
    );
    let answer = post_json(app, &[ok]).await?;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let notice = get_json(app, "/v1/notices/N-PAY").await?;
    assert_eq!(notice["lines"][2]["status"], "paid");
    assert_eq!(u(&notice["lines"][2]["paid_seq"]), before);
    Ok(())
}

// ---------------------------------------------------------------------------
// The read API

#[tokio::test]
async fn region_notices_newest_first_with_windows() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let today = node.today.to_string();
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/notices")).await?;
    assert_schema("RegionNotices", &v1)?;
    assert_eq!(v1["today"], today.as_str());
    assert_eq!(v1["region"], serde_json::json!({"code": C_V1, "name": "一村"}));
    let seqs = |v: &Value| -> Vec<u64> {
        v["notices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| u(&n["seq"]))
            .collect()
    };
    // The village's own notices and the town and district ones listing its households.
    assert_eq!(seqs(&v1), vec![21, 12, 10, 9, 8, 7, 4]);
    assert_eq!(v1["next"], Value::Null);
    assert_eq!(
        v1["notices"][1],
        serde_json::json!({
            "notice": "N-PAY", "seq": 12, "stage": "payment_list", "stage_zh": "发放公示",
            "region": {"code": C_V1, "name": "一村"}, "title": "2019年7-9月低保金发放公示",
            "start": "2019-07-10", "ends": "2019-07-17", "window_days": 7,
            "status": "ended", "status_zh": "已结束", "lines": 3
        })
    );
    let now = &v1["notices"][0];
    assert_eq!(
        (
            now["notice"].as_str(),
            now["status"].as_str(),
            now["status_zh"].as_str()
        ),
        (Some("N-PAY-NOW"), Some("open"), Some("公示中"))
    );
    assert_eq!(now["start"], today.as_str());
    assert_eq!(now["ends"], node.today.plus_days(7).ok_or("date")?.to_string().as_str());
    assert_eq!(v1["notices"][3]["region"]["code"], C_DISTRICT);
    assert_eq!(v1["notices"][3]["stage_zh"], "区级公示");

    // A town: posted in it or below (not the district's notice).
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/notices")).await?;
    assert_eq!(seqs(&town), vec![23, 21, 12, 10, 8, 7, 4]);
    let district = get_json(app, &format!("/v1/regions/{C_DISTRICT}/notices")).await?;
    assert_eq!(seqs(&district), vec![23, 21, 12, 10, 9, 8, 7, 4]);
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/notices")).await?;
    assert_eq!(seqs(&v2), vec![23]);

    // Pages: `before` the previous page's `next`.
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3")).await?;
    assert_eq!((seqs(&page), u(&page["next"])), (vec![21, 12, 10], 10));
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3&before=10")).await?;
    assert_eq!((seqs(&page), u(&page["next"])), (vec![9, 8, 7], 7));
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3&before=7")).await?;
    assert_eq!((seqs(&page), page["next"].clone()), (vec![4], Value::Null));

    let bad = get(app, &format!("/v1/regions/{C_V1}/notices?limit=1001")).await?;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_parameter")
    );
    let unknown = get(app, "/v1/regions/320803999999/notices").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
async fn a_notice_with_the_status_of_each_line() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let pay = get_json(app, "/v1/notices/N-PAY").await?;
    assert_schema("NoticeAnswer", &pay)?;
    assert_eq!(
        (pay["notice"].as_str(), u(&pay["seq"]), pay["status"].as_str()),
        (Some("N-PAY"), 12, Some("ended"))
    );
    let village = serde_json::json!({"code": C_V1, "name": "一村"});
    let payment_line = |line: u32, period: &str, status: &str, status_zh: &str, paid: Value, objections: Value| {
        serde_json::json!({
            "line": line, "household": hex(1), "masked_name": "张*三", "village": village,
            "category": "minimum_living", "category_zh": "最低生活保障", "period": period,
            "amount_fen": 30000, "amount": "300.00", "status": status, "status_zh": status_zh,
            "paid_seq": paid, "objections": objections
        })
    };
    assert_eq!(
        pay["lines"],
        serde_json::json!([
            payment_line(
                0,
                "2019-07",
                "paid",
                "已发放",
                serde_json::json!(13),
                serde_json::json!([])
            ),
            payment_line(
                1,
                "2019-08",
                "paid",
                "已发放",
                serde_json::json!(19),
                serde_json::json!(["YY-2019-0001"])
            ),
            payment_line(2, "2019-09", "open", "未发放", Value::Null, serde_json::json!([])),
        ])
    );

    // Household lines: 在列, and the line withdrawn after the upheld objection.
    let vil = get_json(app, "/v1/notices/N-VIL").await?;
    assert_schema("NoticeAnswer", &vil)?;
    let household_line = |line: u32, n: u8, name: &str, status: &str, status_zh: &str, objections: Value| {
        serde_json::json!({
            "line": line, "household": hex(n), "masked_name": name, "village": village,
            "category": "minimum_living", "category_zh": "低保", "period": null,
            "amount_fen": null, "amount": null, "status": status, "status_zh": status_zh,
            "paid_seq": null, "objections": objections
        })
    };
    assert_eq!(
        vil["lines"],
        serde_json::json!([
            household_line(0, 1, "张*三", "open", "在列", serde_json::json!([])),
            household_line(
                1,
                2,
                "李*四",
                "withdrawn",
                "已撤回",
                serde_json::json!(["YY-2019-0002"])
            ),
        ])
    );
    assert_eq!(
        (vil["stage"].as_str(), vil["stage_zh"].as_str(), vil["title"].as_str()),
        (Some("village_publicity"), Some("村级公示"), Some("2019年低保村级公示"))
    );

    // An open objection: 有异议; the other line of the open window: 未发放.
    let now = get_json(app, "/v1/notices/N-PAY-NOW").await?;
    assert_eq!(
        (now["status"].as_str(), now["status_zh"].as_str()),
        (Some("open"), Some("公示中"))
    );
    assert_eq!(
        (
            now["lines"][0]["status"].as_str(),
            now["lines"][0]["status_zh"].as_str()
        ),
        (Some("open"), Some("未发放"))
    );
    assert_eq!(
        (
            now["lines"][1]["status"].as_str(),
            now["lines"][1]["status_zh"].as_str()
        ),
        (Some("objected"), Some("有异议"))
    );
    assert_eq!(now["lines"][1]["objections"], serde_json::json!(["YY-NOW-0001"]));

    // A town notice lists the village of each household.
    let town = get_json(app, "/v1/notices/N-TOWN").await?;
    assert_eq!(
        (
            town["region"]["name"].as_str(),
            town["lines"][1]["village"]["name"].as_str()
        ),
        (Some("施河镇"), Some("一村"))
    );

    // Unknown, altered or malformed ids: 404 unknown_notice.
    for bad in ["N-NONE", "n-pay", "N-PAY-", "N-PAY%20", "%E5%85%AC%E5%91%8A"] {
        let answer = get(app, &format!("/v1/notices/{bad}")).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::NOT_FOUND, "unknown_notice"),
            "{bad}: {}",
            answer.text()
        );
        assert_schema("Error", &answer.json()?)?;
    }
    Ok(())
}

#[tokio::test]
async fn households_registered_now_per_village() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/households")).await?;
    assert_schema("RegionHouseholds", &v1)?;
    assert_eq!(
        v1,
        serde_json::json!({
            "region": {"code": C_V1, "name": "一村"},
            "households": [{
                "household": hex(1), "masked_name": "张*三",
                "registrations": [{
                    "category": "minimum_living", "category_zh": "低保", "from": "2019-07-08",
                    "until": null, "seq": 11, "ended_seq": null, "procedure": true
                }]
            }],
            "by_category": {"minimum_living": 1, "registered_low_income": 0},
            "next": null
        })
    );
    // The town counts its villages; 二村 has applicants but nobody registered.
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/households")).await?;
    assert_eq!(town["households"].as_array().map(Vec::len), Some(1));
    assert_eq!(town["by_category"]["minimum_living"], 1);
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/households")).await?;
    assert_eq!(
        (v2["households"].clone(), v2["by_category"]["minimum_living"].clone()),
        (serde_json::json!([]), serde_json::json!(0))
    );
    let unknown = get(app, "/v1/regions/320803999999/households").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
async fn objections_with_status_and_decisions() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/objections")).await?;
    assert_schema("RegionObjections", &v1)?;
    let today = node.today.to_string();
    assert_eq!(
        v1["objections"],
        serde_json::json!([
            {
                "case_no": "YY-NOW-0001", "seq": 22, "target": {"notice": "N-PAY-NOW", "line": 1},
                "channel": "in_person", "channel_zh": "当面反映", "received": today,
                "summary": "反映上月已发放", "status": "open", "status_zh": "处理中",
                "decided_seq": null, "decided_date": null, "reason": null
            },
            {
                "case_no": "YY-2019-0003", "seq": 20, "target": {"seq": 19},
                "channel": "web", "channel_zh": "网上反映", "received": "2019-08-25",
                "summary": "反映8月低保金未实际到账", "status": "open", "status_zh": "处理中",
                "decided_seq": null, "decided_date": null, "reason": null
            },
            {
                "case_no": "YY-2019-0002", "seq": 17, "target": {"notice": "N-VIL", "line": 1},
                "channel": "letter", "channel_zh": "来信", "received": "2019-06-12",
                "summary": "反映该户有经营性车辆", "status": "upheld", "status_zh": "属实",
                "decided_seq": 18, "decided_date": "2019-06-20", "reason": "经核实属实，撤回公示"
            },
            {
                "case_no": "YY-2019-0001", "seq": 15, "target": {"notice": "N-PAY", "line": 1},
                "channel": "hotline_12317", "channel_zh": "12317热线", "received": "2019-07-12",
                "summary": "反映该户家庭收入超标", "status": "dismissed", "status_zh": "不属实",
                "decided_seq": 16, "decided_date": "2019-07-19", "reason": "经入户核实，收入未超标"
            }
        ])
    );
    assert_eq!(v1["next"], Value::Null);
    let page = get_json(app, &format!("/v1/regions/{C_V1}/objections?limit=2")).await?;
    assert_eq!(
        (page["objections"].as_array().map(Vec::len), u(&page["next"])),
        (Some(2), 20)
    );
    let page = get_json(app, &format!("/v1/regions/{C_V1}/objections?limit=2&before=20")).await?;
    assert_eq!(
        (page["objections"][0]["case_no"].as_str(), page["next"].clone()),
        (Some("YY-2019-0002"), Value::Null)
    );
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/objections")).await?;
    assert_eq!(town["objections"].as_array().map(Vec::len), Some(4));
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/objections")).await?;
    assert_eq!(v2["objections"], serde_json::json!([]));
    Ok(())
}

/// The controls part of a payment item.
fn controls_of(item: &Value) -> Value {
    serde_json::json!({
        "seq": item["seq"], "date": item["date"], "notice": item["notice"],
        "confirmation": item["confirmation"], "warnings": item["warnings"]
    })
}

fn expected_payments() -> Value {
    let none = serde_json::json!({
        "status": "not_required", "status_zh": "无需确认", "seq": null, "date": null,
        "method": null, "method_zh": null, "deadline": null
    });
    serde_json::json!([
        {
            "seq": 3, "date": "2019-03-15", "notice": null, "confirmation": none,
            "warnings": [
                {"code": "missing_role", "message_zh": "缺少政策规定的镇扶贫办签字（规则施行前的历史记录）", "office": "town_poverty_office",
                 "message": "not signed by the town_poverty_office the policy names (before roles were enforced)"},
                {"code": "paid_unregistered", "message_zh": "发放日 2019-03-15 该户未在有权享受“最低生活保障”的类别中建档立卡（规则施行前的历史记录）",
                 "message": "household not registered in a category entitling it to minimum_living on 2019-03-15"},
                {"code": "paid_without_notice", "message_zh": "发放前未经发放公示（规则施行前的历史记录）",
                 "message": "paid without a payment-list line (发放公示)"}
            ]
        },
        {
            "seq": 13, "date": "2019-07-20", "notice": {"notice": "N-PAY", "line": 0},
            "confirmation": {"status": "confirmed", "status_zh": "已确认", "seq": 14, "date": "2019-07-25",
                             "method": "card_signature", "method_zh": "明白卡签字", "deadline": null},
            "warnings": []
        },
        {
            "seq": 19, "date": "2019-08-20", "notice": {"notice": "N-PAY", "line": 1},
            "confirmation": {"status": "overdue", "status_zh": "逾期未确认", "seq": null, "date": null,
                             "method": null, "method_zh": null, "deadline": "2019-09-19"},
            "warnings": []
        }
    ])
}

#[tokio::test]
async fn payments_show_date_line_confirmation_and_warnings() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let flows = get_json(app, &format!("/v1/regions/{C_V1}/flows")).await?;
    assert_schema("Flows", &flows)?;
    let items: Vec<Value> = flows["subsidies"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(controls_of)
        .collect();
    assert_eq!(Value::Array(items), expected_payments());

    // The household: its registrations and its payments, the same way.
    let one = get_json(app, &format!("/v1/households/{}", hex(1))).await?;
    assert_schema("HouseholdAnswer", &one)?;
    assert_eq!(
        (u(&one["count"]), u(&one["total_fen"]), one["masked_name"].as_str()),
        (2, 60_000, Some("张*三"))
    );
    assert_eq!(
        one["registrations"],
        serde_json::json!([{
            "category": "minimum_living", "category_zh": "低保", "from": "2019-07-08",
            "until": null, "seq": 11, "ended_seq": null, "procedure": true
        }])
    );
    let entry_seqs: Vec<u64> = one["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| u(&e["seq"]))
        .collect();
    assert_eq!(entry_seqs, vec![13, 19]);
    let payments: Vec<Value> = one["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(controls_of)
        .collect();
    let expected = expected_payments();
    assert_eq!(Value::Array(payments), serde_json::json!([expected[1], expected[2]]));
    let nine = get_json(app, &format!("/v1/households/{}", hex(9))).await?;
    assert_eq!(
        (nine["registrations"].clone(), controls_of(&nine["payments"][0])),
        (serde_json::json!([]), expected[0].clone())
    );
    // Household 2 applied, was withdrawn, never paid: nothing to show.
    let two = get(app, &format!("/v1/households/{}", hex(2))).await?;
    assert_eq!((two.status, two.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    Ok(())
}

/// The controls are rebuilt by the replay at start-up: a restarted node
/// answers every controls view exactly as before (the new kinds replay in
/// the node, warnings included).
#[tokio::test]
async fn a_restarted_node_shows_the_same_controls() -> TestResult {
    let node = tokio::task::spawn_blocking(|| controls_node("controls-restart").map_err(|e| e.to_string()))
        .await?
        .map_err(|e| e.to_string())?;
    let uris = [
        format!("/v1/regions/{C_V1}/notices"),
        format!("/v1/regions/{C_DISTRICT}/notices"),
        "/v1/notices/N-PAY".to_string(),
        "/v1/notices/N-VIL".to_string(),
        "/v1/notices/N-PAY-NOW".to_string(),
        format!("/v1/regions/{C_V1}/households"),
        format!("/v1/regions/{C_V1}/objections"),
        format!("/v1/regions/{C_V1}/flows"),
        format!("/v1/households/{}", hex(1)),
        format!("/v1/households/{}", hex(9)),
    ];
    let mut before = Vec::new();
    for uri in &uris {
        before.push(get_json(&node.app, uri).await?);
    }
    let ControlsNode {
        dir, app, sequencer, ..
    } = node;
    tokio::task::spawn_blocking(move || {
        drop(app);
        sequencer.join().map_err(|_| "sequencer panicked".to_string())
    })
    .await??;
    let started = start(&config(&dir, limits())?).map_err(|e| format!("{e:#}"))?;
    for (uri, expected) in uris.iter().zip(&before) {
        let mut again = get_json(&started.app, uri).await?;
        let mut expected = expected.clone();
        // `today` may have turned over midnight between the two reads.
        for v in [&mut again, &mut expected] {
            if let Some(o) = v.as_object_mut() {
                o.remove("today");
            }
        }
        assert_eq!(again, expected, "{uri}");
    }
    assert_eq!(before[0]["notices"].as_array().map(Vec::len), Some(7));
    assert_eq!(
        before[7]["subsidies"]["items"][0]["warnings"].as_array().map(Vec::len),
        Some(3)
    );
    let Started { app, sequencer } = started;
    tokio::task::spawn_blocking(move || {
        drop(app);
        sequencer.join().map_err(|_| "sequencer panicked".to_string())
    })
    .await??;
    Ok(())
}
