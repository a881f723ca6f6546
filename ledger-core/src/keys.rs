//! Operator keys: who may sign what.

use crate::encoding::Bytes;
use crate::entry::EntryKind;
use crate::ids::Text;
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

/// An Ed25519 public key (32 bytes; hex in JSON).
pub type PublicKey = Bytes<32>;
/// An Ed25519 signature (64 bytes; hex in JSON).
pub type SignatureBytes = Bytes<64>;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Grants and revokes keys, registers regions, sets the co-signature policy.
    Admin,
    /// Posts money entries and projects within its scope.
    Operator,
    /// Reads and witnesses; may not sign entries that change the books.
    Auditor,
}

impl Role {
    /// The entry kinds a role may ever sign (further narrowed by the grant's scope).
    pub fn may_sign(self, kind: EntryKind) -> bool {
        match self {
            Role::Admin => kind.is_admin(),
            Role::Operator => !kind.is_admin(),
            Role::Auditor => false,
        }
    }
}

labelled_enum! {
    /// The office that holds a key (五签字: each step is signed by the
    /// responsible level). The co-signature policy names offices that must
    /// sign (`CosignRule::roles`), so a rule checks who signed, not only how
    /// many. An admin key's office is `Admin`; an auditor-role key's is
    /// `Auditor` or `DisciplineInspector`; an operator's is one of the others.
    Office {
        /// 系统管理员: grants keys, registers regions, sets the policy.
        Admin => "admin", "系统管理员";
        /// 村委会: the village committee (village cadres).
        VillageCommittee => "village_committee", "村委会";
        /// 镇扶贫办: the town poverty-alleviation office.
        TownPovertyOffice => "town_poverty_office", "镇扶贫办";
        /// 镇财政所: the town finance station.
        TownFinance => "town_finance", "镇财政所";
        /// 区扶贫办: the district poverty-alleviation office.
        DistrictPovertyOffice => "district_poverty_office", "区扶贫办";
        /// 区财政局: the district finance bureau.
        DistrictFinance => "district_finance", "区财政局";
        /// 区行业主管部门: a district department (housing, education, …).
        DistrictDepartment => "district_department", "区行业主管部门";
        /// 区分管领导: the district leader in charge.
        DistrictLeader => "district_leader", "区分管领导";
        /// 纪检监察: the discipline inspector (resolves objections).
        DisciplineInspector => "discipline_inspector", "纪检监察";
        /// 审计: the audit bureau.
        Auditor => "auditor", "审计";
    }
}

impl Office {
    /// May a key of `role` be held by this office?
    pub fn fits_role(self, role: Role) -> bool {
        match role {
            Role::Admin => self == Office::Admin,
            Role::Auditor => matches!(self, Office::Auditor | Office::DisciplineInspector),
            Role::Operator => !matches!(self, Office::Admin | Office::Auditor),
        }
    }
}

/// Where and what a key may sign. A region covers its whole subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Regions the key may act for (each covers its descendants). At least one.
    pub regions: Vec<RegionCode>,
    /// Entry kinds the key may sign. At least one.
    pub kinds: Vec<EntryKind>,
}

/// Most regions or kinds in one scope.
pub const MAX_SCOPE_ITEMS: usize = 64;

impl Scope {
    /// Does this scope allow `kind` in `region`?
    pub fn allows(&self, kind: EntryKind, region: RegionCode) -> bool {
        self.kinds.contains(&kind) && self.regions.iter().any(|r| r.covers(region))
    }
}

/// A grant of signing rights to a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGrant {
    /// The Ed25519 public key.
    pub key: PublicKey,
    /// Who holds it, e.g. `区财政局 王*明`.
    pub holder: Text,
    /// Admin, operator or auditor.
    pub role: Role,
    /// The office that holds it ([`Office::fits_role`]).
    pub office: Office,
    /// Regions and kinds.
    pub scope: Scope,
    /// First instant (Unix ms) at which entries signed by the key are accepted.
    pub valid_from_ms: u64,
    /// Last instant (Unix ms) at which entries signed by the key are accepted.
    pub valid_until_ms: u64,
}

/// Is this 32-byte string a usable, non-weak Ed25519 key? ZIP-215
/// verification accepts small-order keys (under which many signatures verify
/// for any message), so weak keys are refused when granted.
pub fn is_strong_key(key: &PublicKey) -> bool {
    match ed25519_dalek::VerifyingKey::from_bytes(key.as_bytes()) {
        Ok(vk) => !vk.is_weak(),
        Err(_) => false,
    }
}

/// The message the outgoing log key signs to endorse a rotation:
/// `DOMAIN_LOG_ROTATION ‖ origin ‖ 0x00 ‖ new_vkey`.
pub fn rotation_message(origin: &str, new_vkey: &str) -> Vec<u8> {
    let mut message = crate::encoding::DOMAIN_LOG_ROTATION.to_vec();
    message.extend_from_slice(origin.as_bytes());
    message.push(0);
    message.extend_from_slice(new_vkey.as_bytes());
    message
}

/// Endorse a rotation to `new_vkey` with the outgoing log key.
pub fn endorse_rotation(outgoing: &ed25519_dalek::SigningKey, origin: &str, new_vkey: &str) -> SignatureBytes {
    use ed25519_dalek::Signer as _;
    Bytes(outgoing.sign(&rotation_message(origin, new_vkey)).to_bytes())
}

/// Why a log-key rotation does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    /// The endorsement is not the outgoing key's signature on the rotation.
    #[error(
        "the rotation is not endorsed by the outgoing log key (ledger-node prepare-rotation prints the endorsement)"
    )]
    NotEndorsed,
    /// The new key is not a usable signed-note key of this log.
    #[error("the new log key must be an Ed25519 signed-note key named after the origin")]
    BadNewKey,
}

/// Does the rotation from `outgoing_vkey` to `new_vkey` hold: is
/// `endorsement` the outgoing key's (strict) signature on
/// [`rotation_message`], and is the new key an Ed25519 signed-note key named
/// after `origin`? The one check behind the `LogKeyRotate` rule (replay,
/// `ledger verify`) and `ledger prove` following rotations from a pinned key.
pub fn check_rotation(
    origin: &str,
    outgoing_vkey: &str,
    new_vkey: &str,
    endorsement: &SignatureBytes,
) -> Result<(), RotationError> {
    let endorsed = parse_verifier_key(outgoing_vkey).ok().is_some_and(|(_, key)| {
        let signature = ed25519_dalek::Signature::from_bytes(endorsement.as_bytes());
        key.verify_strict(&rotation_message(origin, new_vkey), &signature)
            .is_ok()
    });
    if !endorsed {
        return Err(RotationError::NotEndorsed);
    }
    if new_vkey.split('+').next() != Some(origin) || crate::checkpoint::LogVerifier::from_vkey(new_vkey).is_err() {
        return Err(RotationError::BadNewKey);
    }
    Ok(())
}

/// Why a key file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    /// Not `PRIVATE+KEY+<name>+<hex id>+<base64>`.
    #[error("not a signed-note private key (PRIVATE+KEY+name+id+base64)")]
    Format,
    /// The id does not match the key.
    #[error("key id does not match the key")]
    Id,
    /// Not an Ed25519 key.
    #[error("only Ed25519 keys are supported")]
    Algorithm,
}

/// Signed-note algorithm byte for Ed25519.
const ALG_ED25519: u8 = 0x01;

/// A key file's text: the C2SP signed-note private key form
/// `PRIVATE+KEY+<name>+<8 hex id>+<base64(0x01 ‖ 32-byte seed)>`, one line.
pub fn format_signing_key(name: &str, key: &ed25519_dalek::SigningKey) -> String {
    use base64::Engine as _;
    let public = [&[ALG_ED25519][..], key.verifying_key().as_bytes()].concat();
    let private = [&[ALG_ED25519][..], key.as_bytes()].concat();
    format!(
        "PRIVATE+KEY+{name}+{:08x}+{}\n",
        signed_note::key_id(name, &public),
        base64::engine::general_purpose::STANDARD.encode(private)
    )
}

/// Parse [`format_signing_key`]'s text; returns the name and the key.
pub fn parse_signing_key(text: &str) -> Result<(String, ed25519_dalek::SigningKey), KeyFileError> {
    use base64::Engine as _;
    let text = text.trim();
    let mut parts = text.splitn(5, '+');
    let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id), Some(b64)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(KeyFileError::Format);
    };
    if name.is_empty() || id.len() != 8 {
        return Err(KeyFileError::Format);
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| KeyFileError::Format)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| KeyFileError::Format)?;
    let (alg, seed) = raw.split_first().ok_or(KeyFileError::Format)?;
    if *alg != ALG_ED25519 {
        return Err(KeyFileError::Algorithm);
    }
    let seed: [u8; 32] = seed.try_into().map_err(|_| KeyFileError::Format)?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = [&[ALG_ED25519][..], key.verifying_key().as_bytes()].concat();
    if signed_note::key_id(name, &public) != id {
        return Err(KeyFileError::Id);
    }
    Ok((name.to_string(), key))
}

/// The signed-note verifier key `name+id+base64(0x01 ‖ pubkey)`.
pub fn verifier_key_string(name: &str, key: &ed25519_dalek::VerifyingKey) -> String {
    signed_note::new_ed25519_verifier_key(name, key)
}

/// Parse a verifier key string into its name and Ed25519 key.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, ed25519_dalek::VerifyingKey), KeyFileError> {
    use base64::Engine as _;
    let mut parts = vkey.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyFileError::Format);
    };
    let id = u32::from_str_radix(id, 16).map_err(|_| KeyFileError::Format)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| KeyFileError::Format)?;
    if signed_note::key_id(name, &raw) != id {
        return Err(KeyFileError::Id);
    }
    let (alg, key) = raw.split_first().ok_or(KeyFileError::Format)?;
    if *alg != ALG_ED25519 {
        return Err(KeyFileError::Algorithm);
    }
    let key: [u8; 32] = key.try_into().map_err(|_| KeyFileError::Format)?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| KeyFileError::Format)?;
    Ok((name.to_string(), key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trip_and_tamper() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let text = format_signing_key("op-1", &key);
        let parsed = parse_signing_key(&text);
        assert_eq!(
            parsed.as_ref().map(|(n, k)| (n.as_str(), k.to_bytes())),
            Ok(("op-1", [9; 32]))
        );
        let renamed = text.replace("op-1", "op-2");
        assert_eq!(parse_signing_key(&renamed).map(|_| ()), Err(KeyFileError::Id));
        assert_eq!(parse_signing_key("hello").map(|_| ()), Err(KeyFileError::Format));
        let vkey = verifier_key_string("op-1", &key.verifying_key());
        assert_eq!(parse_verifier_key(&vkey).map(|(_, k)| k), Ok(key.verifying_key()));
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point (small order) encodes as 0x01 followed by zeros.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(!is_strong_key(&Bytes(identity)));
        let good = ed25519_dalek::SigningKey::from_bytes(&[3; 32])
            .verifying_key()
            .to_bytes();
        assert!(is_strong_key(&Bytes(good)));
    }
}
