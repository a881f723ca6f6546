//! `ledger post` for the policy's procedures (issue 12): notices with their
//! publicity windows (公告/公示), the two checks (两比对), registration
//! (建档立卡), exit (脱贫), objections (异议) and their resolution, and the
//! household's confirmation of a payment (确认).
//!
//! Every value is checked here first, so a typo is a usage error naming
//! the flag (exit 2) or an input error naming the file and line (exit 4),
//! not a refusal by the node; the node still checks every rule.

use crate::batch::{Columns, Lines};
use crate::exit::{input, usage, Tag as _};
use crate::keys;
use crate::messages::flags::FlagMsg;
use crate::messages::Message as _;
use crate::post::parse;
use anyhow::Result;
use clap::Args;
use ledger_core::entry::EntryBody;
use ledger_core::household::{HouseholdRef, MaskedName, PseudonymKey, ResidentId};
use ledger_core::procedure::{
    AssistanceCategory, CheckKind, ConfirmMethod, HouseholdCheck, HouseholdExit, HouseholdLine, HouseholdRegister,
    Notice, NoticeLineRef, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve,
    ObjectionTarget, PaymentConfirm, PaymentLine, RegistrationNotices, MAX_NOTICE_LINES,
};
use std::path::{Path, PathBuf};

/// Largest notice CSV: 500 lines of at most a few hundred bytes each fit
/// well within 1 MiB; anything larger is not a notice.
pub const MAX_NOTICE_CSV_BYTES: u64 = 1024 * 1024;

/// `post notice`.
#[derive(Debug, Clone, Args)]
pub struct NoticeArgs {
    /// 公示编号: new notice id, e.g. N-320803101201-2019-03-PAY.
    #[arg(long)]
    pub id: String,
    /// 公示阶段: application/申报公告, village_publicity/村级公示, town_publicity/镇级公示,
    /// district_publicity/区级公示, objection_review/异议审核公示, exit_announcement/脱贫公告,
    /// payment_list/发放公示, project_plan/项目公示.
    #[arg(long)]
    pub stage: String,
    /// 公示地点: the village (town, district for those publicities) where it is posted.
    #[arg(long)]
    pub region: String,
    /// 公示开始日期: first day of the window, YYYY-MM-DD (its length is the policy's).
    #[arg(long, value_name = "DATE")]
    pub start: String,
    /// 标题, e.g. 2019年3月低保金发放公示.
    #[arg(long)]
    pub title: String,
    /// 公示名单 CSV (UTF-8, header row, at most 500 rows). Household notices:
    /// household,masked_name,village,category (户编号,姓名,村代码,类别); payment
    /// lists: household,masked_name,category,period,amount (户编号,姓名,类别,期间,金额);
    /// project plans: project (项目编号). Row 1 is line 0.
    #[arg(long, value_name = "FILE")]
    pub lines: PathBuf,
    /// Pseudonym key file: lets the household column hold 18-digit resident
    /// IDs (hashed here, never sent) instead of 64-hex household references.
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
}

/// `post check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// 申报公告编号: the application announcement listing the household.
    #[arg(long, value_name = "ID")]
    pub notice: String,
    /// The household's line on it, from 0.
    #[arg(long, value_name = "N")]
    pub line: u32,
    /// 比对类别: data_comparison/部门数据比对 or home_verification/入户核对.
    #[arg(long = "check", value_name = "KIND")]
    pub kind: String,
    /// 比对日期, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 结果: pass/通过 or fail/未通过.
    #[arg(long)]
    pub result: String,
    /// 说明 without personal data, e.g. 无车辆、无财政供养人员.
    #[arg(long)]
    pub note: String,
}

/// `post register`.
#[derive(Debug, Clone, Args)]
pub struct RegisterArgs {
    /// 户编号: 64-hex household reference, or an 18-digit resident ID with --pseudonym-key.
    #[arg(long)]
    pub household: String,
    /// 户主姓名: masked (张*三) or full (masked here).
    #[arg(long)]
    pub name: String,
    /// 村代码: the household's village.
    #[arg(long)]
    pub village: String,
    /// 救助类别: minimum_living/低保, extreme_poverty/特困供养, registered_low_income/建档立卡低收入户, ….
    #[arg(long)]
    pub category: String,
    /// 认定日期: the day the registration takes effect, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 申报公告 line, NOTICE:LINE (e.g. N-2019-APP:3).
    #[arg(long, value_name = "NOTICE:LINE")]
    pub application: Option<String>,
    /// 村级公示 line, NOTICE:LINE.
    #[arg(long = "village-publicity", value_name = "NOTICE:LINE")]
    pub village_publicity: Option<String>,
    /// 镇级公示 line, NOTICE:LINE.
    #[arg(long = "town-publicity", value_name = "NOTICE:LINE")]
    pub town_publicity: Option<String>,
    /// 区级公示 line, NOTICE:LINE.
    #[arg(long = "district-publicity", value_name = "NOTICE:LINE")]
    pub district_publicity: Option<String>,
    /// 异议审核公示 line, NOTICE:LINE.
    #[arg(long = "objection-review", value_name = "NOTICE:LINE")]
    pub objection_review: Option<String>,
    /// Pseudonym key file (when --household is a resident ID).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
}

/// `post exit`.
#[derive(Debug, Clone, Args)]
pub struct ExitArgs {
    /// 户编号: 64-hex household reference, or an 18-digit resident ID with --pseudonym-key.
    #[arg(long)]
    pub household: String,
    /// 村代码.
    #[arg(long)]
    pub village: String,
    /// 退出日期: eligibility ends on this day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 脱贫公告编号.
    #[arg(long, value_name = "ID")]
    pub notice: String,
    /// The household's line on it, from 0.
    #[arg(long, value_name = "N")]
    pub line: u32,
    /// 退出原因, e.g. 人均纯收入稳定超过标准.
    #[arg(long)]
    pub reason: String,
    /// Pseudonym key file (when --household is a resident ID).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
}

/// `post objection`.
#[derive(Debug, Clone, Args)]
pub struct ObjectionArgs {
    /// 案件编号: new case number, e.g. YY-2019-0012.
    #[arg(long = "case", value_name = "CASE")]
    pub case_no: String,
    /// 异议对象: a notice (with --line) …
    #[arg(long, value_name = "ID", requires = "line", conflicts_with = "seq")]
    pub notice: Option<String>,
    /// … its line, from 0 …
    #[arg(long, value_name = "N", requires = "notice")]
    pub line: Option<u32>,
    /// … or a payment or project entry by sequence number.
    #[arg(long, value_name = "SEQ")]
    pub seq: Option<u64>,
    /// 反映渠道: hotline_12317/12317热线, in_person/当面反映, letter/来信, web/网上反映.
    #[arg(long)]
    pub channel: String,
    /// 收到日期, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub received: String,
    /// 反映内容, without personal data of whoever objected.
    #[arg(long)]
    pub summary: String,
}

/// `post resolve`.
#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    /// 案件编号.
    #[arg(long = "case", value_name = "CASE")]
    pub case_no: String,
    /// 处理结果: upheld/属实 (the line is withdrawn; reverse a payment first) or dismissed/不属实.
    #[arg(long)]
    pub outcome: String,
    /// 处理日期, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 理由.
    #[arg(long)]
    pub reason: String,
}

/// `post confirm`.
#[derive(Debug, Clone, Args)]
pub struct ConfirmArgs {
    /// 发放记录序号: the household subsidy's sequence number.
    #[arg(long, value_name = "SEQ")]
    pub seq: u64,
    /// 确认方式: bank_statement/银行流水, card_signature/明白卡签字, in_person/当面确认.
    #[arg(long)]
    pub method: String,
    /// 确认日期, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
}

fn u<T>(r: Result<T, String>) -> Result<T> {
    r.map_err(usage)
}

fn labelled<T: Copy>(
    text: &str,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
    all: &[T],
    names: impl Fn(T) -> (&'static str, &'static str),
) -> Result<T, String> {
    parse(text).ok_or_else(|| {
        let list: Vec<String> = all
            .iter()
            .map(|v| {
                let (n, zh) = names(*v);
                format!("{n}/{zh}")
            })
            .collect();
        FlagMsg::NotOneOf {
            flag: what.to_string(),
            value: text.to_string(),
            list: list.join(", "),
        }
        .text()
    })
}

/// An assistance category by name or label.
pub fn assistance_category(text: &str, what: &str) -> Result<AssistanceCategory, String> {
    labelled(text, what, AssistanceCategory::parse, AssistanceCategory::ALL, |c| {
        (c.name(), c.label_zh())
    })
}

/// A household: 64 hex digits, or a resident ID hashed with the pseudonym key.
pub fn household(text: &str, what: &str, key: Option<&PseudonymKey>) -> Result<HouseholdRef, String> {
    let t = text.trim();
    if t.len() == 64 {
        return HouseholdRef::parse(t).map_err(|e| format!("{what}: {e}"));
    }
    match key {
        Some(key) => ResidentId::parse(t).map(|id| key.household_ref(&id)).map_err(|e| {
            FlagMsg::HouseholdNeither {
                flag: what.to_string(),
                why: e.to_string(),
            }
            .text()
        }),
        None => Err(FlagMsg::HouseholdNeedsKey {
            flag: what.to_string(),
            start: t.chars().take(20).collect::<String>(),
        }
        .text()),
    }
}

/// A masked name as given (张*三), or a full name masked here.
pub fn masked_name(text: &str, what: &str) -> Result<MaskedName, String> {
    let t = text.trim();
    MaskedName::parse_masked(t)
        .or_else(|_| MaskedName::mask(t))
        .map_err(|e| format!("{what}: {e}"))
}

/// `NOTICE:LINE`.
pub fn line_ref(text: &str, what: &str) -> Result<NoticeLineRef, String> {
    let (notice, line) = text.trim().rsplit_once(':').ok_or_else(|| {
        FlagMsg::LineRefForm {
            flag: what.to_string(),
            value: text.to_string(),
        }
        .text()
    })?;
    Ok(NoticeLineRef {
        notice: parse::ident(notice, what)?,
        line: line.trim().parse().map_err(|_| {
            FlagMsg::LineRefNumber {
                flag: what.to_string(),
                value: text.to_string(),
            }
            .text()
        })?,
    })
}

fn pseudonym(path: Option<&Path>) -> Result<Option<PseudonymKey>> {
    path.map(keys::read_pseudonym_key).transpose()
}

/// The lines of a notice from CSV text: household lines, payment lines or
/// project ids, by the stage. The first bad row fails the whole notice (a
/// notice is posted whole or not at all), named by its line in the file.
pub fn notice_lines(bytes: &[u8], stage: NoticeStage, key: Option<&PseudonymKey>) -> Result<NoticeLines, String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader.headers().map_err(|e| format!("line 1 (header): {e}"))?.clone();
    let (required, kind): (&[&'static str], u8) = match stage {
        NoticeStage::PaymentList => (&["household", "masked_name", "category", "period", "amount"], 1),
        NoticeStage::ProjectPlan => (&["project_id"], 2),
        _ => (&["household", "masked_name", "village", "category"], 0),
    };
    let columns = Columns::find(&headers, required, &[]).map_err(|e| format!("line 1 (header): {e}"))?;
    let mut households = Vec::new();
    let mut payments = Vec::new();
    let mut projects = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut count = 0usize;
    // Line numbers from byte offsets: the csv crate's own count is one off
    // with Windows line ends (see `batch::Lines`).
    let mut file_lines = Lines::new(bytes);
    loop {
        let read = reader.read_record(&mut record);
        let line = record.position().map_or(0, |p| file_lines.line_of(p.byte()));
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(line, |p| file_lines.line_of(p.byte()));
                return Err(match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => format!("line {at}: not UTF-8 text (save as \"CSV UTF-8\")"),
                    _ => format!("line {at}: {e}"),
                });
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > MAX_NOTICE_LINES {
            return Err(format!(
                "more than {MAX_NOTICE_LINES} rows, the most one notice holds: split it into several notices"
            ));
        }
        let at = |e: String| format!("line {line} (notice line {}): {e}", count - 1);
        let c = &columns;
        let r = &record;
        match kind {
            0 => households.push(HouseholdLine {
                household: household(c.need(r, "household").map_err(at)?, "household", key).map_err(at)?,
                masked_name: masked_name(c.need(r, "masked_name").map_err(at)?, "masked_name").map_err(at)?,
                village: parse::village(c.need(r, "village").map_err(at)?).map_err(at)?,
                category: assistance_category(c.need(r, "category").map_err(at)?, "category").map_err(at)?,
            }),
            1 => payments.push(PaymentLine {
                household: household(c.need(r, "household").map_err(at)?, "household", key).map_err(at)?,
                masked_name: masked_name(c.need(r, "masked_name").map_err(at)?, "masked_name").map_err(at)?,
                category: parse::subsidy_category(c.need(r, "category").map_err(at)?).map_err(at)?,
                period: parse::period(c.need(r, "period").map_err(at)?).map_err(at)?,
                amount: parse::yuan(c.need(r, "amount").map_err(at)?, "amount").map_err(at)?,
            }),
            _ => projects.push(parse::ident(c.need(r, "project_id").map_err(at)?, "project").map_err(at)?),
        }
    }
    if count == 0 {
        return Err("no rows: a notice lists at least one line".into());
    }
    Ok(match kind {
        0 => NoticeLines::Households(households),
        1 => NoticeLines::Payments(payments),
        _ => NoticeLines::Projects(projects),
    })
}

fn notice(a: &NoticeArgs) -> Result<EntryBody> {
    let stage = u(labelled(
        &a.stage,
        "--stage",
        NoticeStage::parse,
        NoticeStage::ALL,
        |s| (s.name(), s.label_zh()),
    ))?;
    let key = pseudonym(a.pseudonym_key.as_deref())?;
    let meta = std::fs::metadata(&a.lines).input_err(
        crate::messages::admin::AdminMsg::CannotRead {
            file: a.lines.display().to_string(),
        }
        .text(),
    )?;
    if meta.len() > MAX_NOTICE_CSV_BYTES {
        return Err(input(format!(
            "{} is {} bytes, more than a notice's {MAX_NOTICE_CSV_BYTES}-byte limit",
            a.lines.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(&a.lines).input_err(
        crate::messages::admin::AdminMsg::CannotRead {
            file: a.lines.display().to_string(),
        }
        .text(),
    )?;
    let lines = notice_lines(&bytes, stage, key.as_ref()).map_err(|e| input(format!("{}: {e}", a.lines.display())))?;
    Ok(EntryBody::Notice(Notice {
        notice: u(parse::ident(&a.id, "--id"))?,
        stage,
        region: u(parse::region(&a.region, "--region"))?,
        start: u(parse::date(&a.start, "--start"))?,
        title: u(parse::text(&a.title, "--title"))?,
        lines,
    }))
}

fn check(a: &CheckArgs) -> Result<EntryBody> {
    let passed = match a.result.trim() {
        "pass" | "passed" | "通过" => true,
        "fail" | "failed" | "未通过" | "不通过" => false,
        other => {
            return Err(usage(
                FlagMsg::PassOrFail {
                    value: other.to_string(),
                }
                .text(),
            ))
        }
    };
    Ok(EntryBody::HouseholdCheck(HouseholdCheck {
        application: NoticeLineRef {
            notice: u(parse::ident(&a.notice, "--notice"))?,
            line: a.line,
        },
        check: u(labelled(&a.kind, "--check", CheckKind::parse, CheckKind::ALL, |k| {
            (k.name(), k.label_zh())
        }))?,
        date: u(parse::date(&a.date, "--date"))?,
        passed,
        note: u(parse::text(&a.note, "--note"))?,
    }))
}

fn register(a: &RegisterArgs) -> Result<EntryBody> {
    let key = pseudonym(a.pseudonym_key.as_deref())?;
    let given = [
        (&a.application, "--application"),
        (&a.village_publicity, "--village-publicity"),
        (&a.town_publicity, "--town-publicity"),
        (&a.district_publicity, "--district-publicity"),
        (&a.objection_review, "--objection-review"),
    ];
    // All five lines of 两公告四公示, or none (history from before the
    // registration control, which the node accepts only when dated before it).
    let notices = if given.iter().all(|(v, _)| v.is_none()) {
        None
    } else {
        let mut refs = Vec::new();
        for (value, flag) in given {
            let text = value
                .as_deref()
                .ok_or_else(|| usage(FlagMsg::RegisterMissing { flag: flag.to_string() }.text()))?;
            refs.push(u(line_ref(text, flag))?);
        }
        let mut refs = refs.into_iter();
        let mut next = || refs.next().ok_or_else(|| usage("five notice lines"));
        Some(RegistrationNotices {
            application: next()?,
            village: next()?,
            town: next()?,
            district: next()?,
            objection_review: next()?,
        })
    };
    Ok(EntryBody::HouseholdRegister(HouseholdRegister {
        household: u(household(&a.household, "--household", key.as_ref()))?,
        masked_name: u(masked_name(&a.name, "--name"))?,
        village: u(parse::village(&a.village))?,
        category: u(assistance_category(&a.category, "--category"))?,
        date: u(parse::date(&a.date, "--date"))?,
        notices,
    }))
}

fn exit(a: &ExitArgs) -> Result<EntryBody> {
    let key = pseudonym(a.pseudonym_key.as_deref())?;
    Ok(EntryBody::HouseholdExit(HouseholdExit {
        household: u(household(&a.household, "--household", key.as_ref()))?,
        village: u(parse::village(&a.village))?,
        date: u(parse::date(&a.date, "--date"))?,
        announcement: NoticeLineRef {
            notice: u(parse::ident(&a.notice, "--notice"))?,
            line: a.line,
        },
        reason: u(parse::text(&a.reason, "--reason"))?,
    }))
}

fn objection(a: &ObjectionArgs) -> Result<EntryBody> {
    let target = match (&a.notice, a.line, a.seq) {
        (Some(n), Some(line), None) => ObjectionTarget::NoticeLine(NoticeLineRef {
            notice: u(parse::ident(n, "--notice"))?,
            line,
        }),
        (None, None, Some(seq)) => ObjectionTarget::Entry(seq),
        _ => return Err(usage(FlagMsg::ObjectionTarget.text())),
    };
    Ok(EntryBody::Objection(Objection {
        case_no: u(parse::ident(&a.case_no, "--case"))?,
        target,
        channel: u(labelled(
            &a.channel,
            "--channel",
            ObjectionChannel::parse,
            ObjectionChannel::ALL,
            |c| (c.name(), c.label_zh()),
        ))?,
        received: u(parse::date(&a.received, "--received"))?,
        summary: u(parse::text(&a.summary, "--summary"))?,
    }))
}

fn resolve(a: &ResolveArgs) -> Result<EntryBody> {
    Ok(EntryBody::ObjectionResolve(ObjectionResolve {
        case_no: u(parse::ident(&a.case_no, "--case"))?,
        outcome: u(labelled(
            &a.outcome,
            "--outcome",
            ObjectionOutcome::parse,
            ObjectionOutcome::ALL,
            |o| (o.name(), o.label_zh()),
        ))?,
        date: u(parse::date(&a.date, "--date"))?,
        reason: u(parse::text(&a.reason, "--reason"))?,
    }))
}

fn confirm(a: &ConfirmArgs) -> Result<EntryBody> {
    Ok(EntryBody::PaymentConfirm(PaymentConfirm {
        payment_seq: a.seq,
        method: u(labelled(
            &a.method,
            "--method",
            ConfirmMethod::parse,
            ConfirmMethod::ALL,
            |m| (m.name(), m.label_zh()),
        ))?,
        date: u(parse::date(&a.date, "--date"))?,
    }))
}

/// The procedure subcommands of `ledger post`.
#[derive(Debug, Clone)]
pub enum ControlPost<'a> {
    /// `notice`.
    Notice(&'a NoticeArgs),
    /// `check`.
    Check(&'a CheckArgs),
    /// `register`.
    Register(&'a RegisterArgs),
    /// `exit`.
    Exit(&'a ExitArgs),
    /// `objection`.
    Objection(&'a ObjectionArgs),
    /// `resolve`.
    Resolve(&'a ResolveArgs),
    /// `confirm`.
    Confirm(&'a ConfirmArgs),
}

/// The entry body of a procedure subcommand.
pub fn body(what: ControlPost<'_>) -> Result<EntryBody> {
    match what {
        ControlPost::Notice(a) => notice(a),
        ControlPost::Check(a) => check(a),
        ControlPost::Register(a) => register(a),
        ControlPost::Exit(a) => exit(a),
        ControlPost::Objection(a) => objection(a),
        ControlPost::Resolve(a) => resolve(a),
        ControlPost::Confirm(a) => confirm(a),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ledger_core::ids::Ident;

    const H1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
    const H2: &str = "0202020202020202020202020202020202020202020202020202020202020202";

    #[test]
    fn household_notice_lines_with_chinese_headers() {
        let csv =
            format!("户编号,姓名,村代码,类别\n{H1},张*三,320803101201,低保\n{H2},李四,320803101201,建档立卡低收入户\n");
        let NoticeLines::Households(lines) = notice_lines(csv.as_bytes(), NoticeStage::Application, None).unwrap()
        else {
            panic!("household lines expected")
        };
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].masked_name.as_str(), "张*三");
        assert_eq!(lines[1].masked_name.as_str(), "李*");
        assert_eq!(lines[1].category, AssistanceCategory::RegisteredLowIncome);
    }

    #[test]
    fn payment_lines_and_resident_ids() {
        let key = PseudonymKey::from_bytes([7; 32]);
        let csv = "household,masked_name,category,period,amount\n11010519491231002X,张*三,最低生活保障,2019-06,560\n";
        let NoticeLines::Payments(lines) = notice_lines(csv.as_bytes(), NoticeStage::PaymentList, Some(&key)).unwrap()
        else {
            panic!("payment lines expected")
        };
        assert_eq!(lines[0].amount.get(), 56_000);
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(lines[0].household, key.household_ref(&id));
    }

    #[test]
    fn csv_errors_name_the_line_and_the_problem() {
        let stage = NoticeStage::PaymentList;
        let header = "household,masked_name,category,period,amount\n";
        let cases = [
            (
                format!("{header}{H1},张*三,最低生活保障,2019-06,abc\n"),
                "line 2 (notice line 0): amount:",
            ),
            (
                format!("{header}{H1},张*三,最低生活保障,2019-06,560\n{H2},李*,低保金,2019-06,560\n"),
                "line 3 (notice line 1): category \"低保金\" 不是以下之一：",
            ),
            (
                format!("{header}{H1},张*三,最低生活保障,2019-13,560\n"),
                "line 2 (notice line 0):",
            ),
            (
                format!("{header}11010519491231002X,张*三,最低生活保障,2019-06,560\n"),
                "（用居民身份证号时请给 --pseudonym-key）",
            ),
            (
                format!("{header}{H1},,最低生活保障,2019-06,560\n"),
                "line 2 (notice line 0): masked_name is empty",
            ),
            (
                "household,masked_name,category,amount\n".to_string(),
                "line 1 (header): the header has no \"period\" column",
            ),
            (header.to_string(), "no rows"),
            (
                format!("household,masked_name,village,category\n{H1},张*三,320803101201,低保\n"),
                "the header has no \"period\" column",
            ),
        ];
        for (csv, expected) in cases {
            let e = notice_lines(csv.as_bytes(), stage, None).map(|_| ()).unwrap_err();
            assert!(e.contains(expected), "{csv:?}: {e}");
        }
        let e = notice_lines(
            format!("household,masked_name,village,category\n{H1},张*三,320803101000,低保\n").as_bytes(),
            NoticeStage::Application,
            None,
        )
        .map(|_| ())
        .unwrap_err();
        assert!(
            e.contains("line 2 (notice line 0): village：320803101000 不是村级区划代码"),
            "{e}"
        );
    }

    #[test]
    fn lines_are_named_whatever_the_line_ends() {
        for nl in ["\n", "\r\n"] {
            let csv = [
                "household,masked_name,category,period,amount",
                &format!("{H1},张*三,最低生活保障,2019-06,560"),
                "",
                &format!("{H2},李*,最低生活保障,2019-06,5x0"),
            ]
            .join(nl)
                + nl;
            let e = notice_lines(csv.as_bytes(), NoticeStage::PaymentList, None)
                .map(|_| ())
                .unwrap_err();
            assert!(e.starts_with("line 4 (notice line 1): amount:"), "{nl:?}: {e}");
        }
    }

    #[test]
    fn more_than_500_rows_is_refused() {
        let mut csv = String::from("household,masked_name,village,category\n");
        for i in 0..=MAX_NOTICE_LINES {
            csv.push_str(&format!("{:064x},张*三,320803101201,低保\n", i + 1));
        }
        let e = notice_lines(csv.as_bytes(), NoticeStage::Application, None)
            .map(|_| ())
            .unwrap_err();
        assert!(e.starts_with("more than 500 rows"), "{e}");
    }

    #[test]
    fn line_refs() {
        assert_eq!(
            line_ref("N-2019-APP:3", "--application").unwrap(),
            NoticeLineRef {
                notice: Ident::new("N-2019-APP").unwrap(),
                line: 3
            }
        );
        assert!(line_ref("N-2019-APP", "--application")
            .unwrap_err()
            .contains("：应写成 公告编号:行号，例如 N-2019-APP:3"));
        assert!(line_ref("N-2019-APP:x", "--application")
            .unwrap_err()
            .contains("：行号是从 0 起的整数"));
    }
}
