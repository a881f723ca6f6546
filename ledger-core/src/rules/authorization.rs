//! Who may sign what: signer role, scope and validity, the co-signature
//! policy, and the shape of key grants and co-signature rules.

use crate::amount::Fen;
use crate::entry::EntryKind;
use crate::ids::Date;
use crate::keys::PublicKey;
use crate::keys::{is_strong_key, KeyGrant, Role, MAX_SCOPE_ITEMS};
use crate::region::{RegionCode, RegionTable};
use crate::submission::VerifiedSubmission;

use super::genesis::first_district;
use super::{LedgerState, RuleError};

impl LedgerState {
    /// Count distinct signers that are granted, unrevoked, valid now, and
    /// whose role and scope allow `kind` in every region concerned. Any signer
    /// that fails is an error: a submission carries no decorative signatures.
    pub(super) fn check_signers(
        &self,
        seq: u64,
        time_ms: u64,
        kind: EntryKind,
        regions: &[RegionCode],
        verified: &VerifiedSubmission,
    ) -> Result<u8, RuleError> {
        let mut count: u8 = 0;
        for signer in verified.signers() {
            let rec = self.keys.get(signer).ok_or(RuleError::UnknownKey(*signer))?;
            if let Some(revoked_seq) = rec.revoked_seq {
                if revoked_seq < seq {
                    return Err(RuleError::RevokedKey {
                        key: *signer,
                        revoked_seq,
                    });
                }
            }
            if time_ms < rec.grant.valid_from_ms || time_ms > rec.grant.valid_until_ms {
                return Err(RuleError::KeyNotValid(*signer));
            }
            if !rec.grant.role.may_sign(kind) {
                // Only on this error path: finding the district scans the table.
                let region = match regions.first() {
                    Some(r) => *r,
                    None => first_district(&self.regions)?,
                };
                return Err(RuleError::OutOfScope {
                    key: *signer,
                    kind: kind.name(),
                    region,
                });
            }
            for region in regions {
                if !rec.grant.scope.allows(kind, *region) {
                    return Err(RuleError::OutOfScope {
                        key: *signer,
                        kind: kind.name(),
                        region: *region,
                    });
                }
            }
            count = count.saturating_add(1);
        }
        Ok(count)
    }

    /// Signatures the policy requires for this kind and amount (at least 1).
    pub fn required_signatures(&self, kind: EntryKind, amount: Option<Fen>) -> u8 {
        crate::entry::required_signatures(&self.policy.cosign_rules, kind, amount)
    }

    /// 五签字: every office the policy names for this kind and amount must
    /// be among the (already authorised) signers. Entries dated before the
    /// policy's `enforced_from.roles` are history: only the count applies.
    pub(super) fn check_roles(
        &self,
        kind: EntryKind,
        amount: Option<Fen>,
        date: Option<Date>,
        signers: &[PublicKey],
    ) -> Result<(), RuleError> {
        if date.is_some_and(|d| d < self.policy.enforced_from.roles) {
            return Ok(());
        }
        self.roles_signed(kind, amount, signers)
    }

    /// Does every office the policy names for `kind` and `amount` sign?
    pub(super) fn roles_signed(
        &self,
        kind: EntryKind,
        amount: Option<Fen>,
        signers: &[PublicKey],
    ) -> Result<(), RuleError> {
        for office in crate::policy::required_roles(&self.policy.cosign_rules, kind, amount) {
            let signed = signers
                .iter()
                .any(|k| self.keys.get(k).is_some_and(|rec| rec.grant.office == office));
            if !signed {
                return Err(RuleError::MissingRole {
                    kind: kind.name(),
                    office: office.name(),
                    office_zh: office.label_zh(),
                });
            }
        }
        Ok(())
    }
}

pub(super) fn check_grant_shape(grant: &KeyGrant, regions: &RegionTable) -> Result<(), RuleError> {
    if !is_strong_key(&grant.key) {
        return Err(RuleError::WeakKey(grant.key));
    }
    if !grant.office.fits_role(grant.role) {
        return Err(RuleError::Malformed(format!(
            "a {:?} key may not be held by office {}",
            grant.role,
            grant.office.name()
        )));
    }
    let scope = &grant.scope;
    // An auditor's key is registered (so its witness cosignatures and
    // findings can be attributed to a granted holder) but signs no entry:
    // its scope lists regions and no kinds. Every other role needs kinds.
    let kinds_ok = match grant.role {
        Role::Auditor => scope.kinds.is_empty(),
        Role::Admin | Role::Operator => !scope.kinds.is_empty(),
    };
    if scope.regions.is_empty()
        || !kinds_ok
        || scope.regions.len() > MAX_SCOPE_ITEMS
        || scope.kinds.len() > MAX_SCOPE_ITEMS
    {
        return Err(RuleError::Malformed(format!(
            "a scope has 1-{MAX_SCOPE_ITEMS} regions and 1-{MAX_SCOPE_ITEMS} kinds (an auditor's has none)"
        )));
    }
    for region in &scope.regions {
        regions.require(*region)?;
    }
    if let Some(kind) = scope
        .kinds
        .iter()
        .find(|k| !grant.role.may_sign(**k) || **k == EntryKind::Genesis)
    {
        return Err(RuleError::Malformed(format!(
            "role {:?} may not be granted {}",
            grant.role,
            kind.name()
        )));
    }
    if grant.valid_until_ms <= grant.valid_from_ms {
        return Err(RuleError::Malformed("key validity ends before it starts".into()));
    }
    Ok(())
}
