//! The project library over HTTP (issue 13): the write API refuses each
//! project rule with its stable code (422, a message naming the project and
//! amounts, nothing written, the rest of a batch unaffected) and accepts the
//! same submission once the stage or adjustment is in place; the read API
//! shows the timeline, budget against payments, contracts, warnings, a
//! region's projects by status and idle money (资金滞留) with exact values.
//!
//! Not the demo: a small log built here, so that every date, amount and
//! sequence number is known. Idle money is also checked against the rule
//! engine's own figures (`LedgerState::idle_money`) from a replay of the
//! log the node serves.

use super::*;
use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::LogSigner;
use ledger_core::entry::{
    FundCategory, FundSource, Genesis, ProjectCategory, ProjectRegister, SubsidyCategory, Transfer,
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

const ORIGIN: &str = "test.sunshine/projects-api";
const DISTRICT: &str = "320803000000";
const TOWN: &str = "320803101000";
const V1: &str = "320803101201";
const V2: &str = "320803101202";
const C1: &str = "91320803MAC1HT0001";
const C2: &str = "91320803MAC1HT0002";

fn rc(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}
fn d(yyyymmdd: u32) -> Date {
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
/// | 10-13 | P1 (150,000 元, ends 2020-06-30), P2 (20,000 元), P4 (5,000 元, ends 2020-05-31) in 一村; P3 (10,000 元) in 二村 |
/// | 14 | P1 reviewed 2020-02-01 |
/// | 15, 16 | P2's review fails 2020-02-01, passes 2020-02-05 |
/// | 17 | P4 reviewed 2020-02-01 |
/// | 18 | N-PLAN 项目公示 in 一村 2020-02-06 (ends 02-13): P1, P2, P4 |
/// | 19 | P1 approved 2020-02-20 (淮区扶贫〔2020〕12号): F-A 100,000 元, F-B 50,000 元, contract C1 |
/// | 20 | P4 approved 2020-02-20: F-B 5,000 元, contract C1 |
/// | 21 | F-A 100,000 元 district → project P1, 2020-02-25 |
/// | 22, 23 | P1 and P4 started 2020-03-01 |
/// | 24 | P3 cancelled 2020-03-05 |
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
        for body in bodies {
            node.post_ok(vec![body]).await?;
        }
        TestResult::Ok(())
    })?;
    Ok(node)
}

/// Seq of the base log's entries.
const P1_APPROVE: u64 = 19;
const BASE_SIZE: u64 = 25;

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
    let message = answer.json()?["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.starts_with(&format!("项目 {project} ")) && message.contains(&format!("project {project}")),
        "{code}: {message}"
    );
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

    check_project_p1(app).await?;
    check_other_projects(app).await?;
    check_region_projects(app).await?;
    check_idle(app, final_size).await?;
    Ok(())
}

async fn check_project_p1(app: &ledger_node::api::AppState) -> TestResult {
    let answer = get_json(app, "/v1/projects/P1").await?;
    assert_schema("ProjectAnswer", &answer)?;
    let p = &answer["project"];
    assert_eq!(
        (p["status"].as_str(), p["status_zh"].as_str()),
        (Some("evaluated"), Some("已评价"))
    );
    assert_eq!(
        (p["stage"].as_str(), p["stage_zh"].as_str()),
        (Some("evaluated"), Some("绩效评价"))
    );
    assert_eq!(u(&p["budget_fen"]), 15_000_000);
    assert_eq!(u(&p["paid_fen"]), 14_400_001);
    assert_eq!(u(&p["balance_fen"]), 600_000);
    assert_eq!(answer["as_of"], "2020-06-28");
    assert_eq!(answer["as_of_basis"], "latest_business_date");
    let kinds: Vec<&str> = answer["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["register", "review", "approve", "start", "adjust", "adjust", "accept", "handover", "evaluate"]
    );
    let tl = &answer["timeline"];
    assert_eq!(tl[0]["seq"], 10);
    assert_eq!(tl[0]["date"], Value::Null);
    assert_eq!(tl[1]["document_no"], "施政审〔2020〕P1号");
    assert_eq!(tl[1]["passed"], true);
    assert_eq!(tl[2]["seq"], P1_APPROVE);
    assert_eq!(tl[2]["kind_zh"], "批复入库");
    assert_eq!(tl[2]["date"], "2020-02-20");
    assert_eq!(tl[2]["document_no"], "淮区扶贫〔2020〕12号");
    assert_eq!(tl[2]["plan"], serde_json::json!({"notice": "N-PLAN", "line": 0}));
    assert_eq!(
        tl[2]["budgets"],
        serde_json::json!([{"fund": "F-A", "amount_fen": 10_000_000}, {"fund": "F-B", "amount_fen": 5_000_000}])
    );
    assert_eq!(tl[2]["contract"]["contractor_id"], C1);
    assert_eq!(tl[4]["contract"]["contractor_id"], C2);
    assert_eq!(tl[4]["note"], "原施工单位资质到期，变更施工单位");
    assert_eq!(tl[5]["contract"], Value::Null);
    assert_eq!(tl[5]["stage"], "started");
    assert_eq!(tl[7]["note"], "移交一村村委会管护");
    assert_eq!(tl[8]["score"], 92);
    assert_eq!(tl[8]["stage_zh"], "绩效评价");
    // Budget: 160,000 元 after the second adjustment, 144,000.01 paid.
    let b = &answer["budget"];
    assert_eq!(u(&b["approved_fen"]), 16_000_000);
    assert_eq!(b["document_no"], "淮区扶贫〔2020〕35号");
    assert_eq!(u(&b["paid_fen"]), 14_400_001);
    assert_eq!(u(&b["paid_bp"]), 9_000);
    assert_eq!((u(&b["retention_bp"]), u(&b["retained_fen"])), (1_000, 1_600_000));
    assert_eq!(b["retention_released"], true);
    assert_eq!(
        b["funds"],
        serde_json::json!([
            {"fund": "F-A", "title": "2020年财政专项扶贫资金 F-A", "approved_fen": 10_000_000, "paid_fen": 9_400_000,
             "left_fen": 600_000, "over_fen": 0, "paid_bp": 9_400},
            {"fund": "F-B", "title": "2020年财政专项扶贫资金 F-B", "approved_fen": 6_000_000, "paid_fen": 5_000_001,
             "left_fen": 999_999, "over_fen": 0, "paid_bp": 8_333}
        ])
    );
    // Contracts: C1 at the approval, C2 by the first adjustment.
    let contracts = answer["contracts"].as_array().cloned().unwrap_or_default();
    assert_eq!(contracts.len(), 2);
    assert_eq!(
        (contracts[0]["contractor_id"].as_str(), u(&contracts[0]["seq"])),
        (Some(C1), P1_APPROVE)
    );
    assert_eq!(contracts[1]["document_no"], "淮区扶贫〔2020〕31号");
    assert_eq!(contracts[1]["date"], "2020-03-16");
    assert_eq!(answer["contract"], contracts[1]);
    // 6,000 元 left in the project account since 2020-02-25: 124 days, over 60.
    assert_eq!(
        answer["idle"],
        serde_json::json!([{"fund": "F-A", "fund_title": "2020年财政专项扶贫资金 F-A", "amount_fen": 600_000,
                            "since": "2020-02-25", "days": 124, "limit_days": 60}])
    );
    assert_eq!(
        answer["warnings"],
        serde_json::json!([{"code": "idle_money", "message_zh": "项目账户资金 6,000.00 元滞留 124 天，超过 60 天的时限",
                            "message": "6,000.00 yuan of fund F-A has sat in the project account for 124 days (limit 60)"}])
    );
    // The payments with their business dates; none is history.
    let paid: Vec<(u64, &str)> = answer["disbursements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (u(&x["amount_fen"]), x["date"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        paid,
        [
            (3_000_000, "2020-03-16"),
            (5_000_001, "2020-03-21"),
            (6_400_000, "2020-06-20")
        ]
    );
    assert!(answer["disbursements"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|x| x["warnings"] == serde_json::json!([])));
    Ok(())
}

async fn check_other_projects(app: &ledger_node::api::AppState) -> TestResult {
    // P2: approved, paid up to the retention.
    let p2 = get_json(app, "/v1/projects/P2").await?;
    assert_schema("ProjectAnswer", &p2)?;
    assert_eq!(p2["project"]["status"], "started");
    let kinds: Vec<(&str, Value)> = p2["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| (i["kind"].as_str().unwrap_or_default(), i["passed"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("register", Value::Null),
            ("review", Value::Bool(false)),
            ("review", Value::Bool(true)),
            ("approve", Value::Null),
            ("start", Value::Null)
        ]
    );
    assert_eq!(p2["timeline"][1]["stage"], "proposed");
    assert_eq!(
        (u(&p2["budget"]["paid_fen"]), u(&p2["budget"]["retained_fen"])),
        (1_800_000, 200_000)
    );
    assert_eq!(p2["budget"]["retention_released"], false);
    assert_eq!(
        p2["warnings"],
        serde_json::json!([{"code": "retention_held", "message_zh": "尾款/质保金 2,000.00 元待竣工验收后支付",
                            "message": "the retention of 2,000.00 yuan is paid only after the acceptance"}])
    );
    // P4: started 2020-03-01, planned to end 2020-05-31, not accepted on 2020-06-28.
    let p4 = get_json(app, "/v1/projects/P4").await?;
    assert_eq!(
        p4["warnings"],
        serde_json::json!([{"code": "not_accepted", "message_zh": "已开工 119 天，超过计划完工日期 2020-05-31 仍未验收",
                            "message": "started 119 days ago and not accepted after its planned end 2020-05-31"}])
    );
    // P3: cancelled where it stood (proposed).
    let p3 = get_json(app, "/v1/projects/P3").await?;
    assert_eq!(
        (p3["project"]["status"].as_str(), p3["project"]["stage"].as_str()),
        (Some("cancelled"), Some("proposed"))
    );
    assert_eq!(p3["timeline"][1]["kind"], "cancel");
    assert_eq!(p3["timeline"][1]["note"], "选址不符合用地规划，终止实施");
    assert_eq!(p3["budget"], Value::Null);
    assert_eq!(p3["contract"], Value::Null);
    // P5: history paid over its budget before the rules (2019).
    let p5 = get_json(app, "/v1/projects/P5").await?;
    assert_schema("ProjectAnswer", &p5)?;
    let codes: Vec<&str> = p5["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| w["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["over_budget", "retention_held"]);
    assert_eq!(
        p5["warnings"][0]["message_zh"],
        "资金 F2019-H 累计支付 12,000.00 元，超过批复预算 10,000.00 元（规则施行前的历史记录）"
    );
    assert_eq!(u(&p5["budget"]["funds"][0]["over_fen"]), 200_000);
    assert_eq!(u(&p5["budget"]["paid_bp"]), 12_000);
    assert_eq!(p5["disbursements"][0]["warnings"][0]["code"], "project_overrun");
    assert_eq!(
        p5["disbursements"][0]["warnings"][0]["message_zh"],
        "超出批复预算支付（规则施行前的历史记录）"
    );
    for (uri, status, code) in [
        ("/v1/projects/NO-SUCH", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/projects/P1?limit=0", StatusCode::BAD_REQUEST, "bad_parameter"),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

async fn check_region_projects(app: &ledger_node::api::AppState) -> TestResult {
    let v1 = get_json(app, &format!("/v1/regions/{V1}/projects")).await?;
    assert_schema("RegionProjects", &v1)?;
    let counts: Vec<(&str, u64, u64, u64)> = v1["by_status"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["status"].as_str().unwrap_or_default(),
                u(&c["count"]),
                u(&c["approved_fen"]),
                u(&c["paid_fen"]),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("proposed", 0, 0, 0),
            ("reviewed", 0, 0, 0),
            ("approved", 0, 0, 0),
            ("started", 2, 2_500_000, 1_800_000),
            ("accepted", 0, 0, 0),
            ("handed_over", 0, 0, 0),
            ("evaluated", 1, 16_000_000, 14_400_001),
            ("cancelled", 0, 0, 0)
        ]
    );
    let listed: Vec<(&str, &str, Value)> = v1["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default(),
                p["status"].as_str().unwrap_or_default(),
                p["warnings"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("P2", "started", serde_json::json!(["retention_held"])),
            ("P4", "started", serde_json::json!(["not_accepted"])),
            ("P1", "evaluated", serde_json::json!(["idle_money"]))
        ]
    );
    let p1 = &v1["projects"][2];
    assert_eq!(p1["contractor_name"], "江苏润通路桥有限公司");
    assert_eq!((u(&p1["approved_fen"]), u(&p1["paid_bp"])), (16_000_000, 9_000));
    assert_eq!(p1["last_date"], "2020-06-28");
    // The district: every project; paged one at a time; filtered by status.
    let mut ids = Vec::new();
    let mut uri = format!("/v1/regions/{DISTRICT}/projects?limit=1");
    loop {
        let page = get_json(app, &uri).await?;
        assert_schema("RegionProjects", &page)?;
        ids.extend(
            page["projects"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["id"].to_string()),
        );
        match page["next"].as_u64() {
            Some(n) => uri = format!("/v1/regions/{DISTRICT}/projects?limit=1&after={n}"),
            None => break,
        }
    }
    assert_eq!(ids, ["\"P5\"", "\"P2\"", "\"P4\"", "\"P1\"", "\"P3\""]);
    let cancelled = get_json(app, &format!("/v1/regions/{DISTRICT}/projects?status=cancelled")).await?;
    assert_eq!(cancelled["projects"][0]["id"], "P3");
    assert_eq!(cancelled["projects"].as_array().map(Vec::len), Some(1));
    for (uri, status, code) in [
        (
            format!("/v1/regions/{V1}/projects?status=done"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/320803999999/projects".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/v1/regions/3208/projects".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

async fn check_idle(app: &ledger_node::api::AppState, size: u64) -> TestResult {
    let all = get_json(app, &format!("/v1/regions/{DISTRICT}/idle")).await?;
    assert_schema("RegionIdle", &all)?;
    assert_eq!(all["as_of"], "2020-06-28");
    assert_eq!(
        all["limits"],
        serde_json::json!({"district_days": 30, "town_days": 30, "village_days": 30, "project_days": 60})
    );
    // By hand: the district holds F2019-H 88,000 (since 2019-01-10), F-A
    // 700,000 and F-B 431,999.99 (since 2020-01-10); the town F-A 200,000
    // (since 2020-01-20); P1's account F-A 6,000 (since 2020-02-25).
    let items: Vec<(String, String, u64, String, i64, u64)> = all["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["account"].as_str().unwrap_or_default().to_string(),
                i["fund"].as_str().unwrap_or_default().to_string(),
                u(&i["amount_fen"]),
                i["since"].as_str().unwrap_or_default().to_string(),
                i["days"].as_i64().unwrap_or(-1),
                u(&i["over_days"]),
            )
        })
        .collect();
    let row = |a: &str, f: &str, amount: u64, since: &str, days: i64, over: u64| {
        (a.to_string(), f.to_string(), amount, since.to_string(), days, over)
    };
    assert_eq!(
        items,
        [
            row("treasury:320803000000", "F2019-H", 8_800_000, "2019-01-10", 535, 505),
            row("treasury:320803000000", "F-A", 70_000_000, "2020-01-10", 170, 140),
            row("treasury:320803000000", "F-B", 43_199_999, "2020-01-10", 170, 140),
            row("treasury:320803101000", "F-A", 20_000_000, "2020-01-20", 160, 130),
            row("project:P1", "F-A", 600_000, "2020-02-25", 124, 64),
        ]
    );
    assert_eq!(all["items"][4]["level"], "project");
    assert_eq!(all["items"][4]["region"]["code"], V1);
    assert_eq!(all["items"][3]["account_name"], "施河镇财政所");
    assert_eq!((u(&all["total_fen"]), u(&all["count"])), (142_599_999, 5));
    assert_eq!(
        all["by_town"],
        serde_json::json!([{"region": {"code": TOWN, "name": "施河镇"}, "amount_fen": 20_600_000, "count": 2}])
    );
    assert_eq!(
        all["by_village"],
        serde_json::json!([{"region": {"code": V1, "name": "一村"}, "amount_fen": 600_000, "count": 1}])
    );
    // The same figures as the rule engine's, from a replay of what the node serves.
    let raw = all_entries(app).await?;
    assert_eq!(raw.len() as u64, size);
    let mut replay = ledger_core::verify::Replay::new();
    let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    replay.push(&refs, &mut |_, _, _| {}).map_err(|e| e.to_string())?;
    let engine: Vec<(String, String, u64, String, i64)> = replay
        .state
        .idle_money(d(20200628))
        .into_iter()
        .map(|f| {
            (
                f.account.key(),
                f.fund.to_string(),
                f.amount,
                f.since.to_string(),
                f.days,
            )
        })
        .collect();
    let mut ours: Vec<(String, String, u64, String, i64)> =
        items.into_iter().map(|(a, f, m, s, dd, _)| (a, f, m, s, dd)).collect();
    let mut engine_sorted = engine;
    ours.sort();
    engine_sorted.sort();
    assert_eq!(ours, engine_sorted);
    // A town sees its own and its villages' accounts; paging.
    let town = get_json(app, &format!("/v1/regions/{TOWN}/idle?limit=1")).await?;
    assert_schema("RegionIdle", &town)?;
    assert_eq!((u(&town["total_fen"]), u(&town["count"])), (20_600_000, 2));
    assert_eq!(town["items"][0]["account"], "treasury:320803101000");
    assert_eq!(town["next"], 1);
    let second = get_json(app, &format!("/v1/regions/{TOWN}/idle?limit=1&after=1")).await?;
    assert_eq!(second["items"][0]["account"], "project:P1");
    assert_eq!(second["next"], Value::Null);
    let v2 = get_json(app, &format!("/v1/regions/{V2}/idle")).await?;
    assert_eq!(
        (u(&v2["total_fen"]), v2["items"].as_array().map(Vec::len)),
        (0, Some(0))
    );
    for (uri, status, code) in [
        ("/v1/regions/320803999999/idle", StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/regions/320803000000/idle?limit=5000",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The demo: every project and the district's idle money against the demo's
// own submissions and the rule engine's figures

#[tokio::test]
async fn demo_projects_and_idle_money_match_the_entries_and_the_engine() -> TestResult {
    let node = super::node()?;
    let app = &node.app;
    let model = Model::new(node);
    // Independently: each project's status, stage entries, approved budget
    // and live payments per fund, from the submissions.
    #[derive(Default)]
    struct Expect {
        status: &'static str,
        cancelled: bool,
        marks: usize,
        approved: BTreeMap<String, u64>,
        paid: BTreeMap<String, u64>,
    }
    let mut projects: BTreeMap<String, Expect> = BTreeMap::new();
    let mut as_of = None;
    for (seq, body) in model.bodies.iter().enumerate() {
        as_of = as_of.max(body.business_date());
        let (project, status): (&Ident, Option<&'static str>) = match body {
            EntryBody::ProjectRegister(p) => (&p.project, Some("proposed")),
            EntryBody::ProjectReview(r) => (&r.project, r.passed.then_some("reviewed")),
            EntryBody::ProjectApprove(a) => (&a.project, Some("approved")),
            EntryBody::ProjectStart(m) => (&m.project, Some("started")),
            EntryBody::ProjectAccept(m) => (&m.project, Some("accepted")),
            EntryBody::ProjectHandover(m) => (&m.project, Some("handed_over")),
            EntryBody::ProjectEvaluate(e) => (&e.project, Some("evaluated")),
            EntryBody::ProjectAdjust(a) => (&a.project, None),
            EntryBody::ProjectCancel(c) => (&c.project, None),
            EntryBody::ProjectDisbursement(d) if !model.reversed.contains_key(&(seq as u64)) => {
                let e = projects.entry(d.project.to_string()).or_default();
                *e.paid.entry(d.fund.to_string()).or_insert(0) += d.amount.get();
                continue;
            }
            _ => continue,
        };
        let e = projects.entry(project.to_string()).or_default();
        if !matches!(body, EntryBody::ProjectRegister(_)) {
            e.marks += 1;
        }
        if let Some(s) = status {
            e.status = s;
        }
        match body {
            EntryBody::ProjectApprove(a) => {
                e.approved = a.budgets.iter().map(|b| (b.fund.to_string(), b.amount.get())).collect()
            }
            EntryBody::ProjectAdjust(a) => {
                e.approved = a.budgets.iter().map(|b| (b.fund.to_string(), b.amount.get())).collect()
            }
            EntryBody::ProjectCancel(_) => e.cancelled = true,
            _ => {}
        }
    }
    let mut statuses = BTreeSet::new();
    for (id, e) in &projects {
        let answer = get_json(app, &format!("/v1/projects/{id}?limit=1")).await?;
        assert_schema("ProjectAnswer", &answer)?;
        let status = if e.cancelled { "cancelled" } else { e.status };
        statuses.insert(status);
        assert_eq!(answer["project"]["status"], status, "{id}");
        assert_eq!(answer["timeline"].as_array().map(Vec::len), Some(e.marks + 1), "{id}");
        if e.approved.is_empty() {
            assert_eq!(answer["budget"], Value::Null, "{id}");
            continue;
        }
        let budget = &answer["budget"];
        assert_eq!(u(&budget["approved_fen"]), e.approved.values().sum::<u64>(), "{id}");
        assert_eq!(u(&budget["paid_fen"]), e.paid.values().sum::<u64>(), "{id}");
        for f in budget["funds"].as_array().into_iter().flatten() {
            let fund = f["fund"].as_str().unwrap_or_default();
            assert_eq!(
                u(&f["approved_fen"]),
                e.approved.get(fund).copied().unwrap_or(0),
                "{id} {fund}"
            );
            assert_eq!(u(&f["paid_fen"]), e.paid.get(fund).copied().unwrap_or(0), "{id} {fund}");
        }
    }
    assert!(
        statuses.len() >= 3,
        "the demo takes projects through the stages: {statuses:?}"
    );
    // The district's projects by status count every project once.
    let district = get_json(app, "/v1/regions/320803000000/projects?limit=1000").await?;
    assert_schema("RegionProjects", &district)?;
    let counted: u64 = district["by_status"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| u(&c["count"]))
        .sum();
    assert_eq!(counted, projects.len() as u64);
    assert_eq!(district["projects"].as_array().map(Vec::len), Some(projects.len()));
    // Idle money: the rule engine's figures on the latest business date.
    let as_of = as_of.ok_or("the demo has business dates")?;
    let raw = all_entries(app).await?;
    let mut replay = ledger_core::verify::Replay::new();
    let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    replay.push(&refs, &mut |_, _, _| {}).map_err(|e| e.to_string())?;
    let mut engine: Vec<(String, String, u64, String, i64, u64)> = replay
        .state
        .idle_money(as_of)
        .into_iter()
        .map(|f| {
            (
                f.account.key(),
                f.fund.to_string(),
                f.amount,
                f.since.to_string(),
                f.days,
                u64::from(f.limit_days),
            )
        })
        .collect();
    let mut ours = Vec::new();
    let mut uri = "/v1/regions/320803000000/idle?limit=1000".to_string();
    loop {
        let page = get_json(app, &uri).await?;
        assert_schema("RegionIdle", &page)?;
        assert_eq!(page["as_of"], as_of.to_string());
        ours.extend(page["items"].as_array().into_iter().flatten().map(|i| {
            (
                i["account"].as_str().unwrap_or_default().to_string(),
                i["fund"].as_str().unwrap_or_default().to_string(),
                u(&i["amount_fen"]),
                i["since"].as_str().unwrap_or_default().to_string(),
                i["days"].as_i64().unwrap_or(-1),
                u(&i["limit_days"]),
            )
        }));
        match page["next"].as_u64() {
            Some(n) => uri = format!("/v1/regions/320803000000/idle?limit=1000&after={n}"),
            None => break,
        }
    }
    engine.sort();
    ours.sort();
    assert!(!engine.is_empty(), "the demo has idle money");
    assert_eq!(ours, engine);
    Ok(())
}
