//! The worked example, built from the code with fixed keys and times, and
//! the annotated dump of each encoded value (one line per field).

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use ledger_core::amount::Fen;
use ledger_core::bundle::{self, BundleHeader, BUNDLE_VERSION};
use ledger_core::chain::{entry_hash, ChainHead, SequencedEntry};
use ledger_core::checkpoint::LogSigner;
use ledger_core::encoding::{self, Bytes, DOMAIN_RECEIPT_BATCH};
use ledger_core::entry::{
    Account, CosignRule, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy,
    SubsidyCategory,
};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Ident, Period, Text};
use ledger_core::keys::{KeyGrant, Office, Role, Scope};
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::AssistanceCategory;
use ledger_core::receipt::{Receipt, ReceiptBatchHead, RECEIPT_VERSION};
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::{Submission, SUBMISSION_VERSION};
use serde_json::{json, Value};
use std::path::PathBuf;

pub(crate) const ORIGIN: &str = "huaian.sunshine-ledger.example/worked-example";
/// Key seeds: 32 times one letter, easy to type in any language.
pub(crate) const LOG_SEED: [u8; 32] = [b'L'; 32];
pub(crate) const ADMIN_SEED: [u8; 32] = [b'A'; 32];
pub(crate) const OPERATOR_SEED: [u8; 32] = [b'O'; 32];
pub(crate) const PSEUDONYM_KEY: [u8; 32] = [b'P'; 32];
/// Entry i is sequenced at GENESIS_TIME_MS + 1000 i (2019-03-30 00:00 UTC).
pub(crate) const GENESIS_TIME_MS: u64 = 1_553_904_000_000;
pub(crate) const VALIDITY_MS: u64 = 86_400_000;
pub(crate) const RESIDENT_ID_BODY: &str = "32080319560312004";
pub(crate) const FULL_NAME: &str = "张小三";

pub(crate) fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

pub(crate) fn must<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn text(s: &str) -> Text {
    must(Text::new(s))
}

pub(crate) fn region(c: u64) -> RegionCode {
    must(RegionCode::new(c))
}

pub(crate) fn resident_id() -> String {
    let mut body = [0u8; 17];
    body.copy_from_slice(RESIDENT_ID_BODY.as_bytes());
    format!("{RESIDENT_ID_BODY}{}", ledger_core::household::check_char(&body))
}

/// An annotated hex dump: each field's bytes and what they are.
pub(crate) type Dump = Vec<(Vec<u8>, String)>;

/// Everything the worked example computes, in the shapes the test checks.
pub(crate) struct Example {
    pub(crate) json: Value,
    pub(crate) entries: Vec<Vec<u8>>,
    pub(crate) checkpoint: String,
    /// (name, annotated dump lines) for FORMAT.md.
    pub(crate) dumps: Vec<(&'static str, Dump)>,
}

pub(crate) fn build() -> Example {
    let log_key = SigningKey::from_bytes(&LOG_SEED);
    let admin = SigningKey::from_bytes(&ADMIN_SEED);
    let operator = SigningKey::from_bytes(&OPERATOR_SEED);
    let pseudonym = PseudonymKey::from_bytes(PSEUDONYM_KEY);
    let signer = must(LogSigner::new(ORIGIN, log_key.clone()));
    let log_vkey = signer.verifier_key();
    let district = region(320_803_000_000);
    let village = region(320_803_106_203);
    let grant = |key: &SigningKey, holder: &str, role: Role, office: Office, kinds: Vec<EntryKind>| KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        holder: text(holder),
        role,
        office,
        scope: Scope {
            regions: vec![district],
            kinds,
        },
        valid_from_ms: 1_546_272_000_000,
        valid_until_ms: 4_102_415_999_999,
    };
    let genesis = EntryBody::Genesis(Genesis {
        title: text("淮安区阳光扶贫资金账本（格式示例）"),
        grants: vec![
            grant(
                &admin,
                "淮安区财政局 管理员",
                Role::Admin,
                Office::Admin,
                vec![EntryKind::KeyGrant, EntryKind::KeyRevoke, EntryKind::LogKeyRotate],
            ),
            grant(
                &operator,
                "淮安区财政局农业科 经办人",
                Role::Operator,
                Office::DistrictFinance,
                vec![
                    EntryKind::FundIssue,
                    EntryKind::Transfer,
                    EntryKind::HouseholdSubsidy,
                    EntryKind::Reversal,
                ],
            ),
        ],
        regions: vec![
            RegionDef {
                code: district,
                name: "淮安区".into(),
            },
            RegionDef {
                code: region(320_803_106_000),
                name: "施河镇".into(),
            },
            RegionDef {
                code: village,
                name: "施庄村委会".into(),
            },
        ],
        // The controls are enforced from 2019-07-01: the example's
        // subsidy (March 2019) is history, paid without a payment list.
        policy: Policy {
            cosign_rules: vec![CosignRule {
                kind: EntryKind::FundIssue,
                min_amount: must(Fen::new(100_000_000)),
                signatures: 2,
                roles: vec![Office::DistrictFinance, Office::DistrictLeader],
            }],
            publicity_days: PublicityDays::DEFAULT,
            categories: vec![CategoryRule {
                category: AssistanceCategory::MinimumLiving,
                subsidies: vec![SubsidyCategory::MinimumLiving],
                ends_with_exit: false,
            }],
            confirmation_days: 30,
            enforced_from: ControlDates {
                registration: must(Date::new(20190701)),
                payment_list: must(Date::new(20190701)),
                roles: must(Date::new(20190701)),
                confirmation: must(Date::new(20190701)),
                projects: must(Date::new(20190701)),
                duplicates: must(Date::new(20190701)),
            },
            retention_bp: 500,
            fund_limits: FundLimits::DEFAULT,
        },
        pseudonym_commitment: pseudonym.commitment(),
        log_vkey: log_vkey.clone(),
    });
    let fund = must(Ident::new("F2019-SCN-012"));
    let issue = EntryBody::FundIssue(FundIssue {
        fund: fund.clone(),
        title: text("2019年省级财政专项扶贫资金"),
        document_no: text("苏财农〔2019〕12号"),
        source: FundSource::Provincial,
        category: FundCategory::SpecialPoverty,
        fiscal_year: 2019,
        to: Account::Treasury(district),
        amount: must(Fen::new(10_000_000)),
        date: must(Date::new(20190325)),
    });
    let id = resident_id();
    let household = pseudonym.household_ref(&must(ResidentId::parse(&id)));
    let masked = must(MaskedName::mask(FULL_NAME));
    let subsidy = EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund,
        from: Account::Treasury(district),
        household,
        masked_name: masked.clone(),
        village,
        category: SubsidyCategory::MinimumLiving,
        period: must(Period::new(2019, 3)),
        amount: must(Fen::new(48_000)),
        date: must(Date::new(20190329)),
        notice: None,
        supplementary: None,
    });

    let mut head = ChainHead::EMPTY;
    let mut entries = Vec::new();
    let mut entry_json = Vec::new();
    let mut dumps = Vec::new();
    let mut last = None;
    for (i, (body, key)) in [(genesis, &admin), (issue, &operator), (subsidy, &operator)]
        .into_iter()
        .enumerate()
    {
        let time_ms = GENESIS_TIME_MS + 1_000 * i as u64;
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: ORIGIN.to_string(),
            nonce: Bytes([i as u8 + 1; 16]),
            not_after_ms: time_ms + VALIDITY_MS,
            body,
        };
        let signed = submission.clone().sign(&[key]);
        let entry = head.next_entry(signed.clone(), time_ms);
        let bytes = entry.encode();
        let hash = entry_hash(&bytes);
        head = ChainHead {
            size: head.size + 1,
            last_hash: hash,
            last_time_ms: time_ms,
        };
        let leaf = leaf_hash(&bytes);
        entry_json.push(json!({
            "seq": i,
            "kind": signed.submission.body.kind().name(),
            "time_ms": time_ms,
            "submission_hex": hex::encode(submission.encode()),
            "signing_message_hex": hex::encode(submission.signing_message()),
            "signer_public_key": hex::encode(key.verifying_key().to_bytes()),
            "signature": hex::encode(signed.signatures[0].signature.0),
            "signed_submission_hex": hex::encode(signed.encode()),
            "submission_id": signed.id().to_hex(),
            "entry_hex": hex::encode(&bytes),
            "entry_hash": hash.to_hex(),
            "leaf_hash": hex::encode(leaf.0),
        }));
        if i == 2 {
            dumps.push(("entry-2", annotate_entry(&entry)));
            last = Some((signed, hash, leaf, time_ms));
        }
        entries.push(bytes);
    }
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaves(&leaves);
    let root = tree.root();
    let node_01 = ledger_core::merkle::interior_hash(&leaves[0], &leaves[1]);
    let checkpoint = signer.sign_checkpoint(3, &root);
    let checkpoint_text = checkpoint.as_text().to_string();

    let Some((signed, hash, leaf, time_ms)) = last else {
        panic!("three entries")
    };
    let receipt = Receipt::new(ORIGIN, 2, signed.id(), hash, leaf, time_ms);
    let receipt_bytes = encoding::encode(&receipt);
    let signed_receipt = receipt.clone().sign(&log_key);
    // A batch of one: the batch root is the receipt's own leaf.
    let batch_head = ReceiptBatchHead {
        v: RECEIPT_VERSION,
        origin: ORIGIN.to_string(),
        size: 1,
        root: Bytes(receipt.batch_leaf().0),
    };
    let batch_head_bytes = encoding::encode(&batch_head);
    dumps.push(("receipt", annotate_receipt(&receipt)));

    let header = BundleHeader {
        v: BUNDLE_VERSION,
        origin: ORIGIN.to_string(),
        log_vkey: log_vkey.clone(),
        checkpoint: checkpoint_text.clone(),
        entry_count: 3,
    };
    let mut bundle_bytes = bundle::encode_header(&header);
    for e in &entries {
        bundle_bytes.extend(bundle::encode_record(e));
    }

    let json = json!({
        "description": "Worked example of docs/FORMAT.md: a three-entry log (genesis, a fund issue, a household subsidy), its tree, checkpoint, a receipt and the bundle. Regenerate with UPDATE_VECTORS=1 cargo test -p ledger-core --test format_vectors.",
        "inputs": {
            "origin": ORIGIN,
            "log_key_seed": hex::encode(LOG_SEED),
            "admin_key_seed": hex::encode(ADMIN_SEED),
            "operator_key_seed": hex::encode(OPERATOR_SEED),
            "pseudonym_key": hex::encode(PSEUDONYM_KEY),
            "resident_id": id,
            "full_name": FULL_NAME,
            "nonces": "entry i has the nonce of 16 bytes equal to i + 1",
            "times": "entry i is sequenced at 1553904000000 + 1000 i ms and is valid until 86400000 ms later",
        },
        "keys": {
            "log_public_key": hex::encode(log_key.verifying_key().to_bytes()),
            "log_vkey": log_vkey,
            "log_key_id": format!("{:08x}", signer.key_id()),
            "admin_public_key": hex::encode(admin.verifying_key().to_bytes()),
            "operator_public_key": hex::encode(operator.verifying_key().to_bytes()),
            "pseudonym_commitment": pseudonym.commitment().to_hex(),
        },
        "household": {
            "normalised_id_hex": hex::encode(id.as_bytes()),
            "household_ref": household.0.to_hex(),
            "masked_name": masked.as_str(),
            "masked_name_hex": hex::encode(masked.as_str().as_bytes()),
        },
        "entries": entry_json,
        "tree": {
            "size": 3,
            "node_0_1": hex::encode(node_01.0),
            "root": hex::encode(root.0),
            "root_base64": base64::engine::general_purpose::STANDARD.encode(root.0),
        },
        "checkpoint": {
            "body": checkpoint_text.split("\n\n").next().map(|b| format!("{b}\n")),
            "note": checkpoint_text,
        },
        "receipt": {
            "receipt_hex": hex::encode(&receipt_bytes),
            "batch_leaf_hex": hex::encode(receipt.batch_leaf().0),
            "batch_head_hex": hex::encode(&batch_head_bytes),
            "message_hex": hex::encode(encoding::with_domain(DOMAIN_RECEIPT_BATCH, &batch_head_bytes)),
            "signature": signed_receipt.signature.to_hex(),
            "signed_receipt_hex": hex::encode(encoding::encode(&signed_receipt)),
        },
        "bundle_hex": hex::encode(&bundle_bytes),
    });
    Example {
        json,
        entries,
        checkpoint: checkpoint_text,
        dumps,
    }
}

/// One line per field: its bytes and what they are. The encoding of a
/// struct is the concatenation of its fields' encodings, so each field is
/// encoded on its own; the test checks the lines add up to the whole.
pub(crate) fn annotate_entry(entry: &SequencedEntry) -> Dump {
    let s = &entry.signed.submission;
    let mut out: Vec<(Vec<u8>, String)> = vec![
        (encoding::encode(&entry.v), format!("SequencedEntry.v = {}", entry.v)),
        (encoding::encode(&entry.seq), format!("seq = {} (varint)", entry.seq)),
        (
            encoding::encode(&entry.time_ms),
            format!("time_ms = {} (varint)", entry.time_ms),
        ),
        (
            encoding::encode(&entry.prev_hash),
            "prev_hash (32 raw bytes: blake3 entry hash of entry 1)".into(),
        ),
        (encoding::encode(&s.v), format!("signed.submission.v = {}", s.v)),
        (
            encoding::encode(&s.origin),
            format!("origin: varint length {} + UTF-8", s.origin.len()),
        ),
        (encoding::encode(&s.nonce), "nonce (16 raw bytes)".into()),
        (
            encoding::encode(&s.not_after_ms),
            format!("not_after_ms = {} (varint)", s.not_after_ms),
        ),
    ];
    if let EntryBody::HouseholdSubsidy(h) = &s.body {
        out.push((vec![9], "EntryBody variant 9 = HouseholdSubsidy".into()));
        out.push((
            encoding::encode(&h.fund),
            format!("fund: length {} + \"{}\"", h.fund.as_str().len(), h.fund),
        ));
        out.push((vec![0], "from: Account variant 0 = Treasury".into()));
        if let Account::Treasury(code) = &h.from {
            out.push((encoding::encode(code), format!("  region code {code} (varint)")));
        }
        out.push((
            encoding::encode(&h.household),
            "household reference (32 raw bytes)".into(),
        ));
        out.push((
            encoding::encode(&h.masked_name),
            format!("masked_name: length + \"{}\"", h.masked_name),
        ));
        out.push((encoding::encode(&h.village), format!("village {} (varint)", h.village)));
        out.push((
            encoding::encode(&h.category),
            format!("category: SubsidyCategory {} = {}", 5, h.category.name()),
        ));
        out.push((
            encoding::encode(&h.period.year),
            format!("period.year = {} (varint)", h.period.year),
        ));
        out.push((
            encoding::encode(&h.period.month),
            format!("period.month = {} (one byte)", h.period.month),
        ));
        out.push((
            encoding::encode(&h.amount),
            format!("amount = {} fen (varint)", h.amount.get()),
        ));
        out.push((
            encoding::encode(&h.date),
            format!("date = {} (varint of YYYYMMDD)", h.date.get()),
        ));
        out.push((
            encoding::encode(&h.notice),
            "notice: Option none (history before enforced_from.payment_list)".into(),
        ));
        out.push((
            encoding::encode(&h.supplementary),
            "supplementary: Option none (a first payment, format 3)".into(),
        ));
    }
    let sigs = &entry.signed.signatures;
    out.push((
        encoding::encode(&(sigs.len() as u64)),
        format!("signatures: count {}", sigs.len()),
    ));
    for sig in sigs {
        out.push((encoding::encode(&sig.key), "  key (32 raw bytes)".into()));
        out.push((encoding::encode(&sig.signature), "  signature (64 raw bytes)".into()));
    }
    out
}

pub(crate) fn annotate_receipt(r: &Receipt) -> Dump {
    vec![
        (encoding::encode(&r.v), "Receipt.v = 2".into()),
        (encoding::encode(&r.origin), "origin: varint length + UTF-8".into()),
        (encoding::encode(&r.seq), format!("seq = {}", r.seq)),
        (
            encoding::encode(&r.submission_id),
            "submission_id (32 raw bytes)".into(),
        ),
        (encoding::encode(&r.entry_hash), "entry_hash (32 raw bytes)".into()),
        (encoding::encode(&r.leaf_hash), "leaf_hash (32 raw bytes)".into()),
        (
            encoding::encode(&r.time_ms),
            format!("time_ms = {} (varint)", r.time_ms),
        ),
    ]
}
