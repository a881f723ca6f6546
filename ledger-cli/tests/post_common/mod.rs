//! What the `ledger post csv` tests share: a demo node with a test fund
//! of 50,000 元 moved 20,000 元 down to one town, that town's finance and
//! poverty-office keys (both sign a household payment under the demo's
//! policy), its villages, and the 50-household 低保 table.

#![allow(dead_code)] // each test binary uses its own part of it

use crate::common::{resident_id, run, TestNode};
use ledger_core::keys::Office;
use ledger_core::region::{RegionCode, RegionLevel};
use rust_xlsxwriter::Workbook;

/// Before the demo's controls start (2019-03-01): payments load as history,
/// without registration or payment list.
pub const DATE: &str = "2019-02-20";
pub const FUND: &str = "F2019-TEST-014";
pub const DEMO_ENTRIES: u64 = 600;

/// The demo's town finance and town poverty-office keys of one town (both
/// sign a household payment under the demo's policy), that town, and
/// villages of it and of another town, with their names.
pub struct Setup {
    pub node: TestNode,
    pub finance: String,
    /// The finance key's holder, as its grant says.
    pub finance_holder: String,
    pub poverty: String,
    pub town: RegionCode,
    pub villages: Vec<(RegionCode, String)>,
    pub elsewhere: (RegionCode, String),
    pub pseudonym: String,
}

pub fn setup() -> Setup {
    let node = TestNode::start_demo(DEMO_ENTRIES);
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: ledger_node::demo::DEMO_SEED,
        target_entries: DEMO_ENTRIES,
        now_ms: ledger_datadir::clock::now_ms(),
    })
    .expect("demo");
    let regions = ledger_demo::huaian_regions().expect("regions");
    let office_of = |i: usize| &log.operators[i].grant;
    let mut pick = None;
    for (i, op) in log.operators.iter().enumerate() {
        let g = &op.grant;
        if g.office != Office::TownFinance || op.revoked_at_seq.is_some() {
            continue;
        }
        let Some(town) = g.scope.regions.first().copied() else {
            continue;
        };
        if let Some(j) = (0..log.operators.len()).find(|j| {
            office_of(*j).office == Office::TownPovertyOffice
                && office_of(*j).scope.regions.contains(&town)
                && log.operators[*j].revoked_at_seq.is_none()
        }) {
            // Villages whose names (without 村委会) are unique in the town.
            let villages: Vec<(RegionCode, String)> = regions
                .iter()
                .filter(|r| r.code.level() == RegionLevel::Village && r.code.parent() == Some(town))
                .filter(|r| r.name.ends_with("村委会"))
                .map(|r| (r.code, r.name.clone()))
                .collect();
            if villages.len() >= 2 {
                pick = Some((i, j, town, villages));
                break;
            }
        }
    }
    let (i, j, town, villages) = pick.expect("a town with both offices and two villages");
    let elsewhere = regions
        .iter()
        .find(|r| r.code.level() == RegionLevel::Village && r.code.town() != Some(town) && r.name.ends_with("村委会"))
        .map(|r| (r.code, r.name.clone()))
        .expect("another town's village");
    let finance = node.key(&format!("operator-{}.key", i + 1));
    let poverty = node.key(&format!("operator-{}.key", j + 1));
    let pseudonym = node.key("pseudonym.key");
    // Money: a fund of 50,000 元 to the district, 20,000 元 on to the town.
    let district_op = node.key("operator-1.key");
    let url = node.url.clone();
    let town_code = town.to_string();
    crate::common::issue_and_move(&crate::common::FundSetup {
        url: &url,
        key: &district_op,
        fund: FUND,
        title: "测试低保资金",
        document_no: "淮区财社〔2019〕14号",
        town: &town_code,
        moved: "20000",
        memo: "拨付低保资金",
        date: DATE,
    });
    Setup {
        node,
        finance,
        finance_holder: log.operators[i].grant.holder.to_string(),
        poverty,
        town,
        villages,
        elsewhere,
        pseudonym,
    }
}

pub const SURNAMES: &[&str] = &["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"];
pub const GIVEN: &[&str] = &["建", "秀", "桂", "玉", "春"];

/// The 50 households: (resident ID, name, village cell, amount cell).
/// Villages alternate between a name (`XX村`) and a 12-digit code; one
/// amount has one decimal (1234.5), to show it stays exact from a workbook.
pub fn households(s: &Setup, birth: &str) -> Vec<(String, String, String, String)> {
    (0..50u16)
        .map(|i| {
            let (code, name) = &s.villages[usize::from(i) % 2];
            let village = if i % 4 < 2 {
                name.trim_end_matches("村委会").to_string() + "村"
            } else {
                code.to_string()
            };
            let amount = if i == 0 {
                "1234.5".to_string()
            } else {
                "300".to_string()
            };
            (
                resident_id(birth, 100 + i),
                format!(
                    "{}{}华",
                    SURNAMES[usize::from(i) % SURNAMES.len()],
                    GIVEN[usize::from(i) / SURNAMES.len()]
                ),
                village,
                amount,
            )
        })
        .collect()
}

pub const HEADER: [&str; 7] = [
    "户主姓名",
    "身份证号码",
    "村/社区",
    "补助类别",
    "所属期间",
    "金额(元)",
    "发放日期",
];

pub fn csv_text(rows: &[(String, String, String, String)], period: &str) -> String {
    let mut out = HEADER.join(",") + "\r\n";
    for (id, name, village, amount) in rows {
        out += &format!("{name},{id},{village},低保,{period},{amount},{DATE}\r\n");
    }
    out
}

pub fn write_xlsx(path: &str, rows: &[(String, String, String, String)], period: &str) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    for (r, (id, name, village, amount)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, name).expect("cell");
        sheet.write_string(r, 1, id).expect("cell");
        sheet.write_string(r, 2, village).expect("cell");
        sheet.write_string(r, 3, "低保").expect("cell");
        sheet.write_string(r, 4, period).expect("cell");
        // Amounts as numbers, as an office types them.
        sheet
            .write_number(r, 5, amount.parse::<f64>().expect("amount"))
            .expect("cell");
        sheet.write_string(r, 6, DATE).expect("cell");
    }
    book.save(path).expect("xlsx");
}

/// `ledger post csv FILE` with the town's two keys; extra flags after.
pub fn post(s: &Setup, lang: &str, file: &str, extra: &[&str]) -> (i32, String, String) {
    let url = s.node.url.clone();
    let mut args = vec![
        "--lang",
        lang,
        "post",
        "--node",
        &url,
        "--key",
        &s.finance,
        "--key",
        &s.poverty,
        "csv",
        file,
        "--pseudonym-key",
        &s.pseudonym,
        "--fund",
        FUND,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The town account's name as the node gives it.
pub fn name_of_town_account(s: &Setup) -> String {
    s.node.get_json(&format!("/v1/accounts/treasury:{}", s.town))["name"]
        .as_str()
        .expect("name")
        .to_string()
}
