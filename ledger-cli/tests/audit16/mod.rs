//! The issue-16 fixture shared by audit_compare.rs and audit_compare_input.rs:
//! a small signed ledger with every new rule planted (or not), and the three
//! lists written as CSV UTF-8 with a BOM, CSV GBK and .xlsx.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{checkpoint, resident_id, sequence, write_bundle};
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

pub const ORIGIN: &str = "compare.fixture.example/ledger";
pub const T0: u64 = 1_546_272_000_000; // 2019-01-01 00:00 Beijing
pub const DAY: u64 = 24 * 3600 * 1000;
pub const DISTRICT: &str = "320803000000";
pub const TOWN: &str = "320803001000";
pub const V1: &str = "320803001001";
pub const V2: &str = "320803001002";

/// The issue-16 rules this fixture plants.
pub const RULES: [&str; 6] = [
    "two_villages_same_period",
    "back_dated",
    "split_below_threshold",
    "paid_after_death",
    "public_employee",
    "vehicle_owner",
];

pub fn code(c: &str) -> RegionCode {
    RegionCode::parse(c).expect("code")
}
pub fn text(t: &str) -> Text {
    Text::new(t).expect("text")
}
pub fn fen(yuan: u64) -> Fen {
    Fen::new(yuan * 100).expect("fen")
}
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
pub fn id(serial: u16) -> String {
    resident_id("19700101", serial)
}

pub fn grant(k: &SigningKey, holder: &str, role: Role, region: &str) -> KeyGrant {
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
pub fn policy() -> Policy {
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
            duplicates: Date::LAST,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

pub struct Builder {
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
            supplementary: None,
        });
        self.add(
            T0 + sequenced_day * DAY + 3_600_000,
            T0 + business_day * DAY + 3_600_000,
            body,
        )
    }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub bundle: String,
    pub vkey: String,
    pub pseudonym: String,
    pub href: Box<dyn Fn(u16) -> String>,
}

/// Seqs of the planted payments.
#[derive(Debug, Default)]
pub struct Planted {
    pub two_villages: Vec<u64>,
    pub back_dated: u64,
    pub split: Vec<u64>,
    pub after_death: u64,
    pub public_employee: u64,
    pub vehicle: u64,
}

pub fn build(planted: bool) -> (Fixture, Planted) {
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

pub fn path(f: &Fixture, name: &str) -> PathBuf {
    f.dir.path().join(name)
}

/// The three lists: deceased (CSV UTF-8 with BOM), public employees (CSV
/// GBK), vehicles (.xlsx). `planted`: 钱五 died 2019-02-01 (else 2019-12-01).
pub fn write_lists(f: &Fixture, planted: bool) -> Vec<String> {
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

pub fn audit_args<'a>(f: &'a Fixture, lists: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
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

pub type Row = (String, String, Vec<u64>, Option<u64>, Option<String>, Vec<String>);

pub fn new_rule_findings(doc: &serde_json::Value) -> Vec<Row> {
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
