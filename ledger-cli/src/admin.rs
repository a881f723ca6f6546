//! Keys and the log's own rules: `keygen`, `grant`, `revoke`,
//! `rotate-log-key`, `genesis`, and the multi-party helpers `cosign` and
//! `submit`.

use crate::exit::{input, usage, Tag as _};
use crate::keys::{self, parse_public_key, read_signing_keys};
use crate::messages::admin::AdminMsg;
use crate::messages::flags::FlagMsg;
use crate::messages::Message as _;
use crate::submit::{self, not_after, random_nonce, send_one, SignArgs, Target};
use crate::time;
use anyhow::Result;
use clap::Args;
use ed25519_dalek::{Signer as _, SigningKey};
use ledger_core::amount::Fen;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{CosignRule, EntryBody, EntryKind, Genesis, SubsidyCategory};
use ledger_core::household::PseudonymKey;
use ledger_core::ids::{Date, Text};
use ledger_core::keys::{format_signing_key, parse_verifier_key, verifier_key_string, KeyGrant, Office, Role, Scope};
use ledger_core::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::AssistanceCategory;
use ledger_core::region::{parse_division_list, RegionCode, RegionLevel};
use ledger_core::submission::EntrySignature;
use std::path::PathBuf;

/// `ledger keygen`.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Where to write the new key (refuses to overwrite; mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Key name (signed-note key name: no spaces or '+'); default: the file name.
    #[arg(long)]
    pub name: Option<String>,
    /// Write a pseudonym key (32 random bytes, hex) for household references
    /// instead, and print its genesis commitment.
    #[arg(long, conflicts_with = "witness")]
    pub pseudonym: bool,
    /// Print the witness (cosignature, type 0x04) verifier key instead of the
    /// signing verifier key.
    #[arg(long)]
    pub witness: bool,
}

/// Make a key file; print the verifier key on standard output.
pub fn keygen(args: &KeygenArgs, quiet: bool) -> Result<()> {
    if args.pseudonym {
        let mut bytes = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
        keys::write_secret(&args.out, &format!("{}\n", hex::encode(bytes)))?;
        let key = PseudonymKey::from_bytes(bytes);
        println!("{}", key.commitment());
        crate::progress::note(
            quiet,
            &AdminMsg::WrotePseudonym {
                key: args.out.display().to_string(),
            }
            .text(),
        );
        return Ok(());
    }
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args
            .out
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("key")
            .to_string(),
    };
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') || name.len() > 255 {
        return Err(usage(AdminMsg::BadKeyName { name }.text()));
    }
    // The verifier key also goes to NAME.vkey beside the key (README and
    // docs/CLI.md pass it as `--grantee "$(cat NAME.vkey)"`). Checked before
    // the secret is written, so a refusal leaves neither file behind.
    let vkey_path = keys::vkey_path(&args.out);
    if vkey_path.exists() {
        return Err(input(
            AdminMsg::VkeyExists {
                file: vkey_path.display().to_string(),
            }
            .text(),
        ));
    }
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let vkey = if args.witness {
        ledger_core::checkpoint::WitnessSigner::new(&name, key.clone())
            .usage_err("--name")?
            .verifier_key()
    } else {
        verifier_key_string(&name, &key.verifying_key())
    };
    keys::write_secret(&args.out, &format_signing_key(&name, &key))?;
    keys::write_public(&vkey_path, &format!("{vkey}\n"))?;
    println!("{vkey}");
    crate::progress::note(
        quiet,
        &AdminMsg::WroteKey {
            key: args.out.display().to_string(),
            vkey: vkey_path.display().to_string(),
            public_hex: hex::encode(key.verifying_key().to_bytes()),
        }
        .text(),
    );
    Ok(())
}

fn parse_kinds(text: &[String]) -> Result<Vec<EntryKind>> {
    let mut kinds = Vec::new();
    for item in text.iter().flat_map(|t| t.split(',')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let kind = EntryKind::from_name(item).ok_or_else(|| {
            usage(
                AdminMsg::UnknownKind {
                    given: item.to_string(),
                    all: EntryKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "),
                }
                .text(),
            )
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

fn parse_role(text: &str) -> Result<Role> {
    match text.trim() {
        "admin" | "管理员" => Ok(Role::Admin),
        "operator" | "经办" | "经办人" => Ok(Role::Operator),
        "auditor" | "审计" => Ok(Role::Auditor),
        other => Err(usage(
            AdminMsg::BadRole {
                given: other.to_string(),
            }
            .text(),
        )),
    }
}

/// An office by snake_case name or Chinese label (`town_finance`, `镇财政所`).
pub fn parse_office(text: &str, what: &str) -> Result<Office> {
    Office::parse(text).ok_or_else(|| {
        usage(
            AdminMsg::NotAnOffice {
                what: what.to_string(),
                given: text.to_string(),
                all: Office::ALL
                    .iter()
                    .map(|o| format!("{}/{}", o.name(), o.label_zh()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .text(),
        )
    })
}

/// The office of a grant: `--office`, or for admin and auditor keys the
/// one office their role allows (an operator's office must be named: it
/// decides which co-signature roles the key fills).
fn grant_office(office: Option<&str>, role: Role) -> Result<Office> {
    let office = match (office, role) {
        (Some(text), _) => parse_office(text, "--office")?,
        (None, Role::Admin) => Office::Admin,
        (None, Role::Auditor) => Office::Auditor,
        (None, Role::Operator) => return Err(usage(AdminMsg::OperatorNeedsOffice.text())),
    };
    if !office.fits_role(role) {
        return Err(usage(
            AdminMsg::OfficeRole {
                office: office.name().to_string(),
                label: office.label_zh().to_string(),
                role: format!("{role:?}").to_lowercase(),
            }
            .text(),
        ));
    }
    Ok(office)
}

/// The kinds a role gets when `--kinds` is not given.
fn default_kinds(role: Role) -> Vec<EntryKind> {
    EntryKind::ALL
        .into_iter()
        .filter(|k| *k != EntryKind::Genesis && role.may_sign(*k))
        .collect()
}

/// `ledger grant`.
#[derive(Debug, Clone, Args)]
pub struct GrantArgs {
    /// Signing and posting.
    #[command(flatten)]
    pub sign: SignArgs,
    /// The key to grant: verifier key (as `ledger keygen` prints), 64 hex digits, or a key file.
    #[arg(long, value_name = "KEY")]
    pub grantee: String,
    /// Who holds it, e.g. "施河镇财政所 张*华".
    #[arg(long)]
    pub holder: String,
    /// admin, operator or auditor.
    #[arg(long)]
    pub role: String,
    /// 岗位: the office holding the key (五签字), e.g. town_finance or 镇财政所
    /// (required for operators; admin and auditor keys default to admin/auditor).
    #[arg(long)]
    pub office: Option<String>,
    /// Region code the key may act for (covers its subtree); repeat.
    #[arg(long = "region", required = true, value_name = "CODE")]
    pub regions: Vec<String>,
    /// Entry kinds, comma-separated (default: every kind the role may sign).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// First valid time (default now).
    #[arg(long, value_name = "TIME")]
    pub valid_from: Option<String>,
    /// Last valid time (default five years after --valid-from).
    #[arg(long, value_name = "TIME")]
    pub key_valid_until: Option<String>,
}

/// Build and send a `KeyGrant`.
pub fn grant(args: &GrantArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let key = parse_public_key(&args.grantee)?;
    let role = parse_role(&args.role)?;
    let office = grant_office(args.office.as_deref(), role)?;
    let regions: Vec<RegionCode> = args
        .regions
        .iter()
        .map(|r| RegionCode::parse(r).usage_err("--region"))
        .collect::<Result<_>>()?;
    let kinds = if args.kinds.is_empty() {
        default_kinds(role)
    } else {
        parse_kinds(&args.kinds)?
    };
    let now = time::now_ms();
    let valid_from = match &args.valid_from {
        Some(t) => time::parse_time(t).usage_err("--valid-from")?,
        None => now,
    };
    let valid_until = match &args.key_valid_until {
        Some(t) => time::parse_until(t).usage_err("--key-valid-until")?,
        None => valid_from.saturating_add(5 * 365 * time::DAY_MS),
    };
    let grant = KeyGrant {
        key,
        holder: Text::new(&args.holder).usage_err("--holder")?,
        role,
        office,
        scope: Scope { regions, kinds },
        valid_from_ms: valid_from,
        valid_until_ms: valid_until,
    };
    post_body(&args.sign, EntryBody::KeyGrant(grant), timeout_s, quiet)
}

/// `ledger revoke`.
#[derive(Debug, Clone, Args)]
pub struct RevokeArgs {
    /// Signing and posting.
    #[command(flatten)]
    pub sign: SignArgs,
    /// The key to revoke (verifier key, hex, or key file).
    #[arg(long, value_name = "KEY")]
    pub revoked: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
}

/// Build and send a `KeyRevoke`.
pub fn revoke(args: &RevokeArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let body = EntryBody::KeyRevoke {
        key: parse_public_key(&args.revoked)?,
        reason: Text::new(&args.reason).usage_err("--reason")?,
    };
    post_body(&args.sign, body, timeout_s, quiet)
}

/// `ledger policy-update`.
#[derive(Debug, Clone, Args)]
pub struct PolicyUpdateArgs {
    /// Signing and posting (the admins the policy's rule for policy_update needs).
    #[command(flatten)]
    pub sign: SignArgs,
    /// The new policy, whole, as JSON (the form `genesis --policy` takes).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// Project-library settings changed on top of the file.
    #[command(flatten)]
    pub projects: crate::policy_flags::ProjectPolicyArgs,
}

/// Build and send a `PolicyUpdate`: the policy replaced whole. Checked
/// here first, so a malformed one is a usage error naming the problem.
pub fn policy_update(args: &PolicyUpdateArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let text = keys::read_small(&args.policy, 1024 * 1024)?;
    let mut policy = serde_json::from_str::<Policy>(&text).input_err(
        AdminMsg::NotAPolicy {
            file: args.policy.display().to_string(),
        }
        .text(),
    )?;
    args.projects.apply(&mut policy)?;
    policy.check().usage_err("the policy")?;
    post_body(&args.sign, EntryBody::PolicyUpdate { policy }, timeout_s, quiet)
}

/// `ledger rotate-log-key`.
#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// Signing and posting.
    #[command(flatten)]
    pub sign: SignArgs,
    /// The new log verifier key (as `ledger-node prepare-rotation` prints).
    #[arg(long, value_name = "VKEY")]
    pub vkey: String,
    /// Why (scheduled rotation, suspected compromise, …).
    #[arg(long, default_value = "scheduled rotation")]
    pub reason: String,
    /// The outgoing log key's endorsement of the new key (128 hex digits, as
    /// `ledger-node prepare-rotation` prints): admins alone cannot rotate.
    #[arg(long, value_name = "HEX")]
    pub endorsement: String,
}

/// Build and send a `LogKeyRotate`.
pub fn rotate(args: &RotateArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let vkey = keys::vkey_arg(&args.vkey)?;
    parse_verifier_key(&vkey).usage_err("--vkey")?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&args.endorsement)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .usage_err("--endorsement")?;
    let mut target = Target::resolve(&args.sign, timeout_s)?;
    // The rotation's own receipt is signed by the key it installs (the node
    // signs each entry's receipt with the key in force after it). Accept that
    // key for the receipt once the key in force endorses it — the same check
    // replay applies to the entry — so a successful rotation does not end in
    // a receipt error.
    // (A wrong endorsement is left for the node to refuse, as before.)
    let endorsed = target
        .log_vkeys
        .iter()
        .any(|current| ledger_core::keys::check_rotation(&target.origin, current, &vkey, &endorsement).is_ok());
    if endorsed {
        target.log_vkeys.push(vkey.clone());
    }
    let body = EntryBody::LogKeyRotate {
        log_vkey: vkey,
        reason: Text::new(&args.reason).usage_err("--reason")?,
        endorsement,
    };
    post_body_to(&args.sign, &target, body, quiet)
}

/// Sign a body with a fresh random nonce and send it (or write it).
pub fn post_body(args: &SignArgs, body: EntryBody, timeout_s: u64, quiet: bool) -> Result<()> {
    let target = Target::resolve(args, timeout_s)?;
    post_body_to(args, &target, body, quiet)
}

/// [`post_body`] to an already resolved target.
fn post_body_to(args: &SignArgs, target: &Target, body: EntryBody, quiet: bool) -> Result<()> {
    let keys = read_signing_keys(&args.keys)?;
    let now = time::now_ms();
    let not_after_ms = not_after(args.valid_until.as_deref(), submit::DEFAULT_VALIDITY_MS, now)?;
    let signed = submit::sign(&target.origin, random_nonce(), not_after_ms, body, &keys);
    send_one(args, target, signed, quiet)
}

/// `ledger genesis`.
#[derive(Debug, Clone, Args)]
pub struct GenesisArgs {
    /// Admin key files that sign genesis (each becomes an admin); repeat.
    #[arg(long = "key", required = true, value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Further admin keys (verifier key, hex or key file) that do not sign now.
    #[arg(long = "admin", value_name = "KEY")]
    pub admins: Vec<String>,
    /// The log's origin (its checkpoint key name).
    #[arg(long)]
    pub origin: String,
    /// Title, e.g. 淮安区阳光扶贫资金账本.
    #[arg(long)]
    pub title: String,
    /// Region list: one `CODE NAME` per line (the division list format).
    #[arg(long, value_name = "FILE")]
    pub regions: PathBuf,
    /// The log's verifier key (as `ledger-node --origin` logs it).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: String,
    /// The pseudonym key file (see `ledger keygen --pseudonym`); only its commitment goes in.
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: PathBuf,
    /// Co-signature rule KIND:MIN_YUAN:SIGNATURES[:OFFICE+OFFICE…], e.g.
    /// transfer:5000000:2:district_finance+district_leader or
    /// household_subsidy:0:2:镇扶贫办+镇财政所; repeat.
    #[arg(long = "cosign-rule", value_name = "RULE", conflicts_with = "policy")]
    pub cosign_rules: Vec<String>,
    /// The whole policy as JSON (ledger_core::policy::Policy: cosign_rules,
    /// publicity_days, categories, confirmation_days, enforced_from), instead
    /// of --cosign-rule and the defaults.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Business date from which every control (registration, payment list,
    /// roles, confirmation, projects) is enforced, YYYY-MM-DD; earlier entries
    /// load as history and `ledger audit` reports them. Default: the genesis
    /// day (China time). Ignored with --policy (the file states its dates).
    #[arg(long, value_name = "DATE", conflicts_with = "policy")]
    pub enforced_from: Option<String>,
    /// Project-library settings (on top of the defaults or the --policy file).
    #[command(flatten)]
    pub projects: crate::policy_flags::ProjectPolicyArgs,
    /// Admin keys' last valid time (default 10 years from now).
    #[arg(long, value_name = "TIME")]
    pub key_valid_until: Option<String>,
    /// Post to this node (an empty log).
    #[arg(long, value_name = "URL")]
    pub node: Option<String>,
    /// Write the signed genesis submission to FILE instead.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_cosign_rule(text: &str) -> Result<CosignRule> {
    let parts: Vec<&str> = text.split(':').collect();
    let (kind, min, n, roles) = match parts.as_slice() {
        [kind, min, n] => (kind, min, n, None),
        [kind, min, n, roles] => (kind, min, n, Some(*roles)),
        _ => {
            return Err(usage(
                FlagMsg::CosignRuleForm {
                    value: text.to_string(),
                }
                .text(),
            ))
        }
    };
    let kind = EntryKind::from_name(kind.trim())
        .ok_or_else(|| usage(FlagMsg::CosignRuleKind { kind: kind.to_string() }.text()))?;
    let min_amount = if min.trim() == "0" {
        Fen::ZERO
    } else {
        Fen::parse_yuan(min).usage_err(FlagMsg::CosignRuleAmount.text())?
    };
    let signatures: u8 = n.trim().parse().usage_err(FlagMsg::CosignRuleSignatures.text())?;
    if !(1..=8).contains(&signatures) {
        return Err(usage(FlagMsg::CosignRuleRange.text()));
    }
    let mut offices = Vec::new();
    for name in roles.into_iter().flat_map(|r| r.split('+')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let office = parse_office(name, "--cosign-rule office")?;
        if offices.contains(&office) {
            return Err(usage(
                FlagMsg::CosignRuleOfficeTwice {
                    value: text.to_string(),
                    office: office.name().to_string(),
                }
                .text(),
            ));
        }
        offices.push(office);
    }
    if offices.len() > usize::from(signatures) {
        return Err(usage(
            FlagMsg::CosignRuleTooManyOffices {
                value: text.to_string(),
                offices: offices.len(),
                signatures,
            }
            .text(),
        ));
    }
    Ok(CosignRule {
        kind,
        min_amount,
        signatures,
        roles: offices,
    })
}

/// The policy's default assistance categories (the 2019 Huai'an policy):
/// 低保 pays the minimum living allowance; 建档立卡低收入户 pays the
/// targeted subsidies and ends with a poverty exit; 特困供养 pays the
/// living allowance, medical insurance and other support.
pub fn default_categories() -> Vec<CategoryRule> {
    use SubsidyCategory as S;
    vec![
        CategoryRule {
            category: AssistanceCategory::MinimumLiving,
            subsidies: vec![S::MinimumLiving],
            ends_with_exit: false,
        },
        CategoryRule {
            category: AssistanceCategory::RegisteredLowIncome,
            subsidies: vec![
                S::Education,
                S::HousingRenovation,
                S::MedicalInsurance,
                S::Employment,
                S::IndustrySupport,
                S::Pension,
                S::Other,
            ],
            ends_with_exit: true,
        },
        CategoryRule {
            category: AssistanceCategory::ExtremePoverty,
            subsidies: vec![S::MinimumLiving, S::MedicalInsurance, S::Other],
            ends_with_exit: false,
        },
    ]
}

/// The default policy: the given co-signature rules, 7-day windows, the
/// default categories, 30 days to confirm, every control (the project
/// library's too) from `enforced`, no retention share, the default fund time
/// limits (30 days at each treasury, 90 in a project account).
pub fn default_policy(cosign_rules: Vec<CosignRule>, enforced: Date) -> Policy {
    Policy {
        cosign_rules,
        publicity_days: PublicityDays::DEFAULT,
        categories: default_categories(),
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: enforced,
            payment_list: enforced,
            roles: enforced,
            confirmation: enforced,
            projects: enforced,
            duplicates: enforced,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

/// The genesis policy: the `--policy` file, or the defaults with
/// `--cosign-rule` and `--enforced-from`. Checked here so a bad policy is
/// a usage error naming the problem rather than a refusal by the node.
fn genesis_policy(args: &GenesisArgs, now_ms: u64) -> Result<Policy> {
    let mut policy = match &args.policy {
        Some(path) => {
            let text = keys::read_small(path, 1024 * 1024)?;
            serde_json::from_str::<Policy>(&text).input_err(
                AdminMsg::NotAPolicy {
                    file: path.display().to_string(),
                }
                .text(),
            )?
        }
        None => {
            let rules = args
                .cosign_rules
                .iter()
                .map(|r| parse_cosign_rule(r))
                .collect::<Result<Vec<_>>>()?;
            let enforced = match &args.enforced_from {
                Some(d) => crate::post::parse::date(d, "--enforced-from").map_err(usage)?,
                None => Date::in_china_at(now_ms).ok_or_else(|| usage("the clock is outside 2000-2099"))?,
            };
            default_policy(rules, enforced)
        }
    };
    args.projects.apply(&mut policy)?;
    policy.check().usage_err("the policy")?;
    Ok(policy)
}

/// Build a genesis entry and post or write it.
pub fn genesis(args: &GenesisArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let signers = read_signing_keys(&args.keys)?;
    let text = keys::read_small(&args.regions, 4 * 1024 * 1024)?;
    let regions = parse_division_list(&text)
        .map_err(|(line, e)| input(format!("{} line {line}: {e}", args.regions.display())))?;
    let district = regions
        .iter()
        .find(|r| r.code.level() == RegionLevel::District)
        .map(|r| r.code)
        .ok_or_else(|| {
            input(format!(
                "{} has no district (a code ending in 000000)",
                args.regions.display()
            ))
        })?;
    let log_vkey = keys::vkey_arg(&args.log_vkey)?;
    let (log_name, _) = parse_verifier_key(&log_vkey).usage_err("--log-vkey")?;
    if log_name != args.origin {
        return Err(usage(format!(
            "the log key is named {log_name:?}; it must be named after the origin {:?}",
            args.origin
        )));
    }
    let pseudonym = keys::read_pseudonym_key(&args.pseudonym_key)?;
    let now = time::now_ms();
    let valid_until = match &args.key_valid_until {
        Some(t) => time::parse_until(t).usage_err("--key-valid-until")?,
        None => now.saturating_add(10 * 365 * time::DAY_MS),
    };
    let admin_kinds = default_kinds(Role::Admin);
    let mut grants: Vec<KeyGrant> = Vec::new();
    let mut add = |key: Bytes<32>, holder: &str| -> Result<()> {
        if grants.iter().any(|g| g.key == key) {
            return Ok(());
        }
        grants.push(KeyGrant {
            key,
            holder: Text::new(holder).usage_err("admin holder")?,
            role: Role::Admin,
            office: Office::Admin,
            scope: Scope {
                regions: vec![district],
                kinds: admin_kinds.clone(),
            },
            valid_from_ms: now.saturating_sub(time::DAY_MS),
            valid_until_ms: valid_until,
        });
        Ok(())
    };
    for (name, key) in &signers {
        add(Bytes(key.verifying_key().to_bytes()), name)?;
    }
    for admin in &args.admins {
        let key = parse_public_key(admin)?;
        let holder = parse_verifier_key(admin.trim())
            .map(|(n, _)| n)
            .unwrap_or_else(|_| format!("admin {}", &key.to_hex()[..8]));
        add(key, &holder)?;
    }
    let policy = genesis_policy(args, now)?;
    let body = EntryBody::Genesis(Genesis {
        title: Text::new(&args.title).usage_err("--title")?,
        grants,
        regions,
        policy,
        pseudonym_commitment: pseudonym.commitment(),
        log_vkey,
    });
    let sign_args = SignArgs {
        keys: args.keys.clone(),
        node: args.node.clone(),
        origin: Some(args.origin.clone()),
        valid_until: None,
        out: args.out.clone(),
        receipts: None,
        log_key: Some(args.log_vkey.clone()),
    };
    if args.node.is_none() && args.out.is_none() {
        return Err(usage(AdminMsg::GenesisNodeOrOut.text()));
    }
    let node = match &args.node {
        Some(url) => Some(crate::http::Node::new(url, timeout_s)?),
        None => None,
    };
    let target = Target {
        node,
        origin: args.origin.clone(),
        log_vkeys: vec![sign_args.log_key.clone().unwrap_or_default()],
    };
    let not_after_ms = not_after(None, submit::DEFAULT_VALIDITY_MS, now)?;
    let signed = submit::sign(&args.origin, random_nonce(), not_after_ms, body, &signers);
    send_one(&sign_args, &target, signed, quiet)
}

/// `ledger cosign`.
#[derive(Debug, Clone, Args)]
pub struct CosignArgs {
    /// Signed submission(s), JSON lines (as `--out` writes).
    pub file: PathBuf,
    /// Key file to add a signature with; repeat.
    #[arg(long = "key", required = true, value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Where to write the co-signed submissions (default: replace FILE).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Add signatures to signed submissions (multi-party "five signatures").
pub fn cosign(args: &CosignArgs, quiet: bool) -> Result<()> {
    let keys = read_signing_keys(&args.keys)?;
    let mut all = submit::read_signed_file(&args.file)?;
    for signed in &mut all {
        let message = signed.submission.signing_message();
        for (_, key) in &keys {
            let public = Bytes(key.verifying_key().to_bytes());
            if signed.signatures.iter().any(|s| s.key == public) {
                continue;
            }
            if signed.signatures.len() >= ledger_core::submission::MAX_SIGNATURES {
                return Err(usage(AdminMsg::TooManySignatures.text()));
            }
            signed.signatures.push(EntrySignature {
                key: public,
                signature: Bytes(key.sign(&message).to_bytes()),
            });
        }
        signed.clone().verify().input_err(AdminMsg::BadSignatureInFile.text())?;
    }
    let out = args.out.clone().unwrap_or_else(|| args.file.clone());
    let lines: Vec<String> = all
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()
        .input_err("encoding")?;
    let tmp = out.with_extension("tmp-cosign");
    let cannot_write = |file: &std::path::Path| {
        AdminMsg::CannotWrite {
            file: file.display().to_string(),
        }
        .text()
    };
    std::fs::write(&tmp, lines.join("\n") + "\n").input_err(cannot_write(&tmp))?;
    std::fs::rename(&tmp, &out).input_err(cannot_write(&out))?;
    crate::progress::note(
        quiet,
        &AdminMsg::Cosigned {
            count: all.len(),
            out: out.display().to_string(),
        }
        .text(),
    );
    Ok(())
}

/// `ledger submit`.
#[derive(Debug, Clone, Args)]
pub struct SubmitArgs {
    /// Signed submission(s), JSON lines (as `--out` writes).
    pub file: PathBuf,
    /// The node.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: String,
    /// Append receipts to FILE.
    #[arg(long, value_name = "FILE")]
    pub receipts: Option<PathBuf>,
    /// The log's verifier key to check receipts against.
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
}

/// Send pre-signed submissions as they are (retries are idempotent).
pub fn submit_file(args: &SubmitArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let all = submit::read_signed_file(&args.file)?;
    let sign_args = SignArgs {
        keys: Vec::new(),
        node: Some(args.node.clone()),
        origin: None,
        valid_until: None,
        out: None,
        receipts: args.receipts.clone(),
        log_key: args.log_key.clone(),
    };
    let node = crate::http::Node::new(&args.node, timeout_s)?;
    let log = node.log();
    let target = match log {
        Ok(log) => {
            let mut vkeys: Vec<String> = match &args.log_key {
                Some(k) => vec![keys::vkey_arg(k)?],
                None => std::iter::once(log.log_vkey.clone())
                    .chain(log.log_keys.iter().map(|k| k.vkey.clone()))
                    .collect(),
            };
            vkeys.dedup();
            Target {
                node: Some(node),
                origin: log.origin.clone(),
                log_vkeys: vkeys,
            }
        }
        // An empty log (no genesis yet): the submission must be a genesis; take its origin.
        Err(_) => {
            let origin = all.first().map(|s| s.submission.origin.clone()).unwrap_or_default();
            let vkeys = match (&args.log_key, all.first().map(|s| &s.submission.body)) {
                (Some(k), _) => vec![keys::vkey_arg(k)?],
                (None, Some(EntryBody::Genesis(g))) => vec![g.log_vkey.clone()],
                _ => Vec::new(),
            };
            Target {
                node: Some(node),
                origin,
                log_vkeys: vkeys,
            }
        }
    };
    for signed in all {
        send_one(&sign_args, &target, signed, quiet)?;
    }
    Ok(())
}
