//! Who signs: the first key's grant (holder, office, regions), so messages
//! name the signer as an office does (`施河镇财政所 张*华（镇财政所）`), never
//! as hex, and village names resolve within the key's granted regions.
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

/// Most entries read looking for a key's grant.
pub const MAX_GRANT_SCAN_ENTRIES: u64 = 20_000;
/// Entries per page while looking.
const PAGE: u64 = 1_000;

/// The latest grant of this public key, if found.
pub fn find_grant(node: &Node, public: &[u8; 32]) -> Option<KeyGrant> {
    let mut found = None;
    let mut start = 0;
    while start < MAX_GRANT_SCAN_ENTRIES {
        let page = node.entries(start, PAGE).ok()?;
        if page.entries.is_empty() {
            break;
        }
        for e in &page.entries {
            let Ok(decoded) = e.decode() else { continue };
            match decoded.entry.signed.submission.body {
                EntryBody::Genesis(g) => {
                    if let Some(grant) = g.grants.into_iter().find(|g| &g.key.0 == public) {
                        found = Some(grant);
                    }
                }
                EntryBody::KeyGrant(g) if &g.key.0 == public => found = Some(g),
                _ => {}
            }
        }
        start += page.entries.len() as u64;
    }
    found
}

/// `施河镇财政所 张*华（镇财政所）`: the holder and the office.
pub fn label(grant: &KeyGrant) -> String {
    format!("{}（{}）", grant.holder, grant.office.label_zh())
}
