//! `ledger post csv`: what is wrong with a row (named by the file's own row
//! and column), the pre-flight findings, and the run's summary.

use super::sheet::At;
use super::{yuan, Message};

/// Why one value of a row cannot be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellMsg {
    /// The cell is empty.
    Empty,
    /// An ID shown as `3.20803E+17`: Excel turned it into a number and
    /// kept 15 digits; the rest are gone.
    Scientific {
        /// What the cell shows.
        shown: String,
    },
    /// An ID stored as a number (its last digits are lost past 15).
    IdNumber,
    /// Not a valid resident ID (core's reason).
    BadId {
        /// Why.
        why: String,
    },
    /// A negative amount.
    NegativeAmount,
    /// More than two decimals, or not a number.
    BadAmount {
        /// What the cell shows.
        shown: String,
    },
    /// A zero amount.
    ZeroAmount,
    /// Not a period.
    BadPeriod {
        /// What the cell shows.
        shown: String,
    },
    /// Not a category.
    BadCategory {
        /// What the cell shows.
        shown: String,
        /// Accepted names.
        accepted: String,
    },
    /// Not a date.
    BadDate {
        /// What the cell shows.
        shown: String,
    },
    /// No village of that name.
    VillageUnknown {
        /// The name.
        name: String,
        /// Near names (`name (code)`), maybe none.
        candidates: Vec<String>,
    },
    /// Several villages of that name.
    VillageAmbiguous {
        /// The name.
        name: String,
        /// `name (code, town)`.
        candidates: Vec<String>,
    },
    /// A village outside the key's granted regions.
    OutOfScope {
        /// The village.
        village: String,
        /// The key's regions.
        scope: String,
    },
    /// Anything else, with the checker's own words.
    Other {
        /// Why.
        why: String,
    },
}

impl Message for CellMsg {
    fn zh(&self) -> String {
        match self {
            CellMsg::Empty => "为空：请填写".into(),
            CellMsg::Scientific { shown } => {
                format!("显示为科学计数法（{shown}），身份证号码的后几位已丢失：请把该列设为“文本”格式后重新录入号码")
            }
            CellMsg::IdNumber => {
                "身份证号码被存成了数字（超过 15 位的数字会丢失末尾几位）：请把该列设为“文本”格式后重新录入号码".into()
            }
            CellMsg::BadId { why } => format!("不是有效的身份证号码（{why}）：请核对"),
            CellMsg::NegativeAmount => "金额为负数：冲正请用 `ledger post reversal`，这里只填发放金额".into(),
            CellMsg::BadAmount { shown } => {
                format!("金额 {shown:?} 不是最多两位小数的元金额（如 1234.50）：请改正")
            }
            CellMsg::ZeroAmount => "金额为 0：请填写发放金额或删除此行".into(),
            CellMsg::BadPeriod { shown } => {
                format!("所属期间 {shown:?} 无法识别：请写成 2019年8月、2019-08 或 201908")
            }
            CellMsg::BadCategory { shown, accepted } => {
                format!("补助类别 {shown:?} 无法识别：可用 {accepted}")
            }
            CellMsg::BadDate { shown } => format!("日期 {shown:?} 无法识别：请写成 2019-08-20"),
            CellMsg::VillageUnknown { name, candidates } if candidates.is_empty() => {
                format!("没有名为 {name:?} 的村（社区）：请写 12 位区划代码或正式村名")
            }
            CellMsg::VillageUnknown { name, candidates } => format!(
                "没有名为 {name:?} 的村（社区），相近的有：{}；请写正式村名或 12 位区划代码",
                candidates.join("、")
            ),
            CellMsg::VillageAmbiguous { name, candidates } => format!(
                "村名 {name:?} 对应多个村：{}；请写 12 位区划代码，或在村名前加镇名",
                candidates.join("、")
            ),
            CellMsg::OutOfScope { village, scope } => {
                format!("村 {village} 不在签名密钥的授权范围（{scope}）内：请由该村所属乡镇的经办人记账")
            }
            CellMsg::Other { why } => why.clone(),
        }
    }
    fn en(&self) -> String {
        match self {
            CellMsg::Empty => "is empty: fill it in".into(),
            CellMsg::Scientific { shown } => format!(
                "shows scientific notation ({shown}): the resident ID's last digits are lost; format the column as Text and type the IDs again"
            ),
            CellMsg::IdNumber => {
                "the resident ID is stored as a number (digits past the 15th are lost): format the column as Text and type the IDs again".into()
            }
            CellMsg::BadId { why } => format!("not a valid resident ID ({why}): check it"),
            CellMsg::NegativeAmount => {
                "the amount is negative: undo a payment with `ledger post reversal`; here give the amount paid".into()
            }
            CellMsg::BadAmount { shown } => {
                format!("amount {shown:?} is not yuan with at most two decimals (e.g. 1234.50): correct it")
            }
            CellMsg::ZeroAmount => "the amount is 0: give the amount paid or delete the row".into(),
            CellMsg::BadPeriod { shown } => {
                format!("period {shown:?} not understood: write 2019年8月, 2019-08 or 201908")
            }
            CellMsg::BadCategory { shown, accepted } => {
                format!("category {shown:?} not understood: one of {accepted}")
            }
            CellMsg::BadDate { shown } => format!("date {shown:?} not understood: write 2019-08-20"),
            CellMsg::VillageUnknown { name, candidates } if candidates.is_empty() => {
                format!("no village named {name:?}: give its 12-digit code or its official name")
            }
            CellMsg::VillageUnknown { name, candidates } => format!(
                "no village named {name:?}; near names: {}; give the official name or the 12-digit code",
                candidates.join(", ")
            ),
            CellMsg::VillageAmbiguous { name, candidates } => format!(
                "the village name {name:?} matches several villages: {}; give the 12-digit code or put the town's name first",
                candidates.join(", ")
            ),
            CellMsg::OutOfScope { village, scope } => format!(
                "village {village} is outside the signing key's granted regions ({scope}): the operator of its town posts it"
            ),
            CellMsg::Other { why } => why.clone(),
        }
    }
}

/// A row that cannot be posted, or a problem of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowMsg {
    /// One cell.
    Cell(At, CellMsg),
    /// The same household, category and period as an earlier row.
    Duplicate {
        /// This row.
        row: u64,
        /// The earlier row.
        first: u64,
    },
    /// A total row whose amount is not the sum of the rows above it.
    TotalMismatch {
        /// Row.
        row: u64,
        /// Fen stated.
        stated: u64,
        /// Fen summed.
        sum: u64,
    },
    /// Wrong number of fields (CSV).
    FieldCount {
        /// Row.
        row: u64,
        /// Fields.
        fields: usize,
        /// Header columns.
        columns: usize,
    },
    /// A required column is missing.
    MissingColumn {
        /// The field.
        field: &'static str,
        /// Accepted header names.
        accepted: String,
    },
    /// Two columns for one field.
    TwoColumns {
        /// The field.
        field: &'static str,
        /// How many.
        count: usize,
        /// The headers found.
        found: String,
    },
    /// A value needed for every row is given neither as a column nor as a flag.
    NoDefault {
        /// Row.
        row: u64,
        /// The column's name, e.g. `资金编号 (fund)`.
        column: &'static str,
        /// The flag, e.g. `--fund`.
        flag: &'static str,
    },
}

impl Message for RowMsg {
    fn zh(&self) -> String {
        match self {
            RowMsg::Cell(at, m) => {
                let sep = if matches!(m, CellMsg::Empty) { "" } else { "：" };
                format!("{}{sep}{}", at.zh(), m.zh())
            }
            RowMsg::Duplicate { row, first } => {
                format!("第 {row} 行与第 {first} 行是同一户、同一补助类别、同一期间（重复发放）：请删除其中一行")
            }
            RowMsg::TotalMismatch { row, stated, sum } => format!(
                "第 {row} 行（合计）为 {}，上面各行之和为 {}：请核对是否有行遗漏或改动",
                yuan(*stated),
                yuan(*sum)
            ),
            RowMsg::FieldCount { row, fields, columns } => {
                format!("第 {row} 行有 {fields} 个字段，表头有 {columns} 列：请检查是否多了或少了逗号")
            }
            RowMsg::MissingColumn { field, accepted } => {
                format!("表头（第 1 行）缺少 {field} 列：可用的列名有 {accepted}")
            }
            RowMsg::TwoColumns { field, count, found } => {
                format!("表头（第 1 行）有 {count} 个 {field} 列（{found}）：请只保留一列")
            }
            RowMsg::NoDefault { row, column, flag } => {
                format!("第 {row} 行没有{column}：请加一列{column}，或用 {flag} 给出")
            }
        }
    }
    fn en(&self) -> String {
        match self {
            RowMsg::Cell(at, m) => {
                let sep = if matches!(m, CellMsg::Empty) { " " } else { ": " };
                format!("{}{sep}{}", at.en(), m.en())
            }
            RowMsg::Duplicate { row, first } => format!(
                "row {row} has the same household, category and period as row {first} (a duplicate payment): delete one of them"
            ),
            RowMsg::TotalMismatch { row, stated, sum } => format!(
                "row {row} (total) says {} but the rows above it add up to {}: look for a row missing or changed",
                yuan(*stated),
                yuan(*sum)
            ),
            RowMsg::FieldCount { row, fields, columns } => format!(
                "row {row} has {fields} fields but the header has {columns} columns: look for a missing or stray comma"
            ),
            RowMsg::MissingColumn { field, accepted } => {
                format!("the header has no {field:?} column (accepted names: {accepted})")
            }
            RowMsg::TwoColumns { field, count, found } => {
                format!("the header has {count} columns for {field:?} ({found}): keep one")
            }
            RowMsg::NoDefault { row, column, flag } => {
                format!("row {row} has no {column}: add the column or give {flag}")
            }
        }
    }
}

/// What the pre-flight and the run say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMsg {
    /// Bad rows: nothing posted.
    BadRows {
        /// The file.
        file: String,
        /// How many.
        count: usize,
    },
    /// More bad rows than shown.
    MoreBadRows {
        /// Not shown.
        count: usize,
    },
    /// How the file was read.
    Read {
        /// The file.
        file: String,
        /// Encoding or workbook type.
        encoding: String,
        /// Rows read.
        rows: usize,
    },
    /// A line about a file.
    InFile {
        /// The file.
        file: String,
        /// What.
        what: String,
    },
    /// Who signs.
    Signer {
        /// Holder and office.
        who: String,
    },
    /// A per-account, per-fund total of the batch.
    Total {
        /// Account key.
        account: String,
        /// Account's name.
        name: String,
        /// Fund.
        fund: String,
        /// Rows.
        rows: usize,
        /// Fen.
        fen: u64,
        /// Balance, if known.
        balance: Option<u64>,
    },
    /// The batch needs more than an account holds.
    Shortfall {
        /// Account key.
        account: String,
        /// Account's name.
        name: String,
        /// Fund.
        fund: String,
        /// Needed.
        needed: u64,
        /// Available.
        available: u64,
    },
    /// A row already paid in the log.
    AlreadyPaid {
        /// Row.
        row: u64,
        /// Masked name.
        name: String,
        /// Category (Chinese).
        category: String,
        /// Period.
        period: String,
        /// The earlier payment.
        seq: u64,
    },
    /// A payment without its payment-list line where the policy needs one.
    NoNotice {
        /// Row.
        row: u64,
        /// From when the policy needs it.
        from: String,
    },
    /// The pre-flight passed (dry run: nothing sent).
    DryRunOk {
        /// Rows.
        rows: usize,
        /// Total fen.
        fen: u64,
    },
    /// The pre-flight failed: nothing posted.
    NotPosted {
        /// Why, briefly.
        problems: usize,
    },
    /// The same content was posted before.
    AlreadyPosted {
        /// When (China time).
        when: String,
        /// Rows.
        rows: usize,
        /// Sequence numbers, first and last.
        seqs: String,
    },
    /// Every row already has a receipt in the receipts file.
    NothingToPost {
        /// Rows.
        rows: usize,
        /// The receipts file.
        receipts: String,
    },
    /// The run's summary.
    Posted {
        /// The file.
        file: String,
        /// Newly posted.
        new: usize,
        /// Total fen newly posted.
        fen: u64,
        /// Already in the log (original receipts returned).
        original: usize,
        /// Already posted under another window.
        already: usize,
        /// Receipts on file.
        skipped: usize,
        /// The receipts file.
        receipts: String,
    },
    /// The batch is over the node's group limit and --split was not given.
    TooLargeForGroup {
        /// Rows.
        rows: usize,
        /// The limit.
        max: usize,
    },
    /// Posted as several atomic groups.
    Split {
        /// Rows.
        rows: usize,
        /// Groups.
        groups: usize,
        /// Most rows per group.
        size: usize,
    },
    /// A group refused whole.
    GroupNotPosted {
        /// 1-based.
        index: usize,
        /// Groups.
        of: usize,
        /// Rows not posted.
        rows: usize,
    },
    /// One row the node refused.
    NodeRefusedRow {
        /// Row.
        row: u64,
        /// The node's words and code.
        why: String,
    },
    /// A row the node's check-only pre-flight refused (`--dry-run`).
    NodeWouldRefuse {
        /// Row.
        row: u64,
        /// The node's words and code.
        why: String,
    },
    /// `--dry-run`: the node's check refused rows; nothing was sent.
    CheckRefused {
        /// Rows refused.
        count: usize,
    },
    /// An `overdraft` refusal of one row, from the node's machine fields.
    RowOverdraft {
        /// Account key.
        account: String,
        /// Fund.
        fund: String,
        /// Fen this row needs.
        needed: u64,
        /// Fen the account holds of the fund at this row.
        available: u64,
    },
    /// Rows the node refused.
    Refused {
        /// How many.
        count: usize,
        /// Posted before the refusals.
        posted: usize,
    },
}

impl Message for RunMsg {
    fn zh(&self) -> String {
        match self {
            RunMsg::BadRows { file, count } => {
                format!("{file}：{count} 行有错误，未记账（一笔也没有记）。请改正后重新运行")
            }
            RunMsg::MoreBadRows { count } => format!("……另有 {count} 行有错误"),
            RunMsg::Read { file, encoding, rows } => format!("{file}：{encoding}，{rows} 行"),
            RunMsg::Signer { who } => format!("签名人：{who}"),
            RunMsg::InFile { file, what } => format!("{file}：{what}"),
            RunMsg::Total { account, name, fund, rows, fen, balance } => {
                let bal = balance.map(|b| format!("，账户余额 {}", yuan(b))).unwrap_or_default();
                let who = if name == account { account.clone() } else { format!("{name}（{account}）") };
                format!("  {who}资金 {fund}：{rows} 笔，合计 {}{bal}", yuan(*fen))
            }
            RunMsg::Shortfall { account, name, fund, needed, available } => format!(
                "{name}（{account}）资金 {fund} 余额不足：本批需要 {}，可用 {}，还差 {}",
                yuan(*needed),
                yuan(*available),
                yuan(needed.saturating_sub(*available))
            ),
            RunMsg::AlreadyPaid { row, name, category, period, seq } => format!(
                "第 {row} 行：{name} 的 {category} {period} 已经发放过（账本第 {seq} 条，duplicate_payment）：请删除此行；确需补发的，填“补发原因”（补发或差额补足）、“原发放序号”（{seq}）和“说明”三列"
            ),
            RunMsg::NoNotice { row, from } => format!(
                "第 {row} 行：{from} 起发放的补助须先经发放公示（not_publicized）：请加“公示编号”“公示行号”两列，填该户在发放公示中的行"
            ),
            RunMsg::DryRunOk { rows, fen } => format!(
                "预检通过：{rows} 笔，合计 {}；未发送任何记账（去掉 --dry-run 正式记账）",
                yuan(*fen)
            ),
            RunMsg::NotPosted { problems } => {
                format!("未记账：预检发现 {problems} 个问题，一笔也没有记")
            }
            RunMsg::AlreadyPosted { when, rows, seqs } => format!(
                "此文件的内容已于 {when} 记账（{rows} 笔，账本第 {seqs} 条）：本次未记账"
            ),
            RunMsg::NothingToPost { rows, receipts } => {
                format!("无需记账：本批 {rows} 笔都已记账，回执在 {receipts}")
            }
            RunMsg::Posted { file, new, fen, original, already, skipped, receipts } => {
                let mut s = format!("{file}：已记账 {new} 笔，合计 {}", yuan(*fen));
                if *original + *already + *skipped > 0 {
                    s.push_str(&format!("；此前已记账 {} 笔（未重复记账）", original + already + skipped));
                }
                s.push_str(&format!("；回执在 {receipts}"));
                s
            }
            RunMsg::NodeRefusedRow { row, why } => format!("第 {row} 行被节点拒绝：{why}"),
            RunMsg::TooLargeForGroup { rows, max } => format!(
                "本批 {rows} 笔，超过节点一组的上限 {max} 笔，未记账：加 --split 分成每组 --batch-size 笔的原子组提交（每组全记或全不记），或拆分文件"
            ),
            RunMsg::Split { rows, groups, size } => format!(
                "本批 {rows} 笔分为 {groups} 个原子组提交（每组最多 {size} 笔）：每组全记或全不记"
            ),
            RunMsg::GroupNotPosted { index, of, rows } => format!(
                "第 {index}/{of} 组未记账（{rows} 笔）：组内有被拒绝的行（见下），整组未写入"
            ),
            RunMsg::NodeWouldRefuse { row, why } => format!("第 {row} 行将被节点拒绝：{why}"),
            RunMsg::CheckRefused { count } => {
                format!("预检未通过：节点将拒绝 {count} 笔（见上）；未发送任何记账，一笔也没有记")
            }
            RunMsg::RowOverdraft { account, fund, needed, available } => format!(
                "{account} 资金 {fund} 余额不足：此笔需要 {}，可用 {}（overdraft）",
                yuan(*needed),
                yuan(*available)
            ),
            RunMsg::Refused { count, posted } => format!(
                "节点拒绝了 {count} 笔（见上）；已记账 {posted} 笔，其余未记账"
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            RunMsg::BadRows { file, count } => {
                format!("{file}: {count} bad row(s), nothing posted. Correct them and run again")
            }
            RunMsg::MoreBadRows { count } => format!("… and {count} more bad row(s)"),
            RunMsg::Read { file, encoding, rows } => format!("{file}: {encoding}, {rows} row(s)"),
            RunMsg::Signer { who } => format!("signed by: {who}"),
            RunMsg::InFile { file, what } => format!("{file}: {what}"),
            RunMsg::Total { account, name, fund, rows, fen, balance } => {
                let bal = balance.map(|b| format!(", balance {}", yuan(b))).unwrap_or_default();
                let who = if name == account { account.clone() } else { format!("{name} ({account})") };
                format!("  {who} fund {fund}: {rows} payment(s), {}{bal}", yuan(*fen))
            }
            RunMsg::Shortfall { account, name, fund, needed, available } => format!(
                "{name} ({account}) has too little of fund {fund}: the batch needs {}, available {}, short by {}",
                yuan(*needed),
                yuan(*available),
                yuan(needed.saturating_sub(*available))
            ),
            RunMsg::AlreadyPaid { row, name, category, period, seq } => format!(
                "row {row}: {name}'s {category} for {period} is already paid (entry {seq}, duplicate_payment): delete the row; for a 补发, fill the columns 补发原因 (补发 or 差额补足), 原发放序号 ({seq}) and 说明"
            ),
            RunMsg::NoNotice { row, from } => format!(
                "row {row}: a payment dated from {from} on needs its payment-list line (not_publicized): add the 公示编号 and 公示行号 columns with the household's line"
            ),
            RunMsg::DryRunOk { rows, fen } => format!(
                "pre-flight passed: {rows} payment(s), {}; nothing sent (run without --dry-run to post)",
                yuan(*fen)
            ),
            RunMsg::NotPosted { problems } => {
                format!("nothing posted: the pre-flight found {problems} problem(s)")
            }
            RunMsg::AlreadyPosted { when, rows, seqs } => format!(
                "this file's content was posted on {when} ({rows} payment(s), entries {seqs}): nothing posted now"
            ),
            RunMsg::NothingToPost { rows, receipts } => {
                format!("nothing to post: all {rows} row(s) of this batch are posted; receipts in {receipts}")
            }
            RunMsg::Posted { file, new, fen, original, already, skipped, receipts } => {
                let mut s = format!("{file}: {new} payment(s) posted, {}", yuan(*fen));
                if *original + *already + *skipped > 0 {
                    s.push_str(&format!(
                        "; {} posted before (not posted twice)",
                        original + already + skipped
                    ));
                }
                s.push_str(&format!("; receipts in {receipts}"));
                s
            }
            RunMsg::NodeRefusedRow { row, why } => format!("row {row} refused by the node: {why}"),
            RunMsg::TooLargeForGroup { rows, max } => format!(
                "the batch has {rows} payments, more than the node's group limit of {max}; nothing posted: add --split to post atomic groups of --batch-size (each all or nothing), or split the file"
            ),
            RunMsg::Split { rows, groups, size } => format!(
                "posting {rows} payments as {groups} atomic groups (at most {size} each): each group all or nothing"
            ),
            RunMsg::GroupNotPosted { index, of, rows } => format!(
                "group {index} of {of} not posted ({rows} payments): a row of it was refused (below), nothing of the group was written"
            ),
            RunMsg::NodeWouldRefuse { row, why } => format!("row {row} would be refused by the node: {why}"),
            RunMsg::CheckRefused { count } => format!(
                "pre-flight failed: the node would refuse {count} payment(s) (above); nothing sent, nothing posted"
            ),
            RunMsg::RowOverdraft { account, fund, needed, available } => format!(
                "{account} has too little of fund {fund}: this payment needs {}, available {} (overdraft)",
                yuan(*needed),
                yuan(*available)
            ),
            RunMsg::Refused { count, posted } => format!(
                "the node refused {count} payment(s) (above); {posted} posted, the others not"
            ),
        }
    }
}
