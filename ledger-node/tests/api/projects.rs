//! The project library over HTTP (issue 13): the write API refuses each
//! project rule with its stable code (422, a message naming the project and
//! amounts, nothing written, the rest of a batch unaffected) and accepts the
//! same submission once the stage or adjustment is in place; the read API
//! shows the timeline, budget against payments, contracts, warnings, a
//! region's projects by status and idle money (资金滞留) with exact values.
//!
//! Not the demo: a small log built here, so that every date, amount and
//! sequence number is known. The read side's checks are in
//! `projects_read`; the demo's projects and idle money in `projects_demo`.

use super::projects_read::{check_idle, check_other_projects, check_project_p1, check_region_projects};
use super::*;
use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::LogSigner;
use ledger_core::entry::{
    FundCategory, FundSource, Genesis, ProjectCategory, ProjectRegister, Reversal, SubsidyCategory, Transfer,
};
use ledger_core::ids::Date;
use ledger_core::keys::{KeyGrant, Office, Role, Scope};
use ledger_core::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::{AssistanceCategory, Notice, NoticeLineRef, NoticeLines, NoticeStage};
use ledger_core::project::{
    Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
    ProjectReview,
};
use ledger_core::region::RegionDef;
use ledger_node::server::{start, Started};

pub(crate) const ORIGIN: &str = "test.sunshine/projects-api";
pub(crate) const DISTRICT: &str = "320803000000";
pub(crate) const TOWN: &str = "320803101000";
pub(crate) const V1: &str = "320803101201";
pub(crate) const V2: &str = "320803101202";
pub(crate) const C1: &str = "91320803MAC1HT0001";
pub(crate) const C2: &str = "91320803MAC1HT0002";

fn rc(code: &str) -> RegionCode {
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
fn fen(f: u64) -> Fen {
    Fen::new(f).unwrap_or_else(|e| panic!("{e}"))
}
fn yuan(y: u64) -> Fen {
    fen(y * 100)
}

fn contract(who: &str, name: &str, no: &str) -> Contract {
    Contract {
        contractor: Payee {
            id: id(who),
            name: t(name),
        },
        contract_no: t(no),
    }
}
fn c1() -> Contract {
    contract(C1, "淮安市汇通建设工程有限公司", "淮区建〔2020〕HT-001")
}
fn c2() -> Contract {
    contract(C2, "江苏润通路桥有限公司", "淮区建〔2020〕HT-002")
}
fn budgets(list: &[(&str, u64)]) -> Vec<FundBudget> {
    list.iter()
        .map(|(f, y)| FundBudget {
            fund: id(f),
            amount: yuan(*y),
        })
        .collect()
}

fn register(project: &str, village: &str, budget: u64, start: u32, end: u32) -> EntryBody {
    EntryBody::ProjectRegister(ProjectRegister {
        project: id(project),
        name: t(&format!("{project} 村组道路硬化工程")),
        village: rc(village),
        category: ProjectCategory::VillageRoad,
        budget: yuan(budget),
        implementer: t("施河镇人民政府"),
        start: d(start),
        end: d(end),
    })
}
fn review(project: &str, on: u32, passed: bool, note: &str) -> EntryBody {
    EntryBody::ProjectReview(ProjectReview {
        project: id(project),
        date: d(on),
        document_no: t(&format!("施政审〔{}〕{project}号", on / 10_000)),
        passed,
        note: t(note),
    })
}
fn plan(notice: &str, village: &str, on: u32, projects: &[&str]) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: id(notice),
        stage: NoticeStage::ProjectPlan,
        region: rc(village),
        start: d(on),
        title: t("扶贫项目计划公示"),
        lines: NoticeLines::Projects(projects.iter().map(|p| id(p)).collect()),
    })
}
fn approve(project: &str, on: u32, doc: &str, plan: (&str, u32), b: &[(&str, u64)], c: Contract) -> EntryBody {
    EntryBody::ProjectApprove(ProjectApprove {
        project: id(project),
        date: d(on),
        document_no: t(doc),
        plan: NoticeLineRef {
            notice: id(plan.0),
            line: plan.1,
        },
        budgets: budgets(b),
        contract: c,
    })
}
fn milestone(project: &str, on: u32, doc: &str, note: &str) -> ProjectMilestone {
    ProjectMilestone {
        project: id(project),
        date: d(on),
        document_no: t(doc),
        note: t(note),
    }
}
fn adjust(project: &str, on: u32, doc: &str, b: &[(&str, u64)], c: Option<Contract>, reason: &str) -> EntryBody {
    EntryBody::ProjectAdjust(ProjectAdjust {
        project: id(project),
        date: d(on),
        document_no: t(doc),
        budgets: budgets(b),
        contract: c,
        reason: t(reason),
    })
}
fn pay(project: &str, fund: &str, from: Account, payee: &Contract, amount: Fen, on: u32) -> EntryBody {
    EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund: id(fund),
        project: id(project),
        from,
        payee: payee.contractor.clone(),
        amount,
        contract_ref: payee.contract_no.clone(),
        milestone: t("进度款"),
        date: d(on),
    })
}
fn district() -> Account {
    Account::Treasury(rc(DISTRICT))
}
fn p1_account() -> Account {
    Account::Project(id("P1"))
}

/// Projects enforced from 2020-01-01, 10 % retained until the acceptance,
/// 60 days in a project account, 30 at each treasury.
fn policy() -> Policy {
    Policy {
        cosign_rules: Vec::new(),
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![CategoryRule {
            category: AssistanceCategory::MinimumLiving,
            subsidies: vec![SubsidyCategory::MinimumLiving],
            ends_with_exit: false,
        }],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: Date::LAST,
            payment_list: Date::LAST,
            roles: Date::LAST,
            confirmation: Date::LAST,
            projects: d(20200101),
            duplicates: Date::LAST,
        },
        retention_bp: 1_000,
        fund_limits: FundLimits {
            district_days: 30,
            town_days: 30,
            village_days: 30,
            project_days: 60,
        },
    }
}

struct ProjectsNode {
    app: ledger_node::api::AppState,
    admin: SigningKey,
    operator: SigningKey,
    nonce: std::sync::atomic::AtomicU64,
}

impl ProjectsNode {
    fn sign(&self, body: EntryBody) -> SignedSubmission {
        let n = self.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut nonce = [0x13u8; 16];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        let key = if body.kind().is_admin() {
            &self.admin
        } else {
            &self.operator
        };
        submission(ORIGIN, nonce, now_ms() + 3_600_000, body, &[key])
    }

    async fn post_ok(&self, bodies: Vec<EntryBody>) -> TestResult {
        let items: Vec<SignedSubmission> = bodies.into_iter().map(|b| self.sign(b)).collect();
        let results = ledger_node::api::write::submit_parsed(&self.app, items.into_iter().map(Ok).collect()).await?;
        for (i, r) in results.iter().enumerate() {
            if let Err(e) = r {
                return Err(format!("item {i}: {} {}", e.code, e.message).into());
            }
        }
        Ok(())
    }
}

/// The base log:
///
/// | seq | entry |
/// | --- | --- |
/// | 0 | genesis |
/// | 1 | F2019-H 100,000 元 to the district, 2019-01-10 |
/// | 2 | P5 in 二村 (budget 10,000 元) |
/// | 3 | P5 reviewed 2019-02-01 |
/// | 4 | N-PLAN5 项目公示 in 二村 2019-02-02 (ends 02-09): P5 |
/// | 5 | P5 approved 2019-02-15: F2019-H 10,000 元, contract C1 |
/// | 6 | history: P5 paid 12,000 元 from F2019-H on 2019-03-01 (over its budget) |
/// | 7, 8 | F-A 1,000,000 元 and F-B 500,000 元 to the district, 2020-01-10 |
/// | 9 | F-A 200,000 元 district → town, 2020-01-20 |
/// | 10 | F-B 30,000 元 district → town, 2020-01-20 |
/// | 11 | F-B 30,000 元 town → 一村, 2020-01-25 |
/// | 12, 13 | one batch: 11 reversed 2020-02-01, then F-B 30,000 元 town → 一村 again 2020-02-05 |
/// | 14-17 | P1 (150,000 元, ends 2020-06-30), P2 (20,000 元), P4 (5,000 元, ends 2020-05-31) in 一村; P3 (10,000 元) in 二村 |
/// | 18 | P1 reviewed 2020-02-01 |
/// | 19, 20 | P2's review fails 2020-02-01, passes 2020-02-05 |
/// | 21 | P4 reviewed 2020-02-01 |
/// | 22 | N-PLAN 项目公示 in 一村 2020-02-06 (ends 02-13): P1, P2, P4 |
/// | 23 | P1 approved 2020-02-20 (淮区扶贫〔2020〕12号): F-A 100,000 元, F-B 50,000 元, contract C1 |
/// | 24 | P4 approved 2020-02-20: F-B 5,000 元, contract C1 |
/// | 25 | F-A 100,000 元 district → project P1, 2020-02-25 |
/// | 26, 27 | P1 and P4 started 2020-03-01 |
/// | 28 | P3 cancelled 2020-03-05 |
fn projects_node(name: &str) -> TestResult<ProjectsNode> {
    let dir = fresh_dir(name)?;
    let log_key = SigningKey::from_bytes(&[78; 32]);
    ledger_node::init::init_with_key(&dir, ORIGIN, &log_key, ledger_node::store::StoreOptions::default().log)
        .map_err(|e| format!("{e:#}"))?;
    let Started { app, .. } = start(&config(&dir, limits())?).map_err(|e| format!("{e:#}"))?;
    let node = ProjectsNode {
        app,
        admin: SigningKey::from_bytes(&[21; 32]),
        operator: SigningKey::from_bytes(&[22; 32]),
        nonce: std::sync::atomic::AtomicU64::new(1),
    };
    let grant = |key: &SigningKey, role: Role, office: Office, kinds: Vec<EntryKind>| KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        holder: t(office.label_zh()),
        role,
        office,
        scope: Scope {
            regions: vec![rc(DISTRICT)],
            kinds,
        },
        valid_from_ms: 0,
        valid_until_ms: u64::MAX / 2,
    };
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
        title: t("淮安区项目库测试账本"),
        grants: vec![
            grant(&node.admin, Role::Admin, Office::Admin, admin_kinds),
            grant(&node.operator, Role::Operator, Office::DistrictPovertyOffice, work),
        ],
        regions: vec![
            region(DISTRICT, "淮安区"),
            region(TOWN, "施河镇"),
            region(V1, "一村"),
            region(V2, "二村"),
        ],
        policy: policy(),
        pseudonym_commitment: Bytes([0; 32]),
        log_vkey: LogSigner::new(ORIGIN, log_key.clone())
            .map_err(|e| e.to_string())?
            .verifier_key(),
    });
    let issue = |fund: &str, year: u16, amount: u64, on: u32| {
        EntryBody::FundIssue(FundIssue {
            fund: id(fund),
            title: t(&format!("{year}年财政专项扶贫资金 {fund}")),
            document_no: t(&format!("淮财农〔{year}〕{fund}号")),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: year,
            to: district(),
            amount: yuan(amount),
            date: d(on),
        })
    };
    let transfer = |fund: &str, to: Account, amount: u64, on: u32| {
        EntryBody::Transfer(Transfer {
            fund: id(fund),
            from: district(),
            to,
            amount: yuan(amount),
            memo: t("拨付项目资金"),
            date: d(on),
        })
    };
    let town_to_v1 = |on: u32| {
        EntryBody::Transfer(Transfer {
            fund: id("F-B"),
            from: Account::Treasury(rc(TOWN)),
            to: Account::Treasury(rc(V1)),
            amount: yuan(30_000),
            memo: t("拨付一村"),
            date: d(on),
        })
    };
    let bodies = vec![
        genesis,
        issue("F2019-H", 2019, 100_000, 20190110),
        register("P5", V2, 10_000, 20190301, 20190630),
        review("P5", 20190201, true, "符合村组道路建设标准"),
        plan("N-PLAN5", V2, 20190202, &["P5"]),
        approve(
            "P5",
            20190215,
            "淮区扶贫〔2019〕5号",
            ("N-PLAN5", 0),
            &[("F2019-H", 10_000)],
            c1(),
        ),
        pay("P5", "F2019-H", district(), &c1(), yuan(12_000), 20190301),
        issue("F-A", 2020, 1_000_000, 20200110),
        issue("F-B", 2020, 500_000, 20200110),
        transfer("F-A", Account::Treasury(rc(TOWN)), 200_000, 20200120),
        transfer("F-B", Account::Treasury(rc(TOWN)), 30_000, 20200120),
        town_to_v1(20200125),
        // One batch: the town's money comes back (reversal of 11) and is
        // passed on again at once: the lots are right only if the reversal
        // is folded in before the next transfer (`query::idle`).
        EntryBody::Reversal(Reversal {
            target_seq: 11,
            reason: t("拨付账户有误，冲正"),
            date: d(20200201),
        }),
        town_to_v1(20200205),
        register("P1", V1, 150_000, 20200301, 20200630),
        register("P2", V1, 20_000, 20200401, 20201231),
        register("P4", V1, 5_000, 20200301, 20200531),
        register("P3", V2, 10_000, 20200401, 20201231),
        review("P1", 20200201, true, "线路经实地踏勘，符合建设标准"),
        review("P2", 20200201, false, "预算依据不足，补充测算后重新论证"),
        review("P2", 20200205, true, "补充测算后符合要求"),
        review("P4", 20200201, true, "符合要求"),
        plan("N-PLAN", V1, 20200206, &["P1", "P2", "P4"]),
        approve(
            "P1",
            20200220,
            "淮区扶贫〔2020〕12号",
            ("N-PLAN", 0),
            &[("F-A", 100_000), ("F-B", 50_000)],
            c1(),
        ),
        approve(
            "P4",
            20200220,
            "淮区扶贫〔2020〕13号",
            ("N-PLAN", 2),
            &[("F-B", 5_000)],
            c1(),
        ),
        transfer("F-A", p1_account(), 100_000, 20200225),
        EntryBody::ProjectStart(milestone("P1", 20200301, "开工令〔2020〕1号", "施工单位进场")),
        EntryBody::ProjectStart(milestone("P4", 20200301, "开工令〔2020〕2号", "施工单位进场")),
        EntryBody::ProjectCancel(ProjectCancel {
            project: id("P3"),
            date: d(20200305),
            reason: t("选址不符合用地规划，终止实施"),
        }),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut bodies = bodies.into_iter();
        while let Some(body) = bodies.next() {
            let mut batch = vec![body];
            if matches!(batch[0], EntryBody::Reversal(_)) {
                // The reversal and the transfer after it go in one batch.
                batch.extend(bodies.next());
            }
            node.post_ok(batch).await?;
        }
        TestResult::Ok(())
    })?;
    Ok(node)
}

/// Seq of the base log's entries.
pub(crate) const P1_APPROVE: u64 = 23;
pub(crate) const BASE_SIZE: u64 = 29;

async fn size(app: &ledger_node::api::AppState) -> TestResult<u64> {
    Ok(u(&get_json(app, "/v1/log").await?["size"]))
}

/// Post `body` alone: refused with 422 `code`, a message naming `project`,
/// nothing written.
async fn refused(node: &ProjectsNode, body: EntryBody, code: &str, project: &str) -> TestResult<SignedSubmission> {
    let before = size(&node.app).await?;
    let s = node.sign(body);
    let answer = post_json(&node.app, std::slice::from_ref(&s)).await?;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, code),
        "{code}: {}",
        answer.text()
    );
    assert_schema("Error", &answer.json()?)?;
    let error = &answer.json()?["error"];
    let message = error["message"].as_str().unwrap_or_default().to_string();
    let message_zh = error["message_zh"].as_str().unwrap_or_default().to_string();
    assert!(message.contains(&format!("project {project}")), "{code}: {message}");
    assert!(message_zh.contains(&format!("项目 {project} ")), "{code}: {message_zh}");
    // The examples in schemas/openapi.json are this log's answers, exactly.
    let example = &openapi()?["paths"]["/v1/submissions"]["post"]["responses"]["422"]["content"]["application/json"]
        ["examples"][code]["value"]["error"];
    assert_eq!(message, example["message"].as_str().unwrap_or_default(), "{code}");
    assert_eq!(message_zh, example["message_zh"].as_str().unwrap_or_default(), "{code}");
    assert_eq!(size(&node.app).await?, before, "{code}: nothing written");
    Ok(s)
}

/// Post an already signed submission again (the same bytes): accepted.
async fn accepted(node: &ProjectsNode, s: SignedSubmission) -> TestResult {
    let before = size(&node.app).await?;
    let answer = post_json(&node.app, &[s]).await?;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(size(&node.app).await?, before + 1);
    Ok(())
}

#[tokio::test]
async fn each_project_rule_is_refused_then_accepted_and_the_read_api_shows_it() -> TestResult {
    let node = tokio::task::spawn_blocking(|| projects_node("projects-api").map_err(|e| e.to_string()))
        .await?
        .map_err(|e| e.to_string())?;
    let app = &node.app;
    assert_eq!(size(app).await?, BASE_SIZE);

    // not_approved: P2 is reviewed, not approved. Accepted once approved.
    let p2_first = refused(
        &node,
        pay("P2", "F-B", district(), &c1(), yuan(1_000), 20200312),
        "not_approved",
        "P2",
    )
    .await?;
    node.post_ok(vec![approve(
        "P2",
        20200312,
        "淮区扶贫〔2020〕20号",
        ("N-PLAN", 1),
        &[("F-B", 20_000)],
        c1(),
    )])
    .await?;
    // The refused submission itself, unchanged, now goes through.
    accepted(&node, p2_first).await?;
    // Up to what may be paid before the acceptance (20,000 − 10 %): the
    // retention is then held.
    node.post_ok(vec![pay("P2", "F-B", district(), &c1(), yuan(17_000), 20200315)])
        .await?;

    // project_cancelled: P3 was cancelled; a payment or a stage for it is refused.
    refused(
        &node,
        pay("P3", "F-B", district(), &c1(), yuan(1_000), 20200310),
        "project_cancelled",
        "P3",
    )
    .await?;
    refused(
        &node,
        review("P3", 20200310, true, "重新论证"),
        "project_cancelled",
        "P3",
    )
    .await?;

    // stage_order: P1 handed over before its acceptance (accepted below, after it).
    let handover = refused(
        &node,
        EntryBody::ProjectHandover(milestone("P1", 20200625, "移交书〔2020〕1号", "移交一村村委会管护")),
        "stage_order",
        "P1",
    )
    .await?;

    // payee_not_contracted: C2 is not P1's contractor, until a contract change.
    let to_c2 = refused(
        &node,
        pay("P1", "F-A", p1_account(), &c2(), yuan(30_000), 20200316),
        "payee_not_contracted",
        "P1",
    )
    .await?;
    node.post_ok(vec![adjust(
        "P1",
        20200316,
        "淮区扶贫〔2020〕31号",
        &[("F-A", 100_000), ("F-B", 50_000)],
        Some(c2()),
        "原施工单位资质到期，变更施工单位",
    )])
    .await?;
    accepted(&node, to_c2).await?;

    // budget_exceeded: F-B's 50,000 元 overrun by 1 fen, until the budget is raised.
    let over = refused(
        &node,
        pay("P1", "F-B", district(), &c2(), fen(5_000_001), 20200321),
        "budget_exceeded",
        "P1",
    )
    .await?;
    node.post_ok(vec![adjust(
        "P1",
        20200321,
        "淮区扶贫〔2020〕35号",
        &[("F-A", 100_000), ("F-B", 60_000)],
        None,
        "增加排水边沟",
    )])
    .await?;
    accepted(&node, over).await?;

    // final_payment_before_acceptance: paid 80,000.01 of 160,000 元 with 10 %
    // retained, so 63,999.99 more may be paid before the acceptance; 64,000
    // reaches the retention by 1 fen.
    let last = refused(
        &node,
        pay("P1", "F-A", p1_account(), &c2(), yuan(64_000), 20200620),
        "final_payment_before_acceptance",
        "P1",
    )
    .await?;
    node.post_ok(vec![EntryBody::ProjectAccept(milestone(
        "P1",
        20200620,
        "施验〔2020〕8号",
        "工程质量合格",
    ))])
    .await?;
    accepted(&node, last).await?;
    accepted(&node, handover).await?;
    node.post_ok(vec![EntryBody::ProjectEvaluate(ProjectEvaluate {
        project: id("P1"),
        date: d(20200628),
        document_no: t("绩效评价〔2020〕3号"),
        score: 92,
        note: t("群众出行条件明显改善"),
    })])
    .await?;

    // In a batch between two valid entries: refused in place, the others recorded.
    let before = size(app).await?;
    let batch = vec![
        node.sign(review("P3", 20200628, true, "x")),
        node.sign(EntryBody::ProjectStart(milestone(
            "P2",
            20200401,
            "开工令〔2020〕5号",
            "进场",
        ))),
    ];
    let answer = post_json(app, &batch).await?;
    let json = answer.json()?;
    assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (1, 1), "{json}");
    assert_eq!(json["results"][0]["error"]["code"], "project_cancelled");
    assert_eq!(u(&json["results"][1]["receipt"]["receipt"]["seq"]), before);
    assert_eq!(size(app).await?, before + 1);
    let final_size = before + 1;

    // What the read API shows: `projects_read`.
    check_project_p1(app).await?;
    check_other_projects(app).await?;
    check_region_projects(app).await?;
    check_idle(app, final_size).await?;
    Ok(())
}
