//! Who signs: the first key's grant (holder, office, regions), so messages
//! name the signer as an office does (`施河镇财政所 张*华（镇财政所）`), never
//! as hex, and village names resolve within the key's granted regions; and
//! the policy in force (from the same pages: the genesis and its updates),
//! for the pre-flight's payment-list check.
//!
//! The read API has no key lookup, so the grant is looked for in the
//! genesis and then in the log's first [`MAX_GRANT_SCAN_ENTRIES`] entries
//! (grants come early: a log's keys are granted when it starts). A key
//! granted later is "not found here": the rows are then checked against the
//! whole log's villages and the node still refuses a row outside the
//! key's scope (`scope`).

use crate::http::Node;
use ledger_core::entry::EntryBody;
use ledger_core::keys::KeyGrant;
use ledger_core::policy::Policy;

/// Most entries read looking for a key's grant.
pub const MAX_GRANT_SCAN_ENTRIES: u64 = 20_000;
/// Entries per page while looking.
const PAGE: u64 = 1_000;

/// What the log's first pages say about the signer and the policy.
#[derive(Debug, Default)]
pub struct LogFacts {
    /// The latest grant of the key, if found.
    pub grant: Option<KeyGrant>,
    /// The latest policy seen (genesis, then policy updates).
    pub policy: Option<Policy>,
    /// Whether the whole log was read (then `policy` is the one in force).
    pub complete: bool,
}

/// Read the log's first [`MAX_GRANT_SCAN_ENTRIES`] entries for this key's
/// grant and the policy. Any read failure leaves what was found so far
/// (the node checks every row anyway).
pub fn scan(node: &Node, public: &[u8; 32]) -> LogFacts {
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
                        facts.grant = Some(grant.clone());
                    }
                    facts.policy = Some(g.policy);
                }
                EntryBody::KeyGrant(g) if &g.key.0 == public => facts.grant = Some(g),
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
pub fn label(grant: &KeyGrant) -> String {
    format!("{}（{}）", grant.holder, grant.office.label_zh())
}
