//! What the generator takes and gives: [`DemoConfig`] in, [`DemoLog`] out
//! (its key holders, [`DemoOperator`], and households, [`DemoHousehold`]).

use crate::{DEFAULT_SEED, DEFAULT_TARGET_ENTRIES, DISTRICT_CODE};
use ed25519_dalek::SigningKey;
use ledger_core::entry::EntryBody;
use ledger_core::household::{HouseholdRef, MaskedName, PseudonymKey};
use ledger_core::keys::{KeyGrant, Office};
use ledger_core::region::RegionCode;
use ledger_core::submission::SignedSubmission;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// The seed of every random choice (keys included).
    pub seed: u64,
    /// How many submissions the log holds, genesis included: exactly this
    /// many (the log is cut there). Beyond the fixed structure (grants,
    /// funds, transfers, projects: a few hundred entries), about one
    /// village per 150 entries gets households, and the rest are theirs:
    /// the registration procedure, payment lists, payments, confirmations.
    pub target_entries: u64,
    /// The earliest time (Unix ms) at which the submissions will be
    /// sequenced; each is valid until `now_ms + 24 h`.
    pub now_ms: u64,
}

impl DemoConfig {
    /// The default demo (seed [`DEFAULT_SEED`], [`DEFAULT_TARGET_ENTRIES`]
    /// entries) for a log sequenced from `now_ms` on.
    pub fn new(now_ms: u64) -> DemoConfig {
        DemoConfig {
            seed: DEFAULT_SEED,
            target_entries: DEFAULT_TARGET_ENTRIES,
            now_ms,
        }
    }
}

/// A key holder of the demo log.
#[derive(Debug, Clone)]
pub struct DemoOperator {
    /// Who holds it, e.g. `施河镇财政所 张*华` (also the grant's holder).
    pub name: String,
    /// The private key.
    pub key: SigningKey,
    /// What the log grants it.
    pub grant: KeyGrant,
    /// The sequence number of the entry that revoked it, if any.
    pub revoked_at_seq: Option<u64>,
}

/// A synthetic household. The resident ID is synthetic but valid (area
/// 320803, plausible birth date, correct GB 11643 check character); it is
/// here so that tests and the demo terminal can look households up, and it
/// appears in no entry.
#[derive(Debug, Clone)]
pub struct DemoHousehold {
    /// The 18-character resident ID of the head of household.
    pub resident_id: String,
    /// The full name of the head of household (never in an entry).
    pub full_name: String,
    /// The masked name the entries carry.
    pub masked_name: MaskedName,
    /// The household reference under the log's pseudonym key.
    pub reference: HouseholdRef,
    /// The household's village.
    pub village: RegionCode,
}

/// A generated demo log: its keys and its submissions, in order.
#[derive(Debug, Clone)]
pub struct DemoLog {
    /// The log's origin, [`DEMO_ORIGIN`](crate::DEMO_ORIGIN).
    pub origin: String,
    /// The log's checkpoint and receipt key.
    pub log_key: SigningKey,
    /// The two admin keys granted in genesis (区财政局, 区纪委监委).
    pub admins: Vec<DemoOperator>,
    /// Every operator key: district operators, co-signers, one 财政所 per
    /// town, the replacement of the rotated town operator, one 镇扶贫办 per
    /// town, the discipline inspector (纪检监察), one 村委会 per village with
    /// households.
    pub operators: Vec<DemoOperator>,
    /// The secret key of household references.
    pub pseudonym_key: PseudonymKey,
    /// The households registered and paid.
    pub households: Vec<DemoHousehold>,
    /// The sequence numbers of the household payments the households
    /// confirmed (确认), ascending. The others were not confirmed: history
    /// from before the controls, the reversed ones, and the overdue.
    pub confirmed_payments: Vec<u64>,
    /// The submissions in log order; entry 0 is genesis.
    pub submissions: Vec<SignedSubmission>,
}

impl DemoLog {
    /// The log's verifier key (signed-note form), as declared in genesis.
    pub fn log_vkey(&self) -> Option<&str> {
        match self.submissions.first().map(|s| &s.submission.body) {
            Some(EntryBody::Genesis(g)) => Some(g.log_vkey.as_str()),
            _ => None,
        }
    }

    /// The unrevoked 财政所 operator whose scope is exactly the town of
    /// `region`, if any.
    pub fn town_operator(&self, region: RegionCode) -> Option<&DemoOperator> {
        self.town_key(region, Office::TownFinance)
    }

    /// The 镇扶贫办 key of the town of `region`, if any.
    pub fn town_poverty_office(&self, region: RegionCode) -> Option<&DemoOperator> {
        self.town_key(region, Office::TownPovertyOffice)
    }

    /// The 村委会 key of `village`, if the demo has one.
    pub fn village_committee(&self, village: RegionCode) -> Option<&DemoOperator> {
        self.operators.iter().find(|o| {
            o.revoked_at_seq.is_none()
                && o.grant.office == Office::VillageCommittee
                && o.grant.scope.regions.as_slice() == [village]
        })
    }

    /// The discipline inspector (纪检监察), who records and decides objections.
    pub fn discipline_inspector(&self) -> Option<&DemoOperator> {
        self.operators
            .iter()
            .find(|o| o.revoked_at_seq.is_none() && o.grant.office == Office::DisciplineInspector)
    }

    fn town_key(&self, region: RegionCode, office: Office) -> Option<&DemoOperator> {
        let town = region.town()?;
        self.operators.iter().find(|o| {
            o.revoked_at_seq.is_none() && o.grant.office == office && o.grant.scope.regions.as_slice() == [town]
        })
    }

    /// The unrevoked money operators whose scope is the whole district, in
    /// order: the two finance bureau operators, then the two co-signers
    /// (the district leader, the district poverty office).
    pub fn district_operators(&self) -> Vec<&DemoOperator> {
        self.operators
            .iter()
            .filter(|o| {
                o.revoked_at_seq.is_none()
                    && o.grant.office != Office::DisciplineInspector
                    && o.grant.scope.regions.iter().any(|r| r.get() == DISTRICT_CODE)
            })
            .collect()
    }
}
