//! `ledger post`: one entry from flags or a JSON file, or a CSV batch.

use crate::admin::post_body;
use crate::controls_cmd::ControlPost;
use crate::exit::{input, usage, Tag as _};
use crate::keys;
use crate::messages::Message as _;
use crate::project_cmd::ProjectPost;
use crate::submit::SignArgs;
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_core::amount::Fen;
use ledger_core::entry::{
    Account, EntryBody, FundCategory, FundIssue, FundSource, HouseholdSubsidy, NoticeLineRef, Payee, ProjectCategory,
    ProjectDisbursement, ProjectRegister, Reversal, SubsidyCategory, Supplement, SupplementReason, Transfer,
};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Ident, Period, Text};
use ledger_core::region::{RegionCode, RegionLevel};
use std::path::PathBuf;

/// `ledger post`.
#[derive(Debug, Clone, Args)]
pub struct PostArgs {
    /// Signing and posting.
    #[command(flatten)]
    pub sign: SignArgs,
    /// What to post.
    #[command(subcommand)]
    pub what: PostWhat,
}

/// What to post.
#[derive(Debug, Clone, Subcommand)]
pub enum PostWhat {
    /// JSON 条目: an entry body from a JSON file (the EntryBody JSON form, e.g. {"Transfer": {…}}).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key entry --json transfer.json\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Entry {
        /// The JSON file.
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
    },
    /// 资金下达: a fund enters the ledger.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key fund-issue --fund F2019-SCN-012 --title 2019年省级财政专项扶贫资金 \\\n    --document-no 苏财农〔2019〕12号 --source provincial --category special_poverty --year 2019 \\\n    --to treasury:320803000000 --amount 12,000,000 --date 2019-03-01\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    FundIssue(FundIssueArgs),
    /// 拨付: money moves down the hierarchy.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key transfer --fund F2019-SCN-012 --from treasury:320803000000 \\\n    --to treasury:320803101000 --amount 1,200,000 --memo 拨付施河镇专项资金 --date 2019-03-15\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Transfer(TransferArgs),
    /// 项目申报: propose a project to the library (review, publicity and approval follow).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key project --id P2019-101201-01 --name 王桥村道路硬化工程 \\\n    --village 320803101201 --category village_road --budget 800,000 --implementer 施河镇人民政府 \\\n    --start 2019-04-01 --end 2019-10-28\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Project(ProjectArgs),
    /// 项目支出: pay a payee for a project.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key disbursement --fund F2019-SCN-012 --project P2019-101201-01 \\\n    --payee-id 91320803MA1XXXXXXX --payee-name 淮安市瑞丰建设工程有限公司 --amount 240,000 \\\n    --contract HAFP-2019-001 --milestone 预付款 --date 2019-05-10\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Disbursement(DisbursementArgs),
    /// 到户补贴: pay one household (the resident ID is hashed here, never sent).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key subsidy --pseudonym-key pseudonym.key --fund F2019-SCS-023 \\\n    --resident-id 320803198001011232 --name 张小三 --village 320803101201 --category 最低生活保障 \\\n    --period 2019-06 --amount 560 --date 2019-06-20 \\\n    --notice N-320803101201-2019-06-PAY --line 4\n\n--date defaults to today (China time); --notice/--line are required for payments dated from the policy's\nenforcement date on.\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Subsidy(SubsidyArgs),
    /// 冲正: undo an earlier money entry.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key op.key --key deputy.key reversal --seq 1234 --reason 同一户同期重复发放，予以冲正 --date 2019-07-02\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Reversal(ReversalArgs),
    /// 公告/公示: post a notice with its publicity window; the lines come from a CSV file.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key village.key --key town.key notice --id N-320803101201-2019-06-PAY \\\n    --stage 发放公示 --region 320803101201 --start 2019-06-01 --title 2019年6月低保金发放公示 \\\n    --lines 2019-06-发放公示.csv\n\nCSV columns: household,masked_name,village,category (registration and exit notices) or\nhousehold,masked_name,category,period,amount (payment lists); Chinese headers 户编号,姓名,村代码,类别,期间,金额.\nAt most 500 rows; the first data row is line 0.\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Notice(crate::controls_cmd::NoticeArgs),
    /// 比对/核对: record a data comparison or home verification of an applying household.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key check --notice N-320803101201-2019-APP --line 3 \\\n    --check 入户核对 --date 2019-03-12 --result 通过 --note 住房、收入情况与申报一致\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Check(crate::controls_cmd::CheckArgs),
    /// 建档立卡: register a household in an assistance category after 两公告四公示.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key register --household 3f2a…e9 --name 张*三 \\\n    --village 320803101201 --category 低保 --date 2019-04-20 --application N-APP:3 \\\n    --village-publicity N-VIL:3 --town-publicity N-TOWN:7 --district-publicity N-DIST:12 --objection-review N-REV:12\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Register(crate::controls_cmd::RegisterArgs),
    /// 脱贫退出: a household leaves the categories that end with a poverty exit.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key exit --household 3f2a…e9 --village 320803101201 \\\n    --date 2020-11-20 --notice N-320803101201-2020-EXIT --line 0 --reason 人均纯收入稳定超过标准\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Exit(crate::controls_cmd::ExitArgs),
    /// 异议: record an objection against a notice line or an entry.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key inspector.key objection --case YY-2019-0012 \\\n    --notice N-320803101201-2019-06-PAY --line 4 --channel 12317热线 --received 2019-06-03 \\\n    --summary 反映该户已有财政供养人员\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Objection(crate::controls_cmd::ObjectionArgs),
    /// 异议处理: decide an objection (upheld/属实 or dismissed/不属实).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key inspector.key resolve --case YY-2019-0012 --outcome 不属实 \\\n    --date 2019-06-06 --reason 经核查该户无财政供养人员\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Resolve(crate::controls_cmd::ResolveArgs),
    /// 到户确认: a household confirmed it received a payment (witnessed by the signing village cadre).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key village.key confirm --seq 1234 --method 明白卡签字 --date 2019-06-20\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Confirm(crate::controls_cmd::ConfirmArgs),
    /// 联系方式 (有疑问？): whom citizens call or visit about a region's money, from a TOML or JSON file.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key poverty.key contacts --region 320803000000 --file contacts.toml\n\ncontacts.toml:\n  [[contact]]\n  role = \"hotline_12317\"      # or discipline, poverty_office, finance, village_committee, other (or 纪检监察 …)\n  name = \"扶贫监督举报电话\"\n  phone = \"12317\"\n  address = \"电话受理\"\n  hours = \"工作日 8:30-17:30\"\n\nThe list (1-16) replaces the region's previous one. Exit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Contacts(crate::contacts_cmd::ContactsArgs),
    /// 审核论证: review a proposed project (pass/通过 or fail/未通过).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key review --project P2019-101201-01 --date 2019-03-08 \\\n    --document-no 淮区扶贫论〔2019〕3号 --result 通过 --note 选址合理、效益可行\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Review(crate::project_cmd::ReviewArgs),
    /// 批复入库: approve a reviewed project after its plan's publicity, with its budget per fund and contractor.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key poverty.key --key finance.key approve --project P2019-101201-01 \\\n    --date 2019-03-20 --document-no 淮区扶贫〔2019〕12号 --plan N-P2019-101201-01-PLAN:0 \\\n    --budget F2019-SCN-012=1,200,000 --contractor 91320803MA1XXXXXX0 \\\n    --contractor-name 淮安市瑞丰建设工程有限公司 --contract-no 淮区扶贫项目合同HAFP-2019-001\n\n--budget FUND=YUAN is repeated once per fund (1-16).\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Approve(crate::project_cmd::ApproveArgs),
    /// 项目实施: work on an approved project starts (开工).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key start --project P2019-101201-01 --date 2019-04-05 \\\n    --document-no 施河镇开工令〔2019〕2号 --note 施工单位进场施工\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Start(crate::project_cmd::MilestoneArgs),
    /// 竣工验收: a started project is accepted (the retention share may be paid after it).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key --key finance.key accept --project P2019-101201-01 \\\n    --date 2019-09-10 --document-no 淮区扶贫验〔2019〕7号 --note 工程质量合格\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Accept(crate::project_cmd::MilestoneArgs),
    /// 资产移交: an accepted project's asset is handed over.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key town.key handover --project P2019-101201-01 --date 2019-09-25 \\\n    --document-no 施河镇资产移交〔2019〕4号 --note 移交王桥村委会管护\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Handover(crate::project_cmd::MilestoneArgs),
    /// 绩效评价: evaluate a handed-over project (score 0-100).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key poverty.key evaluate --project P2019-101201-01 --date 2019-12-15 \\\n    --document-no 淮区扶贫绩〔2019〕9号 --score 92 --note 村集体年增收4.2万元\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Evaluate(crate::project_cmd::EvaluateArgs),
    /// 项目调整: a new budget per fund (whole), and maybe a new contractor, between approval and acceptance.
    #[command(
        after_help = "Example:\n  ledger post --node URL --key poverty.key --key finance.key adjust --project P2019-101201-01 \\\n    --date 2019-06-10 --document-no 淮区扶贫〔2019〕31号 --budget F2019-SCN-012=1,380,000 \\\n    --reason 设计变更，追加项目预算\n\nA contract change adds --contractor, --contractor-name and --contract-no.\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Adjust(crate::project_cmd::AdjustArgs),
    /// 项目终止: cancel a project before its hand-over (no payment after).
    #[command(
        after_help = "Example:\n  ledger post --node URL --key poverty.key cancel --project P2019-101201-01 --date 2019-04-05 \\\n    --reason 项目选址与村庄规划冲突，终止实施\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. a refusal, with its code), 4 input file error."
    )]
    Cancel(crate::project_cmd::CancelArgs),
    /// 批量记账：从表格（CSV UTF-8/GBK 或 Excel .xlsx/.xls）记一批到户补贴或项目支出，先预检，整批全记或全不记 (a batch from a table: pre-flight, then all or nothing).
    #[command(
        after_help = "示例 (Examples):\n  ledger --lang zh post --node URL --key 镇财政所.key --key 镇扶贫办.key csv 2019-08-低保.xlsx \\\n    --pseudonym-key pseudonym.key --fund F2019-SCS-023 --dry-run      # 预检，不记账\n  ledger post --node URL --key 镇财政所.key --key 镇扶贫办.key csv 2019-08-低保.csv \\\n    --pseudonym-key pseudonym.key --fund F2019-SCS-023 --date 2019-08-20\n\n表头（第 1 行）可用中文或英文列名 (Chinese or English headers)：户主姓名 身份证号码 村/社区（村名或 12 位代码）\n补助类别（低保、最低生活保障 …） 所属期间（2019年8月、2019-08、201908） 金额(元) [发放日期 资金编号 公示编号 公示行号 付款账户]\n\n记账前先检查每一行、各账户每项资金的余额是否够整批、每户是否已发放过；有问题则一笔也不记。\n同一内容的文件（改名、另存为 GBK 或 .xlsx）不会重复记账；中断后重新运行同一命令是安全的 (docs/CLI.md)。\n\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. the pre-flight's findings), 4 input file error (incl. invalid rows)."
    )]
    Csv(crate::batch::CsvArgs),
}

/// `post fund-issue`.
#[derive(Debug, Clone, Args)]
pub struct FundIssueArgs {
    /// New fund id, e.g. F2019-SCN-012.
    #[arg(long)]
    pub fund: String,
    /// Title.
    #[arg(long)]
    pub title: String,
    /// 文号, e.g. 苏财农〔2019〕12号.
    #[arg(long)]
    pub document_no: String,
    /// central, provincial, municipal, district, social_donation (or 中央财政 …).
    #[arg(long)]
    pub source: String,
    /// special_poverty, industry, infrastructure, housing, education, medical, social_security, other.
    #[arg(long)]
    pub category: String,
    /// Fiscal year.
    #[arg(long)]
    pub year: u16,
    /// Receiving account, e.g. treasury:320803000000.
    #[arg(long)]
    pub to: String,
    /// Amount in yuan, e.g. 1,200,000.00.
    #[arg(long)]
    pub amount: String,
    /// 业务日期 (拨付/发放日期): the day the money moved, YYYY-MM-DD
    /// (default: today, China time).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

/// `post transfer`.
#[derive(Debug, Clone, Args)]
pub struct TransferArgs {
    /// Fund id.
    #[arg(long)]
    pub fund: String,
    /// Paying account (treasury:CODE).
    #[arg(long)]
    pub from: String,
    /// Receiving account (treasury:CODE or project:ID).
    #[arg(long)]
    pub to: String,
    /// Amount in yuan.
    #[arg(long)]
    pub amount: String,
    /// Memo or approval reference.
    #[arg(long)]
    pub memo: String,
    /// 业务日期 (拨付/发放日期): the day the money moved, YYYY-MM-DD
    /// (default: today, China time).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

/// `post project`.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// New project id.
    #[arg(long)]
    pub id: String,
    /// Name.
    #[arg(long)]
    pub name: String,
    /// Village code.
    #[arg(long)]
    pub village: String,
    /// village_road, housing_renovation, industry_base, solar, water, irrigation, other.
    #[arg(long)]
    pub category: String,
    /// Budget in yuan.
    #[arg(long)]
    pub budget: String,
    /// Implementing unit.
    #[arg(long)]
    pub implementer: String,
    /// Planned start, YYYY-MM-DD.
    #[arg(long)]
    pub start: String,
    /// Planned end, YYYY-MM-DD.
    #[arg(long)]
    pub end: String,
}

/// `post disbursement`.
#[derive(Debug, Clone, Args)]
pub struct DisbursementArgs {
    /// Fund id.
    #[arg(long)]
    pub fund: String,
    /// Project id.
    #[arg(long)]
    pub project: String,
    /// Paying account (default project:<project>).
    #[arg(long)]
    pub from: Option<String>,
    /// Payee id (unified social credit code).
    #[arg(long)]
    pub payee_id: String,
    /// Payee name.
    #[arg(long)]
    pub payee_name: String,
    /// Amount in yuan.
    #[arg(long)]
    pub amount: String,
    /// Contract or invoice reference.
    #[arg(long)]
    pub contract: String,
    /// Milestone, e.g. 竣工验收款.
    #[arg(long)]
    pub milestone: String,
    /// 业务日期 (拨付/发放日期): the day the money moved, YYYY-MM-DD
    /// (default: today, China time).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

/// `post subsidy`.
#[derive(Debug, Clone, Args)]
pub struct SubsidyArgs {
    /// 资金编号 (fund id).
    #[arg(long)]
    pub fund: String,
    /// 付款账户，默认该村所属镇的财政所账户 (paying account; default the village's town treasury).
    #[arg(long)]
    pub from: Option<String>,
    /// 户主 18 位身份证号码，只在本机做假名化，不发送 (the resident ID: hashed locally, never sent).
    #[arg(long)]
    pub resident_id: String,
    /// 户主姓名，本机打码：张小三 → 张*三 (full name, masked locally).
    #[arg(long)]
    pub name: String,
    /// 村 12 位区划代码 (village code).
    #[arg(long)]
    pub village: String,
    /// 补助类别：minimum_living、最低生活保障 … (category).
    #[arg(long)]
    pub category: String,
    /// 所属期间：2019 或 2019-03 (period).
    #[arg(long)]
    pub period: String,
    /// 金额（元），最多两位小数 (amount in yuan).
    #[arg(long)]
    pub amount: String,
    /// 假名密钥文件，与账本创世条目中的承诺核对 (the pseudonym key file).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: PathBuf,
    /// 业务日期 (拨付/发放日期): the day the money moved, YYYY-MM-DD
    /// (default: today, China time).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// 发放公示: the payment-list notice that publicised this payment
    /// (required for payments dated from the policy's enforcement date on).
    #[arg(long, value_name = "ID", requires = "line")]
    pub notice: Option<String>,
    /// The line on that notice, from 0 (the first data row of the notice's CSV is line 0).
    #[arg(long, value_name = "N", requires = "notice")]
    pub line: Option<u32>,
    /// 补发原因：补发 或 差额补足，与 --of-seq、--note 一起用：同一户同一类别同一期间
    /// 已发放过时，只有注明为补发才会被接受 (a supplementary payment's reason,
    /// 补发/back_pay or 差额补足/top_up, with --of-seq and --note: a second payment
    /// of one household, category and period is refused as duplicate_payment
    /// unless it is one).
    #[arg(long, value_name = "REASON", requires_all = ["of_seq", "note"])]
    pub supplementary: Option<String>,
    /// 原发放条目的账本序号 (the entry number of the payment it adds to).
    #[arg(long, value_name = "SEQ", requires = "supplementary")]
    pub of_seq: Option<u64>,
    /// 补发说明，群众可见：批准文号、少发了什么 (the explanation a citizen reads).
    #[arg(long, value_name = "TEXT", requires = "supplementary")]
    pub note: Option<String>,
}

/// `post reversal`.
#[derive(Debug, Clone, Args)]
pub struct ReversalArgs {
    /// Sequence number of the entry to undo.
    #[arg(long)]
    pub seq: u64,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// 业务日期 (拨付/发放日期): the day the money moved, YYYY-MM-DD
    /// (default: today, China time).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

/// Parse helpers shared with the CSV importer.
pub mod parse {
    use super::*;
    use crate::messages::flags::FlagMsg;

    /// An identifier.
    pub fn ident(text: &str, what: &str) -> Result<Ident, String> {
        Ident::new(text.trim()).map_err(|e| format!("{what}: {e}"))
    }
    /// A text.
    pub fn text(value: &str, what: &str) -> Result<Text, String> {
        Text::new(value.trim()).map_err(|e| format!("{what}: {e}"))
    }
    /// An amount in yuan.
    pub fn yuan(text: &str, what: &str) -> Result<Fen, String> {
        Fen::parse_yuan(text).map_err(|e| format!("{what}: {e}"))
    }
    /// An account key.
    pub fn account(text: &str, what: &str) -> Result<Account, String> {
        Account::parse(text.trim()).map_err(|e| format!("{what}: {e}"))
    }
    /// A region code.
    pub fn region(text: &str, what: &str) -> Result<RegionCode, String> {
        RegionCode::parse(text).map_err(|e| format!("{what}: {e}"))
    }
    /// A village code.
    pub fn village(text: &str) -> Result<RegionCode, String> {
        let code = region(text, "village")?;
        if code.level() != RegionLevel::Village {
            return Err(FlagMsg::NotVillageLevel { code: code.to_string() }.text());
        }
        Ok(code)
    }
    /// A date `YYYY-MM-DD` or `YYYYMMDD`.
    pub fn date(text: &str, what: &str) -> Result<Date, String> {
        let digits: String = text.trim().chars().filter(|c| *c != '-').collect();
        let n: u32 = digits.parse().map_err(|_| {
            FlagMsg::NotADate {
                flag: what.to_string(),
                value: text.to_string(),
            }
            .text()
        })?;
        Date::new(n).map_err(|e| format!("{what}: {e}"))
    }
    /// A subsidy category (name or Chinese label).
    pub fn subsidy_category(text: &str) -> Result<SubsidyCategory, String> {
        SubsidyCategory::parse(text).ok_or_else(|| {
            FlagMsg::NotOneOf {
                flag: "category".into(),
                value: text.to_string(),
                list: SubsidyCategory::ALL
                    .iter()
                    .map(|c| format!("{}/{}", c.name(), c.label_zh()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .text()
        })
    }
    /// A business date from a flag, or today in China (UTC+8) when absent:
    /// an office dates a payment by its own calendar day, and the node
    /// refuses a date after its own China-time day.
    pub fn business_date(text: Option<&str>, what: &str) -> Result<Date, String> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => date(t, what),
            None => Date::in_china_at(crate::time::now_ms())
                .ok_or_else(|| FlagMsg::ClockOutside { flag: what.to_string() }.text()),
        }
    }
    /// Why a payment is supplementary: 补发 (`back_pay`) or 差额补足
    /// (`top_up`), by the Chinese words an office uses or the format's name.
    pub fn supplement_reason(text: &str) -> Result<SupplementReason, String> {
        match text.trim() {
            "补发" | "back_pay" => Ok(SupplementReason::BackPay),
            "差额补足" | "补差" | "补差额" | "top_up" => Ok(SupplementReason::TopUp),
            other => Err(format!(
                "补发原因 {other:?} 应为“补发”或“差额补足” (the reason must be 补发/back_pay or 差额补足/top_up)"
            )),
        }
    }
    /// A supplementary payment's link: the reason, the standing payment it
    /// adds to, and the note a citizen reads.
    pub fn supplement(reason: &str, of_seq: u64, note: &str, what: &str) -> Result<Supplement, String> {
        Ok(Supplement {
            reason: supplement_reason(reason).map_err(|e| format!("{what}: {e}"))?,
            of_seq,
            note: text(note, what)?,
        })
    }
    /// A period.
    pub fn period(text: &str) -> Result<Period, String> {
        Period::parse(text)
    }
    /// The default paying account of a household subsidy: the village's town treasury.
    pub fn subsidy_from(from: Option<&str>, village: RegionCode) -> Result<Account, String> {
        match from.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("town") => village
                .town()
                .map(Account::Treasury)
                .ok_or_else(|| "village has no town".to_string()),
            Some("village") => Ok(Account::Treasury(village)),
            Some(other) => account(other, "from"),
        }
    }
}

/// Check the pseudonym key against the log's genesis commitment.
pub fn check_pseudonym(key: &PseudonymKey, node: Option<&crate::http::Node>, quiet: bool) -> Result<()> {
    let Some(node) = node else {
        crate::progress::note(quiet, &crate::messages::admin::AdminMsg::PseudonymUnchecked.text());
        return Ok(());
    };
    let genesis = node.genesis()?;
    if genesis.pseudonym_commitment != key.commitment() {
        return Err(input(crate::messages::admin::AdminMsg::PseudonymNotThisLog.text()));
    }
    Ok(())
}

fn u<T>(r: Result<T, String>) -> Result<T> {
    r.map_err(usage)
}

/// Run `ledger post`.
pub fn run(args: &PostArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let body = match &args.what {
        PostWhat::Csv(csv) => return crate::batch::run(&args.sign, csv, timeout_s, quiet),
        PostWhat::Entry { json } => {
            let text = keys::read_small(json, 1024 * 1024)?;
            serde_json::from_str::<EntryBody>(&text)
                .input_err(format!("{} is not an EntryBody in JSON", json.display()))?
        }
        PostWhat::FundIssue(a) => EntryBody::FundIssue(FundIssue {
            fund: u(parse::ident(&a.fund, "--fund"))?,
            title: u(parse::text(&a.title, "--title"))?,
            document_no: u(parse::text(&a.document_no, "--document-no"))?,
            source: FundSource::parse(&a.source)
                .ok_or_else(|| usage(format!("--source {:?} is not a fund source", a.source)))?,
            category: FundCategory::parse(&a.category)
                .ok_or_else(|| usage(format!("--category {:?} is not a fund category", a.category)))?,
            fiscal_year: a.year,
            to: u(parse::account(&a.to, "--to"))?,
            amount: u(parse::yuan(&a.amount, "--amount"))?,
            date: u(parse::business_date(a.date.as_deref(), "--date"))?,
        }),
        PostWhat::Transfer(a) => EntryBody::Transfer(Transfer {
            fund: u(parse::ident(&a.fund, "--fund"))?,
            from: u(parse::account(&a.from, "--from"))?,
            to: u(parse::account(&a.to, "--to"))?,
            amount: u(parse::yuan(&a.amount, "--amount"))?,
            memo: u(parse::text(&a.memo, "--memo"))?,
            date: u(parse::business_date(a.date.as_deref(), "--date"))?,
        }),
        PostWhat::Project(a) => EntryBody::ProjectRegister(ProjectRegister {
            project: u(parse::ident(&a.id, "--id"))?,
            name: u(parse::text(&a.name, "--name"))?,
            village: u(parse::village(&a.village))?,
            category: ProjectCategory::parse(&a.category)
                .ok_or_else(|| usage(format!("--category {:?} is not a project category", a.category)))?,
            budget: u(parse::yuan(&a.budget, "--budget"))?,
            implementer: u(parse::text(&a.implementer, "--implementer"))?,
            start: u(parse::date(&a.start, "--start"))?,
            end: u(parse::date(&a.end, "--end"))?,
        }),
        PostWhat::Disbursement(a) => {
            let project = u(parse::ident(&a.project, "--project"))?;
            let from = match &a.from {
                Some(f) => u(parse::account(f, "--from"))?,
                None => Account::Project(project.clone()),
            };
            EntryBody::ProjectDisbursement(ProjectDisbursement {
                fund: u(parse::ident(&a.fund, "--fund"))?,
                project,
                from,
                payee: Payee {
                    id: u(parse::ident(&a.payee_id, "--payee-id"))?,
                    name: u(parse::text(&a.payee_name, "--payee-name"))?,
                },
                amount: u(parse::yuan(&a.amount, "--amount"))?,
                contract_ref: u(parse::text(&a.contract, "--contract"))?,
                milestone: u(parse::text(&a.milestone, "--milestone"))?,
                date: u(parse::business_date(a.date.as_deref(), "--date"))?,
            })
        }
        PostWhat::Subsidy(a) => {
            let key = keys::read_pseudonym_key(&a.pseudonym_key)?;
            let node = match &args.sign.node {
                Some(url) => Some(crate::http::Node::new(url, timeout_s)?),
                None => None,
            };
            check_pseudonym(&key, node.as_ref(), quiet)?;
            let id = ResidentId::parse(&a.resident_id).usage_err("--resident-id")?;
            let village = u(parse::village(&a.village))?;
            EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                fund: u(parse::ident(&a.fund, "--fund"))?,
                from: u(parse::subsidy_from(a.from.as_deref(), village))?,
                household: key.household_ref(&id),
                masked_name: MaskedName::mask(&a.name).usage_err("--name")?,
                village,
                category: u(parse::subsidy_category(&a.category))?,
                period: u(parse::period(&a.period))?,
                amount: u(parse::yuan(&a.amount, "--amount"))?,
                date: u(parse::business_date(a.date.as_deref(), "--date"))?,
                notice: match (&a.notice, a.line) {
                    (Some(n), Some(line)) => Some(NoticeLineRef {
                        notice: u(parse::ident(n, "--notice"))?,
                        line,
                    }),
                    _ => None,
                },
                supplementary: match (&a.supplementary, a.of_seq, &a.note) {
                    (Some(reason), Some(of_seq), Some(note)) => {
                        Some(u(parse::supplement(reason, of_seq, note, "--supplementary"))?)
                    }
                    _ => None,
                },
            })
        }
        PostWhat::Reversal(a) => EntryBody::Reversal(Reversal {
            target_seq: a.seq,
            reason: u(parse::text(&a.reason, "--reason"))?,
            date: u(parse::business_date(a.date.as_deref(), "--date"))?,
        }),
        PostWhat::Notice(a) => crate::controls_cmd::body(ControlPost::Notice(a))?,
        PostWhat::Check(a) => crate::controls_cmd::body(ControlPost::Check(a))?,
        PostWhat::Register(a) => crate::controls_cmd::body(ControlPost::Register(a))?,
        PostWhat::Exit(a) => crate::controls_cmd::body(ControlPost::Exit(a))?,
        PostWhat::Objection(a) => crate::controls_cmd::body(ControlPost::Objection(a))?,
        PostWhat::Resolve(a) => crate::controls_cmd::body(ControlPost::Resolve(a))?,
        PostWhat::Confirm(a) => crate::controls_cmd::body(ControlPost::Confirm(a))?,
        PostWhat::Contacts(a) => crate::contacts_cmd::body(a)?,
        PostWhat::Review(a) => crate::project_cmd::body(ProjectPost::Review(a))?,
        PostWhat::Approve(a) => crate::project_cmd::body(ProjectPost::Approve(a))?,
        PostWhat::Start(a) => crate::project_cmd::body(ProjectPost::Start(a))?,
        PostWhat::Accept(a) => crate::project_cmd::body(ProjectPost::Accept(a))?,
        PostWhat::Handover(a) => crate::project_cmd::body(ProjectPost::Handover(a))?,
        PostWhat::Evaluate(a) => crate::project_cmd::body(ProjectPost::Evaluate(a))?,
        PostWhat::Adjust(a) => crate::project_cmd::body(ProjectPost::Adjust(a))?,
        PostWhat::Cancel(a) => crate::project_cmd::body(ProjectPost::Cancel(a))?,
    };
    post_body(&args.sign, body, timeout_s, quiet)
}
