//! External lists for the cross-checks (两比对, `ledger audit --compare`):
//! what the audit needs from them, already reduced to pseudonymous household
//! references. Reading the files, validating each resident ID and hashing it
//! with the district's pseudonym key is the CLI's job (ledger-cli
//! `compare`); nothing here ever sees a clear ID.

use ledger_core::household::HouseholdRef;
use ledger_core::ids::Date;
use serde::Serialize;
use std::collections::HashMap;

/// The kinds of list the policy's cross-checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 死亡人员 (公安/民政), with the date of death.
    Deceased,
    /// 财政供养人员.
    PublicEmployee,
    /// 车辆登记 (公安交管).
    Vehicle,
    /// 工商登记 (市场监管).
    Business,
    /// 不动产登记.
    Property,
}

impl ListKind {
    /// Every kind.
    pub const ALL: [ListKind; 5] = [
        ListKind::Deceased,
        ListKind::PublicEmployee,
        ListKind::Vehicle,
        ListKind::Business,
        ListKind::Property,
    ];
    /// Stable name, as `--compare KIND=FILE` takes it.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Deceased => "deceased",
            ListKind::PublicEmployee => "public_employee",
            ListKind::Vehicle => "vehicle",
            ListKind::Business => "business",
            ListKind::Property => "property",
        }
    }
    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            ListKind::Deceased => "死亡人员名单",
            ListKind::PublicEmployee => "财政供养人员名单",
            ListKind::Vehicle => "车辆登记名单",
            ListKind::Business => "工商登记名单",
            ListKind::Property => "不动产登记名单",
        }
    }
    /// Parse a name.
    pub fn parse(text: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.name() == text.trim())
    }
}

/// What one list says about one person (all their rows together), once
/// the CLI has applied the thresholds: only people above them are here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListHit {
    /// Which list.
    pub kind: ListKind,
    /// Where: `FILE:ROW` (row 1 is the header), every row of the person.
    pub rows: Vec<String>,
    /// For [`ListKind::Deceased`]: the date of death.
    pub death: Option<Date>,
    /// What the rows say, in Chinese (no ID, no full name), e.g. `小型轿车2辆`.
    pub detail_zh: String,
    /// The same in English.
    pub detail_en: String,
}

/// The lists, by household reference (the pseudonym of the resident ID the
/// payments are posted under).
#[derive(Debug, Clone, Default)]
pub struct ExternalLists {
    /// Hits per household.
    pub hits: HashMap<HouseholdRef, Vec<ListHit>>,
}

impl ExternalLists {
    /// Add a hit.
    pub fn add(&mut self, household: HouseholdRef, hit: ListHit) {
        self.hits.entry(household).or_default().push(hit);
    }
    /// No list given.
    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }
}
