//! Places: the district's 361 divisions, its towns and villages as the
//! generator sees them, and the choice of economically weak villages.

use crate::dice::Dice;
use crate::error::{region, DemoError};
use crate::DISTRICT_CODE;
use ledger_core::region::{parse_division_list, RegionCode, RegionDef, RegionLevel};

/// The district's 361 statistical divisions (2019), one `CODE NAME` a line.
pub const DIVISIONS: &str = include_str!("../../fixtures/huaian-district-2019-divisions.txt");

/// Number of economically weak villages (集体经济薄弱村) whose industry
/// support is paid through the village collective's own account.
const WEAK_VILLAGES: usize = 12;

/// The 361 regions of Huai'an District, sorted by code (parents first).
pub fn huaian_regions() -> Result<Vec<RegionDef>, DemoError> {
    parse_division_list(DIVISIONS).map_err(|(line, e)| DemoError(format!("division list line {line}: {e}")))
}

/// An inhabited village or residents' committee.
pub(crate) struct VillageInfo {
    pub(crate) code: RegionCode,
    /// Short name for project titles: `王桥村委会` → `王桥村`.
    pub(crate) short: String,
    pub(crate) rural: bool,
}

/// A town or street (or farm, or development zone) and its villages.
pub(crate) struct TownInfo {
    pub(crate) code: RegionCode,
    pub(crate) name: String,
    /// The implementing unit of its projects (`施河镇人民政府`).
    pub(crate) government: String,
    /// Its finance office (`施河镇财政所`).
    pub(crate) finance_office: String,
    pub(crate) villages: Vec<VillageInfo>,
}

/// The towns of `regions`, each with its inhabited villages.
fn towns_of(regions: &[RegionDef]) -> Vec<TownInfo> {
    let mut towns: Vec<TownInfo> = Vec::new();
    for def in regions {
        match def.code.level() {
            RegionLevel::Town => {
                let name = def.name.clone();
                let (government, finance_office) = if name.ends_with('镇') {
                    (format!("{name}人民政府"), format!("{name}财政所"))
                } else if name.ends_with("街道") {
                    (format!("{name}办事处"), format!("{name}财政所"))
                } else if name.ends_with("农场") {
                    (format!("{name}管理委员会"), format!("{name}财务科"))
                } else {
                    (format!("{name}管理委员会"), format!("{name}财政局"))
                };
                towns.push(TownInfo {
                    code: def.code,
                    name,
                    government,
                    finance_office,
                    villages: Vec::new(),
                });
            }
            RegionLevel::Village => {
                // Statistical "virtual" units have no residents of their own.
                if def.name.contains("虚拟") {
                    continue;
                }
                let rural = def.name.ends_with("村委会");
                let short = def.name.strip_suffix("委会").unwrap_or(&def.name).to_string();
                if let Some(town) = towns.iter_mut().find(|t| Some(t.code) == def.code.parent()) {
                    town.villages.push(VillageInfo {
                        code: def.code,
                        short,
                        rural,
                    });
                }
            }
            RegionLevel::District => {}
        }
    }
    towns
}

/// The district: its region table and its towns.
pub(crate) struct District {
    /// The district's own code, [`DISTRICT_CODE`].
    pub(crate) code: RegionCode,
    /// All 361 regions, parents first (genesis declares them).
    pub(crate) regions: Vec<RegionDef>,
    /// Its towns and streets, with their inhabited villages.
    pub(crate) towns: Vec<TownInfo>,
}

impl District {
    /// Huai'an District, from [`DIVISIONS`].
    pub(crate) fn huaian() -> Result<District, DemoError> {
        let regions = huaian_regions()?;
        let towns = towns_of(&regions);
        Ok(District {
            code: region(DISTRICT_CODE)?,
            regions,
            towns,
        })
    }

    /// Every rural village (村, not an urban residents' committee), as
    /// (town index, village index), in region order.
    pub(crate) fn rural_villages(&self) -> Vec<(u16, u16)> {
        self.towns
            .iter()
            .enumerate()
            .flat_map(|(t, town)| {
                town.villages
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.rural)
                    .map(move |(v, _)| (t as u16, v as u16))
            })
            .collect()
    }

    /// Draw the economically weak villages among the rural villages of
    /// `among`; sorted.
    pub(crate) fn choose_weak_villages(&self, dice: &mut Dice, among: &[(u16, u16)]) -> Vec<(u16, u16)> {
        let rural: Vec<(u16, u16)> = self
            .rural_villages()
            .into_iter()
            .filter(|place| among.contains(place))
            .collect();
        let mut weak: Vec<(u16, u16)> = Vec::new();
        while weak.len() < WEAK_VILLAGES.min(rural.len()) {
            let pick = rural[dice.index(rural.len())];
            if !weak.contains(&pick) {
                weak.push(pick);
            }
        }
        weak.sort_unstable();
        weak
    }
}
