//! Issue 14, the operators' side of `ledger post csv`: the same 50-household
//! 低保 batch from a UTF-8 CSV, a GBK CSV and an .xlsx gives the same
//! result; a renamed copy posts nothing; an underfunded batch posts nothing
//! and names the account and the shortfall in 元; the pre-flight names a
//! household already paid; every bad input is named by row and column;
//! the Chinese and English outputs are checked exactly.

mod common;
mod post_common;

use common::run;
use post_common::*;
use rust_xlsxwriter::{Format, Workbook};

#[test]
fn one_batch_from_utf8_gbk_and_xlsx_posts_once() {
    let s = setup();
    let rows = households(&s, "19700101");
    let town = s.town;
    let utf8 = s.node.path("2019-01-低保.csv");
    std::fs::write(&utf8, csv_text(&rows, "2019年1月")).expect("csv");
    let gbk = s.node.path("2019-01-低保(GBK).csv");
    let gbk_text = csv_text(&rows, "201901");
    let (bytes, _, bad) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!bad);
    std::fs::write(&gbk, &bytes).expect("csv");
    let xlsx = s.node.path("2019-01-低保.xlsx");
    write_xlsx(&xlsx, &rows, "2019-01");

    // The pre-flight of the three files: the same, to the character.
    let before = s.node.size();
    let expected = format!(
        "  镇财政所（treasury:{town}）资金 {FUND}：50 笔，合计 15,934.50 元，账户余额 20,000.00 元\n\
         预检通过：50 笔，合计 15,934.50 元；未发送任何记账（去掉 --dry-run 正式记账）\n"
    );
    for file in [&utf8, &gbk, &xlsx] {
        let (code, out, err) = post(&s, "zh", file, &["--dry-run"]);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(out.replace(&name_of_town_account(&s), "镇财政所"), expected, "{file}");
    }
    let (code, out, _) = post(&s, "en", &xlsx, &["--dry-run"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.replace(&name_of_town_account(&s), "镇财政所"),
        format!(
            "  镇财政所 (treasury:{town}) fund {FUND}: 50 payment(s), 15,934.50 元, balance 20,000.00 元\n\
             pre-flight passed: 50 payment(s), 15,934.50 元; nothing sent (run without --dry-run to post)\n"
        )
    );
    assert_eq!(s.node.size(), before, "a dry run sends nothing");

    // Posted once, from the UTF-8 file.
    let (code, out, err) = post(&s, "zh", &utf8, &[]);
    assert_eq!(code, 0, "{err}");
    let receipts = format!("{utf8}.receipts.jsonl");
    assert_eq!(
        out,
        format!("2019-01-低保.csv：已记账 50 笔，合计 15,934.50 元；回执在 {receipts}\n")
    );
    assert_eq!(s.node.size(), before + 50);
    let seqs: Vec<u64> = std::fs::read_to_string(&receipts)
        .expect("receipts")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["seq"].as_u64())
        .collect();
    assert_eq!(seqs.len(), 50);
    let (lo, hi) = (seqs[0], seqs[49]);
    // The amount typed as the number 1234.5 in the workbook is 123450 fen.
    let first = s.node.get_json(&format!("/v1/entries/{lo}"));
    assert!(first.to_string().contains("123450"), "{first}");

    // The payment slips of the batch: one per household, each with its
    // QR code opening the household's page.
    let first_slip: serde_json::Value = std::fs::read_to_string(&receipts)
        .expect("receipts")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("slip").is_some())
        .expect("a slip line");
    let household = first_slip["slip"]["household"].as_str().expect("household").to_string();
    let (village_code, village_name) = &s.villages[0];
    assert_eq!(
        first_slip,
        serde_json::json!({"slip": {
            "row": 2, "seq": lo, "household": household, "masked_name": "张*华",
            "village": village_code.to_string(), "village_name": village_name,
            "category": "minimum_living", "period": "2019-01", "amount_fen": 123450, "date": DATE
        }})
    );
    // The household code (户码) of the first slip's household, as the
    // page and the node compute it from the public reference.
    let hcode = ledger_core::household_code::HouseholdCode::of(
        &ledger_core::household::HouseholdRef::parse(&household).expect("reference"),
    );
    assert_eq!(hcode.compact().len(), 11);
    let slips = s.node.path("明白卡.html");
    let url = s.node.url.clone();
    for (size, css) in [("a4", "size:A4"), ("80mm", "size:80mm auto")] {
        let (code, _, err) = run(&["slips", &receipts, "--out", &slips, "--size", size, "--node", &url]);
        assert_eq!(code, 0, "{err}");
        let html = std::fs::read_to_string(&slips).expect("html");
        assert!(html.contains(css), "{size}");
        assert_eq!(html.matches("<div class=\"slip\">").count(), 50);
        assert_eq!(html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\"").count(), 50);
        let first = html.split("<div class=\"slip\">").nth(1).expect("a slip");
        for line in [
            "<h2>惠民补贴明白卡（发放回执）</h2>".to_string(),
            "<tr><th>户主</th><td>张*华</td></tr>".to_string(),
            format!("<tr><th>村（社区）</th><td>{village_name}（{village_code}）</td></tr>"),
            "<tr><th>补助类别</th><td>最低生活保障</td></tr>".to_string(),
            "<tr><th>所属期间</th><td>2019年1月</td></tr>".to_string(),
            "<tr><th>发放金额</th><td><span class=\"amount\">1,234.50 元</span></td></tr>".to_string(),
            format!("<tr><th>发放日期</th><td>{DATE}</td></tr>"),
            format!("<tr><th>账本记录</th><td>第 {lo} 条</td></tr>"),
            format!(
                "<tr><th>户码</th><td><span class=\"code\">{}</span></td></tr>",
                hcode.display()
            ),
            format!("<div class=\"code\">{url}/#/h/{}</div>", hcode.compact()),
        ] {
            assert!(first.contains(&line), "{size}: {line} not in {first}");
        }
    }

    // The GBK file, the workbook and a renamed copy: the same content,
    // so nothing is posted and the user is told when it was.
    let copy = s.node.path("2019-01-低保(最终版).csv");
    std::fs::copy(&utf8, &copy).expect("copy");
    for file in [&gbk, &xlsx, &copy] {
        let (code, out, err) = post(&s, "zh", file, &[]);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(out.starts_with("此文件的内容已于 20"), "{out}");
        assert!(
            out.ends_with(&format!("记账（50 笔，账本第 {lo}-{hi} 条）：本次未记账\n")),
            "{out}"
        );
    }
    let (_, out, _) = post(&s, "en", &copy, &[]);
    assert!(
        out.ends_with(&format!("(50 payment(s), entries {lo}-{hi}): nothing posted now\n")),
        "{out}"
    );
    assert_eq!(s.node.size(), before + 50, "no copy posted anything");

    // Underfunded: 50 other households at 200 元 = 10,000 元, but only
    // 4,065.50 元 is left: nothing is posted, the account and the
    // shortfall are named.
    let others: Vec<_> = households(&s, "19800202")
        .into_iter()
        .map(|(id, name, village, _)| (id, name, village, "200".to_string()))
        .collect();
    let poor = s.node.path("2019-01-低保-第二批.csv");
    std::fs::write(&poor, csv_text(&others, "2019-01")).expect("csv");
    let (code, out, err) = post(&s, "zh", &poor, &[]);
    assert_eq!(code, 3, "{out}{err}");
    let account = name_of_town_account(&s);
    assert!(
        err.contains(&format!(
            "{account}（treasury:{town}）资金 {FUND} 余额不足：本批需要 10,000.00 元，可用 4,065.50 元，还差 5,934.50 元"
        )),
        "{err}"
    );
    assert!(err.contains("未记账：预检发现 1 个问题，一笔也没有记"), "{err}");
    let (code, _, err) = post(&s, "en", &poor, &[]);
    assert_eq!(code, 3);
    assert!(
        err.contains(&format!(
            "{account} (treasury:{town}) has too little of fund {FUND}: the batch needs 10,000.00 元, available 4,065.50 元, short by 5,934.50 元"
        )),
        "{err}"
    );
    assert_eq!(s.node.size(), before + 50, "an underfunded batch posts nothing");

    // Five more households, posted as three atomic groups (--split), each
    // named in the receipts file.
    let small: Vec<_> = households(&s, "19900404")
        .into_iter()
        .take(5)
        .map(|(id, name, village, _)| (id, name, village, "100".to_string()))
        .collect();
    let split = s.node.path("2019-01-低保-补充.csv");
    std::fs::write(&split, csv_text(&small, "2019-01")).expect("csv");
    let (code, out, err) = post(&s, "en", &split, &["--split", "--batch-size", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "posting 5 payments as 3 atomic groups (at most 2 each): each group all or nothing\n\
             2019-01-低保-补充.csv: 5 payment(s) posted, 500.00 元; receipts in {split}.receipts.jsonl\n"
        )
    );
    let groups: Vec<serde_json::Value> = std::fs::read_to_string(format!("{split}.receipts.jsonl"))
        .expect("receipts")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("group").is_some())
        .collect();
    assert_eq!(
        groups.iter().map(|g| g["group"]["rows"].clone()).collect::<Vec<_>>(),
        vec![
            serde_json::json!([2, 3]),
            serde_json::json!([4, 5]),
            serde_json::json!([6])
        ]
    );
    assert_eq!(s.node.size(), before + 55);

    // A household already paid for 低保 2019-01, with another amount: the
    // dry run names it (duplicate_payment), and nothing is posted.
    let again = s.node.path("补录.csv");
    let (id, name, village, _) = &rows[3];
    std::fs::write(
        &again,
        format!(
            "{}\r\n{name},{id},{village},低保,2019-01,350,{DATE}\r\n",
            HEADER.join(",")
        ),
    )
    .expect("csv");
    let (code, _, err) = post(&s, "en", &again, &["--dry-run"]);
    assert_eq!(code, 3, "{err}");
    let masked = format!("{}*华", name.chars().next().expect("surname"));
    assert!(
        err.contains(&format!(
            "row 2: {masked}'s 最低生活保障 for 2019-01 is already paid (entry {seq}, duplicate_payment): delete the row; for a 补发, fill the columns 补发原因 (补发 or 差额补足), 原发放序号 ({seq}) and 说明",
            seq = lo + 3
        )),
        "{err}"
    );
    assert_eq!(s.node.size(), before + 55);

    // Paid after the demo's controls start (2019-03-01) without a payment
    // list line: the pre-flight names the rows, nothing is posted.
    let late = s.node.path("2019-04-低保.csv");
    let text = csv_text(&small[..2], "2019-04").replace(DATE, "2019-04-20");
    std::fs::write(&late, text).expect("csv");
    let (code, _, err) = post(&s, "en", &late, &["--dry-run"]);
    assert_eq!(code, 3, "{err}");
    for row in [2, 3] {
        assert!(
            err.contains(&format!(
                "row {row}: a payment dated from 2019-03-01 on needs its payment-list line (not_publicized): add the 公示编号 and 公示行号 columns with the household's line"
            )),
            "{err}"
        );
    }
    assert!(
        err.contains("nothing posted: the pre-flight found 2 problem(s)"),
        "{err}"
    );
    assert_eq!(s.node.size(), before + 55);
}

#[test]
fn every_bad_input_is_named_by_row_and_column_and_nothing_is_posted() {
    let s = setup();
    let before = s.node.size();
    let rows = households(&s, "19650303");
    let good = |i: usize| {
        let (id, name, village, amount) = &rows[i];
        format!("{name},{id},{village},低保,2019-01,{amount},{DATE}")
    };
    let header = HEADER.join(",");
    let (other_code, other_name) = &s.elsewhere;
    let other_stem = other_name.trim_end_matches("村委会").to_string() + "村";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "sci.csv",
            format!("{header}\n{}\n张三,3.20803E+17,{},低保,2019-01,300,{DATE}\n", good(1), s.villages[0].0),
            "sci.csv: row 3, column B (身份证号码): shows scientific notation (3.20803E+17): the resident ID's last digits are lost; format the column as Text and type the IDs again",
        ),
        (
            "negative.csv",
            format!("{header}\n{}\n{}\n", good(1), good(2).replace(",300,", ",-300,")),
            "negative.csv: row 3, column F (金额(元)): the amount is negative: undo a payment with `ledger post reversal`; here give the amount paid",
        ),
        (
            "decimals.csv",
            format!("{header}\n{}\n", good(1).replace(",300,", ",300.125,")),
            "decimals.csv: row 2, column F (金额(元)): amount \"300.125\" is not yuan with at most two decimals (e.g. 1234.50): correct it",
        ),
        (
            "twice.csv",
            format!("{header}\n{}\n{}\n{}\n", good(1), good(2), good(1)),
            "twice.csv: row 4 has the same household, category and period as row 2 (a duplicate payment): delete one of them",
        ),
        (
            "elsewhere.csv",
            format!("{header}\n{}\n", good(1).replace(&rows[1].2, &other_stem)),
            "elsewhere.csv: row 2, column C (村/社区): village",
        ),
        (
            "elsewhere-code.csv",
            format!("{header}\n{}\n", good(1).replace(&rows[1].2, &other_code.to_string())),
            "elsewhere-code.csv: row 2, column C (村/社区): village",
        ),
        (
            "period.csv",
            format!("{header}\n{}\n", good(1).replace(",2019-01,", ",2019年13月,")),
            "period.csv: row 2, column E (所属期间): period \"2019年13月\" not understood: write 2019年8月, 2019-08 or 201908",
        ),
    ];
    for (file, text, want) in &cases {
        let path = s.node.path(file);
        std::fs::write(&path, text).expect("csv");
        let (code, out, err) = post(&s, "en", &path, &[]);
        assert_eq!(code, 4, "{file}: {out}{err}");
        assert!(err.contains(want), "{file}: want {want:?} in:\n{err}");
        assert!(err.contains("bad row(s), nothing posted"), "{file}: {err}");
    }
    // Outside the key's town: named with the village and the key's regions.
    let path = s.node.path("elsewhere-code.csv");
    let (_, _, err) = post(&s, "en", &path, &[]);
    assert!(
        err.contains(&format!(
            "village {other_code} is outside the signing key's granted regions ({}): the operator of its town posts it",
            s.town
        )),
        "{err}"
    );
    // The same in Chinese.
    let path = s.node.path("sci.csv");
    let (_, _, err) = post(&s, "zh", &path, &[]);
    assert!(
        err.contains("sci.csv：第 3 行 B 列（身份证号码）：显示为科学计数法（3.20803E+17），身份证号码的后几位已丢失：请把该列设为“文本”格式后重新录入号码"),
        "{err}"
    );
    assert!(
        err.contains("sci.csv：1 行有错误，未记账（一笔也没有记）。请改正后重新运行"),
        "{err}"
    );

    // Files that are not tables: an unknown encoding, an unreadable workbook.
    let path = s.node.path("latin.csv");
    std::fs::write(&path, [b"a,b\n".as_slice(), &[0xff, 0xfe, 0xff, b'\n']].concat()).expect("file");
    let (code, _, err) = post(&s, "en", &path, &[]);
    assert_eq!(code, 4);
    assert!(
        err.contains("latin.csv: neither UTF-8 nor GBK/GB18030 text: save it from Excel/WPS as \"CSV UTF-8\" or .xlsx"),
        "{err}"
    );
    let path = s.node.path("broken.xlsx");
    std::fs::write(&path, b"PK\x03\x04 not really a zip").expect("file");
    let (code, _, err) = post(&s, "en", &path, &[]);
    assert_eq!(code, 4);
    assert!(err.contains("cannot read this spreadsheet ("), "{err}");

    // A workbook with a formula, and one with a merged cell.
    let formula = s.node.path("formula.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    let (id, name, village, _) = &rows[1];
    for (c, v) in [name, id, village, &"低保".to_string(), &"2019-01".to_string()]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, v.as_str()).expect("cell");
    }
    sheet.write_formula(1, 5, "=100+200").expect("formula");
    sheet.write_string(1, 6, DATE).expect("cell");
    book.save(&formula).expect("xlsx");
    let (code, _, err) = post(&s, "en", &formula, &[]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("formula.xlsx: row 2, column F (金额(元)) is a formula, not a value: copy the column and paste it back as values, then save"),
        "{err}"
    );
    let merged = s.node.path("merged.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    for r in 1..3u32 {
        let (id, name, _, _) = &rows[r as usize];
        sheet.write_string(r, 0, name).expect("cell");
        sheet.write_string(r, 1, id).expect("cell");
        sheet.write_string(r, 3, "低保").expect("cell");
        sheet.write_string(r, 4, "2019-01").expect("cell");
        sheet.write_number(r, 5, 300).expect("cell");
        sheet.write_string(r, 6, DATE).expect("cell");
    }
    sheet
        .merge_range(1, 2, 2, 2, &s.villages[0].0.to_string(), &Format::new())
        .expect("merge");
    book.save(&merged).expect("xlsx");
    let (code, _, err) = post(&s, "zh", &merged, &[]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("merged.xlsx：第 2 行 C 列（村/社区）是合并单元格：请取消合并，每一行都填上完整的值"),
        "{err}"
    );

    // Offices' sheets start with a title (merged across the table) and the
    // office and date: the header is found below them, and rows keep the
    // sheet's own numbers.
    let titled = s.node.path("titled.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .merge_range(0, 0, 0, 6, "2019年1月农村低保发放表", &Format::new())
        .expect("merge");
    sheet.write_string(1, 0, "制表单位：镇财政所").expect("cell");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).expect("cell");
    }
    for (r, amount) in [(3u32, 300.0), (4, -300.0)] {
        let (id, name, village, _) = &rows[r as usize];
        sheet.write_string(r, 0, name).expect("cell");
        sheet.write_string(r, 1, id).expect("cell");
        sheet.write_string(r, 2, village).expect("cell");
        sheet.write_string(r, 3, "低保").expect("cell");
        sheet.write_string(r, 4, "2019年1月").expect("cell");
        sheet.write_number(r, 5, amount).expect("cell");
        sheet.write_string(r, 6, DATE).expect("cell");
    }
    book.save(&titled).expect("xlsx");
    let (code, _, err) = post(&s, "en", &titled, &["--dry-run"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("titled.xlsx: row 5, column F (金额(元)): the amount is negative"),
        "{err}"
    );
    assert!(err.contains("titled.xlsx: 1 bad row(s), nothing posted"), "{err}");
    let titled_csv = s.node.path("titled.csv");
    std::fs::write(
        &titled_csv,
        format!(
            "2019年1月农村低保发放表,,,,,,\n{header}\n{}\n{}\n",
            good(1),
            good(2).replace(",300,", ",12.345,")
        ),
    )
    .expect("csv");
    let (code, _, err) = post(&s, "en", &titled_csv, &["--dry-run"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("titled.csv: row 4, column F (金额(元)): amount \"12.345\" is not yuan"),
        "{err}"
    );
    // A total row at the foot: checked against the rows, not posted.
    let totalled = s.node.path("totalled.csv");
    std::fs::write(
        &totalled,
        format!("{header}\n{}\n{}\n合计,,,,,600.00,\n", good(1), good(2)),
    )
    .expect("csv");
    let (code, out, err) = post(&s, "en", &totalled, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.ends_with("pre-flight passed: 2 payment(s), 600.00 元; nothing sent (run without --dry-run to post)\n"),
        "{out}"
    );
    std::fs::write(
        &totalled,
        format!("{header}\n{}\n{}\n合计,,,,,900.00,\n", good(1), good(2)),
    )
    .expect("csv");
    let (code, _, err) = post(&s, "zh", &totalled, &["--dry-run"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("totalled.csv：第 4 行（合计）为 900.00 元，上面各行之和为 600.00 元：请核对是否有行遗漏或改动"),
        "{err}"
    );
    assert_eq!(s.node.size(), before, "nothing was posted");
}

/// The village names `fixtures/post/低保-2019-02.xls` was made with
/// (`fixtures/post/make_xls.py`): the two villages `setup()` picks.
const XLS_VILLAGES: [&str; 2] = ["三里村", "张蔡村"];

/// A real BIFF8 .xls (written by xlwt, the writer of the Excel 97-2003
/// era, committed under fixtures/post/ with the script that made it),
/// with Chinese headers, amounts as numbers and a sheet named in Chinese,
/// gives the same pre-flight, to the character, as the same rows in a CSV;
/// a damaged copy is one line naming the file (exit 4), nothing sent.
#[test]
fn an_xls_workbook_reads_as_its_csv_does() {
    let s = setup();
    let stems: Vec<String> = s.villages[..2]
        .iter()
        .map(|(_, n)| n.trim_end_matches("村委会").to_string() + "村")
        .collect();
    assert_eq!(
        stems,
        XLS_VILLAGES,
        "the demo's town changed: run `python3 fixtures/post/make_xls.py {} {}` (see the script) and update XLS_VILLAGES",
        stems[0],
        stems[1]
    );
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/post/低保-2019-02.xls");
    let xls = s.node.path("低保-2019-02.xls");
    std::fs::copy(fixture, &xls).expect("copy the fixture");
    let rows: Vec<(String, String, String, String)> = [
        ("张建华", "19600305", 201, XLS_VILLAGES[0], "415.5"),
        ("王秀华", "19551120", 202, XLS_VILLAGES[1], "300"),
        ("李桂华", "19480716", 203, XLS_VILLAGES[0], "300"),
        ("赵玉华", "19720101", 204, XLS_VILLAGES[1], "1200.25"),
    ]
    .iter()
    .map(|(name, birth, serial, village, amount)| {
        (
            common::resident_id(birth, *serial),
            name.to_string(),
            village.to_string(),
            amount.to_string(),
        )
    })
    .collect();
    let csv = s.node.path("低保-2019-02.csv");
    std::fs::write(&csv, csv_text(&rows, "2019年2月")).expect("csv");

    let before = s.node.size();
    let town = s.town;
    let expected = format!(
        "  镇财政所（treasury:{town}）资金 {FUND}：4 笔，合计 2,215.75 元，账户余额 20,000.00 元\n\
         预检通过：4 笔，合计 2,215.75 元；未发送任何记账（去掉 --dry-run 正式记账）\n"
    );
    for file in [&xls, &csv] {
        let (code, out, err) = post(&s, "zh", file, &["--dry-run"]);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(out.replace(&name_of_town_account(&s), "镇财政所"), expected, "{file}");
    }
    assert_eq!(s.node.size(), before, "a dry run sends nothing");

    // Damaged: the first 1,024 bytes of the workbook (its OLE header
    // survives, its sheet does not).
    let bytes = std::fs::read(fixture).expect("fixture");
    let damaged = s.node.path("损坏.xls");
    std::fs::write(&damaged, &bytes[..1024]).expect("write");
    let (code, out, err) = post(&s, "zh", &damaged, &["--dry-run"]);
    assert_eq!(code, 4, "stdout {out} stderr {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("损坏.xls"), "names the file: {err}");
    assert!(
        err.contains("无法读取这个表格文件（the file is damaged or truncated）"),
        "{err}"
    );
    assert_eq!(s.node.size(), before, "nothing sent");
}
