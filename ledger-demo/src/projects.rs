//! Projects: the contractors, and the village projects (roads, industry
//! bases, solar plants, water, irrigation, housing) with their budgets,
//! contracts and payment milestones.

use crate::credit_codes::uscc;
use crate::dice::Dice;
use crate::error::{fen, ident, text, DemoError};
use crate::funds::FundKey;
use crate::regions::District;
use crate::{FIRST_YEAR, YUAN};
use ledger_core::entry::{Payee, ProjectCategory, ProjectRegister};
use ledger_core::ids::{Date, Ident, Text};
use std::collections::{BTreeMap, HashMap};

/// A planned project: registered, funded and paid by its town.
pub(crate) struct ProjectPlan {
    pub(crate) year: u16,
    pub(crate) town: u16,
    pub(crate) id: Ident,
    pub(crate) body: ProjectRegister,
    pub(crate) fund: FundKey,
    pub(crate) payee: Payee,
    pub(crate) contract: Text,
    /// Month of registration and of the transfer into the project account.
    pub(crate) month: u8,
    /// (month, percent of budget, milestone).
    pub(crate) milestones: Vec<(u8, u64, &'static str)>,
}
/// A contractor that projects pay.
struct Contractor {
    payee: Payee,
    kind: ContractorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What a contractor builds.
enum ContractorKind {
    Construction,
    Water,
    Solar,
    Agriculture,
}

/// The pool of 24 contractors.
fn contractors(dice: &mut Dice) -> Result<Vec<Contractor>, DemoError> {
    const WORDS: [&str; 24] = [
        "瑞丰", "恒达", "鑫源", "宏盛", "兴淮", "楚韵", "运河", "华泰", "金鼎", "永盛", "润达", "嘉禾", "汇通", "苏淮",
        "天顺", "广源", "丰泽", "盛世", "淮扬", "新禾", "博远", "安澜", "绿野", "晟阳",
    ];
    let forms: [(ContractorKind, &str, &str); 6] = [
        (ContractorKind::Construction, "淮安市", "建设工程有限公司"),
        (ContractorKind::Construction, "江苏", "建设集团有限公司"),
        (ContractorKind::Water, "淮安", "水利建筑工程有限公司"),
        (ContractorKind::Solar, "江苏", "新能源科技有限公司"),
        (ContractorKind::Agriculture, "淮安", "农业科技发展有限公司"),
        (ContractorKind::Agriculture, "江苏", "温室工程有限公司"),
    ];
    let mut out = Vec::new();
    for (i, word) in WORDS.iter().enumerate() {
        let (kind, prefix, suffix) = forms[i % forms.len()];
        let area = if dice.chance(600) { "320803" } else { "320800" };
        let id = uscc(dice, area);
        out.push(Contractor {
            payee: Payee {
                id: ident(&id)?,
                name: text(&format!("{prefix}{word}{suffix}"))?,
            },
            kind,
        });
    }
    Ok(out)
}

/// Draw the contractors, then plan `count` projects, alternating between
/// the two years, each in a random rural village and paid to a contractor
/// of the right kind.
pub(crate) fn plan_projects(dice: &mut Dice, district: &District, count: usize) -> Result<Vec<ProjectPlan>, DemoError> {
    let pool = contractors(dice)?;
    let towns = &district.towns;
    // Projects are built in rural villages (村), not in urban residents' committees.
    let rural = district.rural_villages();
    if rural.is_empty() {
        return Ok(Vec::new());
    }
    let mut per_village: HashMap<(u16, u16), u32> = HashMap::new();
    let mut contracts: BTreeMap<u16, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let year = FIRST_YEAR + (i % 2) as u16;
        let (t, v) = rural[dice.index(rural.len())];
        let town = &towns[t as usize];
        let village = &town.villages[v as usize];
        let roll = dice.below(100);
        let (category, budget_yuan, fund, kind) = match roll {
            0..=34 => {
                let b = dice.range(400, 1_800) * 1_000;
                let f = if dice.chance(500) {
                    FundKey::Central
                } else {
                    FundKey::District
                };
                (ProjectCategory::VillageRoad, b, f, ContractorKind::Construction)
            }
            35..=54 => {
                let b = dice.range(800, 2_000) * 1_000;
                let f = if dice.chance(600) {
                    FundKey::Provincial
                } else {
                    FundKey::Municipal
                };
                (ProjectCategory::IndustryBase, b, f, ContractorKind::Agriculture)
            }
            55..=64 => (
                ProjectCategory::Solar,
                dice.range(1_200, 1_600) * 1_000,
                FundKey::Provincial,
                ContractorKind::Solar,
            ),
            65..=79 => (
                ProjectCategory::Water,
                dice.range(200, 600) * 1_000,
                FundKey::Central,
                ContractorKind::Water,
            ),
            80..=94 => (
                ProjectCategory::Irrigation,
                dice.range(300, 900) * 1_000,
                FundKey::District,
                ContractorKind::Water,
            ),
            _ => (
                ProjectCategory::HousingRenovation,
                dice.range(500, 1_500) * 1_000,
                FundKey::Housing,
                ContractorKind::Construction,
            ),
        };
        let vname = &village.short;
        let name = match category {
            ProjectCategory::VillageRoad => {
                let a = dice.range(1, 8);
                let b = a + dice.range(1, 4);
                let km = budget_yuan / 40_000; // ~40万元 per km of 3.5 m cement road, in tenths
                format!("{vname}{a}组至{b}组道路硬化工程（{}.{}公里）", km / 10, km % 10)
            }
            ProjectCategory::IndustryBase => {
                format!("{vname}高效设施农业产业基地（钢架大棚{}亩）", budget_yuan / 25_000)
            }
            ProjectCategory::Solar => format!("{vname}村级光伏扶贫电站（{}千瓦）", budget_yuan / 7_000 / 10 * 10),
            ProjectCategory::Water => format!("{vname}农村安全饮水管网改造工程"),
            ProjectCategory::Irrigation => format!("{vname}小型农田水利（泵站及渠系配套）工程"),
            _ => format!("{vname}农村危房集中改造项目"),
        };
        let n = per_village.entry((t, v)).or_insert(0);
        *n += 1;
        let id = ident(&format!("P{year}-{:06}-{:02}", village.code.get() % 1_000_000, n))?;
        let month = dice.range(2, 5) as u8;
        let complete = year == FIRST_YEAR || dice.chance(700);
        let mut milestones = vec![(month + 1, 30, "预付款"), (month + 3, 40, "进度款")];
        if complete {
            milestones.push((month + 6, 25, "竣工验收款"));
        }
        let start_day = dice.range(1, 28) as u32;
        let start = Date::new(u32::from(year) * 10_000 + u32::from(month + 1) * 100 + start_day).map_err(DemoError)?;
        let end = Date::new(u32::from(year) * 10_000 + u32::from(month + 7) * 100 + 28).map_err(DemoError)?;
        let candidates: Vec<&Contractor> = pool.iter().filter(|c| c.kind == kind).collect();
        let payee = candidates
            .get(dice.index(candidates.len().max(1)))
            .map(|c| c.payee.clone())
            .ok_or_else(|| DemoError("no contractor of the right kind".into()))?;
        let k = contracts.entry(year).or_insert(0);
        *k += 1;
        let contract = text(&format!("淮区扶贫项目合同 HAFP-{year}-{k:03}"))?;
        let body = ProjectRegister {
            project: id.clone(),
            name: text(&name)?,
            village: village.code,
            category,
            budget: fen(budget_yuan * YUAN)?,
            implementer: text(&town.government)?,
            start,
            end,
        };
        out.push(ProjectPlan {
            year,
            town: t,
            id,
            body,
            fund,
            payee,
            contract,
            month,
            milestones,
        });
    }
    Ok(out)
}
