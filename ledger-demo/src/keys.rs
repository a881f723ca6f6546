//! Keys: the key ring of the demo log (two admins, district operators,
//! co-signers, one 财政所 operator per town, the successor of the town
//! operator who is rotated out, one 镇扶贫办 key per town, the district's
//! discipline inspector (纪检监察), and one 村委会 key per village with
//! households), with what each is granted: its office and a scope that
//! allows exactly what it signs.

use crate::dice::Dice;
use crate::error::{text, DemoError};
use crate::names::official_name;
use crate::regions::District;
use crate::{FIRST_YEAR, GRANT_VALID_FROM_MS, GRANT_VALID_UNTIL_MS};
use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::EntryKind;
use ledger_core::keys::{KeyGrant, Office, Role, Scope};
use ledger_core::money::BookEffect;
use ledger_core::region::RegionCode;

// Positions in the key ring.
/// 区财政局 (admin).
pub(crate) const ADMIN_FINANCE: usize = 0;
/// 区纪委监委 (admin).
pub(crate) const ADMIN_DISCIPLINE: usize = 1;
/// 区财政局农业科: issues funds, passes them down.
pub(crate) const DISTRICT_FUNDS: usize = 2;
// Position 3: 区财政局社会保障科 (district-wide money kinds; since every
// household subsidy goes through a town, it signs none in the demo).
/// 分管副局长: co-signs the district's entries.
pub(crate) const COSIGN_FINANCE: usize = 4;
/// 区扶贫办主任: co-signs the towns' entries.
pub(crate) const COSIGN_POVERTY: usize = 5;
/// The first town operator; town `t`'s is at `TOWN_BASE + t`.
pub(crate) const TOWN_BASE: usize = 6;

/// The name of the town whose operator is rotated at the start of 2020.
const ROTATED_TOWN: &str = "车桥镇";

/// One key holder: who, the private key, and the grant.
pub(crate) struct KeyHolder {
    /// e.g. `施河镇财政所 张*华` (also the grant's holder).
    pub(crate) name: String,
    pub(crate) key: SigningKey,
    pub(crate) grant: KeyGrant,
}

/// Every key of the demo log, in ring order (see the position constants):
/// the successor of the rotated town operator follows the town operators,
/// then the towns' poverty-alleviation offices, the discipline inspector and
/// the village committees.
pub(crate) struct KeyRing {
    pub(crate) holders: Vec<KeyHolder>,
    /// The position of the successor.
    pub(crate) replacement: usize,
    /// The position of the first town's 镇扶贫办 (town `t`'s is this plus `t`).
    pub(crate) town_poverty_base: usize,
    /// The position of the discipline inspector (纪检监察).
    pub(crate) inspector: usize,
    /// The village committees' positions, by (town, village) index.
    pub(crate) villages: std::collections::HashMap<(u16, u16), usize>,
    /// The secret the village committees' keys are derived from.
    village_master: [u8; 32],
    /// The index of the town whose operator is rotated.
    pub(crate) rotated_town: usize,
    /// That town's finance office.
    pub(crate) rotated_office: String,
}

fn admin_kinds() -> Vec<EntryKind> {
    vec![
        EntryKind::KeyGrant,
        EntryKind::KeyRevoke,
        EntryKind::RegionRegister,
        EntryKind::PolicyUpdate,
        EntryKind::LogKeyRotate,
    ]
}

fn all_money_kinds() -> Vec<EntryKind> {
    // Money, its corrections, and registering the projects it pays: the
    // kinds by ledger-core's one classification, not a list of our own.
    EntryKind::ALL
        .iter()
        .copied()
        .filter(|k| {
            matches!(k.book_effect(), BookEffect::Money | BookEffect::Reversal) || *k == EntryKind::ProjectRegister
        })
        .collect()
}

/// 区财政局农业科: every money kind, and co-signs project approvals and
/// adjustments (批复, 调整).
fn district_funds_kinds() -> Vec<EntryKind> {
    let mut kinds = all_money_kinds();
    kinds.extend([EntryKind::ProjectApprove, EntryKind::ProjectAdjust]);
    kinds
}

/// 区分管领导: co-signs large fund issues and transfers, and the district's
/// corrections.
fn leader_kinds() -> Vec<EntryKind> {
    vec![EntryKind::FundIssue, EntryKind::Transfer, EntryKind::Reversal]
}

/// 区扶贫办: co-signs large project payments and (before the policy named
/// the town poverty office) household subsidies, and corrections; posts the
/// district publicity (区级公示); approves, adjusts, evaluates and cancels
/// projects (项目库).
fn district_poverty_kinds() -> Vec<EntryKind> {
    vec![
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
        EntryKind::Notice,
        EntryKind::ProjectApprove,
        EntryKind::ProjectAdjust,
        EntryKind::ProjectEvaluate,
        EntryKind::ProjectCancel,
        EntryKind::ContactsUpdate,
    ]
}

/// 财政所: passes money on, registers and pays projects (and co-signs
/// their acceptance), pays households, corrects.
fn town_kinds() -> Vec<EntryKind> {
    vec![
        EntryKind::Transfer,
        EntryKind::ProjectRegister,
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
        EntryKind::ProjectAccept,
    ]
}

/// 镇扶贫办: posts the town's notices and payment lists, records the data
/// comparison, registers households and their exits, co-signs household
/// subsidies and their reversals; reviews, starts, accepts and hands over
/// its villages' projects (项目库).
fn town_poverty_kinds() -> Vec<EntryKind> {
    vec![
        EntryKind::Notice,
        EntryKind::HouseholdCheck,
        EntryKind::HouseholdRegister,
        EntryKind::HouseholdExit,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
        EntryKind::ProjectReview,
        EntryKind::ProjectStart,
        EntryKind::ProjectAccept,
        EntryKind::ProjectHandover,
        EntryKind::ContactsUpdate,
    ]
}

fn grant(
    key: &SigningKey,
    holder: &str,
    role: Role,
    office: Office,
    regions: Vec<RegionCode>,
    kinds: Vec<EntryKind>,
) -> Result<KeyGrant, DemoError> {
    Ok(KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        holder: text(holder)?,
        role,
        office,
        scope: Scope { regions, kinds },
        valid_from_ms: GRANT_VALID_FROM_MS,
        valid_until_ms: GRANT_VALID_UNTIL_MS,
    })
}

impl KeyRing {
    /// Draw every key holder's name and key, in ring order.
    pub(crate) fn set_up(dice: &mut Dice, district: &District) -> Result<KeyRing, DemoError> {
        let code = district.code;
        let towns = &district.towns;
        let rotated_town = towns.iter().position(|t| t.name == ROTATED_TOWN).unwrap_or(0);
        let mut ring = KeyRing {
            holders: Vec::new(),
            replacement: 0,
            town_poverty_base: 0,
            inspector: 0,
            villages: std::collections::HashMap::new(),
            village_master: [0; 32],
            rotated_town,
            rotated_office: towns
                .get(rotated_town)
                .map(|t| t.finance_office.clone())
                .unwrap_or_default(),
        };
        ring.add(dice, "淮安区财政局", Role::Admin, Office::Admin, code, admin_kinds())?;
        ring.add(dice, "淮安区纪委监委", Role::Admin, Office::Admin, code, admin_kinds())?;
        ring.add(
            dice,
            "淮安区财政局农业科",
            Role::Operator,
            Office::DistrictFinance,
            code,
            district_funds_kinds(),
        )?;
        ring.add(
            dice,
            "淮安区财政局社会保障科",
            Role::Operator,
            Office::DistrictFinance,
            code,
            all_money_kinds(),
        )?;
        ring.add(
            dice,
            "淮安区财政局分管副局长",
            Role::Operator,
            Office::DistrictLeader,
            code,
            leader_kinds(),
        )?;
        ring.add(
            dice,
            "淮安区扶贫开发领导小组办公室主任",
            Role::Operator,
            Office::DistrictPovertyOffice,
            code,
            district_poverty_kinds(),
        )?;
        for town in towns {
            ring.add(
                dice,
                &town.finance_office,
                Role::Operator,
                Office::TownFinance,
                town.code,
                town_kinds(),
            )?;
        }
        ring.replacement = ring.holders.len();
        let rotated_code = towns.get(rotated_town).map(|t| t.code).unwrap_or(code);
        let office = ring.rotated_office.clone();
        ring.add(
            dice,
            &office,
            Role::Operator,
            Office::TownFinance,
            rotated_code,
            town_kinds(),
        )?;
        ring.town_poverty_base = ring.holders.len();
        for town in towns {
            ring.add(
                dice,
                &format!("{}扶贫办", town.name),
                Role::Operator,
                Office::TownPovertyOffice,
                town.code,
                town_poverty_kinds(),
            )?;
        }
        ring.inspector = ring.holders.len();
        ring.add(
            dice,
            "淮安区纪委监委派驻纪检监察组",
            Role::Operator,
            Office::DisciplineInspector,
            code,
            vec![EntryKind::Objection, EntryKind::ObjectionResolve],
        )?;
        ring.village_master = dice.bytes();
        Ok(ring)
    }

    /// Add a 村委会 key for each of `places` (town, village), in order. Each
    /// key and name is drawn from dice derived from the village's code, so
    /// it does not depend on which other villages the demo uses.
    pub(crate) fn add_village_committees(
        &mut self,
        district: &District,
        places: &[(u16, u16)],
    ) -> Result<(), DemoError> {
        for &(t, v) in places {
            let village = &district.towns[t as usize].villages[v as usize];
            let mut dice = Dice::derived(self.village_master, village.code.get());
            self.villages.insert((t, v), self.holders.len());
            self.add(
                &mut dice,
                &format!("{}委会", village.short),
                Role::Operator,
                Office::VillageCommittee,
                village.code,
                vec![EntryKind::Notice, EntryKind::HouseholdCheck, EntryKind::PaymentConfirm],
            )?;
        }
        Ok(())
    }

    /// The 镇扶贫办 of town `t`.
    pub(crate) fn town_poverty(&self, t: u16) -> usize {
        self.town_poverty_base + t as usize
    }

    /// The 村委会 of village (t, v) (the town's poverty office if it has none,
    /// which cannot happen for a village with households).
    pub(crate) fn village(&self, t: u16, v: u16) -> usize {
        self.villages.get(&(t, v)).copied().unwrap_or(self.town_poverty(t))
    }

    /// Add a holder from `office`, with a drawn official's name and key.
    fn add(
        &mut self,
        dice: &mut Dice,
        office: &str,
        role: Role,
        office_held: Office,
        region: RegionCode,
        kinds: Vec<EntryKind>,
    ) -> Result<(), DemoError> {
        let name = format!("{office} {}", official_name(dice)?);
        let key = dice.key();
        let grant = grant(&key, &name, role, office_held, vec![region], kinds)?;
        self.holders.push(KeyHolder { name, key, grant });
        Ok(())
    }

    /// The position of the operator of town `t` in `year`: the successor
    /// once the rotated town's operator has handed over.
    pub(crate) fn town_operator(&self, t: u16, year: u16) -> usize {
        if t as usize == self.rotated_town && year > FIRST_YEAR {
            self.replacement
        } else {
            TOWN_BASE + t as usize
        }
    }

    /// The key at `position`, if any.
    pub(crate) fn key(&self, position: usize) -> Option<&SigningKey> {
        self.holders.get(position).map(|h| &h.key)
    }
}
