//! Parsing and checking the rows of a batch: every row becomes an entry
//! body or a row error, never a failure of the whole file.

use super::{Columns, CsvType, Lines, Row, RowError, MAX_ROWS};
use crate::exit::input;
use crate::post::parse;
use anyhow::Result;
use ledger_core::encoding;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, NoticeLineRef, Payee, ProjectDisbursement};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::Date;
use ledger_core::region::RegionCode;
use std::collections::{HashMap, HashSet};

/// What the CSV rows are checked against.
pub struct Context<'a> {
    /// Registered villages (empty: not checked).
    pub regions: &'a HashSet<RegionCode>,
    /// The pseudonym key (subsidies).
    pub pseudonym: Option<&'a PseudonymKey>,
    /// Default fund.
    pub fund: Option<&'a str>,
    /// Default paying account.
    pub from: Option<&'a str>,
    /// Default business date (rows without a `date` column).
    pub date: Option<Date>,
}

/// Parse and check every row. Never fails on a row: bad rows are returned.
pub fn parse_rows(bytes: &[u8], kind: CsvType, ctx: &Context<'_>) -> Result<(Vec<Row>, Vec<RowError>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| input(format!("the header row: {e}")))?
        .clone();
    let columns = match kind {
        CsvType::Subsidies => Columns::find(
            &headers,
            &["resident_id", "name", "village", "category", "amount", "period"],
            &["date", "notice", "line", "fund", "from"],
        ),
        CsvType::Disbursements => Columns::find(
            &headers,
            &["project", "payee_id", "payee_name", "amount", "contract", "milestone"],
            &["date", "fund", "from"],
        ),
    }
    .map_err(input)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(bytes);
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(line);
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as \"CSV UTF-8\")".to_string(),
                    _ => e.to_string(),
                };
                errors.push(RowError { line, message });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| lines.line_of(p.byte())).unwrap_or(line);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(input(format!("more than {MAX_ROWS} rows; split the file")));
        }
        let parsed = match kind {
            CsvType::Subsidies => subsidy_row(&columns, &record, ctx),
            CsvType::Disbursements => disbursement_row(&columns, &record, ctx),
        };
        match parsed {
            Err(message) => errors.push(RowError { line, message }),
            Ok(body) => {
                let dedup_key = match &body {
                    // The same household, category and period twice is a duplicate payment.
                    EntryBody::HouseholdSubsidy(s) => encoding::encode(&(s.household, s.category, s.period)),
                    other => encoding::encode(other),
                };
                if let Some(first) = seen.get(&dedup_key) {
                    errors.push(RowError {
                        line,
                        message: format!("same household, category and period as line {first} (a duplicate payment)"),
                    });
                    continue;
                }
                seen.insert(dedup_key, line);
                rows.push(Row { line, body });
            }
        }
    }
    Ok((rows, errors))
}

fn check_village(code: RegionCode, ctx: &Context<'_>) -> Result<(), String> {
    if !ctx.regions.is_empty() && !ctx.regions.contains(&code) {
        return Err(format!("village {code} is not registered in this log"));
    }
    Ok(())
}

/// A row's business date: its `date` column, else `--date`.
fn row_date(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<Date, String> {
    match c.get(r, "date") {
        Some(d) => parse::date(d, "date"),
        None => ctx
            .date
            .ok_or_else(|| "no date (give a date/发放日期 column or --date)".to_string()),
    }
}

/// A row's payment-list line: `notice` and `line` columns, both or neither.
fn row_notice(c: &Columns, r: &csv::StringRecord) -> Result<Option<NoticeLineRef>, String> {
    match (c.get(r, "notice"), c.get(r, "line")) {
        (None, None) => Ok(None),
        (Some(n), Some(l)) => Ok(Some(NoticeLineRef {
            notice: parse::ident(n, "notice")?,
            line: l
                .parse()
                .map_err(|_| format!("line: {l:?} is not a line number (0, 1, 2, …)"))?,
        })),
        (Some(_), None) => Err("notice given without its line".into()),
        (None, Some(_)) => Err("line given without its notice".into()),
    }
}

fn subsidy_row(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<EntryBody, String> {
    let id = ResidentId::parse(c.need(r, "resident_id")?).map_err(|e| format!("resident ID: {e}"))?;
    let masked_name = MaskedName::mask(c.need(r, "name")?).map_err(|e| format!("name: {e}"))?;
    let village = parse::village(c.need(r, "village")?)?;
    check_village(village, ctx)?;
    let category = parse::subsidy_category(c.need(r, "category")?)?;
    let amount = parse::yuan(c.need(r, "amount")?, "amount")?;
    let period = parse::period(c.need(r, "period")?)?;
    let fund = c
        .get(r, "fund")
        .or(ctx.fund)
        .ok_or("no fund (give a fund column or --fund)")?;
    let from = parse::subsidy_from(c.get(r, "from").or(ctx.from), village)?;
    if let Account::Treasury(code) = &from {
        if !code.covers(village) {
            return Err(format!("account {} does not cover village {village}", from.key()));
        }
    }
    let key = ctx.pseudonym.ok_or("no pseudonym key (--pseudonym-key)")?;
    Ok(EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: parse::ident(fund, "fund")?,
        from,
        household: key.household_ref(&id),
        masked_name,
        village,
        category,
        period,
        amount,
        date: row_date(c, r, ctx)?,
        notice: row_notice(c, r)?,
        supplementary: None,
    }))
}

fn disbursement_row(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<EntryBody, String> {
    let project = parse::ident(c.need(r, "project")?, "project")?;
    let fund = c
        .get(r, "fund")
        .or(ctx.fund)
        .ok_or("no fund (give a fund column or --fund)")?;
    let from = match c.get(r, "from").or(ctx.from) {
        Some(f) => parse::account(f, "from")?,
        None => Account::Project(project.clone()),
    };
    Ok(EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund: parse::ident(fund, "fund")?,
        project,
        from,
        payee: Payee {
            id: parse::ident(c.need(r, "payee_id")?, "payee_id")?,
            name: parse::text(c.need(r, "payee_name")?, "payee_name")?,
        },
        amount: parse::yuan(c.need(r, "amount")?, "amount")?,
        contract_ref: parse::text(c.need(r, "contract")?, "contract")?,
        milestone: parse::text(c.need(r, "milestone")?, "milestone")?,
        date: row_date(c, r, ctx)?,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ledger_core::Fen;

    fn read(csv: &str) -> Result<(Vec<Row>, Vec<RowError>)> {
        let regions: HashSet<RegionCode> = [320_803_001_000, 320_803_001_002]
            .into_iter()
            .map(|c| RegionCode::new(c).unwrap())
            .collect();
        let key = PseudonymKey::from_bytes([7; 32]);
        let ctx = Context {
            regions: &regions,
            pseudonym: Some(&key),
            fund: Some("F2019-SCS-031"),
            from: None,
            date: Some(Date::new(20190615).unwrap()),
        };
        parse_rows(csv.as_bytes(), CsvType::Subsidies, &ctx)
    }

    /// Regression (fuzz target `fuzz_csv_rows`, case 0x6c9a352b13e5a8b3 of
    /// seed 0x5eed20190711): with `\r\n` line ends every row and error was
    /// reported one line too early (the first row on the header's line).
    #[test]
    fn rows_are_reported_on_their_own_lines_whatever_the_line_ends() {
        let header = "resident_id,name,village,category,amount,period";
        let good = "11010519491231002X,张小三,320803001002,最低生活保障,300.00,2019-06";
        let bad = "110105194912310021,李四,320803001002,最低生活保障,300.00,2019-06";
        for nl in ["\n", "\r\n", "\r"] {
            let csv = [header, good, "", bad, "\"multi\nline\",x", good].join(nl) + nl;
            let (rows, errors) = read(&csv).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            let error_lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, vec![2], "{nl:?}");
            // The bad ID on line 4, the two-line row on 5, the repeated row on 7.
            assert_eq!(error_lines, vec![4, 5, 7], "{nl:?}: {errors:?}");
        }
    }

    /// The business date and the payment-list line: columns with English
    /// or Chinese names, `--date` for rows without one, and each bad value
    /// named on its own line.
    #[test]
    fn date_notice_and_line_columns() {
        let id = "11010519491231002X";
        let csv = format!(
            "身份证号,姓名,村代码,类别,金额,期间,发放日期,公示编号,公示行号\n\
             {id},张小三,320803001002,最低生活保障,300,2019-06,2019-06-20,N-PAY-1,4\n\
             {id},张小三,320803001002,最低生活保障,300,2019-07,,,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-08,2019-02-30,,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-09,,N-PAY-1,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-10,,,3\n\
             {id},张小三,320803001002,最低生活保障,300,2019-11,,N-PAY-1,x\n"
        );
        let (rows, errors) = read(&csv).unwrap();
        let EntryBody::HouseholdSubsidy(first) = &rows[0].body else {
            panic!("subsidy")
        };
        assert_eq!(first.date, Date::new(20190620).unwrap());
        assert_eq!(
            first.notice,
            Some(NoticeLineRef {
                notice: ledger_core::ids::Ident::new("N-PAY-1").unwrap(),
                line: 4
            })
        );
        let EntryBody::HouseholdSubsidy(second) = &rows[1].body else {
            panic!("subsidy")
        };
        assert_eq!(second.date, Date::new(20190615).unwrap(), "the --date default");
        assert_eq!(second.notice, None);
        let errors: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            errors,
            vec![
                (4, "date: not a date YYYYMMDD: 20190230"),
                (5, "notice given without its line"),
                (6, "line given without its notice"),
                (7, "line: \"x\" is not a line number (0, 1, 2, …)"),
            ]
        );
        // Two date columns is a guess refused, as for every field.
        let e = read("resident_id,name,village,category,amount,period,date,拨付日期\n")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 columns for \"date\" (date, 拨付日期)"), "{e}");
    }

    /// Regression (fuzz target `fuzz_csv_rows`, case 0x8c2f4bb7058046a1 of
    /// seed 0x5eed20190711): two resident-ID columns (`resident_id` and
    /// `身份证号码`), of which the first was silently used.
    #[test]
    fn a_header_with_two_columns_for_one_field_is_refused() {
        let row = "11010519491231002X,张小三,320803001002,最低生活保障,300.00,528368302467.68,2019-06\n";
        let two_ids = format!("resident_id,name,village,category,amount,身份证号码,period\n{row}");
        let e = read(&two_ids).map(|_| ()).unwrap_err().to_string();
        assert!(
            e.contains("2 columns for \"resident_id\" (resident_id, 身份证号码)"),
            "{e}"
        );
        let two_amounts = format!("身份证号,姓名,村代码,类别,金额,补贴金额,期间\n{row}");
        let e = read(&two_amounts).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("2 columns for \"amount\" (金额, 补贴金额)"), "{e}");
        // One column per field, plus columns nobody reads: fine.
        let ok = format!("身份证号,姓名,村代码,类别,金额,备注,期间\n{row}");
        let (rows, errors) = read(&ok).unwrap();
        assert_eq!((rows.len(), errors.len()), (1, 0));
        assert_eq!(rows[0].body.amount().map(Fen::get), Some(30_000));
    }
}
