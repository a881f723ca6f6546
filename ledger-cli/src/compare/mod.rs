//! `ledger audit --compare KIND=FILE`: the cross-checks with other
//! departments' lists (两比对). Each list is read here, on the auditor's
//! machine, every resident ID validated and hashed with the district's
//! pseudonym key exactly as `ledger post` hashes it
//! (`PseudonymKey::household_ref`), and only the references go on to the
//! audit rules (`ledger_audit::lists`). No ID is written anywhere: messages
//! and findings name the file and row. Layouts and thresholds: docs/AUDIT.md.

pub mod layout;
pub mod read;
pub mod roster;

use ledger_audit::lists::{ExternalLists, ListHit, ListKind};
use ledger_core::household::{HouseholdRef, PseudonymKey};
use ledger_core::ids::Date;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most lists in one audit.
pub const MAX_LISTS: usize = 16;

/// The thresholds above which an owner's household is reported.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Thresholds {
    /// Cars (motorcycles, farm vehicles and disability scooters not counted).
    pub vehicles: u32,
    /// Registered capital of a business, 万元 (0: any registration).
    pub business_capital: f64,
    /// Properties.
    pub properties: u32,
    /// Total floor area, m² (0: any).
    pub property_area: f64,
}

/// What was read from one list.
#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    /// The kind.
    pub kind: ListKind,
    /// The file as given.
    pub file: String,
    /// How it was decoded.
    pub encoding: String,
    /// Data rows read.
    pub rows: usize,
    /// Rows skipped for bad input (`--skip-bad`).
    pub skipped: usize,
    /// People above the threshold (all, for deceased and public employees).
    pub people: usize,
}

/// Parse `KIND=FILE`.
pub fn parse_arg(text: &str) -> Result<(ListKind, PathBuf), String> {
    let (kind, file) = text
        .split_once('=')
        .ok_or_else(|| format!("--compare {text:?}: KIND=FILE, e.g. deceased=死亡人员.csv"))?;
    let kind = ListKind::parse(kind).ok_or_else(|| {
        format!(
            "--compare {kind:?}: one of {}",
            ListKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
        )
    })?;
    Ok((kind, PathBuf::from(file)))
}

struct Person {
    rows: Vec<usize>,
    keys: Vec<String>,
    death: Option<Date>,
    figures: Vec<f64>,
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Read one list. Bad rows are errors unless `skip_bad` (then counted).
fn load_one(
    kind: ListKind,
    path: &Path,
    key: &PseudonymKey,
    thresholds: &Thresholds,
    skip_bad: bool,
    lists: &mut ExternalLists,
) -> Result<ListSummary, String> {
    let name = path.display().to_string();
    let label = file_label(path);
    let sheet = read::read(path)?;
    let cols = layout::locate(&name, kind, &sheet.header)?;
    let mut people: HashMap<HouseholdRef, Person> = HashMap::new();
    let mut seen: HashMap<(HouseholdRef, String), usize> = HashMap::new();
    let (mut rows, mut skipped) = (0usize, 0usize);
    let mut first_error: Option<String> = None;
    for (i, cells) in sheet.rows.iter().enumerate() {
        if cells.is_empty() {
            continue;
        }
        rows += 1;
        let row_no = i + 2;
        let parsed = layout::row(&name, kind, &cols, row_no, cells).and_then(|r| {
            let href = key.household_ref(&r.id);
            match seen.get(&(href, r.key.clone())) {
                Some(first) => Err(format!(
                    "{name} row {row_no} column 身份证号码: duplicate of row {first}"
                )),
                None => Ok((href, r)),
            }
        });
        let (href, r) = match parsed {
            Ok(x) => x,
            Err(e) => {
                skipped += 1;
                if first_error.is_none() {
                    first_error = Some(e);
                }
                continue;
            }
        };
        seen.insert((href, r.key.clone()), row_no);
        let p = people.entry(href).or_insert(Person {
            rows: Vec::new(),
            keys: Vec::new(),
            death: None,
            figures: Vec::new(),
        });
        p.rows.push(row_no);
        p.keys.push(r.key);
        p.death = p.death.or(r.death);
        p.figures.push(r.figure);
    }
    if let Some(e) = first_error {
        if !skip_bad {
            let more = if skipped > 1 {
                format!(" (and {} more bad row(s); --skip-bad to skip them)", skipped - 1)
            } else {
                " (--skip-bad to skip it)".to_string()
            };
            return Err(format!("{e}{more}"));
        }
    }
    let mut count = 0;
    let mut sorted: Vec<(HouseholdRef, Person)> = people.into_iter().collect();
    sorted.sort_by_key(|(_, p)| p.rows.first().copied().unwrap_or(0));
    for (href, p) in sorted {
        let cars = p.figures.iter().filter(|f| **f > 0.0).count() as u32;
        let capital = p.figures.iter().copied().fold(0.0, f64::max);
        let area: f64 = p.figures.iter().sum();
        let (above, zh, en) = match kind {
            ListKind::Deceased => (true, String::new(), String::new()),
            ListKind::PublicEmployee => (true, "在编在岗".to_string(), "on the payroll".to_string()),
            ListKind::Vehicle => (
                cars >= thresholds.vehicles.max(1),
                format!("登记汽车{cars}辆"),
                format!("{cars} car(s) registered"),
            ),
            ListKind::Business => (
                capital >= thresholds.business_capital,
                format!("工商登记{}户，最高注册资本{capital}万元", p.rows.len()),
                format!(
                    "{} business registration(s), capital up to {capital} ten-thousand yuan",
                    p.rows.len()
                ),
            ),
            ListKind::Property => (
                p.rows.len() as u32 >= thresholds.properties.max(1) && area >= thresholds.property_area,
                format!("不动产{}处，合计{area}平方米", p.rows.len()),
                format!("{} property title(s), {area} m² in all", p.rows.len()),
            ),
        };
        if !above {
            continue;
        }
        count += 1;
        lists.add(
            href,
            ListHit {
                kind,
                rows: p.rows.iter().map(|r| format!("{label}:{r}")).collect(),
                death: p.death,
                detail_zh: zh,
                detail_en: en,
            },
        );
    }
    Ok(ListSummary {
        kind,
        file: name,
        encoding: sheet.encoding.to_string(),
        rows,
        skipped,
        people: count,
    })
}

/// Read every list (`KIND=FILE`). The first bad list stops everything
/// unless `skip_bad`.
pub fn load(
    specs: &[String],
    key: &PseudonymKey,
    thresholds: &Thresholds,
    skip_bad: bool,
) -> Result<(ExternalLists, Vec<ListSummary>), String> {
    if specs.len() > MAX_LISTS {
        return Err(format!("at most {MAX_LISTS} --compare lists"));
    }
    let mut lists = ExternalLists::default();
    let mut summaries = Vec::new();
    for spec in specs {
        let (kind, path) = parse_arg(spec)?;
        summaries.push(load_one(kind, &path, key, thresholds, skip_bad, &mut lists)?);
    }
    Ok((lists, summaries))
}
