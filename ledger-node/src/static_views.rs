//! Static index files (issue 17, item 2): what the citizens' page needs, beside
//! the C2SP tlog-tiles, to work from a bucket's public URL with the node
//! switched off.
//!
//! The tiles prove; these files only *point*. They tell the page which entry
//! numbers to fetch for a village or a household code; the page then reads
//! the entry bundles, decodes the entries and proves each one against the
//! signed checkpoint with an inclusion proof it computes from the hash tiles.
//! So an index file written by a faulty or hostile node can only *hide*
//! entries (the page says so: 索引由节点生成，只能遗漏、不能伪造), never make
//! the page show an entry the log does not hold.
//!
//! The layout is versioned under `static/v1/` (docs/FORMAT.md §12, docs/API.md
//! "Static index files"):
//!
//! * `static/v1/regions.json` — every registered region: code, name, parent;
//! * `static/v1/log-keys.json` — the log's key history (the page proves each
//!   rotation entry from the tiles before following it);
//! * `static/v1/regions/<code>.json` — a region: its households (a village's
//!   户名册: code, masked name) and how many entries concern it, in pages;
//! * `static/v1/regions/<code>/<page>.json` — the entry numbers concerning
//!   the region, [`SEQS_PER_PAGE`] per page (every page but the last is
//!   immutable);
//! * `static/v1/households/<p>.json` — households whose code starts with the
//!   two symbols `<p>` (29² buckets): code, reference, masked name, villages
//!   and the entry numbers about the household. A code lookup reads one
//!   small file.
//!
//! [`changed_objects`] returns the objects that change when entries
//! `[from_seq, to_seq)` are added: regions are found by one binary search in
//! each region's index (a district has a few hundred), households from the
//! new entries themselves, so the cost follows the new entries and the
//! touched regions' and buckets' sizes, not the whole log.

use crate::ledger::Ledger;
use crate::store::{IndexKey, Store};
use anyhow::{anyhow, Context, Result};
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::EntryBody;
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::HouseholdCode;
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Version of the index file format (the `version` field and the `v1` in
/// every path). A change that an old page could misread gets a new version.
pub const FORMAT_VERSION: u32 = 1;
/// Where the files live, relative to the bucket's (or the node's) root.
pub const PREFIX: &str = "static/v1";
/// Entry numbers per region page: ≈ 8 KB of JSON, so a village's first view
/// costs one small file, and a district's million entries are a thousand
/// files each written once.
pub const SEQS_PER_PAGE: usize = 1_024;
/// Most households listed in one region file: a village has hundreds; a
/// bigger list is cut (`households_truncated: true`) rather than making a
/// file a phone cannot load.
pub const MAX_HOUSEHOLDS_PER_REGION: usize = 5_000;
/// Symbols of the household code that name its bucket (29² = 841 buckets:
/// 10⁵ households are ≈ 120 per bucket, ≈ 20 KB).
pub const BUCKET_SYMBOLS: usize = 2;
/// Most entry numbers listed for one household (a household has tens).
pub const MAX_SEQS_PER_HOUSEHOLD: usize = 10_000;

const JSON: &str = "application/json; charset=utf-8";

/// One file to publish (or serve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticObject {
    /// Path relative to the root, no leading `/` (e.g. `static/v1/regions.json`).
    pub path: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// True when the bytes at this path never change (cache for a year).
    pub immutable: bool,
}

// ------------------------------------------------------------- JSON shapes

#[derive(Serialize)]
struct RegionsFile<'a> {
    version: u32,
    origin: &'a str,
    regions: Vec<RegionJson<'a>>,
}

#[derive(Serialize)]
struct RegionJson<'a> {
    code: String,
    name: &'a str,
    level: &'static str,
    parent: Option<String>,
}

#[derive(Serialize)]
struct RegionFile<'a> {
    version: u32,
    code: String,
    name: &'a str,
    /// Entries concerning the region (below the size the file was made for).
    entries: usize,
    /// Pages of entry numbers: `regions/<code>/0.json` … `<pages-1>.json`.
    pages: usize,
    seqs_per_page: usize,
    households: Vec<HouseholdRow<'a>>,
    households_truncated: bool,
}

#[derive(Serialize)]
struct HouseholdRow<'a> {
    code: String,
    masked_name: &'a str,
}

#[derive(Serialize)]
struct PageFile {
    version: u32,
    code: String,
    page: usize,
    seqs: Vec<u64>,
}

#[derive(Serialize)]
struct BucketFile<'a> {
    version: u32,
    prefix: String,
    households: Vec<BucketRow<'a>>,
}

#[derive(Serialize)]
struct BucketRow<'a> {
    code: String,
    #[serde(rename = "ref")]
    reference: String,
    masked_name: &'a str,
    villages: Vec<String>,
    seqs: Vec<u64>,
}

#[derive(Serialize)]
struct LogKeysFile<'a> {
    version: u32,
    origin: &'a str,
    /// `{from_size, vkey}` as in `GET /v1/log`'s `log_keys`; the first is
    /// the genesis key (from_size 0).
    log_keys: Vec<LogKeyJson<'a>>,
}

#[derive(Serialize)]
struct LogKeyJson<'a> {
    from_size: u64,
    vkey: &'a str,
}

#[derive(Serialize)]
struct ConfigFile<'a> {
    mode: &'static str,
    log: ConfigLog<'a>,
}

#[derive(Serialize)]
struct ConfigLog<'a> {
    origin: &'a str,
    vkey: &'a str,
}

fn json_object(path: String, value: &impl Serialize, immutable: bool) -> Result<StaticObject> {
    let mut bytes = serde_json::to_vec(value).with_context(|| format!("encoding {path}"))?;
    bytes.push(b'\n');
    Ok(StaticObject {
        path,
        bytes,
        content_type: JSON,
        immutable,
    })
}

fn level_name(code: RegionCode) -> &'static str {
    match code.level() {
        RegionLevel::District => "district",
        RegionLevel::Town => "town",
        RegionLevel::Village => "village",
    }
}

// ------------------------------------------------------------- the objects

/// `static/v1/regions.json`.
pub fn regions_object(ledger: &Ledger) -> Result<StaticObject> {
    let regions = ledger
        .query
        .regions()
        .iter()
        .map(|(code, info)| RegionJson {
            code: code.to_string(),
            name: &info.name,
            level: level_name(*code),
            parent: code.parent().map(|p| p.to_string()),
        })
        .collect();
    let file = RegionsFile {
        version: FORMAT_VERSION,
        origin: ledger.query.origin(),
        regions,
    };
    json_object(format!("{PREFIX}/regions.json"), &file, false)
}

/// `static/v1/log-keys.json`: the keys in force from each size, up to `to_seq`.
pub fn log_keys_object(ledger: &Ledger, to_seq: u64) -> Result<StaticObject> {
    let log_keys = ledger
        .state
        .log_vkey_history()
        .iter()
        .filter(|(from, _)| *from <= to_seq)
        .map(|(from, vkey)| LogKeyJson { from_size: *from, vkey })
        .collect();
    let file = LogKeysFile {
        version: FORMAT_VERSION,
        origin: ledger.query.origin(),
        log_keys,
    };
    json_object(format!("{PREFIX}/log-keys.json"), &file, false)
}

/// `static/v1/regions/<code>.json` and its pages from `first_page` on.
pub fn region_objects(
    ledger: &Ledger,
    store: &Store,
    code: RegionCode,
    to_seq: u64,
    first_page: usize,
) -> Result<Vec<StaticObject>> {
    let info = ledger
        .query
        .region(code)
        .ok_or_else(|| anyhow!("region {code} is not registered"))?;
    // Only the pages from `first_page` on are copied out of the index: a
    // district's index holds every entry, and copying all of it each round
    // made a round's cost grow with the log instead of with the round.
    let (total, tail) = store
        .index_tail(
            &IndexKey::Region(code),
            first_page.saturating_mul(SEQS_PER_PAGE),
            to_seq,
        )
        .map_err(|e| anyhow!("reading the index of region {code}: {e}"))?;
    let pages = total.div_ceil(SEQS_PER_PAGE);
    let directory = ledger.query.directory();
    let mut households: Vec<HouseholdRow> = directory
        .village(code)
        .take(MAX_HOUSEHOLDS_PER_REGION.saturating_add(1))
        .map(|(r, k)| HouseholdRow {
            code: HouseholdCode::of(r).compact(),
            masked_name: k.masked_name,
        })
        .collect();
    let households_truncated = households.len() > MAX_HOUSEHOLDS_PER_REGION;
    households.truncate(MAX_HOUSEHOLDS_PER_REGION);
    let head = RegionFile {
        version: FORMAT_VERSION,
        code: code.to_string(),
        name: &info.name,
        entries: total,
        pages,
        seqs_per_page: SEQS_PER_PAGE,
        households,
        households_truncated,
    };
    let mut out = vec![json_object(format!("{PREFIX}/regions/{code}.json"), &head, false)?];
    for (page, chunk) in tail
        .chunks(SEQS_PER_PAGE)
        .enumerate()
        .map(|(i, chunk)| (first_page.saturating_add(i), chunk))
    {
        let file = PageFile {
            version: FORMAT_VERSION,
            code: code.to_string(),
            page,
            seqs: chunk.to_vec(),
        };
        // A full page never changes again: later entries go to later pages.
        let immutable = chunk.len() == SEQS_PER_PAGE;
        out.push(json_object(
            format!("{PREFIX}/regions/{code}/{page}.json"),
            &file,
            immutable,
        )?);
    }
    Ok(out)
}

/// The bucket of a household code: its first [`BUCKET_SYMBOLS`] symbols.
pub fn bucket_of(household: &HouseholdRef) -> String {
    HouseholdCode::of(household)
        .compact()
        .chars()
        .take(BUCKET_SYMBOLS)
        .collect()
}

/// `static/v1/households/<prefix>.json`.
///
/// The directory keeps households per village, not per code range, so the
/// bucket is gathered from every village's list (O(households), ≈ 1 ms for
/// 10⁵); a `Directory` iterator over a code range would make it
/// O(bucket) — see the report of issue 17.
pub fn bucket_objects(
    ledger: &Ledger,
    store: &Store,
    prefixes: &BTreeSet<String>,
    to_seq: u64,
) -> Result<Vec<StaticObject>> {
    if prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let directory = ledger.query.directory();
    let mut buckets: BTreeMap<&str, BTreeMap<String, (HouseholdRef, &str)>> =
        prefixes.iter().map(|p| (p.as_str(), BTreeMap::new())).collect();
    for code in ledger.query.regions().keys() {
        if code.level() != RegionLevel::Village {
            continue;
        }
        for (r, k) in directory.village(*code) {
            let compact = HouseholdCode::of(r).compact();
            let prefix: String = compact.chars().take(BUCKET_SYMBOLS).collect();
            if let Some(bucket) = buckets.get_mut(prefix.as_str()) {
                bucket.entry(compact).or_insert((*r, k.masked_name));
            }
        }
    }
    let mut out = Vec::with_capacity(buckets.len());
    for (prefix, members) in buckets {
        let mut households = Vec::with_capacity(members.len());
        for (code, (reference, masked_name)) in members {
            let mut seqs = store
                .index_scan(&IndexKey::Household(reference), None, to_seq, MAX_SEQS_PER_HOUSEHOLD)
                .map_err(|e| anyhow!("reading the index of household {code}: {e}"))?;
            seqs.sort_unstable();
            let villages = directory
                .villages_of(&reference)
                .iter()
                .map(|v| v.to_string())
                .collect();
            households.push(BucketRow {
                code,
                reference: reference.to_string(),
                masked_name,
                villages,
                seqs,
            });
        }
        let file = BucketFile {
            version: FORMAT_VERSION,
            prefix: prefix.to_string(),
            households,
        };
        out.push(json_object(format!("{PREFIX}/households/{prefix}.json"), &file, false)?);
    }
    Ok(out)
}

/// What the new entries `[from_seq, to_seq)` touch, read from the store.
struct Touched {
    regions_list: bool,
    log_keys: bool,
    buckets: BTreeSet<String>,
}

fn touched(ledger: &Ledger, store: &Store, from_seq: u64, to_seq: u64) -> Result<Touched> {
    let mut t = Touched {
        regions_list: from_seq == 0,
        log_keys: from_seq == 0,
        buckets: BTreeSet::new(),
    };
    for item in store.entries(from_seq, to_seq) {
        let (seq, bytes) = item.map_err(|e| anyhow!("reading entry {from_seq}..{to_seq}: {e}"))?;
        // Checked against the verified tree's leaf, which makes the
        // canonical re-encoding check of a full decode redundant (the
        // committed bytes are the canonical ones).
        let leaf = ledger
            .tree
            .leaf(seq)
            .ok_or_else(|| anyhow!("entry {seq} is not in the Merkle tree"))?;
        let decoded =
            SequencedEntry::decode_at_leaf(&bytes, &leaf).map_err(|e| anyhow!("entry {seq} does not decode: {e}"))?;
        match &decoded.entry.signed.submission.body {
            EntryBody::Genesis(_) | EntryBody::RegionRegister { .. } => t.regions_list = true,
            EntryBody::LogKeyRotate { .. } => t.log_keys = true,
            EntryBody::HouseholdSubsidy(s) => {
                t.buckets.insert(bucket_of(&s.household));
            }
            EntryBody::HouseholdRegister(r) => {
                t.buckets.insert(bucket_of(&r.household));
            }
            EntryBody::HouseholdExit(e) => {
                t.buckets.insert(bucket_of(&e.household));
            }
            _ => {}
        }
    }
    Ok(t)
}

/// The index objects that change when entries `[from_seq, to_seq)` are
/// added (`from_seq` 0: everything), in path order. `ledger` and `store`
/// must already hold those entries; the caller (the publisher) writes them
/// after the tiles covering `to_seq` and before the checkpoint of `to_seq`.
pub fn changed_objects(ledger: &Ledger, store: &Store, from_seq: u64, to_seq: u64) -> Result<Vec<StaticObject>> {
    if from_seq >= to_seq {
        return Ok(Vec::new());
    }
    let t = touched(ledger, store, from_seq, to_seq)?;
    let mut out = Vec::new();
    if t.regions_list {
        out.push(regions_object(ledger)?);
    }
    if t.log_keys {
        out.push(log_keys_object(ledger, to_seq)?);
    }
    for code in ledger.query.regions().keys() {
        let added = store
            .index_scan(&IndexKey::Region(*code), from_seq.checked_sub(1), to_seq, 1)
            .map_err(|e| anyhow!("reading the index of region {code}: {e}"))?;
        // A new village's households come with entries indexed under it, so
        // a region without new entries has nothing new to say.
        let Some(first_new) = added.first() else {
            continue;
        };
        let before = store
            .index_count_below(&IndexKey::Region(*code), *first_new)
            .map_err(|e| anyhow!("reading the index of region {code}: {e}"))?;
        out.extend(region_objects(ledger, store, *code, to_seq, before / SEQS_PER_PAGE)?);
    }
    out.extend(bucket_objects(ledger, store, &t.buckets, to_seq)?);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// One index object by its path (under `static/v1/`), as of `to_seq`: what
/// the node serves at `GET /static/v1/...`. `Ok(None)`: no such object.
pub fn object_at(ledger: &Ledger, store: &Store, path: &str, to_seq: u64) -> Result<Option<StaticObject>> {
    let Some(rest) = path.strip_prefix(PREFIX).and_then(|r| r.strip_prefix('/')) else {
        return Ok(None);
    };
    if rest == "regions.json" {
        return Ok(Some(regions_object(ledger)?));
    }
    if rest == "log-keys.json" {
        return Ok(Some(log_keys_object(ledger, to_seq)?));
    }
    if rest == "config.json" {
        return Ok(Some(config_object(ledger)?));
    }
    if let Some(name) = rest.strip_prefix("households/").and_then(|r| r.strip_suffix(".json")) {
        if name.chars().count() != BUCKET_SYMBOLS
            || !name.chars().all(|c| ledger_core::household_code::ALPHABET.contains(c))
        {
            return Ok(None);
        }
        let prefixes = BTreeSet::from([name.to_string()]);
        return Ok(bucket_objects(ledger, store, &prefixes, to_seq)?.pop());
    }
    if let Some(rest) = rest.strip_prefix("regions/") {
        let (code, page) = match rest.strip_suffix(".json").map(|r| r.split_once('/')) {
            Some(None) => (rest.trim_end_matches(".json"), None),
            Some(Some((code, page))) => match page.parse::<usize>() {
                Ok(p) if page.len() <= 9 && !page.starts_with('+') => (code, Some(p)),
                _ => return Ok(None),
            },
            None => return Ok(None),
        };
        let Ok(code) = RegionCode::parse(code) else {
            return Ok(None);
        };
        if ledger.query.region(code).is_none() {
            return Ok(None);
        }
        let objects = region_objects(ledger, store, code, to_seq, page.unwrap_or(usize::MAX))?;
        return Ok(match page {
            None => objects.into_iter().next(),
            Some(p) => objects
                .into_iter()
                .skip(1)
                .find(|o| o.path.ends_with(&format!("/{p}.json"))),
        });
    }
    Ok(None)
}

// ------------------------------------------------------------- the page

/// `config.json` for the page in static mode: the log's origin and the
/// genesis key the page pins (it follows rotations from there, proving each
/// one from the tiles).
pub fn config_object(ledger: &Ledger) -> Result<StaticObject> {
    let vkey = ledger
        .state
        .log_vkey_history()
        .first()
        .map(|(_, k)| k.as_str())
        .ok_or_else(|| anyhow!("the log has no genesis yet"))?;
    let file = ConfigFile {
        mode: "static",
        log: ConfigLog {
            origin: ledger.query.origin(),
            vkey,
        },
    };
    let mut object = json_object("config.json".to_string(), &file, false)?;
    object.path = "config.json".into();
    Ok(object)
}

/// The page's files for a bucket: `index.html`, its content-addressed assets
/// (immutable) and `config.json`. The node's own page loads its assets from
/// `/assets/…`; in a bucket the page may sit under a prefix, so the paths
/// are made relative (`assets/…` from the page, the font's `url(…)` beside
/// the stylesheet).
pub fn page_assets(ledger: &Ledger) -> Result<Vec<StaticObject>> {
    let index = crate::web::built::INDEX_HTML.replace("\"/assets/", "\"assets/");
    let mut out = vec![StaticObject {
        path: "index.html".into(),
        bytes: index.into_bytes(),
        content_type: "text/html; charset=utf-8",
        immutable: false,
    }];
    for (path, content_type, bytes) in crate::web::built::ASSETS {
        let bytes = if path.ends_with(".css") {
            String::from_utf8_lossy(bytes)
                .replace("url(/assets/", "url(")
                .into_bytes()
        } else {
            bytes.to_vec()
        };
        out.push(StaticObject {
            path: path.trim_start_matches('/').to_string(),
            bytes,
            content_type,
            immutable: true,
        });
    }
    out.push(config_object(ledger)?);
    Ok(out)
}

/// The publisher's extra objects (`crate::publish::PublishConfig::extra`):
/// the index files of every round's new entries, and the page's files with
/// its `config.json` until one round has carried them. A round that fails is
/// retried with the same `from_seq`, so the page's files ride along until
/// the bucket has acknowledged them (the published size moves past the
/// first round's start only when a round succeeds).
pub fn publisher_extra() -> crate::publish::ExtraObjects {
    use std::sync::atomic::{AtomicU64, Ordering};
    // u64::MAX: no round seen yet.
    let first_from = std::sync::Arc::new(AtomicU64::new(u64::MAX));
    std::sync::Arc::new(move |ledger, store, from_seq, to_seq| {
        let _ = first_from.compare_exchange(u64::MAX, from_seq, Ordering::AcqRel, Ordering::Acquire);
        let mut objects = changed_objects(ledger, store, from_seq, to_seq)?;
        if first_from.load(Ordering::Acquire) == from_seq {
            objects.extend(page_assets(ledger)?);
        }
        Ok(objects
            .into_iter()
            .map(|o| crate::publish::upload::Upload {
                path: o.path,
                bytes: o.bytes,
                content_type: o.content_type,
                immutable: o.immutable,
            })
            .collect())
    })
}
