//! Contacts as ledger data (有疑问？): a `contacts_update` posted through
//! the write path and served nearest first by
//! `GET /v1/regions/{code}/contacts`; refusals leave the log unchanged.

use super::*;
use ledger_core::contacts::{Contact, ContactRole, ContactsUpdate};
use ledger_core::keys::{KeyGrant, Office, Role, Scope};

fn contact(role: ContactRole, name: &str, phone: &str, address: &str, hours: &str) -> TestResult<Contact> {
    Ok(Contact {
        role,
        name: Text::new(name)?,
        phone: Text::new(phone)?,
        address: Text::new(address)?,
        hours: Text::new(hours)?,
    })
}

#[tokio::test]
async fn contacts_nearest_first_and_refusals() -> TestResult {
    // Its own node (posting changes the log); built on a thread of its own
    // because `demo_node` runs its own runtime.
    let node = std::thread::spawn(|| demo_node("contacts", SEED, 400, limits()).map_err(|e| e.to_string()))
        .join()
        .map_err(|_| "building the node panicked")??;
    let app = &node.app;
    let origin = node.log.origin.clone();
    let later = now_ms() + 3_600_000;
    let village = node.log.households.first().map(|h| h.village).ok_or("a village")?;
    let town = village.town().ok_or("its town")?;
    let district = region(320_803_000_000);
    let before = get_json(app, &format!("/v1/regions/{village}/contacts")).await?;
    assert_schema("ContactsAnswer", &before)?;
    // The demo's own contacts (its last 19 entries: the district's, then one
    // per town): the village's town first, then the district.
    assert_eq!(before["by_region"].as_array().map(Vec::len), Some(2));
    assert_eq!(before["by_region"][0]["region"]["code"], town.to_string());
    assert_eq!(u(&before["by_region"][0]["seq"]), 390);
    assert_eq!(before["by_region"][0]["contacts"][0]["name"], "博里镇纪委（示例）");
    assert_eq!(before["by_region"][0]["contacts"][0]["phone"], "0517-8593 0900");
    assert_eq!(before["by_region"][1]["region"]["code"], district.to_string());
    assert_eq!(u(&before["by_region"][1]["seq"]), 400 - 19);
    assert_eq!(before["by_region"][1]["contacts"].as_array().map(Vec::len), Some(3));
    assert_eq!(before["by_region"][1]["contacts"][0]["role"], "hotline_12317");
    assert_eq!(before["by_region"][1]["contacts"][0]["phone"], "12317");

    // The admins grant the district poverty office's new key the kind.
    let publisher = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let admins: Vec<&ed25519_dalek::SigningKey> = node.log.admins.iter().map(|a| &a.key).collect();
    let grant = KeyGrant {
        key: Bytes(publisher.verifying_key().to_bytes()),
        holder: Text::new("淮安区扶贫办 联系方式发布")?,
        role: Role::Operator,
        office: Office::DistrictPovertyOffice,
        scope: Scope {
            regions: vec![district],
            kinds: vec![EntryKind::ContactsUpdate],
        },
        valid_from_ms: 0,
        valid_until_ms: u64::MAX / 2,
    };
    let granted = post_json(
        app,
        &[submission(&origin, [1; 16], later, EntryBody::KeyGrant(grant), &admins)],
    )
    .await?;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text());

    let district_list = vec![
        contact(
            ContactRole::Hotline12317,
            "扶贫监督举报电话",
            "12317",
            "电话受理",
            "工作日 8:30-17:30",
        )?,
        contact(
            ContactRole::Discipline,
            "淮安区纪委监委信访室（示例）",
            "0517-85910000",
            "淮安区示例路1号",
            "工作日 8:30-12:00，14:00-17:30",
        )?,
    ];
    let town_list = vec![contact(
        ContactRole::PovertyOffice,
        "镇扶贫办（示例）",
        "0517-85920000",
        "镇人民政府二楼",
        "工作日 8:30-17:30",
    )?];
    let update =
        |region: RegionCode, contacts: Vec<Contact>| EntryBody::ContactsUpdate(ContactsUpdate { region, contacts });
    let size = u(&get_json(app, "/v1/log").await?["size"]);
    let posted = post_json(
        app,
        &[
            submission(
                &origin,
                [2; 16],
                later,
                update(district, district_list.clone()),
                &[&publisher],
            ),
            submission(&origin, [3; 16], later, update(town, town_list.clone()), &[&publisher]),
        ],
    )
    .await?;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());

    // The latest list of a region replaces its earlier one.
    let answer = get_json(app, &format!("/v1/regions/{village}/contacts")).await?;
    assert_schema("ContactsAnswer", &answer)?;
    let json_of = |list: &[Contact]| -> Value {
        list.iter()
            .map(|c| {
                serde_json::json!({"role": c.role.name(), "name": c.name.as_str(), "phone": c.phone.as_str(),
                                   "address": c.address.as_str(), "hours": c.hours.as_str()})
            })
            .collect()
    };
    assert_eq!(answer["region"]["code"], village.to_string());
    assert_eq!(answer["region"]["level"], "village");
    assert_eq!(answer["by_region"][0]["region"]["code"], town.to_string());
    assert_eq!(answer["by_region"][0]["region"]["level"], "town");
    assert_eq!(u(&answer["by_region"][0]["seq"]), size + 1);
    assert_eq!(answer["by_region"][0]["contacts"], json_of(&town_list));
    assert_eq!(answer["by_region"][1]["region"]["code"], district.to_string());
    assert_eq!(u(&answer["by_region"][1]["seq"]), size);
    assert_eq!(answer["by_region"][1]["contacts"], json_of(&district_list));
    assert_eq!(answer["by_region"].as_array().map(Vec::len), Some(2));
    assert_eq!(answer["role_labels"]["hotline_12317"], "扶贫监督举报电话 12317");
    let at_district = get_json(app, &format!("/v1/regions/{district}/contacts")).await?;
    assert_eq!(at_district["by_region"].as_array().map(Vec::len), Some(1));
    // The entry reads as a summary like any other.
    let entry = get_json(app, &format!("/v1/entries/{size}")).await?;
    assert_eq!(entry["entry"]["kind"], "contacts_update");

    // Refused, and nothing changes: seventeen contacts, an unknown region,
    // a key whose scope lacks the kind.
    let size = u(&get_json(app, "/v1/log").await?["size"]);
    let town_op = node
        .log
        .town_operator(town)
        .map(|o| o.key.clone())
        .ok_or("town operator")?;
    for (body, key, status, code) in [
        (
            update(district, vec![district_list[0].clone(); 17]),
            &publisher,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            update(region(320_803_999_000), district_list.clone()),
            &publisher,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_region",
        ),
        (
            update(town, town_list.clone()),
            &town_op,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
    ] {
        let answer = post_json(app, &[submission(&origin, [9; 16], later, body, &[key])]).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{}",
            answer.text()
        );
    }
    assert_eq!(u(&get_json(app, "/v1/log").await?["size"]), size);
    let unknown = get(app, "/v1/regions/320803999999/contacts").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}
