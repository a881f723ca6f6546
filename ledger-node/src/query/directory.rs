//! The household directory (户名册, issue 15): every household the log
//! names (paid or registered), findable by its household code (户码), by a
//! short hex prefix of its reference, and listed per village with its
//! masked name and live payments; plus the candidates for the `duplicate`
//! control.
//!
//! # Memory
//!
//! Per household (measured at restart, docs/PERFORMANCE.md "Restart
//! memory"): its 32-byte reference once (`refs`), a fixed 24-byte record
//! with no allocation of its own (the masked name as a number into a table
//! of distinct names, which repeat: a surname, a star, a given-name
//! character; its first village inline, the rare others aside), and its id
//! twice in sorted id lists — by household code and by the reference's
//! first eight bytes — whose keys are computed from `refs` on demand, not
//! stored: about 70 bytes a household. The first version kept a boxed name,
//! a village vector and two B-tree sets of (key, id) per household, about
//! 230 bytes.
//!
//! Per payment only a 32-bit fingerprint of (household, category, period)
//! in a hash set (≈ 8 bytes): a fingerprint seen twice marks a *candidate*
//! duplicate. The node confirms a candidate exactly at read time from the
//! household's own entries (`api::read::verdict`), so a fingerprint
//! collision can only cost a read, never a false `failed`; keeping the seqs
//! per payment instead would cost ≈ 3 times as much for a rare event.

use ledger_core::entry::{EntryBody, HouseholdSubsidy};
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::{CodeQuery, HouseholdCode, DATA_MODULUS};
use ledger_core::ids::Period;
use ledger_core::intern::Interner;
use ledger_core::money::Sign;
use ledger_core::region::RegionCode;
use std::collections::{HashMap, HashSet};

/// What the directory knows of one household (a view of its record).
#[derive(Debug, Clone, Copy)]
pub struct KnownHousehold<'a> {
    /// The masked name of its latest payment or registration.
    pub masked_name: &'a str,
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

/// One household's record: fixed size, nothing on the heap.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// Number of its masked name in `Directory::names`.
    name: u32,
    /// Live payments.
    payments: u32,
    /// Live fen paid.
    paid_fen: u64,
    /// The first village it was paid or registered in (the others, rare,
    /// in `Directory::more_villages`).
    village: RegionCode,
}

/// Buckets of a [`SortedIds`]: by the key's top byte, so that an insert
/// moves a 256th of the ids, not all of them.
const BUCKETS: usize = 256;

/// Household ids sorted by a key computed from the reference (never
/// stored): 4 bytes an id instead of a B-tree entry of (key, id).
#[derive(Debug)]
struct SortedIds {
    buckets: Vec<Vec<u32>>,
    /// The key's bucket.
    bucket_of: fn(u64) -> usize,
    /// The key of a reference.
    key_of: fn(&HouseholdRef) -> u64,
}

impl SortedIds {
    fn new(bucket_of: fn(u64) -> usize, key_of: fn(&HouseholdRef) -> u64) -> SortedIds {
        SortedIds {
            // Made on the first insert: an empty index holds nothing.
            buckets: Vec::new(),
            bucket_of,
            key_of,
        }
    }

    /// The key of id `id`; an id without a reference sorts last (none does).
    fn key(&self, refs: &[HouseholdRef], id: u32) -> u64 {
        refs.get(id as usize).map_or(u64::MAX, |r| (self.key_of)(r))
    }

    fn insert(&mut self, refs: &[HouseholdRef], id: u32) {
        if self.buckets.is_empty() {
            self.buckets.resize(BUCKETS, Vec::new());
        }
        let key = self.key(refs, id);
        let bucket = (self.bucket_of)(key).min(BUCKETS - 1);
        let at = self.buckets.get(bucket).map_or(0, |ids| {
            ids.partition_point(|other| (self.key(refs, *other), *other) < (key, id))
        });
        if let Some(ids) = self.buckets.get_mut(bucket) {
            ids.insert(at, id);
        }
    }

    /// The ids whose key is in `low..=high`, by key.
    fn range<'a>(&'a self, refs: &'a [HouseholdRef], low: u64, high: u64) -> impl Iterator<Item = u32> + 'a {
        let first = (self.bucket_of)(low).min(BUCKETS - 1);
        let last = (self.bucket_of)(high).min(BUCKETS - 1).max(first);
        let buckets = self.buckets.get(first..=last).unwrap_or(&[]);
        buckets.iter().flat_map(move |ids| {
            let from = ids.partition_point(|id| self.key(refs, *id) < low);
            ids[from..]
                .iter()
                .copied()
                .take_while(move |id| self.key(refs, *id) <= high)
        })
    }

    fn heap_bytes(&self) -> usize {
        self.buckets
            .iter()
            .map(|b| b.capacity() * 4 + std::mem::size_of::<Vec<u32>>())
            .sum()
    }
}

/// The bucket of a reference head: its top byte.
fn head_bucket(head: u64) -> usize {
    (head >> 56) as usize
}

/// The bucket of a code's data value: its position in `0..DATA_MODULUS`.
fn code_bucket(data: u64) -> usize {
    ((u128::from(data) * BUCKETS as u128) / u128::from(DATA_MODULUS)) as usize
}

fn code_key(household: &HouseholdRef) -> u64 {
    HouseholdCode::of(household).data()
}

/// The index (a field of [`super::QueryIndex`]).
#[derive(Debug)]
pub struct Directory {
    refs: Vec<HouseholdRef>,
    records: Vec<Record>,
    /// Distinct masked names (they repeat across households).
    names: Interner<Box<str>>,
    /// Households paid or registered in more than one village → the
    /// villages after the first, first seen first.
    more_villages: HashMap<u32, Vec<RegionCode>>,
    /// Ids by household code data value.
    codes: SortedIds,
    /// Ids by the reference's first eight bytes (big-endian).
    heads: SortedIds,
    /// Village → ids, first seen first.
    villages: HashMap<RegionCode, Vec<u32>>,
    /// Fingerprints of (household, category, period) of every payment.
    payment_keys: HashSet<u32>,
    /// Fingerprints seen on two payments or more.
    duplicate_keys: HashSet<u32>,
}

impl Default for Directory {
    fn default() -> Self {
        Directory {
            refs: Vec::new(),
            records: Vec::new(),
            names: Interner::default(),
            more_villages: HashMap::new(),
            codes: SortedIds::new(code_bucket, code_key),
            heads: SortedIds::new(head_bucket, head),
            villages: HashMap::new(),
            payment_keys: HashSet::new(),
            duplicate_keys: HashSet::new(),
        }
    }
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
            .range(&self.refs, h, h)
            .find(|id| self.refs.get(*id as usize) == Some(household))
    }

    fn id_or_insert(&mut self, household: &HouseholdRef, masked_name: &str, village: RegionCode) -> u32 {
        let name = self.names.intern(&Box::from(masked_name));
        let id = match self.id(household) {
            Some(id) => id,
            None => {
                let id = self.refs.len() as u32;
                self.refs.push(*household);
                self.records.push(Record {
                    name,
                    payments: 0,
                    paid_fen: 0,
                    village,
                });
                self.codes.insert(&self.refs, id);
                self.heads.insert(&self.refs, id);
                self.villages.entry(village).or_default().push(id);
                return id;
            }
        };
        if let Some(r) = self.records.get_mut(id as usize) {
            r.name = name;
            let known = r.village == village || self.more_villages.get(&id).is_some_and(|v| v.contains(&village));
            if !known {
                self.more_villages.entry(id).or_default().push(village);
                self.villages.entry(village).or_default().push(id);
            }
        }
        id
    }

    fn view(&self, id: u32) -> Option<KnownHousehold<'_>> {
        let r = self.records.get(id as usize)?;
        Some(KnownHousehold {
            masked_name: self.names.get(r.name).map_or("", |n| n),
            payments: r.payments,
            paid_fen: r.paid_fen,
        })
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
        if let Some(k) = self.records.get_mut(id as usize) {
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
        let mut found = self.codes.range(&self.refs, low, high);
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
        let mut found = self.heads.range(&self.refs, low, high).filter(|id| {
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
    pub fn village(&self, village: RegionCode) -> impl Iterator<Item = (&HouseholdRef, KnownHousehold<'_>)> {
        self.villages
            .get(&village)
            .into_iter()
            .flatten()
            .filter_map(|id| Some((self.refs.get(*id as usize)?, self.view(*id)?)))
    }

    /// What the directory knows of one household.
    pub fn household(&self, household: &HouseholdRef) -> Option<KnownHousehold<'_>> {
        self.view(self.id(household)?)
    }

    /// The villages a household was paid or registered in, first seen first.
    pub fn villages_of(&self, household: &HouseholdRef) -> Vec<RegionCode> {
        let Some(id) = self.id(household) else {
            return Vec::new();
        };
        let first = self.records.get(id as usize).map(|r| r.village);
        first
            .into_iter()
            .chain(self.more_villages.get(&id).into_iter().flatten().copied())
            .collect()
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
        // hashbrown: one control byte per bucket besides the slot.
        let hash = |capacity: usize, slot: usize| capacity * (slot + 1);
        self.refs.capacity() * size_of::<HouseholdRef>()
            + self.records.capacity() * size_of::<Record>()
            + self.names.len() * (size_of::<Box<str>>() * 2 + 16 + 5)
            + self.names.iter().map(|n| n.len() * 2).sum::<usize>()
            + self
                .more_villages
                .values()
                .map(|v| v.capacity() * size_of::<RegionCode>() + size_of::<(u32, Vec<RegionCode>)>() + 1)
                .sum::<usize>()
            + self.codes.heap_bytes()
            + self.heads.heap_bytes()
            + self
                .villages
                .values()
                .map(|v| v.capacity() * 4 + size_of::<(RegionCode, Vec<u32>)>())
                .sum::<usize>()
            + hash(self.payment_keys.capacity(), size_of::<u32>())
            + hash(self.duplicate_keys.capacity(), size_of::<u32>())
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

    /// The sorted id lists against a scan of every household: 3,000
    /// references spread over every bucket, each found by its full code, a
    /// 6-symbol code prefix and an 8-digit hex prefix, with the same count
    /// a scan finds; a masked name shared by many is stored once.
    #[test]
    fn sorted_ids_find_what_a_scan_finds() {
        let village = RegionCode::new(320_803_110_223).unwrap();
        let other = RegionCode::new(320_803_110_224).unwrap();
        let mut d = Directory::default();
        let refs: Vec<HouseholdRef> = (0u32..3_000)
            .map(|i| {
                // Uniform bytes, as the keyed hashes of real references are.
                let mut b = [0u8; 32];
                for (w, chunk) in b.chunks_mut(8).enumerate() {
                    let mut z = u64::from(i) * 4 + w as u64 + 0x9e37_79b9_7f4a_7c15;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    chunk.copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
                }
                HouseholdRef(Bytes(b))
            })
            .collect();
        for (i, r) in refs.iter().enumerate() {
            d.record_registration(r, if i % 2 == 0 { "王*明" } else { "李*" }, village);
        }
        assert_eq!(d.len(), 3_000);
        assert_eq!(d.names.len(), 2);
        assert_eq!(d.household(&refs[0]).map(|k| k.masked_name), Some("王*明"));
        assert_eq!(d.household(&refs[1]).map(|k| k.masked_name), Some("李*"));
        for r in refs.iter().step_by(7) {
            let code = HouseholdCode::of(r).compact();
            assert_eq!(d.by_code(parse_query(&code).unwrap()), Lookup::One(*r));
            let prefix = &code[..6];
            let scan = refs
                .iter()
                .filter(|x| HouseholdCode::of(x).compact().starts_with(prefix))
                .count();
            let want = if scan == 1 { Lookup::One(*r) } else { Lookup::Many(scan) };
            assert_eq!(d.by_code(parse_query(prefix).unwrap()), want);
            let hex = r.to_string();
            let scan = refs.iter().filter(|x| x.to_string().starts_with(&hex[..8])).count();
            let want = if scan == 1 { Lookup::One(*r) } else { Lookup::Many(scan) };
            assert_eq!(d.by_hex_prefix(&hex[..8]), want);
        }
        // A second village is kept aside, and listed in both.
        d.record_registration(&refs[5], "李*", other);
        assert_eq!(d.villages_of(&refs[5]), vec![village, other]);
        assert_eq!(d.village(other).map(|(r, _)| *r).collect::<Vec<_>>(), vec![refs[5]]);
        assert_eq!(d.village(village).count(), 3_000);
        let stranger = HouseholdRef(Bytes([0xAB; 32]));
        assert_eq!(d.household(&stranger).map(|k| k.payments), None);
        assert_eq!(d.by_hex_prefix("abababab"), Lookup::None);
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
