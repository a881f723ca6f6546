//! Contacts as ledger data (`ContactsUpdate`, kind 27, docs/FORMAT.md
//! §5.11): who may sign one, what is refused, which lists apply to a
//! village, and the worked vector `fixtures/vectors/contacts_update.json`
//! (the body's exact bytes, for the page's decoder).
//!
//! Regenerate the vector after an intended format change:
//! `UPDATE_VECTORS=1 cargo test -p ledger-core --test contacts`

use ledger_core::contacts::{Contact, ContactRole, ContactsUpdate};
use ledger_core::encoding;
use ledger_core::entry::{EntryBody, EntryKind};
use ledger_core::keys::{Office, Role};
use ledger_core::testkit::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn contact(role: ContactRole, name: &str, phone: &str, address: &str, hours: &str) -> Contact {
    Contact {
        role,
        name: text(name),
        phone: text(phone),
        address: text(address),
        hours: text(hours),
    }
}

fn district_list() -> Vec<Contact> {
    vec![
        contact(
            ContactRole::Hotline12317,
            "扶贫监督举报电话",
            "12317",
            "电话受理",
            "工作日 8:30-17:30",
        ),
        contact(
            ContactRole::Discipline,
            "淮安区纪委监委信访室",
            "0517-85910000",
            "淮安区示例路1号",
            "工作日 8:30-12:00，14:00-17:30",
        ),
    ]
}

fn update(region: u64, contacts: Vec<Contact>) -> EntryBody {
    EntryBody::ContactsUpdate(ContactsUpdate {
        region: code(region),
        contacts,
    })
}

/// The base ledger with one more key, the district poverty office's,
/// allowed to publish contacts (granted by the genesis admin).
fn with_contacts_key() -> (Ledger, Keys, ed25519_dalek::SigningKey) {
    let (mut l, k) = base();
    let publisher = key(30);
    l.ok(
        EntryBody::KeyGrant(grant(
            &publisher,
            Role::Operator,
            Office::DistrictPovertyOffice,
            DISTRICT,
            &[EntryKind::ContactsUpdate],
        )),
        &[&k.admin],
    );
    (l, k, publisher)
}

#[test]
fn the_nearest_lists_apply_and_the_latest_replaces() {
    let (mut l, _, publisher) = with_contacts_key();
    l.ok(update(DISTRICT, district_list()), &[&publisher]);
    let town_old = vec![contact(
        ContactRole::PovertyOffice,
        "镇扶贫办",
        "0517-1",
        "镇政府",
        "工作日",
    )];
    l.ok(update(TOWN, town_old), &[&publisher]);
    let town = vec![contact(
        ContactRole::PovertyOffice,
        "镇扶贫办",
        "0517-2",
        "镇政府二楼",
        "工作日",
    )];
    let effects = l.ok(update(TOWN, town.clone()), &[&publisher]);
    assert_eq!(effects.regions, vec![code(TOWN)]);
    let seq = l.state.size() - 1;
    let applicable: Vec<(ledger_core::RegionCode, u64, Vec<Contact>)> = l
        .state
        .contacts()
        .applicable(code(VILLAGE))
        .into_iter()
        .map(|(r, s, c)| (r, s, c.to_vec()))
        .collect();
    assert_eq!(
        applicable,
        vec![(code(TOWN), seq, town), (code(DISTRICT), seq - 2, district_list())]
    );
}

#[test]
fn refused_out_of_scope_empty_too_many_or_unknown_region() {
    let (mut l, k, publisher) = with_contacts_key();
    // A key whose scope does not list the kind, and an admin key (it signs
    // admin kinds only).
    l.refused(update(TOWN, district_list()), &[&k.town_poverty], "out_of_scope");
    l.refused(update(TOWN, district_list()), &[&k.admin], "out_of_scope");
    l.refused(update(TOWN, vec![]), &[&publisher], "malformed");
    let seventeen = vec![district_list()[0].clone(); 17];
    l.refused(update(TOWN, seventeen), &[&publisher], "malformed");
    l.refused(
        update(320_803_999_000, district_list()),
        &[&publisher],
        "unknown_region",
    );
    assert!(l.state.contacts().is_empty());
}

/// An atomic group (issue 14) holding contacts updates and a refused
/// member is taken back whole: the contacts table is as it was before the
/// group (`rules::group` journals it with the rare parts), and the same
/// updates then apply for real.
#[test]
fn an_atomic_group_taken_back_leaves_the_contacts_as_they_were() {
    let (mut l, k, publisher) = with_contacts_key();
    let town_list = |phone: &str| {
        vec![contact(
            ContactRole::PovertyOffice,
            "镇扶贫办",
            phone,
            "镇政府",
            "工作日",
        )]
    };
    l.ok(update(TOWN, town_list("0517-1")), &[&publisher]);
    let first_seq = l.state.size() - 1;
    let before = format!("{:?}", l.state.contacts());
    let size = l.state.size();
    let (entries, head) = (l.entries.len(), l.head);

    l.state.begin_group();
    l.ok(update(TOWN, town_list("0517-2")), &[&publisher]);
    l.ok(update(DISTRICT, district_list()), &[&publisher]);
    assert_eq!(l.state.contacts().len(), 2, "inside the group the new lists apply");
    // The district holds 800,000 元 of the fund: this member is refused.
    l.refused(
        transfer(900_000, 20190311),
        &[&k.district_finance, &k.leader],
        "overdraft",
    );
    l.state.rollback_group();

    assert_eq!(format!("{:?}", l.state.contacts()), before);
    assert_eq!(
        l.state.contacts().of(code(TOWN)),
        Some((first_seq, town_list("0517-1").as_slice()))
    );
    assert_eq!(l.state.contacts().of(code(DISTRICT)), None);
    assert_eq!(l.state.contacts().len(), 1);
    assert_eq!(l.state.size(), size);

    // The test ledger's own copy of the entries follows the state back,
    // then the same update is applied again in a group that is kept.
    l.entries.truncate(entries);
    l.sequenced.truncate(entries);
    l.head = head;
    l.state.begin_group();
    l.ok(update(TOWN, town_list("0517-2")), &[&publisher]);
    l.state.keep_group();
    assert_eq!(
        l.state.contacts().of(code(TOWN)),
        Some((size, town_list("0517-2").as_slice()))
    );
}

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

#[test]
fn the_worked_vector() {
    let body = EntryBody::ContactsUpdate(ContactsUpdate {
        region: code(320_803_000_000),
        contacts: vec![contact(
            ContactRole::Hotline12317,
            "扶贫监督举报电话",
            "12317",
            "电话受理",
            "工作日 8:30-17:30",
        )],
    });
    let bytes = encoding::encode(&body);
    // By hand, from FORMAT.md: variant 27, region varint, one contact
    // (role 0, then four length-prefixed UTF-8 strings).
    let mut expected = vec![27u8];
    let mut region = 320_803_000_000u64;
    while region >= 0x80 {
        expected.push((region as u8) | 0x80);
        region >>= 7;
    }
    expected.push(region as u8);
    expected.push(1);
    expected.push(0);
    for s in ["扶贫监督举报电话", "12317", "电话受理", "工作日 8:30-17:30"] {
        expected.push(s.len() as u8);
        expected.extend_from_slice(s.as_bytes());
    }
    assert_eq!(bytes, expected);
    let decoded: EntryBody = encoding::decode_canonical(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded, body);
    let vector = json!({
        "kind": "contacts_update",
        "index": 27,
        "body": serde_json::to_value(&body).unwrap_or(Value::Null),
        "body_hex": hex::encode(&bytes),
    });
    let file = path("fixtures/vectors/contacts_update.json");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(&file, serde_json::to_string_pretty(&vector).unwrap_or_default() + "\n")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored, vector);
    // The role's bytes are its index: every role decodes back.
    for (i, role) in ContactRole::ALL.iter().enumerate() {
        assert_eq!(encoding::encode(role), vec![i as u8]);
    }
}
