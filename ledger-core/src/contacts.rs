//! Contacts (有疑问？, issue 15): whom a citizen can call or visit about a
//! region's money — the 12317 hotline, the discipline-inspection office, the
//! poverty office — published as ledger data (`ContactsUpdate`, entry kind
//! 27, docs/FORMAT.md §5.11), so the page shows numbers nobody can quietly
//! change, and an auditor sees every change with its signer.
//!
//! The latest update for a region replaces its list whole; a region's
//! citizens see its own list, then its town's, then its district's.

use crate::ids::Text;
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most contacts in one update: a page shows them all on a phone.
pub const MAX_CONTACTS: usize = 16;

labelled_enum! {
    /// What a contact is (the order is the format).
    ContactRole {
        /// 12317 扶贫监督举报电话.
        Hotline12317 => "hotline_12317", "扶贫监督举报电话 12317";
        /// 纪委监委 (discipline inspection and supervision).
        Discipline => "discipline", "纪检监察";
        /// 扶贫办.
        PovertyOffice => "poverty_office", "扶贫办";
        /// 财政所 / 财政局.
        Finance => "finance", "财政所";
        /// 村委会.
        VillageCommittee => "village_committee", "村委会";
        /// Anything else.
        Other => "other", "其他";
    }
}

/// One contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// What it is.
    pub role: ContactRole,
    /// Office or service name, e.g. `淮安区纪委监委信访室`.
    pub name: Text,
    /// Telephone, as dialled, e.g. `0517-85912345` or `12317`.
    pub phone: Text,
    /// Where to go, or how it is reached (`电话受理`).
    pub address: Text,
    /// Office hours, e.g. `工作日 8:30-12:00，14:00-17:30`.
    pub hours: Text,
}

/// `ContactsUpdate`: the contacts of one region, replacing its previous list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactsUpdate {
    /// A region of the region table (district, town or village).
    pub region: RegionCode,
    /// 1 to [`MAX_CONTACTS`] contacts, in the order to show them.
    pub contacts: Vec<Contact>,
}

impl ContactsUpdate {
    /// The shape rule (the region is checked against the table by the rule
    /// engine): 1 to [`MAX_CONTACTS`] contacts.
    pub fn check(&self) -> Result<(), String> {
        if self.contacts.is_empty() || self.contacts.len() > MAX_CONTACTS {
            return Err(format!(
                "a contacts update lists 1-{MAX_CONTACTS} contacts, not {}",
                self.contacts.len()
            ));
        }
        Ok(())
    }
}

/// The contacts in force: per region, the latest update (its seq and list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactsTable {
    by_region: BTreeMap<RegionCode, (u64, Vec<Contact>)>,
}

impl ContactsTable {
    /// Record an update (checked) at `seq`: it replaces the region's list.
    pub fn record(&mut self, seq: u64, update: &ContactsUpdate) {
        self.by_region.insert(update.region, (seq, update.contacts.clone()));
    }

    /// The region's own list, with the seq of its update.
    pub fn of(&self, region: RegionCode) -> Option<(u64, &[Contact])> {
        self.by_region.get(&region).map(|(seq, c)| (*seq, c.as_slice()))
    }

    /// The lists that apply to `region`, nearest first: its own, its
    /// town's, its district's (levels without a list are left out).
    pub fn applicable(&self, region: RegionCode) -> Vec<(RegionCode, u64, &[Contact])> {
        let mut out = Vec::new();
        let mut at = Some(region);
        while let Some(code) = at {
            if let Some((seq, list)) = self.of(code) {
                out.push((code, seq, list));
            }
            at = code.parent();
        }
        out
    }

    /// Regions with a list.
    pub fn len(&self) -> usize {
        self.by_region.len()
    }

    /// No list yet.
    pub fn is_empty(&self) -> bool {
        self.by_region.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn contact(name: &str) -> Contact {
        let t = |s: &str| Text::new(s).unwrap();
        Contact {
            role: ContactRole::Discipline,
            name: t(name),
            phone: t("0517-85912345"),
            address: t("淮安区翔宇大道1号"),
            hours: t("工作日 8:30-17:30"),
        }
    }

    #[test]
    fn nearest_first_and_the_latest_replaces() {
        let district = RegionCode::new(320_803_000_000).unwrap();
        let town = RegionCode::new(320_803_110_000).unwrap();
        let village = RegionCode::new(320_803_110_223).unwrap();
        let mut t = ContactsTable::default();
        t.record(
            5,
            &ContactsUpdate {
                region: district,
                contacts: vec![contact("区纪委")],
            },
        );
        t.record(
            6,
            &ContactsUpdate {
                region: town,
                contacts: vec![contact("镇纪委")],
            },
        );
        t.record(
            7,
            &ContactsUpdate {
                region: town,
                contacts: vec![contact("镇纪委（新）")],
            },
        );
        let found: Vec<(RegionCode, u64, String)> = t
            .applicable(village)
            .into_iter()
            .map(|(r, s, c)| (r, s, c[0].name.to_string()))
            .collect();
        assert_eq!(
            found,
            vec![
                (town, 7, "镇纪委（新）".to_string()),
                (district, 5, "区纪委".to_string())
            ]
        );
        assert_eq!(ContactRole::ALL.len(), 6);
        assert_eq!(ContactRole::Hotline12317.name(), "hotline_12317");
    }

    #[test]
    fn an_update_lists_one_to_sixteen() {
        let region = RegionCode::new(320_803_000_000).unwrap();
        let empty = ContactsUpdate {
            region,
            contacts: vec![],
        };
        assert_eq!(
            empty.check(),
            Err("a contacts update lists 1-16 contacts, not 0".to_string())
        );
        let full = ContactsUpdate {
            region,
            contacts: vec![contact("x"); 17],
        };
        assert_eq!(
            full.check(),
            Err("a contacts update lists 1-16 contacts, not 17".to_string())
        );
        assert_eq!(
            ContactsUpdate {
                region,
                contacts: vec![contact("x"); 16]
            }
            .check(),
            Ok(())
        );
    }
}
