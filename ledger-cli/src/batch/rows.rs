//! Parsing and checking the rows of a batch: every row becomes an entry
//! body or a row error naming the file's own row and column, never a
//! failure of the whole file (a bad header or an unreadable file is).

use super::values;
use super::villages::VillageNames;
use super::{Columns, CsvType, Row, RowError, MAX_ROWS};
use crate::exit::input;
use crate::messages::batch::{CellMsg, RowMsg};
use crate::messages::sheet::{At, SheetMsg};
use crate::messages::{column_letter, Message as _};
use crate::post::parse;
use crate::sheet::{Cell, Sheet};
use anyhow::Result;
use ledger_core::encoding;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, NoticeLineRef, Payee, ProjectDisbursement, Supplement};
use ledger_core::household::{MaskedName, PseudonymKey};
use ledger_core::ids::Date;
use ledger_core::region::RegionCode;
use std::collections::{HashMap, HashSet};

/// What the rows are checked against.
pub struct Context<'a> {
    /// Registered villages (empty: not checked).
    pub regions: &'a HashSet<RegionCode>,
    /// Village names, for rows that name their village.
    pub villages: &'a VillageNames,
    /// The signing key's granted regions (empty: not known here; the node
    /// still checks every row's scope).
    pub scope: &'a [RegionCode],
    /// The pseudonym key (subsidies).
    pub pseudonym: Option<&'a PseudonymKey>,
    /// Default fund.
    pub fund: Option<&'a str>,
    /// Default paying account.
    pub from: Option<&'a str>,
    /// Default business date (rows without a `date` column).
    pub date: Option<Date>,
}

#[cfg(test)]
/// Parse and check the rows of CSV bytes (UTF-8 or GBK; see [`parse_sheet`]).
pub fn parse_rows(bytes: &[u8], kind: CsvType, ctx: &Context<'_>) -> Result<(Vec<Row>, Vec<RowError>)> {
    let (text, encoding) = crate::sheet::decode("CSV", bytes).map_err(input)?;
    let sheet = crate::sheet::read_csv("CSV", &text, encoding, true).map_err(input)?;
    parse_sheet(&sheet, kind, ctx)
}

/// Most rows above the header looked through for it (a title such as
/// `2019年8月农村低保发放表`, the office and the date come first in many
/// offices' sheets).
const MAX_ROWS_ABOVE_HEADER: usize = 10;

fn locate(kind: CsvType, header: &[&str]) -> Result<Columns, RowMsg> {
    match kind {
        CsvType::Subsidies => Columns::locate(
            header,
            &["resident_id", "name", "village", "category", "amount", "period"],
            &[
                "date",
                "notice",
                "line",
                "fund",
                "from",
                "supplementary",
                "of_seq",
                "note",
            ],
        ),
        CsvType::Disbursements => Columns::locate(
            header,
            &["project", "payee_id", "payee_name", "amount", "contract", "milestone"],
            &["date", "fund", "from"],
        ),
    }
}

/// Parse and check every row of a table. Never fails on a row: bad rows
/// are returned. The header is the table's first row, or the first of the
/// next rows that has the required columns (rows above it are titles).
pub fn parse_sheet(sheet: &Sheet, kind: CsvType, ctx: &Context<'_>) -> Result<(Vec<Row>, Vec<RowError>)> {
    let first: Vec<&str> = sheet.header.iter().map(String::as_str).collect();
    let (columns, header, skip, header_row) = match locate(kind, &first) {
        Ok(c) => (c, sheet.header.clone(), 0, sheet.first_row),
        Err(first_error) => {
            let found = sheet
                .rows
                .iter()
                .take(MAX_ROWS_ABOVE_HEADER)
                .enumerate()
                .find_map(|(i, cells)| {
                    let texts: Vec<String> = cells.iter().map(values::shown).collect();
                    let names: Vec<&str> = texts.iter().map(String::as_str).collect();
                    locate(kind, &names)
                        .ok()
                        .map(|c| (c, texts, i + 1, sheet.row_number(i)))
                });
            found.ok_or_else(|| input(first_error.text()))?
        }
    };
    // A formula or merged cell from the header down: the whole file is
    // refused at the first one (reading on would post guessed values).
    if let Some(s) = sheet
        .suspects
        .iter()
        .filter(|s| s.last_row >= header_row)
        .min_by_key(|s| (s.first_row.max(header_row), s.col))
    {
        let at = At {
            row: s.first_row.max(header_row),
            letter: column_letter(s.col),
            header: s
                .col
                .checked_sub(sheet.first_col)
                .and_then(|c| header.get(c))
                .cloned()
                .unwrap_or_default(),
        };
        let what = if s.formula {
            SheetMsg::Formula(at)
        } else {
            SheetMsg::Merged(at)
        };
        return Err(input(what.text()));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<Vec<u8>, u64> = HashMap::new();
    let is_csv = !sheet.row_lines.is_empty();
    for (i, cells) in sheet.rows.iter().enumerate().skip(skip) {
        if cells.iter().all(|c| values::shown(c).is_empty()) {
            continue;
        }
        let line = sheet.row_number(i);
        // A total row (合计/总计/小计) at the foot of an office's sheet is
        // not a payment: it is checked against the rows above it instead,
        // which catches a row lost or changed after the total was typed.
        if is_total_row(cells) {
            let key = match kind {
                CsvType::Subsidies => "resident_id",
                CsvType::Disbursements => "project",
            };
            let key_empty = columns
                .index(key)
                .and_then(|c| cells.get(c))
                .is_none_or(|c| values::shown(c).is_empty());
            if key_empty {
                let stated = columns
                    .index("amount")
                    .and_then(|c| cells.get(c))
                    .filter(|c| !values::shown(c).is_empty())
                    .map(values::amount);
                let sum: u64 = rows.iter().filter_map(|r: &Row| r.body.amount()).map(|a| a.get()).sum();
                if let (Some(Ok(total)), true) = (stated, errors.is_empty()) {
                    if total.get() != sum {
                        let message = RowMsg::TotalMismatch {
                            row: line,
                            stated: total.get(),
                            sum,
                        };
                        errors.push(RowError {
                            line,
                            message: message.text(),
                        });
                    }
                }
                continue;
            }
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(input(format!("more than {MAX_ROWS} rows; split the file")));
        }
        // A CSV row with more or fewer fields than the header has its
        // values under the wrong columns: which is which would be a guess.
        if is_csv && cells.len() != header.len() {
            let message = RowMsg::FieldCount {
                row: line,
                fields: cells.len(),
                columns: header.len(),
            };
            errors.push(RowError {
                line,
                message: message.text(),
            });
            continue;
        }
        let view = View {
            sheet,
            header: &header,
            i,
            cells,
            columns: &columns,
            row: line,
        };
        let parsed = match kind {
            CsvType::Subsidies => subsidy_row(&view, ctx),
            CsvType::Disbursements => disbursement_row(&view, ctx),
        };
        match parsed {
            Err(message) => errors.push(RowError {
                line,
                message: message.text(),
            }),
            Ok(body) => {
                let dedup_key = match &body {
                    // The same household, category and period twice is a
                    // duplicate payment, unless one is a supplement of an
                    // earlier entry (named by its number: a supplement
                    // cannot add to a row of the same file).
                    EntryBody::HouseholdSubsidy(s) => encoding::encode(&(
                        s.household,
                        s.category,
                        s.period,
                        s.supplementary.as_ref().map(|x| x.of_seq),
                    )),
                    other => encoding::encode(other),
                };
                if let Some(first) = seen.get(&dedup_key) {
                    let message = RowMsg::Duplicate {
                        row: line,
                        first: *first,
                    };
                    errors.push(RowError {
                        line,
                        message: message.text(),
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

/// A row that says 合计, 总计 or 小计 in one of its cells.
fn is_total_row(cells: &[Cell]) -> bool {
    cells.iter().any(|c| {
        let t: String = values::shown(c).chars().filter(|c| !c.is_whitespace()).collect();
        matches!(t.trim_end_matches(['：', ':']), "合计" | "总计" | "小计" | "合计金额")
    })
}

/// One row's cells, with where each field's column is.
struct View<'a> {
    sheet: &'a Sheet,
    header: &'a [String],
    i: usize,
    cells: &'a [Cell],
    columns: &'a Columns,
    row: u64,
}

impl View<'_> {
    fn at(&self, field: &str) -> At {
        let col = self.columns.index(field).unwrap_or(0);
        At {
            row: self.row,
            letter: column_letter(self.sheet.first_col + col),
            header: self.header.get(col).cloned().unwrap_or_default(),
        }
    }
    fn get(&self, field: &str) -> Option<&Cell> {
        self.columns
            .index(field)
            .and_then(|c| self.cells.get(c))
            .filter(|c| !values::shown(c).is_empty())
    }
    fn text(&self, field: &str) -> Option<String> {
        self.get(field).map(values::shown)
    }
    fn need(&self, field: &str) -> Result<&Cell, RowMsg> {
        self.get(field).ok_or_else(|| self.err(field, CellMsg::Empty))
    }
    fn need_text(&self, field: &str) -> Result<String, RowMsg> {
        self.need(field).map(values::shown)
    }
    fn is_date(&self, field: &str) -> bool {
        self.columns
            .index(field)
            .is_some_and(|c| self.sheet.date_cells.contains(&(self.i, c)))
    }
    fn err(&self, field: &str, m: CellMsg) -> RowMsg {
        RowMsg::Cell(self.at(field), m)
    }
    /// Wrap a checker's own words (core's parsers) under the field's cell.
    fn other(&self, field: &str) -> impl Fn(String) -> RowMsg + '_ {
        let at = self.at(field);
        move |why| RowMsg::Cell(at.clone(), CellMsg::Other { why })
    }
    fn fund(&self, ctx: &Context<'_>) -> Result<ledger_core::ids::Ident, RowMsg> {
        let fund = self
            .text("fund")
            .or(ctx.fund.map(str::to_string))
            .ok_or(RowMsg::NoDefault {
                row: self.row,
                column: "资金编号 (fund)",
                flag: "--fund",
            })?;
        parse::ident(&fund, "fund").map_err(self.other("fund"))
    }
    /// The business date: the `date` column, else `--date`.
    fn date(&self, ctx: &Context<'_>) -> Result<Date, RowMsg> {
        match self.get("date") {
            Some(c) => values::date(c, self.is_date("date")).map_err(|m| self.err("date", m)),
            None => ctx.date.ok_or(RowMsg::NoDefault {
                row: self.row,
                column: "发放日期 (date)",
                flag: "--date",
            }),
        }
    }
    /// The payment-list line: `notice` and `line` columns, both or neither.
    fn notice(&self) -> Result<Option<NoticeLineRef>, RowMsg> {
        match (self.text("notice"), self.text("line")) {
            (None, None) => Ok(None),
            (Some(n), Some(l)) => Ok(Some(NoticeLineRef {
                notice: parse::ident(&n, "notice").map_err(self.other("notice"))?,
                line: l.parse().map_err(|_| {
                    self.err(
                        "line",
                        CellMsg::Other {
                            why: format!("{l:?} 不是行号（0、1、2、……） / not a line number"),
                        },
                    )
                })?,
            })),
            (Some(_), None) => Err(self.err("line", CellMsg::Empty)),
            (None, Some(_)) => Err(self.err("notice", CellMsg::Empty)),
        }
    }
    /// A supplementary payment: 补发原因 with 原发放序号 and 说明, or none.
    /// A 说明 alone is the row's remark, not a supplement: an office's
    /// table may explain any row.
    fn supplement(&self) -> Result<Option<Supplement>, RowMsg> {
        let Some(reason) = self.text("supplementary") else {
            return match self.text("of_seq") {
                Some(_) => Err(self.err("supplementary", CellMsg::Empty)),
                None => Ok(None),
            };
        };
        for field in ["of_seq", "note"] {
            if self.columns.index(field).is_none() {
                return Err(RowMsg::MissingColumn {
                    field,
                    accepted: super::columns::aliases(field).join(", "),
                });
            }
        }
        let of_seq = self.need_text("of_seq")?;
        let of_seq: u64 = of_seq.parse().map_err(|_| {
            self.err(
                "of_seq",
                CellMsg::Other {
                    why: format!("{of_seq:?} 不是账本条目序号 / not an entry number"),
                },
            )
        })?;
        let note = self.need_text("note")?;
        parse::supplement(&reason, of_seq, &note, "supplementary")
            .map(Some)
            .map_err(self.other("supplementary"))
    }
}

fn subsidy_row(v: &View<'_>, ctx: &Context<'_>) -> Result<EntryBody, RowMsg> {
    let id = values::resident_id(v.need("resident_id")?).map_err(|m| v.err("resident_id", m))?;
    let masked_name = MaskedName::mask(&v.need_text("name")?).map_err(|e| v.other("name")(e.to_string()))?;
    let village = ctx
        .villages
        .resolve(&v.need_text("village")?, ctx.scope)
        .map_err(|m| v.err("village", m))?;
    if !ctx.regions.is_empty() && !ctx.regions.contains(&village) {
        return Err(v.err(
            "village",
            CellMsg::VillageUnknown {
                name: village.to_string(),
                candidates: Vec::new(),
            },
        ));
    }
    if !ctx.scope.is_empty() && !ctx.scope.iter().any(|s| s.covers(village)) {
        return Err(v.err(
            "village",
            CellMsg::OutOfScope {
                village: village.to_string(),
                scope: ctx.scope.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            },
        ));
    }
    let category = values::category(v.need("category")?).map_err(|m| v.err("category", m))?;
    let amount = values::amount(v.need("amount")?).map_err(|m| v.err("amount", m))?;
    let period = values::period(v.need("period")?, v.is_date("period")).map_err(|m| v.err("period", m))?;
    let fund = v.fund(ctx)?;
    let from = parse::subsidy_from(v.text("from").as_deref().or(ctx.from), village).map_err(v.other("from"))?;
    if let Account::Treasury(code) = &from {
        if !code.covers(village) {
            return Err(v.other("from")(format!(
                "account {} does not cover village {village}",
                from.key()
            )));
        }
    }
    let key = ctx.pseudonym.ok_or(RowMsg::NoDefault {
        row: v.row,
        column: "假名密钥 (pseudonym key)",
        flag: "--pseudonym-key",
    })?;
    Ok(EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund,
        from,
        household: key.household_ref(&id),
        masked_name,
        village,
        category,
        period,
        amount,
        date: v.date(ctx)?,
        notice: v.notice()?,
        supplementary: v.supplement()?,
    }))
}

fn disbursement_row(v: &View<'_>, ctx: &Context<'_>) -> Result<EntryBody, RowMsg> {
    let project = parse::ident(&v.need_text("project")?, "project").map_err(v.other("project"))?;
    let fund = v.fund(ctx)?;
    let from = match v.text("from").as_deref().or(ctx.from) {
        Some(f) => parse::account(f, "from").map_err(v.other("from"))?,
        None => Account::Project(project.clone()),
    };
    Ok(EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund,
        project,
        from,
        payee: Payee {
            id: parse::ident(&v.need_text("payee_id")?, "payee_id").map_err(v.other("payee_id"))?,
            name: parse::text(&v.need_text("payee_name")?, "payee_name").map_err(v.other("payee_name"))?,
        },
        amount: values::amount(v.need("amount")?).map_err(|m| v.err("amount", m))?,
        contract_ref: parse::text(&v.need_text("contract")?, "contract").map_err(v.other("contract"))?,
        milestone: parse::text(&v.need_text("milestone")?, "milestone").map_err(v.other("milestone"))?,
        date: v.date(ctx)?,
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
            villages: &VillageNames::default(),
            scope: &[],
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
            // The bad ID on line 4, the two-line row on 5 (two fields,
            // not six), the repeated row on 7.
            assert_eq!(error_lines, vec![4, 5, 7], "{nl:?}: {errors:?}");
            assert_eq!(
                errors[1].message,
                "第 5 行有 2 个字段，表头有 6 列：请检查是否多了或少了逗号"
            );
            assert_eq!(
                errors[2].message,
                "第 7 行与第 2 行是同一户、同一补助类别、同一期间（重复发放）：请删除其中一行"
            );
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
                (
                    4,
                    "第 4 行 G 列（发放日期）：日期 \"2019-02-30\" 无法识别：请写成 2019-08-20"
                ),
                (5, "第 5 行 I 列（公示行号）为空：请填写"),
                (6, "第 6 行 H 列（公示编号）为空：请填写"),
                (
                    7,
                    "第 7 行 I 列（公示行号）：\"x\" 不是行号（0、1、2、……） / not a line number"
                ),
            ]
        );
        // Two date columns is a guess refused, as for every field.
        let e = read("resident_id,name,village,category,amount,period,date,拨付日期\n")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "表头（第 1 行）有 2 个 date 列（date, 拨付日期）：请只保留一列");
    }

    /// A supplementary payment (补发, issue 14) from its three columns; a
    /// 说明 alone is a remark; each missing or bad part named by its cell;
    /// a supplement and the payment it adds to are not a duplicate pair.
    #[test]
    fn supplement_columns() {
        use ledger_core::entry::SupplementReason;
        let id = "11010519491231002X";
        let csv = format!(
            "身份证号,姓名,村代码,类别,金额,期间,补发原因,原发放序号,说明\n\
             {id},张小三,320803001002,最低生活保障,300,2019-06,,,上月已发\n\
             {id},张小三,320803001002,最低生活保障,50,2019-06,补发,812,淮区民〔2019〕7号 补发少发的50元\n\
             {id},张小三,320803001002,最低生活保障,20,2019-07,差额补足,900,标准提高\n\
             {id},张小三,320803001002,最低生活保障,20,2019-08,补发,,少发\n\
             {id},张小三,320803001002,最低生活保障,20,2019-09,补发,12,\n\
             {id},张小三,320803001002,最低生活保障,20,2019-10,多发,12,说明\n\
             {id},张小三,320803001002,最低生活保障,20,2019-11,,12,说明\n\
             {id},张小三,320803001002,最低生活保障,20,2019-12,补发,1e3,说明\n"
        );
        let (rows, errors) = read(&csv).unwrap();
        type Sup = Option<(SupplementReason, u64, String)>;
        let sup: Vec<(u64, Sup)> = rows
            .iter()
            .map(|r| match &r.body {
                EntryBody::HouseholdSubsidy(s) => (
                    r.line,
                    s.supplementary
                        .as_ref()
                        .map(|x| (x.reason, x.of_seq, x.note.to_string())),
                ),
                _ => panic!("subsidy"),
            })
            .collect();
        assert_eq!(
            sup,
            vec![
                (2, None),
                (
                    3,
                    Some((
                        SupplementReason::BackPay,
                        812,
                        "淮区民〔2019〕7号 补发少发的50元".to_string()
                    ))
                ),
                (4, Some((SupplementReason::TopUp, 900, "标准提高".to_string()))),
            ]
        );
        let errors: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            errors,
            vec![
                (5, "第 5 行 H 列（原发放序号）为空：请填写"),
                (6, "第 6 行 I 列（说明）为空：请填写"),
                (
                    7,
                    "第 7 行 G 列（补发原因）：supplementary: 补发原因 \"多发\" 应为“补发”或“差额补足” (the reason must be 补发/back_pay or 差额补足/top_up)"
                ),
                (8, "第 8 行 G 列（补发原因）为空：请填写"),
                (9, "第 9 行 H 列（原发放序号）：\"1e3\" 不是账本条目序号 / not an entry number"),
            ]
        );
        // The reason without the entry's column: the column is named.
        let (_, errors) = read(&format!(
            "身份证号,姓名,村代码,类别,金额,期间,补发原因\n{id},张小三,320803001002,最低生活保障,20,2019-06,补发\n"
        ))
        .unwrap();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("原发放序号"), "{}", errors[0].message);
    }

    /// Regression (fuzz target `fuzz_csv_rows`, case 0x8c2f4bb7058046a1 of
    /// seed 0x5eed20190711): two resident-ID columns (`resident_id` and
    /// `身份证号码`), of which the first was silently used.
    #[test]
    fn a_header_with_two_columns_for_one_field_is_refused() {
        let row = "11010519491231002X,张小三,320803001002,最低生活保障,300.00,528368302467.68,2019-06\n";
        let two_ids = format!("resident_id,name,village,category,amount,身份证号码,period\n{row}");
        let e = read(&two_ids).map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            e,
            "表头（第 1 行）有 2 个 resident_id 列（resident_id, 身份证号码）：请只保留一列"
        );
        let two_amounts = format!("身份证号,姓名,村代码,类别,金额,补贴金额,期间\n{row}");
        let e = read(&two_amounts).map(|_| ()).unwrap_err().to_string();
        assert_eq!(e, "表头（第 1 行）有 2 个 amount 列（金额, 补贴金额）：请只保留一列");
        // One column per field, plus columns nobody reads: fine.
        let ok = format!("身份证号,姓名,村代码,类别,金额,备注,期间\n{row}");
        let (rows, errors) = read(&ok).unwrap();
        assert_eq!((rows.len(), errors.len()), (1, 0));
        assert_eq!(rows[0].body.amount().map(Fen::get), Some(30_000));
    }
}
