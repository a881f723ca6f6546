//! `ledger post contacts` (有疑问？) against a running demo node: an admin
//! grants a key the kind, the contacts file is posted, and the node serves
//! it at `/v1/regions/{code}/contacts`; a bad file is caught before anything
//! is sent (exit 4, naming the contact and field), a key without the kind is
//! refused by the node (exit 3). Nothing refused is written.

mod common;

use common::{ok, run, TestNode};

const CONTACTS: &str = r#"
[[contact]]
role = "hotline_12317"
name = "扶贫监督举报电话"
phone = "12317"
address = "电话受理"
hours = "工作日 8:30-17:30"

[[contact]]
role = "纪检监察"
name = "淮安区纪委监委信访室（示例）"
phone = "0517-85910000"
address = "淮安区示例路1号"
hours = "工作日 8:30-12:00，14:00-17:30"
"#;

#[test]
fn post_contacts_from_a_toml_file() {
    let node = TestNode::start_demo(300);
    let url = node.url.clone();
    let publisher = node.path("publisher.key");
    let vkey = ok(&["keygen", "--out", &publisher]).trim().to_string();
    ok(&[
        "grant",
        "--node",
        &url,
        "--key",
        &node.key("admin-1.key"),
        "--key",
        &node.key("admin-2.key"),
        "--grantee",
        &vkey,
        "--holder",
        "淮安区扶贫办 联系方式发布",
        "--role",
        "operator",
        "--office",
        "区扶贫办",
        "--region",
        "320803000000",
        "--kinds",
        "contacts_update",
    ]);
    let file = node.path("contacts.toml");
    std::fs::write(&file, CONTACTS).expect("write contacts.toml");

    // A bad file: exit 4, naming the contact and the field; nothing sent.
    let size = node.size();
    let bad = node.path("bad.toml");
    std::fs::write(&bad, CONTACTS.replace("纪检监察", "纪委")).expect("write bad.toml");
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &publisher,
        "contacts",
        "--region",
        "320803000000",
        "--file",
        &bad,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("contact 2: role \"纪委\" is not one of"), "{err}");
    // A key without the kind: the node refuses (exit 3, out_of_scope).
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &node.key("admin-1.key"),
        "contacts",
        "--region",
        "320803000000",
        "--file",
        &file,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("out_of_scope"), "{err}");
    assert_eq!(node.size(), size);

    ok(&[
        "post",
        "--node",
        &url,
        "--key",
        &publisher,
        "contacts",
        "--region",
        "320803000000",
        "--file",
        &file,
    ]);
    let answer = node.get_json("/v1/regions/320803101201/contacts");
    // Nearest first: the town's own demo contacts (the fourth town's list,
    // entry 300 - 15), then the district's list just posted, which
    // replaced the demo's.
    assert_eq!(answer["by_region"].as_array().map(Vec::len), Some(2));
    assert_eq!(answer["by_region"][0]["region"]["code"], "320803101000");
    assert_eq!(answer["by_region"][0]["seq"], 300 - 15);
    assert_eq!(answer["by_region"][0]["contacts"][0]["phone"], "0517-8593 0400");
    assert_eq!(answer["by_region"][1]["region"]["code"], "320803000000");
    assert_eq!(answer["by_region"][1]["seq"], size);
    assert_eq!(
        answer["by_region"][1]["contacts"],
        serde_json::json!([
            {"role": "hotline_12317", "name": "扶贫监督举报电话", "phone": "12317", "address": "电话受理", "hours": "工作日 8:30-17:30"},
            {"role": "discipline", "name": "淮安区纪委监委信访室（示例）", "phone": "0517-85910000",
             "address": "淮安区示例路1号", "hours": "工作日 8:30-12:00，14:00-17:30"}
        ])
    );
}
