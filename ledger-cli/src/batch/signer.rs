//! Who signs: the first key's grant (holder, office, regions), so messages
//! name the signer as an office does (`施河镇财政所 张*华（镇财政所）`), never
//! as hex, and village names resolve within the key's granted regions; and
//! the policy in force, for the pre-flight's payment-list check.
//!
//! Both come from the node's `GET /v1/keys/{key}` and `GET /v1/policy`
//! (the rule state's own answer, whatever the log's length). A node
//! without them (`/v1/policy` answers 404) is read the old way: the genesis
//! and then the log's first [`MAX_GRANT_SCAN_ENTRIES`] entries (grants come
//! early: a log's keys are granted when it starts). A key not found is
//! "not granted here": the rows are then checked against the whole log's
//! villages and the node still refuses a row outside the key's scope
//! (`scope`).

use crate::http::Node;
use ledger_core::entry::EntryBody;
use ledger_core::keys::KeyGrant;
use ledger_core::policy::Policy;
use ledger_core::region::RegionCode;
use serde::Deserialize;

/// Most entries read looking for a key's grant.
pub const MAX_GRANT_SCAN_ENTRIES: u64 = 20_000;
/// Entries per page while looking.
const PAGE: u64 = 1_000;

/// The signing key as the log grants it: what messages and village names need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// `施河镇财政所 张*华`.
    pub holder: String,
    /// `镇财政所`.
    pub office_zh: String,
    /// The regions it may sign for.
    pub regions: Vec<RegionCode>,
}

impl From<&KeyGrant> for Signer {
    fn from(g: &KeyGrant) -> Signer {
        Signer {
            holder: g.holder.to_string(),
            office_zh: g.office.label_zh().to_string(),
            regions: g.scope.regions.clone(),
        }
    }
}

/// What the node says about the signer and the policy.
#[derive(Debug, Default)]
pub struct LogFacts {
    /// The key's latest grant, if found.
    pub grant: Option<Signer>,
    /// The policy in force (or the latest seen by a scan).
    pub policy: Option<Policy>,
    /// Whether `policy` is the one in force (the node said so, or the
    /// scan read the whole log).
    pub complete: bool,
}

/// `GET /v1/keys/{key}`: the fields used here.
#[derive(Debug, Deserialize)]
struct KeyAnswer {
    holder: String,
    office_zh: String,
    scope: ScopeAnswer,
}

#[derive(Debug, Deserialize)]
struct ScopeAnswer {
    regions: Vec<RegionCode>,
}

/// `GET /v1/policy`.
#[derive(Debug, Deserialize)]
struct PolicyAnswer {
    policy: Policy,
}

/// Ask the node; a node without the endpoints is scanned ([`scan`]). Any
/// read failure leaves the facts unknown (the node checks every row anyway).
pub fn facts(node: &Node, public: &[u8; 32]) -> LogFacts {
    let policy = match node.get_any("/v1/policy") {
        Ok(a) if a.status == 200 => serde_json::from_slice::<PolicyAnswer>(&a.body).ok(),
        Ok(a) if a.status == 404 => return scan(node, public),
        _ => None,
    };
    let Some(policy) = policy else {
        return LogFacts::default();
    };
    let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
    let grant = match node.get_any(&format!("/v1/keys/{hex}")) {
        Ok(a) if a.status == 200 => serde_json::from_slice::<KeyAnswer>(&a.body).ok().map(|k| Signer {
            holder: k.holder,
            office_zh: k.office_zh,
            regions: k.scope.regions,
        }),
        _ => None,
    };
    LogFacts {
        grant,
        policy: Some(policy.policy),
        complete: true,
    }
}

/// Read the log's first [`MAX_GRANT_SCAN_ENTRIES`] entries for this key's
/// grant and the policy. Any read failure leaves what was found so far
/// (the node checks every row anyway).
fn scan(node: &Node, public: &[u8; 32]) -> LogFacts {
    let mut facts = LogFacts::default();
    let Ok(size) = node.log().map(|l| l.size) else {
        return facts;
    };
    let mut start = 0;
    while start < MAX_GRANT_SCAN_ENTRIES.min(size) {
        let Ok(page) = node.entries(start, PAGE) else {
            return facts;
        };
        if page.entries.is_empty() {
            facts.complete = true;
            break;
        }
        for e in &page.entries {
            let Ok(decoded) = e.decode() else { continue };
            match decoded.entry.signed.submission.body {
                EntryBody::Genesis(g) => {
                    if let Some(grant) = g.grants.iter().find(|g| &g.key.0 == public) {
                        facts.grant = Some(grant.into());
                    }
                    facts.policy = Some(g.policy);
                }
                EntryBody::KeyGrant(g) if &g.key.0 == public => facts.grant = Some((&g).into()),
                EntryBody::PolicyUpdate { policy, .. } => facts.policy = Some(policy),
                _ => {}
            }
        }
        start += page.entries.len() as u64;
    }
    // Entries appended after `size` was read can only be newer still: the
    // policy is the one in force if no update came in between, which the
    // node's own check covers.
    facts.complete |= start >= size;
    facts
}

/// `施河镇财政所 张*华（镇财政所）`: the holder and the office.
pub fn label(signer: &Signer) -> String {
    format!("{}（{}）", signer.holder, signer.office_zh)
}
