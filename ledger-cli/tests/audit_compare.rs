//! Issue 16 end to end: a ledger with every new rule planted — a household
//! paid in two villages for one period, a back-dated payment, a payment
//! split below the co-signature threshold, payments after a death on the
//! deceased list, a public employee's and a car owner's household assisted —
//! and the three lists written by the test as CSV UTF-8 (BOM), CSV GBK and
//! .xlsx. The audit yields exactly the expected findings of these rules
//! (rule, entries, amount, household, list rows), each finding's prove
//! commands work, the clean ledger yields none, and every bad input gives
//! one line naming file, row and column with nothing audited.
//! (Round amounts and contractor splitting: ledger-audit tests/patterns.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{checkpoint, ok, resident_id, run, sequence, write_bundle};
use ed25519_dalek::SigningKey;
use ledger_core::amount::Fen;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{
    Account, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy, SubsidyCategory,
    Transfer,
};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Ident, Period, Text};
use ledger_core::keys::{verifier_key_string, KeyGrant, Office, Role, Scope};
use ledger_core::policy::{CategoryRule, ControlDates, CosignRule, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::AssistanceCategory;
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use std::path::PathBuf;

const ORIGIN: &str = "compare.fixture.example/ledger";
const T0: u64 = 1_546_272_000_000; // 2019-01-01 00:00 Beijing
const DAY: u64 = 24 * 3600 * 1000;
const DISTRICT: &str = "320803000000";
const TOWN: &str = "320803001000";
const V1: &str = "320803001001";
const V2: &str = "320803001002";

/// The issue-16 rules this fixture plants.
const RULES: [&str; 6] = [
    "two_villages_same_period",
    "back_dated",
    "split_below_threshold",
    "paid_after_death",
    "public_employee",
    "vehicle_owner",
];

fn code(c: &str) -> RegionCode {
    RegionCode::parse(c).expect("code")
}
fn text(t: &str) -> Text {
    Text::new(t).expect("text")
}
fn fen(yuan: u64) -> Fen {
    Fen::new(yuan * 100).expect("fen")
}
fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
fn id(serial: u16) -> String {
    resident_id("19700101", serial)
}

fn grant(k: &SigningKey, holder: &str, role: Role, region: &str) -> KeyGrant {
    let kinds = match role {
        Role::Admin => vec![EntryKind::KeyGrant, EntryKind::KeyRevoke],
        _ => vec![EntryKind::FundIssue, EntryKind::Transfer, EntryKind::HouseholdSubsidy],
    };
    KeyGrant {
        key: Bytes(k.verifying_key().to_bytes()),
        holder: text(holder),
        role,
        office: match role {
            Role::Admin => Office::Admin,
            _ => Office::TownFinance,
        },
        scope: Scope {
            regions: vec![code(region)],
            kinds,
        },
        valid_from_ms: T0 - DAY,
        valid_until_ms: T0 + 3_000 * DAY,
    }
}

/// Household subsidies of 1,000 元 or more need two signatures; every
/// control starts in 2030 (the payments are pre-rule history).
fn policy() -> Policy {
    let later = Date::new(20300101).expect("date");
    Policy {
        cosign_rules: vec![CosignRule {
            kind: EntryKind::HouseholdSubsidy,
            min_amount: fen(1_000),
            signatures: 2,
            roles: Vec::new(),
        }],
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![CategoryRule {
            category: AssistanceCategory::MinimumLiving,
            subsidies: vec![SubsidyCategory::MinimumLiving, SubsidyCategory::Education],
            ends_with_exit: false,
        }],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: later,
            payment_list: later,
            roles: later,
            confirmation: later,
            projects: Date::LAST,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

struct Builder {
    subs: Vec<(SignedSubmission, u64)>,
    pseudonym: PseudonymKey,
    op_district: SigningKey,
    op_town: SigningKey,
}

impl Builder {
    /// Add at sequencing time `time` with business day `day_ms` (a time on that day).
    fn add(&mut self, time: u64, day_ms: u64, mut body: EntryBody) -> u64 {
        let day = Date::in_china_at(day_ms).expect("date");
        match &mut body {
            EntryBody::FundIssue(e) => e.date = day,
            EntryBody::Transfer(e) => e.date = day,
            EntryBody::HouseholdSubsidy(e) => e.date = day,
            _ => {}
        }
        let n = self.subs.len() as u64;
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        let s = Submission {
            v: SUBMISSION_VERSION,
            origin: ORIGIN.into(),
            nonce: Bytes(nonce),
            not_after_ms: time + DAY,
            body,
        };
        let signed = if matches!(s.body, EntryBody::HouseholdSubsidy(_)) {
            s.sign(&[&self.op_town, &self.op_district])
        } else {
            s.sign(&[&self.op_district])
        };
        self.subs.push((signed, time));
        n
    }
    /// A subsidy of household `serial`, paid on day `day` (days after T0), sequenced the same day.
    fn pay(&mut self, day: u64, serial: u16, village: &str, category: SubsidyCategory, month: u8, yuan: u64) -> u64 {
        self.pay_late(day, day, serial, village, category, month, yuan)
    }
    #[allow(clippy::too_many_arguments)]
    fn pay_late(
        &mut self,
        sequenced_day: u64,
        business_day: u64,
        serial: u16,
        village: &str,
        category: SubsidyCategory,
        month: u8,
        yuan: u64,
    ) -> u64 {
        let rid = ResidentId::parse(&id(serial)).expect("id");
        let body = EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: Ident::new("F1").expect("id"),
            from: Account::Treasury(code(TOWN)),
            household: self.pseudonym.household_ref(&rid),
            masked_name: MaskedName::mask(
                ["张一", "李二", "王三", "赵四", "钱五", "孙六", "周七", "吴八"][usize::from(serial - 1) % 8],
            )
            .expect("name"),
            village: code(village),
            category,
            period: Period::new(2019, month).expect("period"),
            amount: fen(yuan),
            date: Date::LAST,
            notice: None,
        });
        self.add(
            T0 + sequenced_day * DAY + 3_600_000,
            T0 + business_day * DAY + 3_600_000,
            body,
        )
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    bundle: String,
    vkey: String,
    pseudonym: String,
    href: Box<dyn Fn(u16) -> String>,
}

/// Seqs of the planted payments.
#[derive(Debug, Default)]
struct Planted {
    two_villages: Vec<u64>,
    back_dated: u64,
    split: Vec<u64>,
    after_death: u64,
    public_employee: u64,
    vehicle: u64,
}

fn build(planted: bool) -> (Fixture, Planted) {
    let log_key = key(1);
    let admin = key(2);
    let pseudonym = PseudonymKey::from_bytes([9; 32]);
    let mut b = Builder {
        subs: Vec::new(),
        pseudonym: pseudonym.clone(),
        op_district: key(4),
        op_town: key(5),
    };
    let regions = [
        (DISTRICT, "淮安区"),
        (TOWN, "一号镇"),
        (V1, "东村村委会"),
        (V2, "西村村委会"),
    ]
    .iter()
    .map(|(c, n)| RegionDef {
        code: code(c),
        name: (*n).into(),
    })
    .collect();
    let genesis = EntryBody::Genesis(Genesis {
        title: text("比对测试账本"),
        grants: vec![
            grant(&admin, "区财政局 李*明", Role::Admin, DISTRICT),
            grant(&b.op_district, "区财政局 陈*", Role::Operator, DISTRICT),
            grant(&b.op_town, "一号镇财政所 赵*", Role::Operator, TOWN),
        ],
        regions,
        policy: policy(),
        pseudonym_commitment: pseudonym.commitment(),
        log_vkey: verifier_key_string(ORIGIN, &log_key.verifying_key()),
    });
    // Genesis is signed by the admin alone.
    {
        let s = Submission {
            v: SUBMISSION_VERSION,
            origin: ORIGIN.into(),
            nonce: Bytes([0; 16]),
            not_after_ms: T0 + DAY,
            body: genesis,
        };
        b.subs.push((s.sign(&[&admin]), T0));
    }
    b.add(
        T0 + DAY,
        T0 + DAY,
        EntryBody::FundIssue(FundIssue {
            fund: Ident::new("F1").expect("id"),
            title: text("2019年困难群众救助补助资金"),
            document_no: text("苏财社〔2019〕31号"),
            source: FundSource::Provincial,
            category: FundCategory::SocialSecurity,
            fiscal_year: 2019,
            to: Account::Treasury(code(DISTRICT)),
            amount: fen(100_000),
            date: Date::LAST,
        }),
    );
    b.add(
        T0 + DAY + 60_000,
        T0 + DAY,
        EntryBody::Transfer(Transfer {
            fund: Ident::new("F1").expect("id"),
            from: Account::Treasury(code(DISTRICT)),
            to: Account::Treasury(code(TOWN)),
            amount: fen(50_000),
            memo: text("拨付"),
            date: Date::LAST,
        }),
    );
    use SubsidyCategory::{Education, MinimumLiving};
    let mut p = Planted::default();
    b.pay(10, 1, V1, MinimumLiving, 1, 500);
    // 钱五 (5): paid in January (before the death on 2019-02-01) and in March (after).
    b.pay(20, 5, V1, MinimumLiving, 1, 300);
    p.after_death = b.pay(70, 5, V1, MinimumLiving, 3, 400);
    // 孙六 (6, public employee), 周七 (7, one car and a motorcycle), 吴八 (8, a motorcycle only).
    p.public_employee = b.pay(90, 6, V1, MinimumLiving, 4, 350);
    p.vehicle = b.pay(91, 7, V2, MinimumLiving, 4, 250);
    b.pay(92, 8, V2, MinimumLiving, 4, 260);
    // 李二 (2): May in 东村 and, planted, May again in 西村.
    p.two_villages.push(b.pay(120, 2, V1, MinimumLiving, 5, 300));
    if planted {
        p.two_villages.push(b.pay(121, 2, V2, Education, 5, 300));
    }
    // 王三 (3): paid on day 5, recorded on day 150 (planted) or day 6.
    p.back_dated = if planted {
        b.pay_late(150, 5, 3, V1, MinimumLiving, 1, 200)
    } else {
        b.pay_late(150, 146, 3, V1, MinimumLiving, 1, 200)
    };
    // 赵四 (4): 900 and 950 five days apart (planted), or 600 and 950.
    p.split
        .push(b.pay(160, 4, V1, MinimumLiving, 6, if planted { 900 } else { 600 }));
    p.split.push(b.pay(165, 4, V1, MinimumLiving, 7, 950));

    let entries = sequence(&b.subs);
    let note = checkpoint(ORIGIN, &log_key, &entries, entries.len() as u64);
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("fixture.bundle");
    let vkey = verifier_key_string(ORIGIN, &log_key.verifying_key());
    write_bundle(&bundle, ORIGIN, &vkey, &entries, &note);
    let key_path = dir.path().join("pseudonym.key");
    std::fs::write(&key_path, hex::encode(pseudonym.to_bytes())).expect("key");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let hk = pseudonym.clone();
    let fixture = Fixture {
        bundle: bundle.display().to_string(),
        vkey,
        pseudonym: key_path.display().to_string(),
        href: Box::new(move |serial| {
            hk.household_ref(&ResidentId::parse(&id(serial)).expect("id"))
                .0
                .to_hex()
        }),
        dir,
    };
    (fixture, p)
}

fn path(f: &Fixture, name: &str) -> PathBuf {
    f.dir.path().join(name)
}

/// The three lists: deceased (CSV UTF-8 with BOM), public employees (CSV
/// GBK), vehicles (.xlsx). `planted`: 钱五 died 2019-02-01 (else 2019-12-01).
fn write_lists(f: &Fixture, planted: bool) -> Vec<String> {
    let death = if planted { "2019-02-01" } else { "2019年12月1日" };
    let deceased = format!(
        "\u{feff}身份证号码,姓名,死亡日期\n{},某甲,2018/5/6\n{},钱五,{death}\n{},某乙,20190301\n",
        id(901),
        id(5),
        id(902)
    );
    let d = path(f, "deceased.csv");
    std::fs::write(&d, deceased).expect("write");
    let employee_id = if planted { id(6) } else { id(906) };
    let employees = format!(
        "身份证号码,姓名,工作单位\r\n{},某丙,区教育局\r\n{employee_id},孙六,区农业农村局\r\n",
        id(903)
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&employees);
    assert!(!unmappable);
    let e = path(f, "财政供养人员.csv");
    std::fs::write(&e, &gbk).expect("write");
    let v = path(f, "vehicles.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let car_owner = if planted { id(7) } else { id(907) };
    let rows: Vec<[String; 4]> = vec![
        ["身份证号码".into(), "姓名".into(), "号牌号码".into(), "车辆类型".into()],
        [car_owner.clone(), "周七".into(), "苏H12345".into(), "小型轿车".into()],
        [car_owner, "周七".into(), "苏H6789D".into(), "二轮摩托车".into()],
        [id(8), "吴八".into(), "苏H0001M".into(), "普通二轮摩托车".into()],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell.as_str()).expect("cell");
        }
    }
    book.save(&v).expect("xlsx");
    vec![
        format!("deceased={}", d.display()),
        format!("public_employee={}", e.display()),
        format!("vehicle={}", v.display()),
    ]
}

fn audit_args<'a>(f: &'a Fixture, lists: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "audit",
        f.bundle.as_str(),
        "--log-key",
        f.vkey.as_str(),
        "--pseudonym-key",
        f.pseudonym.as_str(),
    ];
    for l in lists {
        args.push("--compare");
        args.push(l.as_str());
    }
    args.extend_from_slice(extra);
    args
}

type Row = (String, String, Vec<u64>, Option<u64>, Option<String>, Vec<String>);

fn new_rule_findings(doc: &serde_json::Value) -> Vec<Row> {
    let mut rows: Vec<Row> = doc["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| RULES.contains(&f["rule"].as_str().unwrap_or("")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
                f["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_u64().unwrap())
                    .collect(),
                f["amount"].as_u64(),
                f["reference"].as_str().map(str::to_string),
                f["list_rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_planted_finding_and_no_other() {
    let (f, p) = build(true);
    let lists = write_lists(&f, true);
    let json_path = path(&f, "report.json").display().to_string();
    ok(&audit_args(&f, &lists, &["--format", "json", "--out", &json_path]));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let href = &f.href;
    let mut want: Vec<Row> = vec![
        (
            "two_villages_same_period".into(),
            "high".into(),
            p.two_villages.clone(),
            Some(60_000),
            Some(href(2)),
            vec![],
        ),
        (
            "back_dated".into(),
            "medium".into(),
            vec![p.back_dated],
            Some(20_000),
            Some(href(3)),
            vec![],
        ),
        (
            "split_below_threshold".into(),
            "high".into(),
            p.split.clone(),
            Some(185_000),
            Some(href(4)),
            vec![],
        ),
        (
            "paid_after_death".into(),
            "high".into(),
            vec![p.after_death],
            Some(40_000),
            Some(href(5)),
            vec!["deceased.csv:3".into()],
        ),
        (
            "public_employee".into(),
            "high".into(),
            vec![p.public_employee],
            Some(35_000),
            Some(href(6)),
            vec!["财政供养人员.csv:3".into()],
        ),
        (
            "vehicle_owner".into(),
            "medium".into(),
            vec![p.vehicle],
            Some(25_000),
            Some(href(7)),
            vec!["vehicles.xlsx:2".into(), "vehicles.xlsx:3".into()],
        ),
    ];
    want.sort();
    assert_eq!(new_rule_findings(&doc), want);
    // The lists as read.
    let summary: Vec<(String, String, u64, u64, u64)> = doc["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["encoding"].as_str().unwrap().to_string(),
                l["rows"].as_u64().unwrap(),
                l["skipped"].as_u64().unwrap(),
                l["people"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("deceased".into(), "UTF-8 (BOM)".into(), 3, 0, 3),
            ("public_employee".into(), "GB18030".into(), 2, 0, 2),
            ("vehicle".into(), "xlsx".into(), 3, 0, 1),
        ]
    );
    // No clear ID anywhere in the report.
    let text = std::fs::read_to_string(&json_path).unwrap();
    for serial in [5, 6, 7, 8, 901, 903] {
        assert!(!text.contains(&id(serial)), "clear ID {serial} in the report");
    }
    // Findings name the household in full, in Chinese and English.
    let death = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "paid_after_death")
        .unwrap();
    assert!(
        death["explanation_zh"]
            .as_str()
            .unwrap()
            .contains(&format!("户{}", href(5))),
        "{death}"
    );
    assert!(
        death["explanation_zh"].as_str().unwrap().contains("死亡日期2019-02-01"),
        "{death}"
    );

    // Every new finding's prove commands work: the finding, then each entry.
    for finding in doc["report"]["findings"].as_array().unwrap() {
        if !RULES.contains(&finding["rule"].as_str().unwrap_or("")) {
            continue;
        }
        let fid = finding["id"].as_str().unwrap();
        let cmds = &doc["prove"][fid];
        let mut all: Vec<String> = vec![cmds["finding"].as_str().unwrap().to_string()];
        all.extend(
            cmds["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string()),
        );
        for cmd in all {
            let mut args: Vec<&str> = cmd.split(' ').collect();
            assert_eq!(args.remove(0), "ledger");
            if args.contains(&"--finding") {
                args.extend_from_slice(&["--report", &json_path]);
            }
            let out = ok(&args);
            for seq in finding["entries"].as_array().unwrap() {
                if args.contains(&"--finding") {
                    assert!(out.contains(&format!("entry {seq}:")), "{out}");
                }
            }
            assert!(out.contains("is included"), "{out}");
        }
    }
    // --finding without --report audits the bundle again (default settings,
    // no lists): the back-dated finding is found; a list finding is not.
    let back = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "back_dated")
        .unwrap();
    let out = ok(&[
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--finding",
        back["id"].as_str().unwrap(),
    ]);
    assert!(out.contains(&format!("entry {}:", p.back_dated)), "{out}");
    let death_id = death["id"].as_str().unwrap();
    let (code, _, err) = run(&[
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--finding",
        death_id,
    ]);
    assert_eq!(code, 4, "{err}");
    // A household by a prefix; too short and ambiguous prefixes refused.
    let h5 = href(5);
    let out = ok(&[
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--household",
        &h5[..10],
    ]);
    assert!(out.contains(&format!("household {h5}: 2 entries")), "{out}");
    let (code, _, err) = run(&["prove", "--bundle", &f.bundle, "--household", &h5[..7]]);
    assert_eq!(code, 2, "{err}");

    // Other forms: CSV with a BOM and the ids; English table; HTML without URLs.
    let csv = ok(&audit_args(&f, &lists, &["--format", "csv"]));
    assert!(csv.starts_with('\u{feff}'), "no BOM");
    assert!(csv.contains(death_id) && csv.contains("死亡后发放"), "{csv}");
    let table = ok(&audit_args(&f, &lists, &["--lang", "en"]));
    assert!(
        table.contains("paid after death") && table.contains(death_id),
        "{table}"
    );
    let table = ok(&audit_args(&f, &lists, &[]));
    assert!(table.contains("死亡后发放") && table.contains("高"), "{table}");
    let html_path = path(&f, "report.html");
    ok(&audit_args(
        &f,
        &lists,
        &["--format", "html", "--out", html_path.to_str().unwrap()],
    ));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_no_external_urls(&html);
    assert!(
        html.contains("阳光账本 审计报告") && html.contains(&f.vkey) && html.contains("<svg"),
        "html"
    );
    assert!(html.contains(death_id) && html.contains("deceased.csv:3"));
    for serial in [5, 6, 7] {
        assert!(!html.contains(&id(serial)));
    }
}

/// No `http://` or `https://` anywhere, so no `src`/`href` can fetch.
pub fn assert_no_external_urls(html: &str) {
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "external URL in the report"
    );
    assert!(!html.contains("<script"), "script in the report");
    assert!(
        !html.contains(" src=") && !html.contains("url("),
        "a resource reference in the report"
    );
}

#[test]
fn clean_ledger_has_none() {
    let (f, _) = build(false);
    let lists = write_lists(&f, false);
    let json = ok(&audit_args(&f, &lists, &["--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(new_rule_findings(&doc), vec![]);
}

#[test]
fn bad_input_is_named_and_nothing_is_audited() {
    let (f, _) = build(true);
    let good = write_lists(&f, true);
    let cases: Vec<(&str, String, &str, &[u8])> = vec![
        (
            "deceased",
            "bad_check.csv".into(),
            "bad_check.csv row 3 column 身份证号码: check digit is wrong",
            b"",
        ),
        (
            "deceased",
            "bad_date.csv".into(),
            "bad_date.csv row 2 column 死亡日期: not a date",
            b"",
        ),
        (
            "deceased",
            "no_column.csv".into(),
            "no_column.csv: missing column 死亡日期",
            b"",
        ),
        (
            "deceased",
            "dup.csv".into(),
            "dup.csv row 3 column 身份证号码: duplicate of row 2",
            b"",
        ),
        (
            "public_employee",
            "binary.csv".into(),
            "binary.csv: neither UTF-8 nor GB18030/GBK text",
            b"",
        ),
    ];
    let mut bad_id = id(5);
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '0' { '1' } else { '0' });
    let contents: Vec<Vec<u8>> = vec![
        format!(
            "身份证号码,姓名,死亡日期\n{},某甲,2019-01-01\n{bad_id},钱五,2019-02-01\n",
            id(901)
        )
        .into_bytes(),
        format!("身份证号码,姓名,死亡日期\n{},钱五,02/01/2019\n", id(5)).into_bytes(),
        format!("身份证号码,姓名,日期\n{},钱五,2019-02-01\n", id(5)).into_bytes(),
        format!(
            "身份证号码,姓名,死亡日期\n{},钱五,2019-02-01\n{},钱五,2019-02-01\n",
            id(5),
            id(5)
        )
        .into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x81, 0x30, 0x0a],
    ];
    for ((kind, name, message, _), bytes) in cases.iter().zip(contents) {
        let p = path(&f, name);
        std::fs::write(&p, bytes).unwrap();
        let list = format!("{kind}={}", p.display());
        let lists = vec![good[2].clone(), list];
        let (code, out, err) = run(&audit_args(&f, &lists, &["--format", "json"]));
        assert_eq!(code, 4, "{name}: {err}");
        assert!(out.is_empty(), "{name}: audited anyway: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(message), "{name}: {err}");
        for serial in [5, 901] {
            assert!(
                !err.contains(&id(serial)) && !err.contains(&bad_id),
                "{name}: clear ID in {err}"
            );
        }
    }
    // --skip-bad: the bad row skipped and counted; the rest audited.
    let lists = vec![format!("deceased={}", path(&f, "bad_check.csv").display())];
    let json = ok(&audit_args(&f, &lists, &["--format", "json", "--skip-bad"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["lists"][0]["rows"], 2);
    assert_eq!(doc["lists"][0]["skipped"], 1);
    assert_eq!(doc["lists"][0]["people"], 1);
    // Usage: no key, a bad kind; a key that is not the log's.
    let (code, _, err) = run(&["audit", &f.bundle, "--compare", &good[0]]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&audit_args(&f, &["pets=x.csv".to_string()], &[]));
    assert_eq!(code, 2, "{err}");
    let other = path(&f, "other.key");
    std::fs::write(&other, hex::encode([3u8; 32])).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (code, out, err) = run(&[
        "audit",
        &f.bundle,
        "--pseudonym-key",
        other.to_str().unwrap(),
        "--compare",
        &good[0],
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty() && err.contains("not this log's key"), "{err}");
    // A bundle that does not verify is never audited.
    let mut bytes = std::fs::read(&f.bundle).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    let bad = path(&f, "tampered.bundle");
    std::fs::write(&bad, bytes).unwrap();
    let bad_s = bad.display().to_string();
    let mut args = audit_args(&f, &good, &["--format", "json"]);
    args[1] = &bad_s;
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn favouritism_lead_only_with_a_roster() {
    let (f, p) = build(true);
    let roster = path(&f, "roster.csv");
    std::fs::write(
        &roster,
        format!("区划代码,姓名,职务\n{V1},赵大,村支书\n{V1},钱二,村会计\n{TOWN},孙某,镇扶贫办\n"),
    )
    .unwrap();
    let json = ok(&[
        "audit",
        &f.bundle,
        "--format",
        "json",
        "--roster",
        roster.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let leads: Vec<&serde_json::Value> = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "favouritism_lead")
        .collect();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = leads[0];
    assert_eq!(lead["lead"], true);
    assert_eq!(lead["severity"], "low");
    assert_eq!(lead["region"], V1);
    // 东村's cadres are 赵 and 钱, the town's 孙: 赵四 900 + 950, 钱五 300 +
    // 400 and 孙六 350 (2,900 元, 967 元 a household) against 张一, 李二 and
    // 王三 (1,000 元, 333 元 a household).
    let entries: Vec<u64> = lead["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap())
        .collect();
    assert_eq!(entries.len(), 5, "{lead}");
    for s in p.split.iter().chain([&p.after_death, &p.public_employee]) {
        assert!(entries.contains(s), "{lead}");
    }
    assert_eq!(lead["amount"], 290_000);
    assert!(
        lead["explanation_zh"].as_str().unwrap().starts_with("线索（非认定）"),
        "{lead}"
    );
    // Without a roster, no lead; a bad roster is named.
    let json = ok(&["audit", &f.bundle, "--format", "json"]);
    assert!(!json.contains("favouritism_lead"));
    std::fs::write(&roster, "区划代码,姓名\n3208,赵大\n").unwrap();
    let (code, out, err) = run(&["audit", &f.bundle, "--roster", roster.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    assert!(
        out.is_empty() && err.contains("roster.csv row 2 column 区划代码"),
        "{err}"
    );
}
