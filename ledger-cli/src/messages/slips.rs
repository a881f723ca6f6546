//! `ledger slips`: the labels of a payment slip. A slip is read by the
//! household, so it is Chinese whatever `--lang` is; the English is for
//! the catalogue's completeness and tests.

use super::Message;

/// A slip's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The slip's title.
    Title,
    /// 户主.
    Name,
    /// 村.
    Village,
    /// 类别.
    Category,
    /// 所属期间.
    Period,
    /// 金额.
    Amount,
    /// 发放日期.
    Date,
    /// The entry.
    Entry,
    /// The lookup code.
    Code,
    /// Under the QR code.
    ScanToCheck,
    /// The household signs for the money (发放回执).
    Signature,
}

impl Message for Label {
    fn zh(&self) -> String {
        match self {
            Label::Title => "惠民补贴明白卡（发放回执）",
            Label::Name => "户主",
            Label::Village => "村（社区）",
            Label::Category => "补助类别",
            Label::Period => "所属期间",
            Label::Amount => "发放金额",
            Label::Date => "发放日期",
            Label::Entry => "账本记录",
            Label::Code => "户码",
            Label::ScanToCheck => "扫码查看本户在阳光账本中的全部发放记录",
            Label::Signature => "领款人签字",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            Label::Title => "Subsidy slip (payment receipt)",
            Label::Name => "Head of household",
            Label::Village => "Village",
            Label::Category => "Category",
            Label::Period => "Period",
            Label::Amount => "Amount",
            Label::Date => "Paid on",
            Label::Entry => "Ledger entry",
            Label::Code => "Household code",
            Label::ScanToCheck => "Scan to see every payment to this household in the ledger",
            Label::Signature => "Received by (signature)",
        }
        .into()
    }
}
