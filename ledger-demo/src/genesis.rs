//! Genesis: the entry that founds a log (title, regions, first admin grants,
//! co-signature policy, pseudonym-key commitment, log key), and the demo's
//! co-signature policy ([`demo_cosign_rules`]).

use crate::error::{err, fen, text, DemoError};
use crate::YUAN;
use ed25519_dalek::SigningKey;
use ledger_core::amount::Fen;
use ledger_core::checkpoint::LogSigner;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{CosignRule, EntryBody, EntryKind, Genesis};
use ledger_core::household::PseudonymKey;
use ledger_core::ids::Date;
use ledger_core::keys::KeyGrant;
use ledger_core::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use ledger_core::region::RegionDef;
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};

/// The explicit parts of a genesis entry.
#[derive(Debug, Clone)]
pub struct GenesisParts<'a> {
    /// The log's origin (signed-note key name).
    pub origin: &'a str,
    /// Human title.
    pub title: &'a str,
    /// The region table, parents first.
    pub regions: Vec<RegionDef>,
    /// The first grants (at least one admin).
    pub grants: Vec<KeyGrant>,
    /// The co-signature policy.
    pub cosign_rules: Vec<CosignRule>,
    /// The pseudonym key (only its commitment is published).
    pub pseudonym_key: &'a PseudonymKey,
    /// The log's checkpoint key (only its verifier key is published).
    pub log_key: &'a SigningKey,
    /// The submission's nonce.
    pub nonce: [u8; 16],
    /// The submission's not-after time (Unix ms).
    pub not_after_ms: u64,
}

/// Build and sign a genesis submission from explicit parts. `signers` must be
/// admin keys granted in `parts.grants` (genesis is self-signed).
pub fn genesis_submission(parts: &GenesisParts<'_>, signers: &[&SigningKey]) -> Result<SignedSubmission, DemoError> {
    let log_vkey = LogSigner::new(parts.origin, parts.log_key.clone())
        .map_err(err)?
        .verifier_key();
    let body = EntryBody::Genesis(Genesis {
        title: text(parts.title)?,
        grants: parts.grants.clone(),
        regions: parts.regions.clone(),
        policy: demo_policy(parts.cosign_rules.clone()),
        pseudonym_commitment: parts.pseudonym_key.commitment(),
        log_vkey,
    });
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: parts.origin.to_string(),
        nonce: Bytes(parts.nonce),
        not_after_ms: parts.not_after_ms,
        body,
    };
    Ok(submission.sign(signers))
}

/// The demo's policy around its co-signature rules: the policy's 7-day
/// windows and categories, a 30-day confirmation deadline; the controls are
/// not enforced yet (`Date::LAST`) until the demo posts the whole procedure.
pub fn demo_policy(cosign_rules: Vec<CosignRule>) -> Policy {
    use ledger_core::entry::SubsidyCategory as S;
    use ledger_core::procedure::AssistanceCategory as A;
    let rule = |category, subsidies: &[S], ends_with_exit| CategoryRule {
        category,
        subsidies: subsidies.to_vec(),
        ends_with_exit,
    };
    Policy {
        cosign_rules,
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![
            rule(A::MinimumLiving, &[S::MinimumLiving, S::MedicalInsurance], false),
            rule(
                A::ExtremePoverty,
                &[S::MinimumLiving, S::MedicalInsurance, S::Pension, S::Other],
                false,
            ),
            rule(
                A::RegisteredLowIncome,
                &[
                    S::HousingRenovation,
                    S::Education,
                    S::MedicalInsurance,
                    S::Employment,
                    S::Pension,
                    S::IndustrySupport,
                    S::Other,
                ],
                true,
            ),
        ],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: Date::LAST,
            payment_list: Date::LAST,
            roles: Date::LAST,
            confirmation: Date::LAST,
            projects: Date::LAST,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

/// The demo's co-signature policy ("五签五核" in small):
/// a fund issue of 1,000,000 元 or more, a transfer of 5,000,000 元 or more
/// and a project payment of 500,000 元 or more need two signatures; every
/// reversal needs two (a correction is where money is most easily hidden);
/// every key grant needs two admins, while a revocation needs one, so that a
/// compromised key can be cut off at once.
pub fn demo_cosign_rules() -> Result<Vec<CosignRule>, DemoError> {
    Ok(vec![
        CosignRule {
            kind: EntryKind::FundIssue,
            min_amount: fen(1_000_000 * YUAN)?,
            signatures: 2,
            roles: Vec::new(),
        },
        CosignRule {
            kind: EntryKind::Transfer,
            min_amount: fen(5_000_000 * YUAN)?,
            signatures: 2,
            roles: Vec::new(),
        },
        CosignRule {
            kind: EntryKind::ProjectDisbursement,
            min_amount: fen(500_000 * YUAN)?,
            signatures: 2,
            roles: Vec::new(),
        },
        CosignRule {
            kind: EntryKind::Reversal,
            min_amount: Fen::ZERO,
            signatures: 2,
            roles: Vec::new(),
        },
        CosignRule {
            kind: EntryKind::KeyGrant,
            min_amount: Fen::ZERO,
            signatures: 2,
            roles: Vec::new(),
        },
    ])
}
