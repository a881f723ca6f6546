//! The byte-level format's worked example (`docs/FORMAT.md` §12): every value
//! in `fixtures/vectors/worked-example.json` is recomputed here from the
//! code, re-derived independently from the specification where it is a hash
//! or a signature (sha2, blake3, ed25519 called directly), and every hex
//! value the document quotes must come from the JSON, so neither can drift.
//!
//! Regenerate after an intended format change:
//! `UPDATE_VECTORS=1 cargo test -p ledger-core --test format_vectors`
//! (it rewrites the JSON and prints the annotated dumps to paste into
//! FORMAT.md).
//!
//! One file on purpose (issue 18): one worked example, every value of it
//! checked against the one JSON file.

use base64::Engine as _;
use ed25519_dalek::{Signature, SigningKey, Verifier as _};
use ledger_core::amount::Fen;
use ledger_core::bundle::{self, BundleHeader, BUNDLE_VERSION};
use ledger_core::chain::{entry_hash, ChainHead, SequencedEntry};
use ledger_core::checkpoint::{LogSigner, LogVerifier};
use ledger_core::encoding::{
    self, Bytes, DOMAIN_ENTRY_HASH, DOMAIN_HOUSEHOLD, DOMAIN_RECEIPT, DOMAIN_RECEIPT_BATCH, DOMAIN_SUBMISSION,
};
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
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use ledger_core::verify::{verify_ledger, VerifyOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const ORIGIN: &str = "huaian.sunshine-ledger.example/worked-example";
/// Key seeds: 32 times one letter, easy to type in any language.
const LOG_SEED: [u8; 32] = [b'L'; 32];
const ADMIN_SEED: [u8; 32] = [b'A'; 32];
const OPERATOR_SEED: [u8; 32] = [b'O'; 32];
const PSEUDONYM_KEY: [u8; 32] = [b'P'; 32];
/// Entry i is sequenced at GENESIS_TIME_MS + 1000 i (2019-03-30 00:00 UTC).
const GENESIS_TIME_MS: u64 = 1_553_904_000_000;
const VALIDITY_MS: u64 = 86_400_000;
const RESIDENT_ID_BODY: &str = "32080319560312004";
const FULL_NAME: &str = "张小三";

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn must<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn text(s: &str) -> Text {
    must(Text::new(s))
}

fn region(c: u64) -> RegionCode {
    must(RegionCode::new(c))
}

fn resident_id() -> String {
    let mut body = [0u8; 17];
    body.copy_from_slice(RESIDENT_ID_BODY.as_bytes());
    format!("{RESIDENT_ID_BODY}{}", ledger_core::household::check_char(&body))
}

/// An annotated hex dump: each field's bytes and what they are.
type Dump = Vec<(Vec<u8>, String)>;

/// Everything the worked example computes, in the shapes the test checks.
struct Example {
    json: Value,
    entries: Vec<Vec<u8>>,
    checkpoint: String,
    /// (name, annotated dump lines) for FORMAT.md.
    dumps: Vec<(&'static str, Dump)>,
}

fn build() -> Example {
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
fn annotate_entry(entry: &SequencedEntry) -> Dump {
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

fn annotate_receipt(r: &Receipt) -> Dump {
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

fn render_dump(name: &str, lines: &[(Vec<u8>, String)]) -> String {
    let mut out = format!("```hex {name}\n");
    for (bytes, comment) in lines {
        // At most 32 bytes a line, so the document stays readable.
        let chunks: Vec<&[u8]> = bytes.chunks(32).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            if i == 0 {
                out.push_str(&format!("{}  ; {comment}\n", hex.join(" ")));
            } else {
                out.push_str(&format!("{}\n", hex.join(" ")));
            }
        }
    }
    out.push_str("```\n");
    out
}

fn string_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| string_values(x, out)),
        Value::Object(o) => o.values().for_each(|x| string_values(x, out)),
        _ => {}
    }
}

#[test]
fn worked_example_matches_the_vectors_file_and_the_document() {
    let example = build();
    let file = path("fixtures/vectors/worked-example.json");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        let pretty = must(serde_json::to_string_pretty(&example.json)) + "\n";
        must(std::fs::create_dir_all(path("fixtures/vectors")));
        must(std::fs::write(&file, pretty));
        for (name, lines) in &example.dumps {
            println!("{}", render_dump(name, lines));
        }
    }
    let stored: Value = must(serde_json::from_str(&must(std::fs::read_to_string(&file))));
    assert_eq!(
        stored, example.json,
        "fixtures/vectors/worked-example.json differs from what the code computes"
    );

    // The document: every hex value it quotes in the worked example comes
    // from the JSON, and each annotated dump adds up to the JSON's bytes.
    let doc = must(std::fs::read_to_string(path("docs/FORMAT.md")));
    let begin = doc
        .find("<!-- worked-example:begin -->")
        .unwrap_or_else(|| panic!("begin marker"));
    let end = doc
        .find("<!-- worked-example:end -->")
        .unwrap_or_else(|| panic!("end marker"));
    let section = &doc[begin..end];
    let mut values = Vec::new();
    string_values(&stored, &mut values);
    let mut quoted = 0;
    for token in section.split(|c: char| !c.is_ascii_hexdigit()) {
        if token.len() >= 16 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            quoted += 1;
            assert!(
                values.iter().any(|v| v.contains(token)),
                "FORMAT.md quotes {token}, which is not in the vectors"
            );
        }
    }
    assert!(quoted >= 8, "the worked example quotes its values ({quoted})");
    for (name, lines) in &example.dumps {
        let start = format!("```hex {name}\n");
        let at = section
            .find(&start)
            .unwrap_or_else(|| panic!("FORMAT.md has the {name} dump"));
        let block = &section[at + start.len()..];
        let block = &block[..block.find("```").unwrap_or_else(|| panic!("closed dump"))];
        let mut hex = String::new();
        for line in block.lines() {
            let data = line.split(';').next().unwrap_or("");
            hex.extend(data.split_whitespace().map(str::to_string));
        }
        let whole: Vec<u8> = lines.iter().flat_map(|(b, _)| b.clone()).collect();
        assert_eq!(hex, hex::encode(&whole), "the {name} dump in FORMAT.md is out of date");
    }
    let entry2 = stored["entries"][2]["entry_hex"].as_str().unwrap_or_default();
    let dumped: Vec<u8> = example.dumps[0].1.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(hex::encode(dumped), entry2, "the annotation covers the whole entry");
    let receipt = stored["receipt"]["receipt_hex"].as_str().unwrap_or_default();
    let dumped: Vec<u8> = example.dumps[1].1.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(hex::encode(dumped), receipt);
}

/// The hashes and signatures, recomputed from the specification with the
/// primitives alone (what an independent verifier would do).
#[test]
fn worked_example_follows_the_specification() {
    let example = build();
    let j = &example.json;
    let hex_of = |v: &Value| must(hex::decode(v.as_str().unwrap_or_default()));
    let sha256 = |parts: &[&[u8]]| -> Vec<u8> {
        let mut h = Sha256::new();
        parts.iter().for_each(|p| h.update(p));
        h.finalize().to_vec()
    };
    let mut prev = vec![0u8; 32];
    let mut leaves = Vec::new();
    for e in must(j["entries"].as_array().ok_or("entries")) {
        let submission = hex_of(&e["submission_hex"]);
        let message = hex_of(&e["signing_message_hex"]);
        assert_eq!(message, [DOMAIN_SUBMISSION, submission.as_slice()].concat());
        assert_eq!(DOMAIN_SUBMISSION, b"SunshineLedger/v1/submission\0");
        // Ed25519 over the message.
        let key = must(ed25519_dalek::VerifyingKey::from_bytes(&must(
            <[u8; 32]>::try_from(hex_of(&e["signer_public_key"])).map_err(|_| "32 bytes"),
        )));
        let sig = Signature::from_bytes(&must(<[u8; 64]>::try_from(hex_of(&e["signature"])).map_err(|_| "64")));
        assert!(key.verify_strict(&message, &sig).is_ok());
        assert!(key.verify(&message, &sig).is_ok());
        // Submission id: blake3(domain ‖ submission).
        let id = blake3::hash(&[b"SunshineLedger/v1/submission-id\0".as_slice(), &submission].concat());
        assert_eq!(hex::encode(id.as_bytes()), e["submission_id"]);
        // The entry embeds the signed submission after its 4 header fields.
        let entry = hex_of(&e["entry_hex"]);
        let signed = hex_of(&e["signed_submission_hex"]);
        assert!(entry.ends_with(&signed));
        assert!(signed.starts_with(&submission));
        assert_eq!(
            entry[entry.len() - signed.len() - 32..entry.len() - signed.len()],
            prev[..]
        );
        // Chain hash and leaf hash.
        let chain = blake3::hash(&[DOMAIN_ENTRY_HASH, entry.as_slice()].concat());
        assert_eq!(DOMAIN_ENTRY_HASH, b"SunshineLedger/v1/entry\0");
        assert_eq!(hex::encode(chain.as_bytes()), e["entry_hash"]);
        let leaf = sha256(&[&[0x00], &entry]);
        assert_eq!(hex::encode(&leaf), e["leaf_hash"]);
        prev = chain.as_bytes().to_vec();
        leaves.push(leaf);
        // And the code decodes it canonically.
        assert!(SequencedEntry::decode(&entry).is_ok());
        assert!(SignedSubmission::decode(&signed).is_ok());
    }
    // RFC 6962: root(3) = H(0x01 ‖ H(0x01 ‖ l0 ‖ l1) ‖ l2).
    let node = sha256(&[&[0x01], &leaves[0], &leaves[1]]);
    assert_eq!(hex::encode(&node), j["tree"]["node_0_1"]);
    let root = sha256(&[&[0x01], &node, &leaves[2]]);
    assert_eq!(hex::encode(&root), j["tree"]["root"]);

    // Household reference: blake3 keyed with the pseudonym key.
    let id = j["inputs"]["resident_id"].as_str().unwrap_or_default();
    let mut keyed = blake3::Hasher::new_keyed(&PSEUDONYM_KEY);
    keyed.update(DOMAIN_HOUSEHOLD);
    keyed.update(id.as_bytes());
    assert_eq!(
        hex::encode(keyed.finalize().as_bytes()),
        j["household"]["household_ref"]
    );
    assert!(
        ResidentId::parse(id).is_ok(),
        "the example ID has a valid GB 11643 check character"
    );
    let commitment = blake3::hash(&[b"SunshineLedger/v1/pseudonym-commitment\0".as_slice(), &PSEUDONYM_KEY].concat());
    assert_eq!(hex::encode(commitment.as_bytes()), j["keys"]["pseudonym_commitment"]);

    // Checkpoint: a C2SP signed note; key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ pk)[..4].
    let log_pk = hex_of(&j["keys"]["log_public_key"]);
    let key_id = &sha256(&[ORIGIN.as_bytes(), b"\n", &[0x01], &log_pk])[..4];
    assert_eq!(hex::encode(key_id), j["keys"]["log_key_id"]);
    let b64 = base64::engine::general_purpose::STANDARD;
    let vkey = format!(
        "{ORIGIN}+{}+{}",
        hex::encode(key_id),
        b64.encode([&[0x01], log_pk.as_slice()].concat())
    );
    assert_eq!(vkey, j["keys"]["log_vkey"]);
    let body = format!("{ORIGIN}\n3\n{}\n", b64.encode(&root));
    assert_eq!(j["checkpoint"]["body"], body.as_str());
    let note = example.checkpoint.as_str();
    let sig_line = must(
        note.strip_prefix(&format!("{body}\n"))
            .ok_or("note = body, blank line, signatures"),
    );
    let blob = must(
        b64.decode(must(
            sig_line
                .strip_prefix(&format!("\u{2014} {ORIGIN} "))
                .and_then(|s| s.strip_suffix('\n'))
                .ok_or("line"),
        )),
    );
    assert_eq!(&blob[..4], key_id);
    let log_key = must(ed25519_dalek::VerifyingKey::from_bytes(&must(
        <[u8; 32]>::try_from(log_pk.clone()).map_err(|_| "32"),
    )));
    let sig = Signature::from_bytes(&must(<[u8; 64]>::try_from(&blob[4..]).map_err(|_| "64")));
    assert!(log_key.verify_strict(body.as_bytes(), &sig).is_ok());
    assert!(must(LogVerifier::from_vkey(&vkey))
        .verify_checkpoint(note.as_bytes())
        .is_ok());

    // Receipt (a batch of one): leaf = SHA-256(00 ‖ DOMAIN_RECEIPT ‖ receipt),
    // head = v 2 ‖ origin ‖ size 1 ‖ root (= that leaf), and the log key
    // signs DOMAIN_RECEIPT_BATCH ‖ head.
    let receipt_leaf = sha256(&[&[0x00], DOMAIN_RECEIPT, &hex_of(&j["receipt"]["receipt_hex"])]);
    assert_eq!(receipt_leaf, hex_of(&j["receipt"]["batch_leaf_hex"]));
    let head = [
        &[0x02][..],
        &[ORIGIN.len() as u8],
        ORIGIN.as_bytes(),
        &[0x01],
        receipt_leaf.as_slice(),
    ]
    .concat();
    assert_eq!(head, hex_of(&j["receipt"]["batch_head_hex"]));
    let message = hex_of(&j["receipt"]["message_hex"]);
    assert_eq!(message, [DOMAIN_RECEIPT_BATCH, head.as_slice()].concat());
    let sig = Signature::from_bytes(&must(
        <[u8; 64]>::try_from(hex_of(&j["receipt"]["signature"])).map_err(|_| "64"),
    ));
    assert!(log_key.verify_strict(&message, &sig).is_ok());

    // The whole example is a valid ledger, and the bundle parses back to it.
    let refs: Vec<&[u8]> = example.entries.iter().map(Vec::as_slice).collect();
    let report =
        must(verify_ledger(&refs, note.as_bytes(), &VerifyOptions::default(), &|_| {}).map_err(|f| f.to_string()));
    assert_eq!(report.entries, 3);
    let bundle_bytes = hex_of(&j["bundle_hex"]);
    let view = must(bundle::parse_bundle(&bundle_bytes));
    assert_eq!(view.entries, refs);
    assert_eq!(view.header.checkpoint, note);
    assert!(bundle_bytes.starts_with(b"SUNSHINE-LEDGER-BUNDLE/v1\n"));
}

/// The rows of the enumeration table of §6 introduced by the paragraph
/// that starts with `` `name` `` (the data rows, without the header and the
/// separator), each trimmed.
fn enum_table(doc: &str, name: &str) -> Vec<String> {
    let section = doc
        .find("\n## 6. ")
        .and_then(|at| doc[at..].find("\n## 7. ").map(|len| &doc[at..at + len]))
        .unwrap_or_else(|| panic!("FORMAT.md has sections 6 and 7"));
    let intro = format!("\n`{name}`");
    let at = section
        .find(&intro)
        .unwrap_or_else(|| panic!("§6 of FORMAT.md has a paragraph starting with `{name}`"));
    let rows: Vec<String> = section[at + intro.len()..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(rows.len() > 2, "the `{name}` table of §6 has rows");
    rows[2..].to_vec()
}

/// §6 and §7 of FORMAT.md: the enum index tables and the domain prefixes are
/// the code's. Each table of §6 must list exactly the code's values, in
/// format order, as `| index | Value | snake_name | 中文 |`.
#[test]
fn enum_tables_and_domains_match_the_code() {
    use ledger_core::entry::{FundCategory, ProjectCategory};
    use ledger_core::procedure::{CheckKind, ConfirmMethod, NoticeStage, ObjectionChannel, ObjectionOutcome};
    let doc = must(std::fs::read_to_string(path("docs/FORMAT.md")));
    let mut kinds = Vec::new();
    for (i, kind) in EntryKind::ALL.iter().enumerate() {
        assert_eq!(encoding::encode(kind), vec![i as u8]);
        kinds.push(format!("| {i} | {kind:?} | {} | {} |", kind.name(), kind.label_zh()));
    }
    assert_eq!(
        enum_table(&doc, "EntryKind"),
        kinds,
        "the EntryKind table of FORMAT.md §6"
    );
    fn labelled<T: serde::Serialize + std::fmt::Debug + Copy>(
        doc: &str,
        table: &str,
        all: &[T],
        name: fn(T) -> &'static str,
        zh: fn(T) -> &'static str,
    ) {
        let mut rows = Vec::new();
        for (i, v) in all.iter().enumerate() {
            assert_eq!(encoding::encode(v), vec![i as u8]);
            rows.push(format!("| {i} | {v:?} | {} | {} |", name(*v), zh(*v)));
        }
        assert_eq!(enum_table(doc, table), rows, "the {table} table of FORMAT.md §6");
    }
    labelled(&doc, "Office", Office::ALL, Office::name, Office::label_zh);
    labelled(
        &doc,
        "ProjectStage",
        ledger_core::project::ProjectStage::ALL,
        ledger_core::project::ProjectStage::name,
        ledger_core::project::ProjectStage::label_zh,
    );
    labelled(
        &doc,
        "FundSource",
        FundSource::ALL,
        FundSource::name,
        FundSource::label_zh,
    );
    labelled(
        &doc,
        "FundCategory",
        FundCategory::ALL,
        FundCategory::name,
        FundCategory::label_zh,
    );
    labelled(
        &doc,
        "ProjectCategory",
        ProjectCategory::ALL,
        ProjectCategory::name,
        ProjectCategory::label_zh,
    );
    labelled(
        &doc,
        "SubsidyCategory",
        SubsidyCategory::ALL,
        SubsidyCategory::name,
        SubsidyCategory::label_zh,
    );
    labelled(
        &doc,
        "AssistanceCategory",
        AssistanceCategory::ALL,
        AssistanceCategory::name,
        AssistanceCategory::label_zh,
    );
    labelled(
        &doc,
        "NoticeStage",
        NoticeStage::ALL,
        NoticeStage::name,
        NoticeStage::label_zh,
    );
    labelled(&doc, "CheckKind", CheckKind::ALL, CheckKind::name, CheckKind::label_zh);
    labelled(
        &doc,
        "ObjectionChannel",
        ObjectionChannel::ALL,
        ObjectionChannel::name,
        ObjectionChannel::label_zh,
    );
    labelled(
        &doc,
        "ObjectionOutcome",
        ObjectionOutcome::ALL,
        ObjectionOutcome::name,
        ObjectionOutcome::label_zh,
    );
    labelled(
        &doc,
        "ConfirmMethod",
        ConfirmMethod::ALL,
        ConfirmMethod::name,
        ConfirmMethod::label_zh,
    );
    for (i, role) in [Role::Admin, Role::Operator, Role::Auditor].iter().enumerate() {
        assert_eq!(encoding::encode(role), vec![i as u8]);
        assert!(doc.contains(&format!("{i} `{role:?}`")));
    }
    // Account and EntryBody variant indexes, from real values.
    assert_eq!(encoding::encode(&Account::Treasury(region(320_803_000_000)))[0], 0);
    assert_eq!(encoding::encode(&Account::Project(must(Ident::new("P1"))))[0], 1);
    // NoticeLines and ObjectionTarget (§5.9), likewise.
    use ledger_core::procedure::{NoticeLineRef, NoticeLines, ObjectionTarget};
    assert_eq!(encoding::encode(&NoticeLines::Households(Vec::new())), vec![0, 0]);
    assert_eq!(encoding::encode(&NoticeLines::Payments(Vec::new())), vec![1, 0]);
    assert_eq!(encoding::encode(&NoticeLines::Projects(Vec::new())), vec![2, 0]);
    let line = NoticeLineRef {
        notice: must(Ident::new("N")),
        line: 3,
    };
    assert_eq!(
        encoding::encode(&ObjectionTarget::NoticeLine(line)),
        vec![0, 1, b'N', 3]
    );
    assert_eq!(encoding::encode(&ObjectionTarget::Entry(300)), vec![1, 0xac, 0x02]);
    for domain in [
        DOMAIN_SUBMISSION,
        ledger_core::encoding::DOMAIN_SUBMISSION_ID,
        DOMAIN_ENTRY_HASH,
        DOMAIN_RECEIPT,
        DOMAIN_RECEIPT_BATCH,
        DOMAIN_HOUSEHOLD,
        b"SunshineLedger/v1/pseudonym-commitment\0".as_slice(),
        ledger_core::bundle::BUNDLE_MAGIC,
    ] {
        assert!(
            doc.contains(&hex::encode(domain)),
            "FORMAT.md lacks the hex of {:?}",
            String::from_utf8_lossy(domain)
        );
    }
}
