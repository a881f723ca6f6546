//! Issue 15, the node's side: a household by its household code (户码) or a
//! short reference, a village's household list with search, and the
//! `controls` verdict on each payment (two kinds of green), with the demo's
//! planted duplicate payment.

use super::*;
use ledger_core::household_code::HouseholdCode;

/// The demo household paid twice for one period (the second reversed).
fn duplicated(model: &Model) -> TestResult<(HouseholdRef, u64, u64, u64)> {
    // (household, first payment, duplicate, its reversal)
    for (target, reversal) in &model.reversed {
        let EntryBody::HouseholdSubsidy(dup) = &model.bodies[*target as usize] else {
            continue;
        };
        let first = model.bodies.iter().enumerate().find_map(|(seq, b)| match b {
            EntryBody::HouseholdSubsidy(s)
                if seq as u64 != *target
                    && s.household == dup.household
                    && s.category == dup.category
                    && s.period == dup.period =>
            {
                Some(seq as u64)
            }
            _ => None,
        });
        if let Some(first) = first {
            return Ok((dup.household, first, *target, *reversal));
        }
    }
    Err("the demo posts a payment twice and reverses it".into())
}

/// The six checks every answer names once, in `checked`.
const CHECKED: [&str; 6] = [
    "duplicate",
    "publicity",
    "objection",
    "confirmation",
    "registration",
    "signatures",
];

/// One check of a row. A row lists only the checks that did not pass; the
/// answer names the checks run once (`checked`, asserted where an answer is
/// read), so a check absent from a row that has `controls` passed.
fn check(row: &Value, code: &str) -> Value {
    let Some(listed) = row["controls"]["checks"].as_array() else {
        return Value::Null;
    };
    listed
        .iter()
        .find(|c| c["code"] == code)
        .cloned()
        .unwrap_or_else(|| serde_json::json!({"code": code, "status": "passed"}))
}

#[tokio::test]
async fn a_household_by_its_code_its_prefix_or_a_short_reference() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    let (reference, ..) = duplicated(&model)?;
    let code = HouseholdCode::of(&reference);
    let by_ref = get_json(app, &format!("/v1/households/{reference}")).await?;
    assert_schema("HouseholdAnswer", &by_ref)?;
    assert_eq!(by_ref["code"], code.compact());
    assert_eq!(by_ref["code_display"], code.display());
    let demo = node
        .log
        .households
        .iter()
        .find(|h| h.reference == reference)
        .ok_or("a demo household")?;
    assert_eq!(by_ref["village"]["code"], demo.village.to_string());

    // The display form, lower case with spaces, and prefixes of 6 and 10.
    let display = code.display();
    let compact = code.compact();
    for (input, normalised, matched) in [
        (display.clone(), compact.clone(), "code"),
        (display.to_lowercase().replace('-', "%20"), compact.clone(), "code"),
        (compact[..6].to_lowercase(), compact[..6].to_string(), "prefix"),
        (compact[..10].to_string(), compact[..10].to_string(), "prefix"),
    ] {
        let mut answer = get_json(app, &format!("/v1/households/code/{input}")).await?;
        assert_schema("HouseholdAnswer", &answer)?;
        assert_eq!(answer["query"]["normalised"], normalised.as_str(), "{input}");
        assert_eq!(answer["query"]["matched"], matched, "{input}");
        // Apart from `query`, exactly the reference's answer.
        answer.as_object_mut().ok_or("object")?.remove("query");
        assert_eq!(answer, by_ref, "{input}");
    }
    // A unique hex prefix of 8 answers the same household.
    let short = get_json(app, &format!("/v1/households/{}", &reference.to_string()[..8])).await?;
    assert_eq!(short, by_ref);

    // Typos: one symbol changed, two swapped, look-alikes, too short or
    // long, and a well-formed code of nobody.
    let c: Vec<char> = compact.chars().collect();
    let changed: String = {
        let mut t = c.clone();
        t[2] = if t[2] == '2' { '3' } else { '2' };
        t.into_iter().collect()
    };
    let swapped: String = {
        let mut t = c.clone();
        let i = (0..10).find(|i| t[*i] != t[i + 1]).ok_or("two different symbols")?;
        t.swap(i, i + 1);
        t.into_iter().collect()
    };
    let nobody = (0u8..=255)
        .map(|b| HouseholdCode::of(&HouseholdRef(Bytes([b; 32]))))
        .find(|k| node.log.households.iter().all(|h| !k.matches(&h.reference)))
        .ok_or("a code of nobody")?;
    for (input, status, error) in [
        (changed, StatusCode::BAD_REQUEST, "bad_code_check"),
        (swapped.clone(), StatusCode::BAD_REQUEST, "bad_code_check"),
        (format!("O{}", &compact[1..]), StatusCode::BAD_REQUEST, "bad_symbol"),
        (compact[..5].to_string(), StatusCode::BAD_REQUEST, "code_too_short"),
        (format!("{compact}2"), StatusCode::BAD_REQUEST, "code_too_long"),
        (nobody.compact(), StatusCode::NOT_FOUND, "unknown_code"),
    ] {
        let answer = get(app, &format!("/v1/households/code/{input}")).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, error), "{input}");
    }
    let typo = get(app, &format!("/v1/households/code/{swapped}")).await?.json()?;
    assert_eq!(
        typo["error"]["message_zh"],
        "户码校验位不符：可能有一位输错或相邻两位颠倒"
    );
    let bad = get(app, &format!("/v1/households/code/O{}", &compact[1..]))
        .await?
        .json()?;
    assert_eq!(
        bad["error"]["message_zh"],
        "户码第 1 位「O」不是户码字符（户码不用 0、1、I、L、O、S、Z，以免看错）请核对原件"
    );
    let nobody_answer = get(app, &format!("/v1/households/code/{}", nobody.display()))
        .await?
        .json()?;
    assert_eq!(
        nobody_answer["error"]["message_zh"],
        format!("没有找到户码为 {} 的农户，请核对", nobody.display())
    );
    // Short references: 7 digits is too short; 8 digits of nobody is unknown.
    let unknown_prefix = (0u32..)
        .map(|n| format!("{n:08x}"))
        .find(|p| {
            node.log
                .households
                .iter()
                .all(|h| !h.reference.to_string().starts_with(p))
        })
        .ok_or("an unused prefix")?;
    for (uri, status, error) in [
        (
            format!("/v1/households/{}", &reference.to_string()[..7]),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/households/{unknown_prefix}"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, error), "{uri}");
    }
    Ok(())
}

#[tokio::test]
async fn a_village_lists_every_household_with_its_code_and_search_narrows_it() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    let (reference, ..) = duplicated(&model)?;
    let demo = node
        .log
        .households
        .iter()
        .find(|h| h.reference == reference)
        .ok_or("a demo household")?;
    let village = demo.village;
    // Expected, from the submissions: every household paid or registered in
    // the village, with its live payments and fen.
    let mut expected: BTreeMap<HouseholdRef, (String, u32, u64)> = BTreeMap::new();
    for (seq, body) in model.bodies.iter().enumerate() {
        match body {
            EntryBody::HouseholdSubsidy(s) if s.village == village => {
                let e = expected.entry(s.household).or_default();
                e.0 = s.masked_name.to_string();
                if !model.reversed.contains_key(&(seq as u64)) {
                    e.1 += 1;
                    e.2 += s.amount.get();
                }
            }
            EntryBody::HouseholdRegister(r) if r.village == village => {
                expected.entry(r.household).or_default().0 = r.masked_name.to_string();
            }
            _ => {}
        }
    }
    let list = get_json(app, &format!("/v1/regions/{village}/household-list?limit=1000")).await?;
    assert_schema("HouseholdList", &list)?;
    assert_eq!(u(&list["total"]), expected.len() as u64);
    assert_eq!(list["region"]["level"], "village");
    let rows = list["households"].as_array().ok_or("households")?;
    assert_eq!(rows.len(), expected.len());
    for row in rows {
        let r = HouseholdRef::parse(row["household"].as_str().unwrap_or_default())?;
        let (name, payments, fen) = &expected[&r];
        assert_eq!(row["masked_name"], name.as_str());
        assert_eq!(u(&row["payments"]), u64::from(*payments));
        assert_eq!(u(&row["paid_fen"]), *fen);
        assert_eq!(row["code"], HouseholdCode::of(&r).compact());
    }
    // Ordered by masked name, then code.
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["masked_name"].as_str().unwrap_or_default().to_string(),
                r["code"].to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // Search by the masked name's first character, by the whole masked
    // name, and by the code's first four symbols with a separator.
    let name = demo.masked_name.to_string();
    let first: String = name.chars().take(1).collect();
    for q in [first.as_str(), name.as_str()] {
        let found = get_json(app, &format!("/v1/regions/{village}/household-list?q={}", urlencode(q))).await?;
        let want = expected.values().filter(|(n, ..)| n.contains(q)).count();
        assert_eq!(u(&found["matched"]), want as u64, "{q}");
        assert!(found["households"].as_array().is_some_and(|a| a
            .iter()
            .all(|h| h["masked_name"].as_str().is_some_and(|n| n.contains(q)))));
    }
    let code = HouseholdCode::of(&reference).compact();
    let q = format!("{}-{}", &code[..2], &code[2..4]).to_lowercase();
    let found = get_json(app, &format!("/v1/regions/{village}/household-list?q={q}")).await?;
    let want = expected
        .keys()
        .filter(|r| HouseholdCode::of(r).compact().starts_with(&code[..4]))
        .count();
    assert_eq!(u(&found["matched"]), want as u64);
    assert!(found["households"]
        .as_array()
        .is_some_and(|a| a.iter().any(|h| h["household"] == reference.to_string())));

    // Paging by offset visits every household once.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = get_json(
            app,
            &format!("/v1/regions/{village}/household-list?limit=3&after={after}"),
        )
        .await?;
        seen.extend(
            page["households"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| h["household"].clone()),
        );
        match page["next"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(
        seen,
        rows.to_vec().iter().map(|h| h["household"].clone()).collect::<Vec<_>>()
    );

    for (uri, status, error) in [
        (
            format!("/v1/regions/{village}/household-list?q="),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/regions/{village}/household-list?q={}", "王".repeat(33)),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/320803999999/household-list".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let answer = get(app, &urlencode_path(&uri)).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, error), "{uri}");
    }
    Ok(())
}

/// Percent-encode a query value (UTF-8 bytes outside unreserved ASCII).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-encode the non-ASCII bytes of a URI.
fn urlencode_path(uri: &str) -> String {
    uri.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                urlencode(&c.to_string())
            }
        })
        .collect()
}

#[tokio::test]
async fn the_reversed_duplicate_is_reversed_and_its_twin_passes() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    let (reference, first, dup, _) = duplicated(&model)?;
    let answer = get_json(app, &format!("/v1/households/{reference}?limit=1000")).await?;
    let payments = answer["payments"].as_array().ok_or("payments")?;
    let row = |seq: u64| {
        payments
            .iter()
            .find(|p| u(&p["seq"]) == seq)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (first_row, dup_row) = (row(first), row(dup));
    assert_eq!(check(&first_row, "duplicate")["status"], "passed");
    assert_eq!(dup_row["controls"]["status"], "reversed");
    assert_eq!(check(&dup_row, "duplicate")["status"], "not_applicable");
    // History before the controls: February 低保 paid citing a list posted
    // the day before (so before its window ended), unregistered, unsigned.
    assert_eq!(first_row["controls"]["status"], "warning");
    assert_eq!(check(&first_row, "publicity")["status"], "not_enforced_then");
    assert_eq!(
        check(&first_row, "publicity")["because"],
        serde_json::json!(["paid_before_window_end"])
    );
    assert_eq!(check(&first_row, "registration")["status"], "not_enforced_then");
    assert_eq!(check(&first_row, "signatures")["status"], "not_enforced_then");
    assert_eq!(check(&first_row, "confirmation")["status"], "not_applicable");
    // Only what did not pass is on the row, in the order of `checked`;
    // duplicate and objection passed.
    let codes: Vec<&str> = first_row["controls"]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["publicity", "confirmation", "registration", "signatures"]);
    assert_eq!(answer["checked"], serde_json::json!(CHECKED));
    // A reversed payment lists all six as not applicable: "absent means
    // passed" holds on every row.
    assert_eq!(
        dup_row["controls"]["checks"].as_array().map(|c| c
            .iter()
            .map(|c| (c["code"].clone(), c["status"].clone()))
            .collect::<Vec<_>>()),
        Some(
            CHECKED
                .iter()
                .map(|c| (serde_json::json!(c), serde_json::json!("not_applicable")))
                .collect()
        )
    );
    assert_eq!(answer["control_texts"]["duplicate"]["title_zh"], "重复发放");
    assert_eq!(
        answer["control_texts"]["duplicate"]["status_zh"]["failed"],
        "同一户、同一类别、同一期还有其他未冲正的发放，可能重复发放"
    );
    // A payment of 2020 under every control: ok, confirmation passed.
    let later = payments
        .iter()
        .find(|p| p["warnings"].as_array().is_some_and(Vec::is_empty) && p["confirmation"]["status"] == "confirmed")
        .ok_or("a clean confirmed payment")?;
    assert_eq!(later["controls"], serde_json::json!({"status": "ok", "checks": []}));
    // The village's flows carry the same verdicts and the texts once.
    let flows = get_json(
        app,
        &format!(
            "/v1/regions/{}/flows?limit=1000",
            first_row["village"].as_str().unwrap_or_default()
        ),
    )
    .await?;
    assert_schema("Flows", &flows)?;
    let items = flows["subsidies"]["items"].as_array().ok_or("items")?;
    let in_flows = items
        .iter()
        .find(|p| u(&p["seq"]) == first)
        .ok_or("the first payment in flows")?;
    assert_eq!(in_flows["controls"], first_row["controls"]);
    assert_eq!(flows["subsidies"]["control_texts"], answer["control_texts"]);
    assert_eq!(flows["subsidies"]["checked"], serde_json::json!(CHECKED));
    Ok(())
}

#[tokio::test]
async fn before_its_reversal_the_duplicate_fails_on_both_rows() -> TestResult {
    // The same demo log posted up to (not including) the reversal: the
    // duplicate is live, as it was for a month in the real history.
    let node = empty_node_for("citizens-duplicate", SEED, ENTRIES, limits())?;
    let model = Model::new(&node);
    let (reference, first, dup, reversal) = duplicated(&model)?;
    for chunk in demo_chunks(&node.log.submissions[..reversal as usize]) {
        let results =
            ledger_node::api::write::submit_parsed(&node.app, chunk.iter().cloned().map(Ok).collect()).await?;
        if let Some(refused) = results.iter().find_map(|r| r.as_ref().err()) {
            return Err(format!("setup: {} {}", refused.code, refused.message).into());
        }
    }
    let app = &node.app;
    let answer = get_json(app, &format!("/v1/households/{reference}?limit=1000")).await?;
    assert_schema("HouseholdAnswer", &answer)?;
    let payments = answer["payments"].as_array().ok_or("payments")?;
    let row = |seq: u64| {
        payments
            .iter()
            .find(|p| u(&p["seq"]) == seq)
            .cloned()
            .unwrap_or(Value::Null)
    };
    for (seq, twin) in [(first, dup), (dup, first)] {
        let r = row(seq);
        assert_eq!(r["controls"]["status"], "warning", "{seq}");
        assert_eq!(
            check(&r, "duplicate"),
            serde_json::json!({"code": "duplicate", "status": "failed", "with": [twin]}),
            "{seq}"
        );
    }
    // Every other payment of the household has no twin.
    for p in payments.iter().filter(|p| ![first, dup].contains(&u(&p["seq"]))) {
        assert_eq!(check(p, "duplicate")["status"], "passed");
    }
    Ok(())
}

/// The demo's 补发 (issue 14): its row carries `supplementary`, and neither
/// it nor the payment it makes good fails the duplicate control (the
/// ledger's rule lets exactly this second payment through).
#[tokio::test]
async fn the_back_pay_is_no_duplicate_and_says_what_it_supplements() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let (seq, back) = node
        .log
        .submissions
        .iter()
        .enumerate()
        .find_map(|(seq, s)| match &s.submission.body {
            EntryBody::HouseholdSubsidy(h) if h.supplementary.is_some() => Some((seq as u64, h.clone())),
            _ => None,
        })
        .ok_or("the demo has a 补发")?;
    let of = back.supplementary.as_ref().map(|x| x.of_seq).ok_or("of_seq")?;
    assert_eq!(of, seq - 1);
    let answer = get_json(app, &format!("/v1/households/{}?limit=1000", back.household)).await?;
    let payments = answer["payments"].as_array().ok_or("payments")?;
    let row = |seq: u64| {
        payments
            .iter()
            .find(|p| u(&p["seq"]) == seq)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (back_row, first_row) = (row(seq), row(of));
    assert_eq!(
        back_row["supplementary"],
        serde_json::json!({"reason": "back_pay", "of_seq": 660, "note": "核查发现少发222.00元，经镇财政所审核补发"})
    );
    assert!(first_row.get("supplementary").is_none(), "{first_row}");
    assert_eq!(check(&back_row, "duplicate")["status"], "passed");
    assert_eq!(check(&first_row, "duplicate")["status"], "passed");
    Ok(())
}
