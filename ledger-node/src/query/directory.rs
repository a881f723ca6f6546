//! The household directory (户名册, issue 15): every household the log
//! names (paid or registered), findable by its household code (户码), by a
//! short hex prefix of its reference, and listed per village with its
//! masked name and live payments; plus the candidates for the `duplicate`
//! control.
//!
//! # Memory
//!
//! Per household: its 32-byte reference once (`refs`), two `(u64, u32)`
//! keys in ordered sets (the code's data value and the reference's first
//! eight bytes: u64 keys, not 32-byte ones), its masked name (a few bytes),
//! its villages (almost always one), and a live count and sum — about
//! 150 bytes with the B-tree nodes; 10^5 households ≈ 15 MiB.
//!
//! Per payment only a 32-bit fingerprint of (household, category, period)
//! in a hash set (≈ 8 bytes): a fingerprint seen twice marks a *candidate*
//! duplicate. The node confirms a candidate exactly at read time from the
//! household's own entries (`api::read::verdict`), so a fingerprint
//! collision can only cost a read, never a false `failed`; keeping the seqs
//! per payment instead would cost ≈ 3 times as much for a rare event.

use ledger_core::entry::{EntryBody, HouseholdSubsidy};
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::{CodeQuery, HouseholdCode};
use ledger_core::ids::Period;
use ledger_core::money::Sign;
use ledger_core::region::RegionCode;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What the directory keeps of one household.
#[derive(Debug, Clone)]
pub struct KnownHousehold {
    /// The masked name of its latest payment or registration.
    pub masked_name: Box<str>,
    /// The villages it was paid or registered in, first seen first.
    pub villages: Vec<RegionCode>,
    /// Live payments (net of reversals), all villages.
    pub payments: u32,
    /// Live fen paid (net of reversals), all villages.
    pub paid_fen: u64,
}

/// A lookup's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Exactly one household.
    One(HouseholdRef),
    /// Several: how many.
    Many(usize),
    /// None.
    None,
}

/// The index (a field of [`super::QueryIndex`]).
#[derive(Debug, Default)]
pub struct Directory {
    refs: Vec<HouseholdRef>,
    known: Vec<KnownHousehold>,
    /// (code data value, id).
    codes: BTreeSet<(u64, u32)>,
    /// (first eight bytes of the reference, big-endian, id).
    heads: BTreeSet<(u64, u32)>,
    /// Village → ids, first seen first.
    villages: HashMap<RegionCode, Vec<u32>>,
    /// Fingerprints of (household, category, period) of every payment.
    payment_keys: HashSet<u32>,
    /// Fingerprints seen on two payments or more.
    duplicate_keys: HashSet<u32>,
}

fn head(household: &HouseholdRef) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&household.0.as_bytes()[..8]);
    u64::from_be_bytes(first)
}

/// The 32-bit fingerprint of a payment's (household, category, period).
/// The reference is already a uniform keyed hash, so mixing its bytes 8..16
/// with the category and period (splitmix64's finaliser) is enough.
pub fn payment_key(household: &HouseholdRef, category: u8, period: Period) -> u32 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&household.0.as_bytes()[8..16]);
    let mut z = u64::from_be_bytes(bytes)
        ^ (u64::from(category) << 40)
        ^ (u64::from(period.year) << 8)
        ^ u64::from(period.month);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    // Folding the halves keeps every input bit in the 32-bit result.
    ((z >> 32) ^ z) as u32
}

impl Directory {
    fn id(&self, household: &HouseholdRef) -> Option<u32> {
        let h = head(household);
        self.heads
            .range((h, 0)..=(h, u32::MAX))
            .map(|(_, id)| *id)
            .find(|id| self.refs.get(*id as usize) == Some(household))
    }

    fn id_or_insert(&mut self, household: &HouseholdRef, masked_name: &str, village: RegionCode) -> u32 {
        let id = match self.id(household) {
            Some(id) => id,
            None => {
                let id = self.refs.len() as u32;
                self.refs.push(*household);
                self.known.push(KnownHousehold {
                    masked_name: masked_name.into(),
                    villages: Vec::new(),
                    payments: 0,
                    paid_fen: 0,
                });
                self.codes.insert((HouseholdCode::of(household).data(), id));
                self.heads.insert((head(household), id));
                id
            }
        };
        if let Some(k) = self.known.get_mut(id as usize) {
            if *k.masked_name != *masked_name {
                k.masked_name = masked_name.into();
            }
            if !k.villages.contains(&village) {
                k.villages.push(village);
                self.villages.entry(village).or_default().push(id);
            }
        }
        id
    }

    /// A registration names the household.
    pub fn record_registration(&mut self, household: &HouseholdRef, masked_name: &str, village: RegionCode) {
        self.id_or_insert(household, masked_name, village);
    }

    /// A payment (`Sign::Add`) or its reversal (`Sign::Sub`).
    pub fn record_payment(&mut self, s: &HouseholdSubsidy, sign: Sign) {
        let id = match sign {
            Sign::Add => {
                let key = payment_key(&s.household, s.category as u8, s.period);
                if !self.payment_keys.insert(key) {
                    self.duplicate_keys.insert(key);
                }
                self.id_or_insert(&s.household, s.masked_name.as_str(), s.village)
            }
            Sign::Sub => match self.id(&s.household) {
                Some(id) => id,
                None => return,
            },
        };
        if let Some(k) = self.known.get_mut(id as usize) {
            match sign {
                Sign::Add => {
                    k.payments = k.payments.saturating_add(1);
                    k.paid_fen = k.paid_fen.saturating_add(s.amount.get());
                }
                Sign::Sub => {
                    k.payments = k.payments.saturating_sub(1);
                    k.paid_fen = k.paid_fen.saturating_sub(s.amount.get());
                }
            }
        }
    }

    /// Could this payment have a twin (same household, category, period)?
    /// False is certain; true must be confirmed from the entries.
    pub fn maybe_duplicate(&self, s: &HouseholdSubsidy) -> bool {
        self.duplicate_keys
            .contains(&payment_key(&s.household, s.category as u8, s.period))
    }

    /// The households whose code is, or starts with, the query.
    pub fn by_code(&self, query: CodeQuery) -> Lookup {
        let range = match query {
            CodeQuery::Full(code) => code.data()..=code.data(),
            CodeQuery::Prefix(prefix) => prefix.range(),
        };
        let (low, high) = (*range.start(), *range.end());
        let mut found = self.codes.range((low, 0)..=(high, u32::MAX)).map(|(_, id)| *id);
        self.lookup(&mut found)
    }

    /// The households whose hex reference starts with `prefix` (8 to 64
    /// lowercase hex digits; the caller checks).
    pub fn by_hex_prefix(&self, prefix: &str) -> Lookup {
        // The first 16 hex digits, padded with 0 and f, bound the head.
        let first: String = prefix.chars().take(16).collect();
        let pad = 16 - first.len();
        let low = u64::from_str_radix(&format!("{first}{}", "0".repeat(pad)), 16).unwrap_or(0);
        let high = u64::from_str_radix(&format!("{first}{}", "f".repeat(pad)), 16).unwrap_or(u64::MAX);
        let mut found = self
            .heads
            .range((low, 0)..=(high, u32::MAX))
            .map(|(_, id)| *id)
            .filter(|id| {
                self.refs
                    .get(*id as usize)
                    .is_some_and(|r| r.to_string().starts_with(prefix))
            });
        self.lookup(&mut found)
    }

    fn lookup(&self, found: &mut dyn Iterator<Item = u32>) -> Lookup {
        let Some(first) = found.next() else {
            return Lookup::None;
        };
        let more = found.count();
        match (more, self.refs.get(first as usize)) {
            (0, Some(r)) => Lookup::One(*r),
            (0, None) => Lookup::None,
            (n, _) => Lookup::Many(n + 1),
        }
    }

    /// The households of a village, first seen first.
    pub fn village(&self, village: RegionCode) -> impl Iterator<Item = (&HouseholdRef, &KnownHousehold)> {
        self.villages
            .get(&village)
            .into_iter()
            .flatten()
            .filter_map(|id| Some((self.refs.get(*id as usize)?, self.known.get(*id as usize)?)))
    }

    /// What the directory knows of one household.
    pub fn household(&self, household: &HouseholdRef) -> Option<&KnownHousehold> {
        self.known.get(self.id(household)? as usize)
    }

    /// Households known.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// No household yet.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Approximate heap bytes (module docs).
    pub fn approx_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        const NODE: usize = 48;
        self.refs.capacity() * size_of::<HouseholdRef>()
            + self.known.capacity() * size_of::<KnownHousehold>()
            + self
                .known
                .iter()
                .map(|k| k.masked_name.len() + k.villages.capacity() * size_of::<RegionCode>())
                .sum::<usize>()
            + (self.codes.len() + self.heads.len()) * (size_of::<(u64, u32)>() + NODE)
            + self
                .villages
                .values()
                .map(|v| v.capacity() * 4 + size_of::<(RegionCode, Vec<u32>)>())
                .sum::<usize>()
            + (self.payment_keys.capacity() + self.duplicate_keys.capacity()) * (size_of::<u32>() + 1)
    }
}

impl super::QueryIndex {
    /// The directory's part of `record`.
    pub(super) fn record_directory(&mut self, body: &EntryBody) {
        match body {
            EntryBody::HouseholdSubsidy(s) => self.directory.record_payment(s, Sign::Add),
            EntryBody::HouseholdRegister(r) => {
                self.directory
                    .record_registration(&r.household, r.masked_name.as_str(), r.village)
            }
            _ => {}
        }
    }

    /// The household directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The contacts in force per region (`contacts_update` entries).
    pub fn contacts(&self) -> &ledger_core::contacts::ContactsTable {
        &self.contacts
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ledger_core::encoding::Bytes;
    use ledger_core::household_code::parse_query;

    fn reference(first: [u8; 8], fill: u8) -> HouseholdRef {
        let mut b = [fill; 32];
        b[..8].copy_from_slice(&first);
        HouseholdRef(Bytes(b))
    }

    #[test]
    fn codes_and_hex_prefixes_resolve_uniquely_or_say_how_many() {
        let village = RegionCode::new(320_803_110_223).unwrap();
        let mut d = Directory::default();
        let a = reference([0x52, 0x71, 0x21, 0xaa, 1, 2, 3, 4], 1);
        let b = reference([0x52, 0x71, 0x21, 0xab, 1, 2, 3, 4], 2);
        d.record_registration(&a, "王*明", village);
        d.record_registration(&b, "李*", village);
        d.record_registration(&a, "王*明", village);
        assert_eq!(d.len(), 2);
        assert_eq!(d.by_hex_prefix("527121aa"), Lookup::One(a));
        assert_eq!(d.by_hex_prefix("527121a"), Lookup::Many(2));
        assert_eq!(d.by_hex_prefix(&b.to_string()), Lookup::One(b));
        assert_eq!(d.by_hex_prefix("527121ac"), Lookup::None);
        let code = HouseholdCode::of(&a).compact();
        assert_eq!(d.by_code(parse_query(&code).unwrap()), Lookup::One(a));
        assert_eq!(d.by_code(parse_query(&code[..6]).unwrap()), Lookup::One(a));
        assert_eq!(d.village(village).count(), 2);
    }

    #[test]
    fn payment_key_separates_category_and_period() {
        let r = reference([9; 8], 7);
        let p = |year, month| Period { year, month };
        let k = payment_key(&r, 3, p(2019, 1));
        assert_eq!(k, payment_key(&r, 3, p(2019, 1)));
        assert_ne!(k, payment_key(&r, 4, p(2019, 1)));
        assert_ne!(k, payment_key(&r, 3, p(2019, 2)));
        assert_ne!(k, payment_key(&r, 3, p(2020, 1)));
    }
}
