//! A bounded cache of the village page's answers (`GET
//! /v1/regions/{code}/flows`): the serialized JSON, keyed by the region and
//! the normalized page (`after`, `limit`), valid only for the durable tree
//! size and the day (China time) it was built at.
//!
//! Why a cache: the village page is the hottest read (phones on village
//! terminals re-open the same page), and an answer is built from the store
//! (the page's payments read back, leaf-checked, decoded), the aggregates
//! and the controls — tens of kilobytes of JSON each time. Between two
//! commits the same request has the same answer.
//!
//! Why it is never stale: every input of an answer — the payments and their
//! reversals, confirmations, history warnings, duplicates, the region's
//! totals — is durable state, and any commit changes the durable tree size
//! (`View::visible`), which is part of an answer's validity. The only other
//! input is the day, through the confirmation deadlines (`pending` turns
//! `overdue`), and it is part of the validity too. So a commit, whatever it
//! touches, invalidates the whole cache (simpler than a per-village
//! generation, whose proof would have to cover every input of a row; the
//! cost is a cold cache after each commit, docs/PERFORMANCE.md). Answers
//! of an older size are dropped at once when a newer size is seen, so
//! stale answers hold no memory.
//!
//! Bounded: `--flows-cache-bytes` (0 turns it off), least recently used
//! first out. An answer larger than the whole budget is not kept.

use crate::metrics::Metrics;
use axum::body::Bytes;
use ledger_core::ids::Date;
use ledger_core::region::RegionCode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Default budget of `--flows-cache-bytes`: 8 MiB, the default page of
/// every village of the demo district (≈ 340 villages, 16-24 KB a page).
/// Small so that the node stays under its 300 MiB target at 1,000,000
/// entries: 272 MiB while serving reads after ingest (E2), 280 MiB at the
/// restart peak, when nothing is cached yet.
pub const DEFAULT_FLOWS_CACHE_BYTES: usize = 8 << 20;

/// Largest budget the flag accepts: 1 GiB.
pub const MAX_FLOWS_CACHE_BYTES: usize = 1 << 30;

/// What an entry costs besides its body: the key, the slot, the LRU node
/// and the ETag (counted so that many tiny answers respect the budget too).
const ENTRY_OVERHEAD_BYTES: usize = 192;

/// An answer's identity: the region and the page, after the defaults were
/// applied (`?limit=20` and no `limit` are the same page). Nothing else in
/// the query string changes the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowsKey {
    /// The region.
    pub code: RegionCode,
    /// The `after` cursor.
    pub after: Option<u64>,
    /// The page size in force.
    pub limit: usize,
}

/// What an answer was built at besides its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The durable tree size of the view (`View::visible`).
    pub size: u64,
    /// Today in China: confirmation deadlines turn `overdue` with it.
    pub today: Date,
}

/// A serialized answer and its ETag.
#[derive(Debug)]
pub struct CachedAnswer {
    /// The JSON bytes, exactly as the uncached path serializes them.
    pub body: Bytes,
    /// `W/"` + 32 hex digits of the body's BLAKE3 hash + `"`. Weak
    /// because the response layer may gzip the body (a strong tag would
    /// have to differ per content coding, RFC 9110 §8.8.3), and
    /// `If-None-Match` compares weakly anyway.
    pub etag: String,
}

impl CachedAnswer {
    /// An answer with its ETag.
    pub fn new(body: Vec<u8>) -> CachedAnswer {
        let hash = blake3::hash(&body);
        let etag = format!("W/\"{}\"", hex::encode(hash.as_bytes().get(..16).unwrap_or_default()));
        CachedAnswer {
            body: Bytes::from(body),
            etag,
        }
    }

    /// True if an `If-None-Match` header value names this answer: a list of
    /// entity tags, compared weakly (by the quoted tag, with or without
    /// `W/`, RFC 9110 §13.1.2), or `*`.
    pub fn matches(&self, if_none_match: &str) -> bool {
        fn opaque(tag: &str) -> &str {
            tag.strip_prefix("W/").unwrap_or(tag)
        }
        let mine = opaque(&self.etag);
        if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || opaque(tag) == mine)
    }

    fn cost(&self) -> usize {
        self.body.len().saturating_add(ENTRY_OVERHEAD_BYTES)
    }
}

/// `ledger_flows_cache_*`.
#[derive(Debug, Clone, Default)]
pub struct FlowsCacheMetrics {
    /// `ledger_flows_cache_hits_total`: answers served from the cache.
    pub hits: Counter,
    /// `ledger_flows_cache_misses_total`: answers built (cache on).
    pub misses: Counter,
    /// `ledger_flows_cache_bytes`: bytes held (bodies and overhead).
    pub bytes: Gauge,
    /// `ledger_flows_cache_evictions_total`: answers dropped for room.
    pub evictions: Counter,
    /// `ledger_flows_not_modified_total`: 304 answers to `If-None-Match`.
    pub not_modified: Counter,
}

impl FlowsCacheMetrics {
    /// Register the cache's metrics.
    pub fn register(registry: &mut Registry) -> FlowsCacheMetrics {
        let m = FlowsCacheMetrics::default();
        registry.register(
            "flows_cache_hits",
            "Village page answers (/v1/regions/{code}/flows) served from the answer cache",
            m.hits.clone(),
        );
        registry.register(
            "flows_cache_misses",
            "Village page answers built because the cache had none valid (cache on)",
            m.misses.clone(),
        );
        registry.register(
            "flows_cache_bytes",
            "Bytes held by the village page answer cache (bodies and per-entry overhead)",
            m.bytes.clone(),
        );
        registry.register(
            "flows_cache_evictions",
            "Village page answers dropped from the cache to stay within --flows-cache-bytes",
            m.evictions.clone(),
        );
        registry.register(
            "flows_not_modified",
            "Village page requests answered 304 Not Modified (If-None-Match)",
            m.not_modified.clone(),
        );
        m
    }
}

struct Slot {
    answer: Arc<CachedAnswer>,
    used: u64,
}

#[derive(Default)]
struct Inner {
    /// The validity every held answer shares (older ones are dropped).
    validity: Option<Validity>,
    slots: HashMap<FlowsKey, Slot>,
    /// Last use → key: the least recently used first.
    by_use: BTreeMap<u64, FlowsKey>,
    clock: u64,
    bytes: usize,
}

impl Inner {
    fn clear(&mut self) {
        self.slots.clear();
        self.by_use.clear();
        self.bytes = 0;
    }

    fn tick(&mut self) -> u64 {
        self.clock = self.clock.wrapping_add(1);
        self.clock
    }

    fn remove(&mut self, key: &FlowsKey) {
        if let Some(old) = self.slots.remove(key) {
            self.by_use.remove(&old.used);
            self.bytes = self.bytes.saturating_sub(old.answer.cost());
        }
    }
}

/// The cache. Cheap to share (`Arc`); one short mutex section per request.
pub struct FlowsCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
    metrics: FlowsCacheMetrics,
}

impl std::fmt::Debug for FlowsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowsCache")
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl FlowsCache {
    /// A cache of at most `max_bytes` (0: off), reporting to `metrics`.
    pub fn new(max_bytes: usize, metrics: FlowsCacheMetrics) -> FlowsCache {
        FlowsCache {
            max_bytes: max_bytes.min(MAX_FLOWS_CACHE_BYTES),
            inner: Mutex::new(Inner::default()),
            metrics,
        }
    }

    /// True when answers are kept.
    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The budget.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Bytes held now (bodies and overhead); never above [`Self::max_bytes`].
    pub fn bytes(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.bytes)
    }

    /// Answers held now.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.slots.len())
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The metrics (the 304 counter is the handler's).
    pub fn metrics(&self) -> &FlowsCacheMetrics {
        &self.metrics
    }

    /// The answer for `key` built at `validity`, if held. A newer validity
    /// than the held answers' drops them all (a commit, or a new day).
    pub fn get(&self, key: &FlowsKey, validity: Validity) -> Option<Arc<CachedAnswer>> {
        if !self.enabled() {
            return None;
        }
        // A poisoned lock only means another request panicked while holding
        // it: answer without the cache rather than fail.
        let Ok(mut inner) = self.inner.lock() else {
            return None;
        };
        let found = match inner.validity {
            Some(v) if v == validity => {
                let used = inner.tick();
                let inner = &mut *inner;
                inner.slots.get_mut(key).map(|slot| {
                    inner.by_use.remove(&slot.used);
                    slot.used = used;
                    inner.by_use.insert(used, *key);
                    slot.answer.clone()
                })
            }
            // A request that read the view before the last commit: its
            // answer is older than what is held; leave the cache alone.
            Some(v) if validity.size < v.size => None,
            _ => {
                inner.clear();
                inner.validity = Some(validity);
                None
            }
        };
        match &found {
            Some(_) => self.metrics.hits.inc(),
            None => self.metrics.misses.inc(),
        };
        Metrics::set_gauge(&self.metrics.bytes, inner.bytes as u64);
        found
    }

    /// Keep `answer` for `key` at `validity` (unless the cache moved on to a
    /// newer validity meanwhile, or the answer is larger than the budget),
    /// dropping the least recently used answers to make room.
    pub fn put(&self, key: FlowsKey, validity: Validity, answer: Arc<CachedAnswer>) {
        let cost = answer.cost();
        if !self.enabled() || cost > self.max_bytes {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.validity != Some(validity) {
            return;
        }
        inner.remove(&key);
        while inner.bytes.saturating_add(cost) > self.max_bytes {
            let Some((_, oldest)) = inner.by_use.pop_first() else {
                break;
            };
            if let Some(slot) = inner.slots.remove(&oldest) {
                inner.bytes = inner.bytes.saturating_sub(slot.answer.cost());
                self.metrics.evictions.inc();
            }
        }
        let used = inner.tick();
        inner.by_use.insert(used, key);
        inner.slots.insert(key, Slot { answer, used });
        inner.bytes = inner.bytes.saturating_add(cost);
        Metrics::set_gauge(&self.metrics.bytes, inner.bytes as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    /// Page `n` of one village (the cache never looks inside the key).
    fn key(n: u64) -> Result<FlowsKey, Box<dyn std::error::Error>> {
        Ok(FlowsKey {
            code: RegionCode::parse("320803101201")?,
            after: Some(n),
            limit: 20,
        })
    }

    fn at(size: u64) -> Validity {
        Validity {
            size,
            today: Date::LAST,
        }
    }

    fn answer(len: usize) -> Arc<CachedAnswer> {
        Arc::new(CachedAnswer::new(vec![b'x'; len]))
    }

    #[test]
    fn keeps_within_the_budget_and_drops_the_least_recently_used() -> R {
        // Room for exactly three answers of 1,000 bytes.
        let cache = FlowsCache::new(3 * (1_000 + ENTRY_OVERHEAD_BYTES), FlowsCacheMetrics::default());
        for n in 0..3 {
            assert!(cache.get(&key(n)?, at(7)).is_none());
            cache.put(key(n)?, at(7), answer(1_000));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.bytes(), 3 * 1_192);
        // Use 0, so 1 is the least recently used; a fourth answer drops it.
        assert!(cache.get(&key(0)?, at(7)).is_some());
        cache.put(key(3)?, at(7), answer(1_000));
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.bytes(), 3 * 1_192);
        assert!(cache.get(&key(1)?, at(7)).is_none());
        for n in [0, 2, 3] {
            assert!(cache.get(&key(n)?, at(7)).is_some(), "answer {n}");
        }
        assert_eq!(cache.metrics().evictions.get(), 1);
        assert_eq!(cache.metrics().hits.get(), 4);
        assert_eq!(cache.metrics().misses.get(), 4);
        assert_eq!(cache.metrics().bytes.get(), 3 * 1_192);
        // An answer larger than the whole budget is not kept (and drops nothing).
        cache.put(key(9)?, at(7), answer(4_000));
        assert_eq!(cache.len(), 3);
        Ok(())
    }

    #[test]
    fn a_newer_size_or_another_day_drops_everything_and_an_older_one_changes_nothing() -> R {
        let cache = FlowsCache::new(1 << 20, FlowsCacheMetrics::default());
        assert!(cache.get(&key(0)?, at(7)).is_none());
        cache.put(key(0)?, at(7), answer(100));
        assert!(cache.get(&key(0)?, at(7)).is_some());
        // A request that read the view before the commit (size 6): no hit,
        // and nothing of size 6 is stored.
        assert!(cache.get(&key(0)?, at(6)).is_none());
        cache.put(key(1)?, at(6), answer(100));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&key(0)?, at(7)).is_some());
        // A commit (size 8): the answer of size 7 is gone, memory too.
        assert!(cache.get(&key(0)?, at(8)).is_none());
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
        // An answer of size 7 built meanwhile is not kept.
        cache.put(key(0)?, at(7), answer(100));
        assert_eq!(cache.len(), 0);
        cache.put(key(0)?, at(8), answer(100));
        assert_eq!(cache.len(), 1);
        // The next day at the same size: dropped too.
        let tomorrow = Validity {
            size: 8,
            today: Date::new(20991230)?,
        };
        assert!(cache.get(&key(0)?, tomorrow).is_none());
        assert_eq!(cache.len(), 0);
        Ok(())
    }

    #[test]
    fn off_keeps_nothing() -> R {
        let cache = FlowsCache::new(0, FlowsCacheMetrics::default());
        assert!(cache.get(&key(0)?, at(1)).is_none());
        cache.put(key(0)?, at(1), answer(10));
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.metrics().misses.get(), 0);
        Ok(())
    }

    #[test]
    fn if_none_match_names_the_answer() {
        let a = answer(10);
        let tag = a.etag.clone();
        assert_eq!(tag.len(), 36);
        assert!(tag.starts_with("W/\""));
        assert!(a.matches(&tag));
        let strong = tag.trim_start_matches("W/");
        assert!(a.matches(strong));
        assert!(a.matches(&format!("\"0\", {tag}")));
        assert!(a.matches("*"));
        assert!(!a.matches("\"00000000000000000000000000000000\""));
        assert!(!a.matches(""));
        assert!(!a.matches(strong.trim_matches('"')));
    }
}
