//! What `ledger query` prints for people: the table headers, the section
//! titles and the summary lines around the node's data. The data itself
//! (names, titles, the node's `kind_zh`/`summary_zh`) is the node's, shown
//! as it is; amounts are yuan with thousands separators in both languages.
//! `--json` prints the node's answer untouched and uses none of this.

use super::{lang, Lang, Message};

/// The header row of one of `ledger query`'s tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// Entries (`entries`, `household`, `account`'s recent).
    Entries,
    /// `regions`.
    Regions,
    /// `village`: the funds that reached it.
    VillageFunds,
    /// `village`: its projects.
    VillageProjects,
    /// `village`: household payments.
    VillageSubsidies,
    /// `fund`: its movements.
    FundMovements,
    /// `fund`: balances per account.
    FundBalances,
    /// `account`: balances per fund.
    AccountBalances,
    /// `search`.
    Search,
    /// `project`: its stages.
    ProjectTimeline,
    /// `project`: the budget per fund.
    ProjectBudget,
    /// `project`: its payments.
    ProjectDisbursements,
    /// `idle`: money over its time limit.
    Idle,
}

impl Headers {
    /// The headers in the run's language.
    pub fn get(self) -> &'static [&'static str] {
        match lang() {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }

    /// 中文.
    pub fn zh(self) -> &'static [&'static str] {
        match self {
            Headers::Entries => &["条目", "时间", "类别", "摘要", "签名", "冲正"],
            Headers::Regions => &[
                "代码",
                "名称",
                "级别",
                "到达资金(元)",
                "到户(元)",
                "户数",
                "项目(元)",
                "项目数",
            ],
            Headers::VillageFunds => &["资金", "名称", "文号", "来源", "年度", "金额(元)"],
            Headers::VillageProjects => &["项目", "名称", "类别", "阶段", "预算(元)", "已付(元)", "实施单位"],
            Headers::VillageSubsidies => &["条目", "户", "户主", "类别", "期间", "金额(元)", "冲正"],
            Headers::FundMovements => &["条目", "类别", "从", "到", "金额(元)", "冲正"],
            Headers::FundBalances => &["账户", "名称", "余额(元)"],
            Headers::AccountBalances => &["资金", "余额(元)"],
            Headers::Search => &["类型", "代码", "名称", "说明"],
            Headers::ProjectTimeline => &["条目", "日期", "阶段", "文号", "说明"],
            Headers::ProjectBudget => &["资金", "名称", "批复(元)", "已付(元)", "余额(元)", "超支(元)"],
            Headers::ProjectDisbursements => &["条目", "日期", "资金", "收款方", "金额(元)", "合同", "节点", "冲正"],
            Headers::Idle => &["账户", "名称", "级别", "资金", "滞留(元)", "自", "天数", "超期(天)"],
        }
    }

    /// English.
    pub fn en(self) -> &'static [&'static str] {
        match self {
            Headers::Entries => &["entry", "time", "kind", "summary", "signatures", "reversed by"],
            Headers::Regions => &[
                "code",
                "name",
                "level",
                "received (yuan)",
                "to households (yuan)",
                "households",
                "projects (yuan)",
                "projects",
            ],
            Headers::VillageFunds => &["fund", "title", "document", "source", "year", "amount (yuan)"],
            Headers::VillageProjects => &[
                "project",
                "name",
                "category",
                "stage",
                "budget (yuan)",
                "paid (yuan)",
                "implementer",
            ],
            Headers::VillageSubsidies => &[
                "entry",
                "household",
                "head",
                "category",
                "period",
                "amount (yuan)",
                "reversed by",
            ],
            Headers::FundMovements => &["entry", "kind", "from", "to", "amount (yuan)", "reversed by"],
            Headers::FundBalances => &["account", "name", "balance (yuan)"],
            Headers::AccountBalances => &["fund", "balance (yuan)"],
            Headers::Search => &["type", "code", "name", "note"],
            Headers::ProjectTimeline => &["entry", "date", "stage", "document", "note"],
            Headers::ProjectBudget => &[
                "fund",
                "title",
                "approved (yuan)",
                "paid (yuan)",
                "left (yuan)",
                "over (yuan)",
            ],
            Headers::ProjectDisbursements => &[
                "entry",
                "date",
                "fund",
                "payee",
                "amount (yuan)",
                "contract",
                "milestone",
                "reversed by",
            ],
            Headers::Idle => &[
                "account",
                "name",
                "level",
                "fund",
                "idle (yuan)",
                "since",
                "days",
                "over (days)",
            ],
        }
    }
}

/// A line or title of `ledger query`'s output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryText {
    /// `log`: the log's title, origin, size, root and key.
    Log {
        /// The ledger's title.
        title: String,
        /// Origin line.
        origin: String,
        /// Entries.
        size: String,
        /// Merkle root (hex).
        root: String,
        /// The current checkpoint key.
        vkey: String,
    },
    /// `log`: one key of the key history.
    LogKeyFrom {
        /// The tree size it signs from.
        from_size: String,
        /// The key.
        vkey: String,
    },
    /// `entry`: one entry in full.
    Entry {
        /// Sequence number.
        seq: String,
        /// Kind in Chinese.
        kind_zh: String,
        /// Kind's stable name.
        kind: String,
        /// When sequenced.
        time: String,
        /// Entry hash.
        hash: String,
        /// Signers (holder names where the node knows them).
        signers: String,
        /// Summary (the node's Chinese).
        summary: String,
        /// The body as JSON.
        body: String,
    },
    /// `village`: the region and its totals, yuan.
    VillageTotals {
        /// Code.
        code: String,
        /// Name.
        name: String,
        /// Level.
        level: String,
        /// Received.
        received: String,
        /// To households.
        households_paid: String,
        /// How many households.
        households: String,
        /// To projects.
        projects: String,
        /// Left.
        balance: String,
    },
    /// `village`: the title above the funds table.
    FundsIn,
    /// `village`: the title above the projects table.
    Projects,
    /// `village`: the title above the household payments.
    Subsidies {
        /// Total, yuan.
        total: String,
        /// Payments.
        count: String,
    },
    /// `fund`: the fund and where it came from.
    FundHeader {
        /// Fund id.
        id: String,
        /// Title.
        title: String,
        /// Document number.
        document_no: String,
        /// Source (Chinese, the node's).
        source: String,
        /// Category (Chinese, the node's).
        category: String,
        /// Fiscal year.
        year: String,
        /// Issued, yuan.
        issued: String,
    },
    /// `fund`: the title above the balances.
    Balances,
    /// `household`: whose entries and their total.
    Household {
        /// Reference.
        reference: String,
        /// Masked name.
        masked_name: String,
        /// Total, yuan.
        total: String,
    },
    /// `search`: a region row's type.
    KindRegion,
    /// `search`: a fund row's type.
    KindFund,
    /// `search`: a project row's type.
    KindProject,
    /// `entries --limit` outside 1-1000 (the node's page limit).
    BadLimit,
    /// `entry`: a signer named by its grant (people know the holder, not
    /// the key's hex).
    Signer {
        /// The grant's holder, e.g. `施河镇财政所 王*华`.
        holder: String,
        /// The office in Chinese (镇财政所).
        office_zh: String,
        /// The office's stable name (town_finance).
        office: String,
        /// The key, hex.
        key: String,
    },
    /// A region's level (the node sends `district`/`town`/`village`).
    Level {
        /// The stable name.
        level: String,
    },
    /// `project`: the project, where, what, money and implementer.
    ProjectHead {
        /// Id.
        id: String,
        /// Name.
        name: String,
        /// Its stage (the node's Chinese), maybe empty.
        stage: String,
        /// Village code.
        village: String,
        /// Village name.
        village_name: String,
        /// Category (the node's Chinese).
        category: String,
        /// Budget, yuan.
        budget: String,
        /// Paid, yuan.
        paid: String,
        /// Implementer.
        implementer: String,
    },
    /// `project`: the contract in force.
    Contract {
        /// Contractor's name.
        name: String,
        /// Its credit code.
        id: String,
        /// Contract number.
        contract_no: String,
    },
    /// `project`: a review or acceptance passed.
    Passed,
    /// `project`: … did not pass.
    Failed,
    /// `project`: an evaluation's score.
    Score {
        /// 0-100.
        score: String,
    },
    /// `project`: the title above the stages.
    Timeline,
    /// `project`: the approved budget line.
    Budget {
        /// Approval document.
        document_no: String,
        /// Approved, yuan.
        approved: String,
        /// Paid, yuan.
        paid: String,
        /// Paid share, `95.00%`.
        paid_share: String,
        /// Retention, yuan.
        retained: String,
        /// Whether the retention may be paid (after acceptance).
        released: bool,
    },
    /// `project`: the title above the warnings.
    Warnings,
    /// `project`: the title above the payments.
    Disbursements,
    /// `idle`: the region and its total.
    IdleHead {
        /// Region code.
        code: String,
        /// Region name.
        name: String,
        /// As of (a date, or `—`).
        as_of: String,
        /// Total, yuan.
        total: String,
        /// Items.
        count: String,
    },
    /// `idle`: the policy's limits.
    IdleLimits {
        /// District, days.
        district: String,
        /// Town, days.
        town: String,
        /// Village, days.
        village: String,
        /// Project, days.
        project: String,
    },
    /// `idle`: more pages.
    IdleMore {
        /// The `--after` to give.
        next: u64,
    },
}

impl Message for QueryText {
    fn zh(&self) -> String {
        match self {
            QueryText::Log {
                title,
                origin,
                size,
                root,
                vkey,
            } => format!("{title}\n来源标识：{origin}\n记录数：  {size}\n根哈希：  {root}\n账本密钥：{vkey}\n"),
            QueryText::LogKeyFrom { from_size, vkey } => format!("  自第 {from_size} 条起：{vkey}\n"),
            QueryText::Entry {
                seq,
                kind_zh,
                kind,
                time,
                hash,
                signers,
                summary,
                body,
            } => format!(
                "第 {seq} 条 {kind_zh}（{kind}）\n记账时间：{time}\n条目哈希：{hash}\n签名人：  {signers}\n摘要：    {summary}\n内容：\n{body}\n"
            ),
            QueryText::VillageTotals {
                code,
                name,
                level,
                received,
                households_paid,
                households,
                projects,
                balance,
            } => format!(
                "{code} {name}（{level}）\n到达资金 {received} 元，到户 {households_paid} 元（{households} 户），项目 {projects} 元，结余 {balance} 元\n\n"
            ),
            QueryText::FundsIn => "资金来源\n".to_string(),
            QueryText::Projects => "\n项目\n".to_string(),
            QueryText::Subsidies { total, count } => format!("\n到户补贴（合计 {total} 元，{count} 笔）\n"),
            QueryText::FundHeader {
                id,
                title,
                document_no,
                source,
                category,
                year,
                issued,
            } => format!("{id} {title}\n文号 {document_no}，{source}，{category}，{year} 年度，下达 {issued} 元\n\n"),
            QueryText::Balances => "\n余额\n".to_string(),
            QueryText::Household {
                reference,
                masked_name,
                total,
            } => format!("户 {reference}（{masked_name}），合计 {total} 元\n"),
            QueryText::KindRegion => "区划".to_string(),
            QueryText::KindFund => "资金".to_string(),
            QueryText::KindProject => "项目".to_string(),
            QueryText::BadLimit => "--limit 应为 1-1000".to_string(),
            QueryText::Signer {
                holder, office_zh, key, ..
            } => format!("{holder}（{office_zh}，{}…）", key.get(..8).unwrap_or(key)),
            QueryText::ProjectHead {
                id,
                name,
                stage,
                village,
                village_name,
                category,
                budget,
                paid,
                implementer,
            } => format!(
                "{id} {name}{}\n{village} {village_name}，{category}，预算 {budget} 元，已付 {paid} 元，实施单位 {implementer}\n",
                if stage.is_empty() { String::new() } else { format!("（{stage}）") }
            ),
            QueryText::Contract { name, id, contract_no } => format!("施工单位 {name}（{id}），合同 {contract_no}\n"),
            QueryText::Passed => "通过 ".to_string(),
            QueryText::Failed => "未通过 ".to_string(),
            QueryText::Score { score } => format!("{score}分 "),
            QueryText::Timeline => "\n项目进度\n".to_string(),
            QueryText::Budget {
                document_no,
                approved,
                paid,
                paid_share,
                retained,
                released,
            } => format!(
                "\n批复预算（{document_no}）：{approved} 元，已付 {paid} 元（{paid_share}），质保金 {retained} 元{}\n",
                if *released { "（验收后可付）" } else { "（验收前暂留）" }
            ),
            QueryText::Warnings => "\n预警\n".to_string(),
            QueryText::Disbursements => "\n项目支出\n".to_string(),
            QueryText::IdleHead {
                code,
                name,
                as_of,
                total,
                count,
            } => format!("资金滞留预警 {code} {name}，截至 {as_of}：合计 {total} 元，{count} 项\n"),
            QueryText::IdleLimits {
                district,
                town,
                village,
                project,
            } => format!("时限：区级 {district} 天，镇级 {town} 天，村级 {village} 天，项目 {project} 天\n"),
            QueryText::IdleMore { next } => format!("（更多：--after {next}）\n"),
            QueryText::Level { level } => match level.as_str() {
                "district" => "区县".to_string(),
                "town" => "乡镇/街道".to_string(),
                "village" => "村/社区".to_string(),
                other => other.to_string(),
            },
        }
    }
    fn en(&self) -> String {
        match self {
            QueryText::Log {
                title,
                origin,
                size,
                root,
                vkey,
            } => format!("{title}\norigin:  {origin}\nsize:    {size}\nroot:    {root}\nlog key: {vkey}\n"),
            QueryText::LogKeyFrom { from_size, vkey } => format!("  from size {from_size}: {vkey}\n"),
            QueryText::Entry {
                seq,
                kind_zh,
                kind,
                time,
                hash,
                signers,
                summary,
                body,
            } => format!(
                "entry #{seq} {kind_zh} ({kind})\ntime:       {time}\nentry hash: {hash}\nsigners:    {signers}\nsummary:    {summary}\nbody:\n{body}\n"
            ),
            QueryText::VillageTotals {
                code,
                name,
                level,
                received,
                households_paid,
                households,
                projects,
                balance,
            } => format!(
                "{code} {name} ({level})\nreceived {received} yuan, to households {households_paid} yuan ({households} households), to projects {projects} yuan, left {balance} yuan\n\n"
            ),
            QueryText::FundsIn => "funds in\n".to_string(),
            QueryText::Projects => "\nprojects\n".to_string(),
            QueryText::Subsidies { total, count } => {
                format!("\nhousehold subsidies (total {total} yuan, {count} payments)\n")
            }
            QueryText::FundHeader {
                id,
                title,
                document_no,
                source,
                category,
                year,
                issued,
            } => format!(
                "{id} {title}\ndocument {document_no}, {source}, {category}, fiscal year {year}, issued {issued} yuan\n\n"
            ),
            QueryText::Balances => "\nbalances\n".to_string(),
            QueryText::Household {
                reference,
                masked_name,
                total,
            } => format!("household {reference} ({masked_name}), total {total} yuan\n"),
            QueryText::KindRegion => "region".to_string(),
            QueryText::KindFund => "fund".to_string(),
            QueryText::KindProject => "project".to_string(),
            QueryText::BadLimit => "--limit must be 1-1000".to_string(),
            QueryText::Signer {
                holder, office, key, ..
            } => format!("{holder} ({office}, {}…)", key.get(..8).unwrap_or(key)),
            QueryText::Level { level } => level.clone(),
            QueryText::ProjectHead {
                id,
                name,
                stage,
                village,
                village_name,
                category,
                budget,
                paid,
                implementer,
            } => format!(
                "{id} {name}{}\n{village} {village_name}, {category}, budget {budget} yuan, paid {paid} yuan, implementer {implementer}\n",
                if stage.is_empty() { String::new() } else { format!(" ({stage})") }
            ),
            QueryText::Contract { name, id, contract_no } => {
                format!("contractor {name} ({id}), contract {contract_no}\n")
            }
            QueryText::Passed => "passed ".to_string(),
            QueryText::Failed => "failed ".to_string(),
            QueryText::Score { score } => format!("score {score} "),
            QueryText::Timeline => "\ntimeline\n".to_string(),
            QueryText::Budget {
                document_no,
                approved,
                paid,
                paid_share,
                retained,
                released,
            } => format!(
                "\napproved budget ({document_no}): {approved} yuan, paid {paid} yuan ({paid_share}), retention {retained} yuan{}\n",
                if *released { " (payable after acceptance)" } else { " (held until acceptance)" }
            ),
            QueryText::Warnings => "\nwarnings\n".to_string(),
            QueryText::Disbursements => "\ndisbursements\n".to_string(),
            QueryText::IdleHead {
                code,
                name,
                as_of,
                total,
                count,
            } => format!("idle money {code} {name}, as of {as_of}: {total} yuan in {count} item(s)\n"),
            QueryText::IdleLimits {
                district,
                town,
                village,
                project,
            } => format!(
                "limits: district {district} days, town {town} days, village {village} days, project {project} days\n"
            ),
            QueryText::IdleMore { next } => format!("(more: --after {next})\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_row_has_as_many_columns_in_both_languages() {
        for h in [
            Headers::Entries,
            Headers::Regions,
            Headers::VillageFunds,
            Headers::VillageProjects,
            Headers::VillageSubsidies,
            Headers::FundMovements,
            Headers::FundBalances,
            Headers::AccountBalances,
            Headers::Search,
            Headers::ProjectTimeline,
            Headers::ProjectBudget,
            Headers::ProjectDisbursements,
            Headers::Idle,
        ] {
            assert_eq!(h.zh().len(), h.en().len(), "{h:?}");
        }
    }

    #[test]
    fn the_household_line_in_both_languages() {
        let m = QueryText::Household {
            reference: "ab12".into(),
            masked_name: "张*三".into(),
            total: "1,200.50".into(),
        };
        assert_eq!(m.zh(), "户 ab12（张*三），合计 1,200.50 元\n");
        assert_eq!(m.en(), "household ab12 (张*三), total 1,200.50 yuan\n");
    }
}
