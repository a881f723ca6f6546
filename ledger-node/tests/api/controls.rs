//! The policy's controls over HTTP (issue 12): the write API refuses each
//! new rule with its code (nothing written, the batch's other items
//! unaffected), and the read API shows notices, lines, registered
//! households, objections and each payment's date, line, confirmation and
//! warnings, with exact values.
//!
//! Not the demo: a small log built here, so that every date, line and
//! sequence number is known. Entry numbers below are the log's. This module
//! builds the log; `controls_write` and `controls_read` test it.

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

pub(crate) fn ckeys() -> CKeys {
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
    pub(crate) sequencer: std::thread::JoinHandle<()>,
}

pub(crate) fn rc(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn d(yyyymmdd: u32) -> Date {
    Date::new(yyyymmdd).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn id(s: &str) -> Ident {
    Ident::new(s).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn t(s: &str) -> Text {
    Text::new(s).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn h(n: u8) -> HouseholdRef {
    HouseholdRef(Bytes([n; 32]))
}
pub(crate) fn masked(s: &str) -> MaskedName {
    MaskedName::parse_masked(s).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn yuan(y: u64) -> Fen {
    Fen::new(y * 100).unwrap_or_else(|e| panic!("{e}"))
}
pub(crate) fn line(notice: &str, line: u32) -> NoticeLineRef {
    NoticeLineRef {
        notice: id(notice),
        line,
    }
}

pub(crate) fn grant(key: &SigningKey, role: Role, office: Office, region: &str, kinds: Vec<EntryKind>) -> KeyGrant {
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
pub(crate) fn policy() -> Policy {
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
            duplicates: Date::LAST,
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
    pub(crate) async fn post_ok(&self, items: Vec<SignedSubmission>) -> TestResult {
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
        supplementary: None,
    })
}

pub(crate) fn household_notice(
    notice: &str,
    stage: NoticeStage,
    region: &str,
    start: u32,
    lines: &[(u8, &str)],
) -> EntryBody {
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

pub(crate) fn objection(
    case: &str,
    target: ObjectionTarget,
    channel: ObjectionChannel,
    on: u32,
    summary: &str,
) -> EntryBody {
    EntryBody::Objection(Objection {
        case_no: id(case),
        target,
        channel,
        received: d(on),
        summary: t(summary),
    })
}

pub(crate) fn resolve(case: &str, outcome: ObjectionOutcome, on: u32, reason: &str) -> EntryBody {
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

pub(crate) fn hex(n: u8) -> String {
    h(n).to_string()
}
