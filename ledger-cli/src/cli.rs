//! Command-line interface: every subcommand with an example in `--help`.

use clap::{Parser, Subcommand};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod help_examples;

/// ledger — post to, export, verify and audit a Sunshine Ledger (阳光账本).
#[derive(Debug, Parser)]
#[command(
    name = "ledger",
    version,
    after_help = "Examples:\n  ledger keygen --out op.key\n  ledger post --node http://127.0.0.1:8080 --key op.key csv 2019-06-低保.csv --pseudonym-key pseudonym.key --fund F2019-SCS-023\n  ledger export --node http://127.0.0.1:8080 --out ledger.bundle\n  ledger verify ledger.bundle --checkpoint saved.checkpoint --log-key \"$LOG_VKEY\"\n  ledger audit ledger.bundle --format table\n\nExit codes: 0 ok, 1 verification failed, 2 usage, 3 network or node error, 4 input file error."
)]
pub struct Cli {
    /// No progress bars or notes on standard error.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// 提示语言：zh（中文）或 en（English），写在子命令之前；默认按 LC_ALL/LC_MESSAGES/LANG，未设置时为中文
    /// (language of messages, before the subcommand: zh or en; default from the locale, Chinese when unset).
    // Not `global`: `ledger audit` has its own `--lang` for its report.
    #[arg(long, value_enum)]
    pub lang: Option<crate::messages::Lang>,
    /// HTTP timeout per request, seconds.
    #[arg(long, global = true, default_value_t = 60)]
    pub timeout: u64,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a key file (0600) and print its verifier key.
    #[command(
        after_help = "Examples:\n  ledger keygen --out shihe-op.key --name shihe-op     # prints shihe-op+1a2b3c4d+AQ…\n  ledger keygen --out pseudonym.key --pseudonym       # prints the genesis commitment\n  ledger keygen --out jiwei.key --witness             # prints the witness verifier key\n\nExit codes: 0 ok, 2 usage, 4 input file error (e.g. the file exists)."
    )]
    Keygen(crate::admin::KeygenArgs),
    /// Grant a key signing rights (admin entry, KeyGrant).
    #[command(
        after_help = "Examples:\n  ledger keygen --out op.key                         # writes op.key and op.vkey\n  ledger grant --node http://127.0.0.1:8080 --key admin-1.key --key admin-2.key \\\n    --grantee \"$(cat op.vkey)\" --holder \"施河镇财政所 张*华\" --role operator --office 镇财政所 \\\n    --region 320803106000 --kinds transfer,household_subsidy,reversal   # 施河镇\n\nOffices (岗位): admin/系统管理员, village_committee/村委会, town_poverty_office/镇扶贫办, town_finance/镇财政所,\ndistrict_poverty_office/区扶贫办, district_finance/区财政局, district_department/区行业主管部门,\ndistrict_leader/区分管领导, discipline_inspector/纪检监察, auditor/审计. Operators need one.\n\nExit codes: 0 ok, 2 usage, 3 network or node error (e.g. the node refused the grant), 4 input file error."
    )]
    Grant(crate::admin::GrantArgs),
    /// Revoke a key (admin entry, KeyRevoke).
    #[command(
        after_help = "Example:\n  ledger revoke --node http://127.0.0.1:8080 --key admin-1.key --revoked old-op.key --reason \"工作调动\"\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Revoke(crate::admin::RevokeArgs),
    /// 政策更新: replace the policy (co-signature rules and offices, windows, categories, deadlines, enforcement dates; admin entry, PolicyUpdate).
    #[command(
        after_help = "Example:\n  ledger policy-update --node http://127.0.0.1:8080 --key admin-1.key --key admin-2.key --policy policy-2020.json\n\nThe file is the whole policy in JSON, as `ledger genesis --policy` takes it (see docs/CLI.md).\nExit codes: 0 ok, 2 usage (incl. a malformed policy), 3 network or node error, 4 input file error."
    )]
    PolicyUpdate(crate::admin::PolicyUpdateArgs),
    /// Rotate the log's checkpoint key (admin entry, LogKeyRotate).
    #[command(
        after_help = "Example:\n  ledger-node prepare-rotation --data /srv/ledger > rotation.txt   # line 1: new key, line 2: endorsement\n  ledger rotate-log-key --node http://127.0.0.1:8080 --key admin-1.key --vkey \"$(sed -n 1p rotation.txt)\" \\\n    --endorsement \"$(sed -n 2p rotation.txt)\" --reason \"年度轮换\"\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    RotateLogKey(crate::admin::RotateArgs),
    /// Build (and post or write) a genesis entry.
    #[command(
        after_help = "Example:\n  ledger genesis --origin huaian.example.gov.cn/ledger --title 淮安区阳光扶贫资金账本 \\\n    --regions huaian-district-2019-divisions.txt --key admin-1.key --key admin-2.key \\\n    --log-vkey \"$LOG_VKEY\" --pseudonym-key pseudonym.key --cosign-rule reversal:0:2 \\\n    --cosign-rule household_subsidy:0:2:镇扶贫办+镇财政所 --enforced-from 2019-07-01 \\\n    --node http://127.0.0.1:8080\n  ledger genesis --origin huaian.example.gov.cn/ledger --title 淮安区阳光扶贫资金账本 \\\n    --regions huaian-district-2019-divisions.txt --key admin-1.key --key admin-2.key \\\n    --log-vkey \"$LOG_VKEY\" --pseudonym-key pseudonym.key \\\n    --policy policy.json --node http://127.0.0.1:8080     # the whole policy as JSON\n\nDefault policy: 7-day publicity windows, 30 days to confirm, categories 低保, 建档立卡低收入户 (ends with exit),\n特困供养; every control enforced from --enforced-from (default the genesis day).\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Genesis(crate::admin::GenesisArgs),
    /// 记账：记一笔（资金、公告、比对、登记、异议、确认、项目环节；参数或 JSON）或从表格批量记账 (post an entry or a batch from a table).
    #[command(
        after_help = "Examples:\n  ledger post --node URL --key op.key transfer --fund F2019-SCN-012 --from treasury:320803000000 \\\n    --to treasury:320803101000 --amount 1,200,000 --memo \"拨付施河镇专项资金\"\n  ledger post --node URL --key op.key subsidy --pseudonym-key pseudonym.key --fund F2019-SCS-023 \\\n    --resident-id 320803198001011232 --name 张小三 --village 320803101201 --category 最低生活保障 \\\n    --period 2019-06 --amount 560\n  ledger post --node URL --key op.key reversal --seq 1234 --reason \"重复发放，予以冲正\" --date 2019-07-02\n  ledger post --node URL --key village.key notice --id N-APP-1 --stage 申报公告 --region 320803101201 \\\n    --start 2019-03-01 --title 2019年3月低保申报公告 --lines 申报.csv\n  ledger post --node URL --key village.key confirm --seq 1234 --method 明白卡签字 --date 2019-06-25\n  ledger post --node URL --key op.key csv 2019-06.csv --pseudonym-key pseudonym.key --fund F2019-SCS-023\n\nA CSV batch is safe to rerun after an interruption: nothing is posted twice (see docs/CLI.md).\nExit codes: 0 ok, 2 usage, 3 network or node error (incl. rows the node refused), 4 input file error (incl. invalid rows)."
    )]
    Post(crate::post::PostArgs),
    /// Add signatures to signed submissions written with --out (co-signing).
    #[command(
        after_help = "Example:\n  ledger post --origin O --key op.key --out t.json transfer --fund F2019-SCN-012 \\\n    --from treasury:320803000000 --to treasury:320803101000 --amount 1,200,000 --memo 拨付   # first signature\n  ledger cosign t.json --key deputy.key                           # second signature\n  ledger submit t.json --node http://127.0.0.1:8080\n\nExit codes: 0 ok, 2 usage, 4 input file error."
    )]
    Cosign(crate::admin::CosignArgs),
    /// Send signed submissions as they are (idempotent).
    #[command(
        after_help = "Example:\n  ledger submit t.json --node http://127.0.0.1:8080 --receipts receipts.jsonl\n\nExit codes: 0 ok, 2 usage, 3 network or node error, 4 input file error."
    )]
    Submit(crate::admin::SubmitArgs),
    /// Export the whole ledger to a bundle file (resumable).
    #[command(
        after_help = "Examples:\n  ledger export --node http://127.0.0.1:8080 --out ledger.bundle\n  ledger export --data /srv/ledger --out backup.bundle      # a stopped node's folder\n\nExit codes: 0 ok, 1 the entries do not match the signed checkpoint, 2 usage, 3 network or node error, 4 input file error."
    )]
    Export(crate::export::ExportArgs),
    /// Verify a bundle offline: every link, leaf, signature and rule.
    #[command(
        after_help = "Examples:\n  ledger verify ledger.bundle\n  ledger verify ledger.bundle --checkpoint last-month.checkpoint --log-key \"$LOG_VKEY\" \\\n    --save-checkpoint this-month.checkpoint\n\nOn a fork (the bundle rewrites the history of the saved checkpoint) both signed checkpoints are\nwritten to --evidence (default FILE.fork-evidence.json).\nExit codes: 0 everything holds, 1 verification failed (the first bad entry and rule are named), 2 usage, 4 input file error."
    )]
    Verify(crate::verify_cmd::VerifyArgs),
    /// Verify a bundle, then run the audit rules and report findings.
    #[command(
        after_help = "Examples:\n  ledger audit ledger.bundle\n  ledger audit ledger.bundle --format json --out findings.json\n  ledger audit ledger.bundle --format csv --standards standards.json --fail-on high\n  ledger audit ledger.bundle --pseudonym-key pseudonym.key --compare deceased=死亡人员.csv \\\n    --compare public_employee=财政供养人员.xlsx --roster 村干部名册.csv --format html --out 审计报告.html\n\nList layouts, thresholds and the HTML report: docs/AUDIT.md.\nExit codes: 0 report written, 1 verification failed (or --fail-on findings), 2 usage, 4 input file error (incl. a bad list row)."
    )]
    Audit(crate::audit_cmd::AuditArgs),
    /// Check that an entry or a household's entries are in the signed log.
    #[command(
        after_help = "Examples:\n  ledger prove --node http://127.0.0.1:8080 --seq 1234 --log-key \"$LOG_VKEY\" --out 1234.tlog-proof\n  ledger prove --node http://127.0.0.1:8080 --household 3f2a…e9 --log-key \"$LOG_VKEY\"\n  ledger prove --proof 1234.tlog-proof --log-key \"$LOG_VKEY\"      # offline\n  ledger prove --bundle ledger.bundle --finding F-2f6d8a64c5fa --report findings.json --log-key \"$LOG_VKEY\"\n  ledger prove --bundle ledger.bundle --household 3f2a91c0 --log-key \"$LOG_VKEY\"   # a unique prefix\n\nExit codes: 0 proven, 1 a proof or signature does not hold, 2 usage, 3 network or node error, 4 input file error."
    )]
    Prove(crate::prove::ProveArgs),
    /// Query the public read API, as tables.
    #[command(
        after_help = "Examples:\n  ledger query --node http://127.0.0.1:8080 regions\n  ledger query --node http://127.0.0.1:8080 village 320803101201\n  ledger query --node http://127.0.0.1:8080 fund F2019-SCN-012 --json\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Query(crate::query::QueryArgs),
    /// Witness: cosign the node's checkpoint after checking consistency (`ledger witness serve`: the C2SP witness server).
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = "Examples:\n  ledger witness serve --key jiwei.key --state-dir jiwei-state --listen 0.0.0.0:7380 --log \"$LOG_VKEY\"\n  ledger witness --node http://127.0.0.1:8080 --key jiwei.key --state jiwei.state.json --log-key \"$LOG_VKEY\"\n  ledger witness --key jiwei.key --state s.json --node URL --print-vkey\n\nWithout `serve` (pull mode, for a witness behind a firewall that accepts no connections): refuses (exit 1) and writes evidence when the log does not extend the checkpoint last cosigned.\nExit codes: 0 cosigned, 1 refused (fork or bad proof), 2 usage, 3 network or node error, 4 input file error."
    )]
    Witness(crate::witness::WitnessArgs),
    /// 打印明白卡（发放回执）：按批量记账的回执文件，每户一张，含查询码和二维码 (print payment slips from a batch's receipts file).
    #[command(
        after_help = "示例 (Examples):\n  ledger slips 2019-08-低保.csv.receipts.jsonl --out 明白卡.html --node https://ledger.example.gov.cn\n  ledger slips 2019-08-低保.csv.receipts.jsonl --out 回执.html --size 80mm --node https://ledger.example.gov.cn\n\n在浏览器中打开 HTML 文件后打印或另存为 PDF (open the HTML in a browser and print it).\nExit codes: 0 ok, 2 usage, 4 input file error."
    )]
    Slips(crate::slips::SlipsArgs),
}
