//! FORMAT.md §6's enumeration tables and domain strings against the code.

use ledger_core::encoding::{
    self, DOMAIN_ENTRY_HASH, DOMAIN_HOUSEHOLD, DOMAIN_RECEIPT, DOMAIN_RECEIPT_BATCH, DOMAIN_SUBMISSION,
};
use ledger_core::entry::{Account, EntryKind, FundSource, SubsidyCategory};
use ledger_core::ids::Ident;
use ledger_core::keys::{Office, Role};
use ledger_core::procedure::AssistanceCategory;

use crate::example::*;

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
