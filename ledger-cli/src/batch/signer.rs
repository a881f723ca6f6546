//! Who signs: the first key's grant (holder, office, regions), so messages
//! name the signer as an office does (`施河镇财政所 张*华（镇财政所）`), never
//! as hex, and village names resolve within the key's granted regions; and
//! the policy in force, for the pre-flight's payment-list check.
//!
//! Both come from the node's `GET /v1/keys/{key}` and `GET /v1/policy`
//! (the rule state's own answer, whatever the log's length). A node
//! without them (an older node: `/v1/policy` answers 404) is refused with
//! a message saying to upgrade it: reading the log from its genesis for
//! the grant, as clients once did, stops being possible once the log is
//! long, and a partial read would name the wrong policy. A key the node
//! does not know (404 `not_found`) is "not granted here": the rows are then
//! checked against the whole log's villages and the node still refuses a
//! row outside the key's scope (`scope`).

use crate::exit::network;
use crate::http::{Answer, Node};
use crate::messages::run_errors::RunErr;
use crate::messages::Message as _;
use anyhow::Result;
use ledger_core::keys::KeyGrant;
use ledger_core::policy::Policy;
use ledger_core::region::RegionCode;
use serde::Deserialize;

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
    /// The policy in force, as the node answered it.
    pub policy: Option<Policy>,
    /// Whether `policy` is the one in force (the node said so).
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

/// Ask the node. A node without the endpoints is an error naming them
/// ([`RunErr::OldNode`]); any other read failure leaves the facts unknown
/// (the node checks every row anyway).
pub fn facts(node: &Node, public: &[u8; 32]) -> Result<LogFacts> {
    let policy = node.get_any("/v1/policy").ok();
    // Only asked when the policy answered: an old node has neither.
    let key = match &policy {
        Some(a) if a.status == 200 => {
            let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
            node.get_any(&format!("/v1/keys/{hex}")).ok()
        }
        _ => None,
    };
    from_answers(policy.as_ref(), key.as_ref())
}

/// The facts from the two answers (`None`: no answer at all).
fn from_answers(policy: Option<&Answer>, key: Option<&Answer>) -> Result<LogFacts> {
    let policy = match policy {
        Some(a) if a.status == 200 => serde_json::from_slice::<PolicyAnswer>(&a.body).ok(),
        Some(a) if a.status == 404 => return Err(network(RunErr::OldNode.text())),
        _ => None,
    };
    let Some(policy) = policy else {
        return Ok(LogFacts::default());
    };
    let grant = match key {
        Some(a) if a.status == 200 => serde_json::from_slice::<KeyAnswer>(&a.body).ok().map(|k| Signer {
            holder: k.holder,
            office_zh: k.office_zh,
            regions: k.scope.regions,
        }),
        // A 404 without the node's JSON error is a route the node lacks
        // (a node of the short window that had /v1/policy but not
        // /v1/keys): the same "upgrade" as above, never a guess.
        Some(a) if a.status == 404 && a.error().is_none() => return Err(network(RunErr::OldNode.text())),
        _ => None,
    };
    Ok(LogFacts {
        grant,
        policy: Some(policy.policy),
        complete: true,
    })
}

/// `施河镇财政所 张*华（镇财政所）`: the holder and the office.
pub fn label(signer: &Signer) -> String {
    format!("{}（{}）", signer.holder, signer.office_zh)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    fn policy() -> Answer {
        let body = serde_json::json!({"size": 3, "policy": Policy::default()});
        answer(200, &body.to_string())
    }

    /// An older node (no `/v1/policy`, or no `/v1/keys/{key}`) is refused
    /// with the upgrade message; nothing reads the log instead.
    #[test]
    fn an_old_node_is_a_clear_error_not_a_scan() {
        let err = from_answers(Some(&answer(404, "")), None).unwrap_err();
        assert_eq!(crate::exit::exit_kind(&err), crate::exit::ExitKind::Network);
        assert_eq!(
            crate::exit::one_line(&err),
            "节点不提供 GET /v1/policy 和 GET /v1/keys/{key}（版本过旧）：请先升级节点再批量记账"
        );
        let err = from_answers(Some(&policy()), Some(&answer(404, "Not Found"))).unwrap_err();
        assert_eq!(
            crate::exit::one_line(&err),
            "节点不提供 GET /v1/policy 和 GET /v1/keys/{key}（版本过旧）：请先升级节点再批量记账"
        );
    }

    /// A key the node does not know is "not granted here" (the node's JSON
    /// 404), not an old node; a known key is named as the node says.
    #[test]
    fn an_unknown_key_is_no_grant_and_a_known_one_is_named() {
        let not_found = answer(
            404,
            r#"{"error":{"code":"not_found","message":"key 00 is not granted in this log"}}"#,
        );
        let f = from_answers(Some(&policy()), Some(&not_found)).unwrap();
        assert_eq!(f.grant, None);
        assert!(f.complete);
        let known = answer(
            200,
            r#"{"holder":"施河镇财政所 张*华","office_zh":"镇财政所","scope":{"regions":["320803106000"]}}"#,
        );
        let f = from_answers(Some(&policy()), Some(&known)).unwrap();
        let g = f.grant.unwrap();
        assert_eq!(label(&g), "施河镇财政所 张*华（镇财政所）");
        assert_eq!(g.regions, vec![RegionCode::parse("320803106000").unwrap()]);
    }

    /// A failed read (no answer, a 5xx) leaves the facts unknown: the node
    /// checks every row anyway.
    #[test]
    fn a_failed_read_leaves_the_facts_unknown() {
        let f = from_answers(None, None).unwrap();
        assert!(f.grant.is_none() && f.policy.is_none() && !f.complete);
        let f = from_answers(Some(&answer(503, "")), None).unwrap();
        assert!(f.grant.is_none() && f.policy.is_none() && !f.complete);
    }
}
