//! Villages by name: an office's sheet says 新庄村 or 城南社区, the format
//! wants 320803101201. A name resolves only when exactly one village of
//! the key's granted regions (else of the log) carries it; otherwise the
//! row is refused with the candidates, never guessed.

use crate::messages::batch::CellMsg;
use ledger_core::region::{RegionCode, RegionDef, RegionLevel};

/// Most candidates listed in one message.
const MAX_CANDIDATES: usize = 6;

/// The log's villages with their names and their towns' names.
#[derive(Debug, Default)]
pub struct VillageNames {
    villages: Vec<(RegionCode, String, String)>,
}

/// A name as compared: no spaces, and without the suffix that offices add
/// or drop (`新庄村委会`, `新庄村`, `新庄` are one village).
fn stem(name: &str) -> String {
    let t: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    for suffix in [
        "社区居民委员会",
        "村民委员会",
        "居民委员会",
        "社区居委会",
        "村委会",
        "居委会",
        "社区",
        "村",
    ] {
        if let Some(s) = t.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            return s.to_string();
        }
    }
    t
}

impl VillageNames {
    /// From the log's region table.
    pub fn new(regions: &[RegionDef]) -> VillageNames {
        let town_name = |code: RegionCode| {
            code.town()
                .and_then(|t| regions.iter().find(|r| r.code == t))
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        VillageNames {
            villages: regions
                .iter()
                .filter(|r| r.code.level() == RegionLevel::Village)
                .map(|r| (r.code, r.name.clone(), town_name(r.code)))
                .collect(),
        }
    }

    /// A village's name, if known (printed on payment slips).
    pub fn name(&self, code: RegionCode) -> Option<&str> {
        self.villages.iter().find(|v| v.0 == code).map(|v| v.1.as_str())
    }

    /// Resolve a village cell: a 12-digit code as it is, else a name
    /// (optionally after its town's name, `施河镇新庄村`) among the
    /// villages inside `scope` (the key's granted regions; empty: all).
    pub fn resolve(&self, text: &str, scope: &[RegionCode]) -> Result<RegionCode, CellMsg> {
        let t = text.trim();
        if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
            return crate::post::parse::village(t).map_err(|why| CellMsg::Other { why });
        }
        let wanted = stem(t);
        let matches_name = |(_, name, town): &&(RegionCode, String, String)| {
            let s = stem(name);
            s == wanted || (!town.is_empty() && t.starts_with(town.as_str()) && stem(&t[town.len()..]) == s)
        };
        let in_scope = |code: RegionCode| scope.is_empty() || scope.iter().any(|s| s.covers(code));
        let all: Vec<&(RegionCode, String, String)> = self.villages.iter().filter(matches_name).collect();
        let found: Vec<&&(RegionCode, String, String)> = all.iter().filter(|v| in_scope(v.0)).collect();
        let label = |v: &(RegionCode, String, String)| format!("{}（{}，{}）", v.1, v.0, v.2);
        match found.as_slice() {
            [one] => Ok(one.0),
            [] if !all.is_empty() => Err(CellMsg::OutOfScope {
                village: all
                    .iter()
                    .take(MAX_CANDIDATES)
                    .map(|v| label(v))
                    .collect::<Vec<_>>()
                    .join("、"),
                scope: scope.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            }),
            [] => Err(CellMsg::VillageUnknown {
                name: t.to_string(),
                candidates: self
                    .villages
                    .iter()
                    .filter(|v| in_scope(v.0))
                    .filter(|v| !wanted.is_empty() && (stem(&v.1).contains(&wanted) || wanted.contains(&stem(&v.1))))
                    .take(MAX_CANDIDATES)
                    .map(label)
                    .collect(),
            }),
            many => Err(CellMsg::VillageAmbiguous {
                name: t.to_string(),
                candidates: many.iter().take(MAX_CANDIDATES).map(|v| label(v)).collect(),
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn def(code: u64, name: &str) -> RegionDef {
        RegionDef {
            code: RegionCode::new(code).unwrap(),
            name: name.into(),
        }
    }

    #[test]
    fn names_resolve_once_or_list_candidates() {
        let names = VillageNames::new(&[
            def(320_803_101_000, "施河镇"),
            def(320_803_101_201, "新庄村委会"),
            def(320_803_101_202, "城南社区居委会"),
            def(320_803_102_000, "平桥镇"),
            def(320_803_102_201, "新庄村委会"),
            def(320_803_102_202, "大桥村委会"),
        ]);
        let shihe = RegionCode::new(320_803_101_000).unwrap();
        let code = |c: u64| RegionCode::new(c).unwrap();
        assert_eq!(names.resolve("新庄村", &[shihe]), Ok(code(320_803_101_201)));
        assert_eq!(names.resolve("城南社区", &[]), Ok(code(320_803_101_202)));
        assert_eq!(names.resolve("平桥镇新庄村", &[]), Ok(code(320_803_102_201)));
        assert_eq!(
            names.resolve("320803102202", &[shihe]),
            Ok(code(320_803_102_202)),
            "a code is taken as given"
        );
        assert_eq!(
            names.resolve("新庄村", &[]),
            Err(CellMsg::VillageAmbiguous {
                name: "新庄村".into(),
                candidates: vec![
                    "新庄村委会（320803101201，施河镇）".into(),
                    "新庄村委会（320803102201，平桥镇）".into()
                ]
            })
        );
        assert_eq!(
            names.resolve("大桥村", &[shihe]),
            Err(CellMsg::OutOfScope {
                village: "大桥村委会（320803102202，平桥镇）".into(),
                scope: "320803101000".into()
            })
        );
        assert_eq!(
            names.resolve("城南", &[shihe]),
            Ok(code(320_803_101_202)),
            "the bare stem"
        );
        assert_eq!(
            names.resolve("新庄一组", &[shihe]),
            Err(CellMsg::VillageUnknown {
                name: "新庄一组".into(),
                candidates: vec!["新庄村委会（320803101201，施河镇）".into()]
            })
        );
    }
}
