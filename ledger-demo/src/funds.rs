//! Funds: the ten funds issued each fiscal year (with 文号 in the real
//! style), and which fund pays which kind of household subsidy.

use crate::dice::Dice;
use crate::error::{ident, text, DemoError};
use crate::{FIRST_YEAR, YEARS};
use ledger_core::entry::{FundCategory, FundSource, SubsidyCategory};
use ledger_core::ids::{Ident, Text};
use std::collections::HashMap;

/// The ten funds issued each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FundKey {
    Central,
    Provincial,
    Municipal,
    District,
    MinLiving,
    Housing,
    Education,
    Medical,
    Pension,
    Donation,
}

/// One fund of one year.
pub(crate) struct FundDef {
    pub(crate) key: FundKey,
    pub(crate) year: u16,
    pub(crate) id: Ident,
    pub(crate) title: Text,
    pub(crate) document_no: String,
    pub(crate) source: FundSource,
    pub(crate) category: FundCategory,
}

fn fund_defs(dice: &mut Dice, year: u16) -> Result<Vec<FundDef>, DemoError> {
    let y = year;
    // Document numbers: the 2019 special-fund numbers are the ones quoted in
    // the brief; the others are drawn in plausible ranges, distinct per prefix.
    let first = year == FIRST_YEAR;
    let scn_provincial = if first { 12 } else { dice.range(8, 20) };
    let scn_central = scn_provincial + dice.range(3, 15);
    let hcn = if first { 35 } else { dice.range(20, 60) };
    let hqc = if first { 8 } else { dice.range(3, 15) };
    let hqs_medical = dice.range(2, 10);
    let hqs_pension = hqs_medical + dice.range(1, 6);
    let specs: [(FundKey, String, String, String, FundSource, FundCategory); 10] = [
        (
            FundKey::Central,
            format!("{y}年中央财政专项扶贫资金"),
            format!("苏财农〔{y}〕{scn_central}号"),
            format!("F{y}-SCN-{scn_central:03}"),
            FundSource::Central,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::Provincial,
            format!("{y}年省级财政专项扶贫资金"),
            format!("苏财农〔{y}〕{scn_provincial}号"),
            format!("F{y}-SCN-{scn_provincial:03}"),
            FundSource::Provincial,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::Municipal,
            format!("{y}年市级财政专项扶贫资金"),
            format!("淮财农〔{y}〕{hcn}号"),
            format!("F{y}-HCN-{hcn:03}"),
            FundSource::Municipal,
            FundCategory::SpecialPoverty,
        ),
        (
            FundKey::District,
            format!("{y}年区级财政专项扶贫配套资金"),
            format!("淮区财〔{y}〕{hqc}号"),
            format!("F{y}-HQC-{hqc:03}"),
            FundSource::District,
            FundCategory::Infrastructure,
        ),
        {
            let n = dice.range(20, 45);
            (
                FundKey::MinLiving,
                format!("{y}年困难群众救助补助资金（最低生活保障）"),
                format!("苏财社〔{y}〕{n}号"),
                format!("F{y}-SCS-{n:03}"),
                FundSource::Provincial,
                FundCategory::SocialSecurity,
            )
        },
        {
            let n = dice.range(30, 80);
            (
                FundKey::Housing,
                format!("{y}年农村危房改造省级补助资金"),
                format!("苏财建〔{y}〕{n}号"),
                format!("F{y}-SCJ-{n:03}"),
                FundSource::Provincial,
                FundCategory::Housing,
            )
        },
        {
            let n = dice.range(5, 25);
            (
                FundKey::Education,
                format!("{y}年建档立卡家庭学生教育资助资金"),
                format!("淮区财教〔{y}〕{n}号"),
                format!("F{y}-HQJ-{n:03}"),
                FundSource::District,
                FundCategory::Education,
            )
        },
        (
            FundKey::Medical,
            format!("{y}年低收入人口城乡居民医保个人缴费代缴资金"),
            format!("淮区财社〔{y}〕{hqs_medical}号"),
            format!("F{y}-HQS-{hqs_medical:03}"),
            FundSource::District,
            FundCategory::Medical,
        ),
        (
            FundKey::Pension,
            format!("{y}年低收入人口城乡居民养老保险代缴资金"),
            format!("淮区财社〔{y}〕{hqs_pension}号"),
            format!("F{y}-HQS-{hqs_pension:03}"),
            FundSource::District,
            FundCategory::SocialSecurity,
        ),
        {
            let n = dice.range(1, 9);
            (
                FundKey::Donation,
                format!("{y}年“阳光扶贫”社会捐赠帮扶资金"),
                format!("淮区慈〔{y}〕{n}号"),
                format!("F{y}-HQCS-{n:03}"),
                FundSource::SocialDonation,
                FundCategory::Other,
            )
        },
    ];
    specs
        .into_iter()
        .map(|(key, title, document_no, id, source, category)| {
            Ok(FundDef {
                key,
                year,
                id: ident(&id)?,
                title: text(&title)?,
                document_no,
                source,
                category,
            })
        })
        .collect()
}

/// Which fund pays a subsidy category, and who pays it out.
pub(crate) fn subsidy_fund(category: SubsidyCategory) -> FundKey {
    match category {
        SubsidyCategory::MinimumLiving => FundKey::MinLiving,
        SubsidyCategory::HousingRenovation => FundKey::Housing,
        SubsidyCategory::Education => FundKey::Education,
        SubsidyCategory::MedicalInsurance => FundKey::Medical,
        SubsidyCategory::Pension => FundKey::Pension,
        SubsidyCategory::Employment => FundKey::Municipal,
        SubsidyCategory::IndustrySupport => FundKey::Provincial,
        SubsidyCategory::Other => FundKey::Donation,
    }
}

/// The funds of both years, in issue order (the first year's ten, then the
/// second's), with an index by (year, fund).
pub(crate) struct Funds {
    pub(crate) defs: Vec<FundDef>,
    index: HashMap<(u16, FundKey), usize>,
}

impl Funds {
    /// Define the funds of [`YEARS`], drawing their document numbers.
    pub(crate) fn define(dice: &mut Dice) -> Result<Funds, DemoError> {
        let mut defs = Vec::new();
        for year in YEARS {
            defs.extend(fund_defs(dice, year)?);
        }
        let index = defs.iter().enumerate().map(|(i, f)| ((f.year, f.key), i)).collect();
        Ok(Funds { defs, index })
    }

    /// The position of `key`'s fund of `year` (0 if there is none, which
    /// cannot happen: every year has every fund).
    pub(crate) fn position(&self, year: u16, key: FundKey) -> usize {
        self.index.get(&(year, key)).copied().unwrap_or(0)
    }
}
