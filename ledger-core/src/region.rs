//! Regions: 12-digit statistical division codes (统计用区划代码).
//!
//! `320803000000` is the district, `320803NNN000` a town or street,
//! `320803NNNVVV` a village-level unit. A code is only *valid for a log* if the
//! log's region table (registered by genesis or a later admin entry) holds it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The largest region name we accept, in characters.
pub const MAX_REGION_NAME_CHARS: usize = 40;
/// The most regions one log may register (a district has a few hundred).
pub const MAX_REGIONS: usize = 10_000;

/// A syntactically valid 12-digit division code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u64);

/// The level of a code in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RegionLevel {
    /// County-level unit: `XXXXXX000000`.
    District,
    /// Town or street: `XXXXXXNNN000`.
    Town,
    /// Village or residents' committee: `XXXXXXNNNVVV`.
    Village,
}

/// Why a region code or table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// Not exactly 12 ASCII digits, or a province part of zero.
    #[error("not a 12-digit division code: {0:?}")]
    BadCode(String),
    /// Syntactically fine, but the log does not know it.
    #[error("region {0} is not in the log's region table")]
    Unknown(RegionCode),
    /// A region registered twice with different names.
    #[error("region {0} is registered twice")]
    Duplicate(RegionCode),
    /// A town or village whose parent is not registered.
    #[error("region {0} has no registered parent")]
    Orphan(RegionCode),
    /// Name empty, too long, or with control characters.
    #[error("bad name for region {0}")]
    BadName(RegionCode),
    /// More than [`MAX_REGIONS`].
    #[error("too many regions (limit {MAX_REGIONS})")]
    TooMany,
}

impl RegionCode {
    /// Validate a numeric code.
    pub fn new(code: u64) -> Result<RegionCode, RegionError> {
        // 12 digits with a non-zero leading province part.
        if !(100_000_000_000..=999_999_999_999).contains(&code) {
            return Err(RegionError::BadCode(code.to_string()));
        }
        Ok(RegionCode(code))
    }

    /// Parse `"320803001001"`.
    pub fn parse(text: &str) -> Result<RegionCode, RegionError> {
        let t = text.trim();
        if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::BadCode(t.chars().take(20).collect()));
        }
        let code: u64 = t.parse().map_err(|_| RegionError::BadCode(t.to_string()))?;
        RegionCode::new(code)
    }

    /// The numeric code.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// District, town or village.
    pub fn level(self) -> RegionLevel {
        if self.0 % 1_000_000 == 0 {
            RegionLevel::District
        } else if self.0 % 1_000 == 0 {
            RegionLevel::Town
        } else {
            RegionLevel::Village
        }
    }

    /// The code one level up, or `None` for a district.
    pub fn parent(self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::District => None,
            RegionLevel::Town => Some(RegionCode(self.0 - self.0 % 1_000_000)),
            RegionLevel::Village => Some(RegionCode(self.0 - self.0 % 1_000)),
        }
    }

    /// The town of a village (itself for a town, `None` for a district).
    pub fn town(self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::District => None,
            RegionLevel::Town => Some(self),
            RegionLevel::Village => self.parent(),
        }
    }

    /// True when `self` is `other` or one of its ancestors.
    pub fn covers(self, other: RegionCode) -> bool {
        let mut cursor = Some(other);
        while let Some(code) = cursor {
            if code == self {
                return true;
            }
            cursor = code.parent();
        }
        false
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_string())
        } else {
            s.serialize_u64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            RegionCode::parse(&text).map_err(serde::de::Error::custom)
        } else {
            let code = u64::deserialize(d)?;
            RegionCode::new(code).map_err(serde::de::Error::custom)
        }
    }
}

/// One registered region: code and official name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionDef {
    /// The division code.
    pub code: RegionCode,
    /// The official name, e.g. `施河镇`.
    pub name: String,
}

/// The log's region table: every code the log accepts, with its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionTable {
    names: BTreeMap<RegionCode, String>,
}

impl RegionTable {
    /// An empty table.
    pub fn new() -> RegionTable {
        RegionTable::default()
    }

    /// Register regions; all or nothing. A parent must be registered before
    /// (or in the same list ahead of) its children; re-registering a code with
    /// the same name is allowed (idempotent), with another name is an error.
    pub fn register(&mut self, defs: &[RegionDef]) -> Result<(), RegionError> {
        let mut staged = self.clone();
        for def in defs {
            let name_ok = !def.name.trim().is_empty()
                && def.name.chars().count() <= MAX_REGION_NAME_CHARS
                && !def.name.chars().any(char::is_control);
            if !name_ok {
                return Err(RegionError::BadName(def.code));
            }
            if let Some(parent) = def.code.parent() {
                if !staged.names.contains_key(&parent) {
                    return Err(RegionError::Orphan(def.code));
                }
            }
            match staged.names.get(&def.code) {
                Some(existing) if *existing != def.name => return Err(RegionError::Duplicate(def.code)),
                Some(_) => {}
                None => {
                    if staged.names.len() >= MAX_REGIONS {
                        return Err(RegionError::TooMany);
                    }
                    staged.names.insert(def.code, def.name.clone());
                }
            }
        }
        *self = staged;
        Ok(())
    }

    /// Is the code registered?
    pub fn contains(&self, code: RegionCode) -> bool {
        self.names.contains_key(&code)
    }

    /// The code if registered, else [`RegionError::Unknown`].
    pub fn require(&self, code: RegionCode) -> Result<RegionCode, RegionError> {
        if self.contains(code) {
            Ok(code)
        } else {
            Err(RegionError::Unknown(code))
        }
    }

    /// The name of a registered code.
    pub fn name(&self, code: RegionCode) -> Option<&str> {
        self.names.get(&code).map(String::as_str)
    }

    /// Every registered region in code order.
    pub fn iter(&self) -> impl Iterator<Item = (RegionCode, &str)> {
        self.names.iter().map(|(c, n)| (*c, n.as_str()))
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no region is registered.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Registered children of a code, in code order.
    pub fn children(&self, code: RegionCode) -> Vec<RegionCode> {
        self.names
            .keys()
            .copied()
            .filter(|c| c.parent() == Some(code))
            .collect()
    }
}

/// Parse the division list format of `fixtures/huaian-district-2019-divisions.txt`:
/// one `CODE NAME` per line; blank lines and `#` comments ignored. Parents come
/// before children in that file; the result is sorted by code.
pub fn parse_division_list(text: &str) -> Result<Vec<RegionDef>, (usize, RegionError)> {
    let mut defs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, name) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| (line_no, RegionError::BadCode(line.chars().take(20).collect())))?;
        let code = RegionCode::parse(code).map_err(|e| (line_no, e))?;
        defs.push(RegionDef {
            code,
            name: name.trim().to_string(),
        });
    }
    defs.sort_by_key(|d| d.code);
    Ok(defs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> RegionCode {
        RegionCode::parse(text).unwrap_or(RegionCode(100_000_000_000))
    }

    #[test]
    fn levels_and_parents() {
        let v = code("320803001001");
        assert_eq!(v.level(), RegionLevel::Village);
        assert_eq!(v.parent(), Some(code("320803001000")));
        assert_eq!(code("320803001000").parent(), Some(code("320803000000")));
        assert_eq!(code("320803000000").parent(), None);
        assert!(code("320803000000").covers(v));
        assert!(code("320803001000").covers(v));
        assert!(!code("320803002000").covers(v));
    }

    #[test]
    fn parse_rejects_bad_codes() {
        assert!(RegionCode::parse("32080300100").is_err());
        assert!(RegionCode::parse("3208030010011").is_err());
        assert!(RegionCode::parse("32080300100a").is_err());
        assert!(RegionCode::parse("000000000001").is_err());
    }

    #[test]
    fn table_requires_parents_and_consistent_names() {
        let mut t = RegionTable::new();
        let orphan = [RegionDef {
            code: code("320803001001"),
            name: "x".into(),
        }];
        assert_eq!(t.register(&orphan), Err(RegionError::Orphan(code("320803001001"))));
        assert!(t.is_empty(), "a failed register changes nothing");
        let ok = [
            RegionDef {
                code: code("320803000000"),
                name: "淮安区".into(),
            },
            RegionDef {
                code: code("320803001000"),
                name: "淮城街道".into(),
            },
        ];
        assert_eq!(t.register(&ok), Ok(()));
        let clash = [RegionDef {
            code: code("320803001000"),
            name: "别名".into(),
        }];
        assert_eq!(t.register(&clash), Err(RegionError::Duplicate(code("320803001000"))));
        assert_eq!(t.children(code("320803000000")), vec![code("320803001000")]);
    }

    #[test]
    fn parses_the_real_division_list() {
        let text = include_str!("../../fixtures/huaian-district-2019-divisions.txt");
        let defs = parse_division_list(text).unwrap_or_default();
        assert_eq!(defs.len(), 361);
        let mut t = RegionTable::new();
        assert_eq!(t.register(&defs), Ok(()));
        assert_eq!(t.name(code("320803001000")), Some("淮城街道"));
        assert_eq!(t.iter().filter(|(c, _)| c.level() == RegionLevel::Village).count(), 342);
    }
}
