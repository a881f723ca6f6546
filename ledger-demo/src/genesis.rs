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
use ledger_core::keys::{KeyGrant, Office};
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
/// windows and categories, a 30-day confirmation deadline, and every
/// household control enforced from [`CONTROLS_FROM`] (2019-03-01): the
/// demo's January and February 2019 payments are history imported from
/// before the ledger, accepted with history warnings; the project library's
/// payment rules from [`crate::PROJECTS_FROM`] (2019-07-01) with a 5 %
/// retention ([`RETENTION_BP`]); the default fund time limits.
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
            registration: controls_from(),
            payment_list: controls_from(),
            roles: controls_from(),
            confirmation: controls_from(),
            // The project library's payment rules from 1 July 2019: three
            // projects' earlier payments broke them (history the audit flags).
            projects: Date::new(crate::PROJECTS_FROM).unwrap_or(Date::LAST),
            // A household paid twice for one category and period is refused
            // from the same day (issue 14): the February 2019 duplicate
            // (`corrections`) stays history the audit reports.
            duplicates: controls_from(),
        },
        // 质保金: 5 % of a project's budget waits for its acceptance.
        retention_bp: RETENTION_BP,
        // 资金滞留: 30 days at each treasury, 90 in a project account.
        fund_limits: FundLimits::DEFAULT,
    }
}

/// The demo policy's retention share (质保金): 5 % of a project's approved
/// budget, paid only after its acceptance.
pub const RETENTION_BP: u16 = 500;

/// The first business date on which the demo policy's controls apply
/// (2019-03-01, when the district's implementing opinions took effect).
pub const CONTROLS_FROM: u32 = 20190301;

fn controls_from() -> Date {
    Date::new(CONTROLS_FROM).unwrap_or(Date::LAST)
}

/// The demo's co-signature policy (五签字 in small), with the offices that
/// must sign:
/// - a fund issue of 1,000,000 元 or more and a transfer of 5,000,000 元 or
///   more: two signatures, the district finance bureau (区财政局) and the
///   district leader in charge (区分管领导);
/// - a project payment of 500,000 元 or more: two, the town finance station
///   (财政所) and the district poverty-alleviation office (区扶贫办);
/// - every household subsidy: two, the town poverty-alleviation office
///   (镇扶贫办) and the town finance station;
/// - every registration (建档立卡) and exit: the town poverty-alleviation office;
/// - every project approval and adjustment (批复, 调整): two, the district
///   poverty-alleviation office and the district finance bureau; every
///   acceptance (竣工验收): two, the town poverty-alleviation office and the
///   town finance station;
/// - every objection decision: the discipline inspector (纪检监察);
/// - every confirmation (确认): the village committee (村委会);
/// - every reversal: two signatures (a correction is where money is most
///   easily hidden); every key grant: two admins, while a revocation needs
///   one, so that a compromised key can be cut off at once.
pub fn demo_cosign_rules() -> Result<Vec<CosignRule>, DemoError> {
    let rule = |kind, min_amount, signatures, roles: &[Office]| CosignRule {
        kind,
        min_amount,
        signatures,
        roles: roles.to_vec(),
    };
    let district_pair = [Office::DistrictFinance, Office::DistrictLeader];
    Ok(vec![
        rule(EntryKind::FundIssue, fen(1_000_000 * YUAN)?, 2, &district_pair),
        rule(EntryKind::Transfer, fen(5_000_000 * YUAN)?, 2, &district_pair),
        rule(
            EntryKind::ProjectDisbursement,
            fen(500_000 * YUAN)?,
            2,
            &[Office::TownFinance, Office::DistrictPovertyOffice],
        ),
        rule(
            EntryKind::HouseholdSubsidy,
            Fen::ZERO,
            2,
            &[Office::TownPovertyOffice, Office::TownFinance],
        ),
        rule(
            EntryKind::ProjectApprove,
            Fen::ZERO,
            2,
            &[Office::DistrictPovertyOffice, Office::DistrictFinance],
        ),
        rule(
            EntryKind::ProjectAdjust,
            Fen::ZERO,
            2,
            &[Office::DistrictPovertyOffice, Office::DistrictFinance],
        ),
        rule(
            EntryKind::ProjectAccept,
            Fen::ZERO,
            2,
            &[Office::TownPovertyOffice, Office::TownFinance],
        ),
        rule(EntryKind::HouseholdRegister, Fen::ZERO, 1, &[Office::TownPovertyOffice]),
        rule(EntryKind::HouseholdExit, Fen::ZERO, 1, &[Office::TownPovertyOffice]),
        rule(
            EntryKind::ObjectionResolve,
            Fen::ZERO,
            1,
            &[Office::DisciplineInspector],
        ),
        rule(EntryKind::PaymentConfirm, Fen::ZERO, 1, &[Office::VillageCommittee]),
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
