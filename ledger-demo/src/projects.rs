//! Projects: the contractors, and the village projects (roads, industry
//! bases, solar plants, water, irrigation, housing) with their budgets and
//! contracts. Their way through the project library's stages is planned in
//! `library`.

use crate::credit_codes::uscc;
use crate::dice::Dice;
use crate::error::{fen, ident, text, DemoError};
use crate::funds::FundKey;
use crate::library::Twist;
use crate::regions::District;
use crate::{FIRST_YEAR, YUAN};
use ledger_core::entry::{Payee, ProjectCategory, ProjectRegister};
use ledger_core::ids::{Date, Ident, Text};
use std::collections::{BTreeMap, HashMap};

/// A planned project: proposed, reviewed, publicised, approved, built and
/// paid by its town's finance station through the project's account (each
/// milestone's money passed in the day it is paid, so none waits there),
/// accepted, handed over and evaluated (`library` plans its steps).
pub(crate) struct ProjectPlan {
    pub(crate) year: u16,
    pub(crate) town: u16,
    /// Its village's index in the town.
    pub(crate) village: u16,
    pub(crate) id: Ident,
    pub(crate) body: ProjectRegister,
    pub(crate) fund: FundKey,
    /// The contractor (施工单位) the approval binds.
    pub(crate) payee: Payee,
    pub(crate) contract: Text,
    /// What the contractor builds (a replacement is of the same kind).
    pub(crate) kind: ContractorKind,
    /// Month of the proposal, review, publicity and approval.
    pub(crate) month: u8,
    /// Will the work be finished within the demo's two years?
    pub(crate) complete: bool,
    /// Its dated steps in log order (`library::plan_library`).
    pub(crate) steps: Vec<crate::library::Step>,
    /// What its town receives for it from the fund: the payments it makes
    /// within the demo, or more where the money is left over (资金滞留).
    pub(crate) allocation: u64,
}
impl ProjectPlan {
    /// The entries its steps post: one each, two for a payment (the
    /// transfer into the project's account, then the payment).
    pub(crate) fn entries(&self) -> u64 {
        self.steps
            .iter()
            .map(|s| {
                if matches!(s.action, crate::library::Action::Pay { .. }) {
                    2
                } else {
                    1
                }
            })
            .sum()
    }
}

/// A contractor that projects pay.
pub(crate) struct Contractor {
    pub(crate) payee: Payee,
    pub(crate) kind: ContractorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What a contractor builds.
pub(crate) enum ContractorKind {
    Construction,
    Water,
    Solar,
    Agriculture,
}

/// The pool of 24 contractors.
pub(crate) fn contractors(dice: &mut Dice) -> Result<Vec<Contractor>, DemoError> {
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

/// Plan `count` projects, alternating between the two years, each in a
/// random rural village and contracted to one of `pool` of the right kind.
pub(crate) fn plan_projects(
    dice: &mut Dice,
    district: &District,
    pool: &[Contractor],
    count: usize,
) -> Result<Vec<ProjectPlan>, DemoError> {
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
        let drawn = dice.range(2, 4) as u8;
        // The projects paid against the rules before they were enforced
        // (history) are proposed in February, so that it happens by June.
        let twist = Twist::of(i, count);
        let month = twist.month().unwrap_or(drawn);
        let complete = year == FIRST_YEAR || dice.chance(700) || twist.finishes();
        // Work starts in the first half of the month after the approval,
        // before the advance is paid on the 18th.
        let start_day = dice.range(1, 15) as u32;
        // Next year's library (proposed in the autumn) starts next spring.
        let (start_year, start_month) = if month >= 10 {
            (u32::from(year) + 1, 3)
        } else {
            (u32::from(year), u32::from(month + 1))
        };
        let start = Date::new(start_year * 10_000 + start_month * 100 + start_day).map_err(DemoError)?;
        // Planned to end seven months after the proposal (next October for
        // next year's library).
        let (end_year, end_month) = if month >= 10 {
            (start_year, 10)
        } else {
            (u32::from(year), u32::from(month + 7))
        };
        let end = Date::new(end_year * 10_000 + end_month * 100 + 28).map_err(DemoError)?;
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
            village: v,
            fund,
            payee,
            contract,
            kind,
            month,
            complete,
            steps: Vec::new(),
            allocation: 0,
        });
    }
    Ok(out)
}
