//! The genesis entry: the log's origin, first keys, regions and policy.

use crate::keys::Role;
use crate::region::{RegionCode, RegionLevel, RegionTable};
use crate::submission::VerifiedSubmission;
use std::collections::HashMap;

use super::authorization::check_grant_shape;
use super::{Effects, KeyRecord, LedgerState, RuleError, MAX_ITEMS_PER_ENTRY};

impl LedgerState {
    pub(super) fn apply_genesis(
        &mut self,
        seq: u64,
        time_ms: u64,
        verified: &VerifiedSubmission,
        genesis: &crate::entry::Genesis,
    ) -> Result<Effects, RuleError> {
        let origin = &verified.submission().origin;
        if origin.is_empty() || origin.len() > 128 || origin.contains(char::is_whitespace) || origin.contains('+') {
            return Err(RuleError::Genesis(
                "origin must be 1-128 characters without spaces or '+'".into(),
            ));
        }
        if genesis.log_vkey.split('+').next() != Some(origin.as_str())
            || crate::checkpoint::LogVerifier::from_vkey(&genesis.log_vkey).is_err()
        {
            return Err(RuleError::Genesis(
                "the log key must be an Ed25519 signed-note key named after the origin".into(),
            ));
        }
        if genesis.grants.len() > MAX_ITEMS_PER_ENTRY || genesis.regions.len() > crate::region::MAX_REGIONS {
            return Err(RuleError::Genesis("too many grants or regions".into()));
        }
        let mut regions = RegionTable::new();
        regions.register(&genesis.regions)?;
        if !regions.iter().any(|(c, _)| c.level() == RegionLevel::District) {
            return Err(RuleError::Genesis("the region table needs a district".into()));
        }
        let mut keys = HashMap::new();
        for grant in &genesis.grants {
            check_grant_shape(grant, &regions)?;
            if keys
                .insert(
                    grant.key,
                    KeyRecord {
                        grant: grant.clone(),
                        granted_seq: seq,
                        revoked_seq: None,
                    },
                )
                .is_some()
            {
                return Err(RuleError::DuplicateKey(grant.key));
            }
        }
        genesis.policy.check().map_err(|e| RuleError::Genesis(e.to_string()))?;
        // Genesis is self-signed: every signer must be an admin it grants.
        for signer in verified.signers() {
            match keys.get(signer) {
                Some(rec) if rec.grant.role == Role::Admin => {
                    if time_ms < rec.grant.valid_from_ms || time_ms > rec.grant.valid_until_ms {
                        return Err(RuleError::KeyNotValid(*signer));
                    }
                }
                Some(_) => {
                    return Err(RuleError::OutOfScope {
                        key: *signer,
                        kind: "genesis",
                        region: first_district(&regions)?,
                    })
                }
                None => return Err(RuleError::UnknownKey(*signer)),
            }
        }
        let submission = verified.submission();
        self.origin = Some(origin.clone());
        self.regions = regions;
        self.keys = keys;
        self.policy = genesis.policy.clone();
        self.pseudonym_commitment = Some(genesis.pseudonym_commitment);
        self.log_vkeys = vec![(0, genesis.log_vkey.clone())];
        self.nonces.insert(submission.nonce, seq);
        self.next_seq += 1;
        let district = first_district(&self.regions)?;
        Ok(Effects {
            regions: vec![district],
            ..Effects::default()
        })
    }
}

pub(super) fn first_district(regions: &RegionTable) -> Result<RegionCode, RuleError> {
    regions
        .iter()
        .map(|(c, _)| c)
        .find(|c| c.level() == RegionLevel::District)
        .ok_or_else(|| RuleError::Genesis("no district registered".into()))
}
