//! Atomic groups and check-only submissions (issue 14; docs/API.md "Atomic
//! groups and check-only submission"). These tests write, so they run on a
//! node of their own, never on the shared one whose contents the other
//! modules compare with the demo.

use super::*;

/// A node of its own, holding a demo log (shorter than the shared one).
fn own_node(name: &str) -> TestResult<TestNode> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| demo_node(name, SEED, 1_200, limits()).map_err(|e| e.to_string()))
            .join()
            .unwrap_or_else(|_| Err("building the node panicked".into()))
    })
    .map_err(|e| e.into())
}

/// What a group test needs from the demo: a town-paid subsidy dated before
/// every control (so each copy needs neither a registration nor a
/// payment-list line), the town's operator, and a transfer from the
/// district into that town of the same fund, with the district operator.
struct Setup {
    template: HouseholdSubsidy,
    /// The keys that signed the template (the policy's co-signers and offices).
    town_signers: Vec<ed25519_dalek::SigningKey>,
    transfer: ledger_core::entry::Transfer,
    district_signers: Vec<ed25519_dalek::SigningKey>,
}

/// The demo's private keys of the signers of `s`, if none is revoked.
fn signers_of(node: &TestNode, s: &SignedSubmission) -> Option<Vec<ed25519_dalek::SigningKey>> {
    s.signatures
        .iter()
        .map(|sig| {
            node.log
                .operators
                .iter()
                .chain(node.log.admins.iter())
                .find(|o| o.grant.key == sig.key && o.revoked_at_seq.is_none())
                .map(|o| o.key.clone())
        })
        .collect()
}

fn setup(node: &TestNode) -> TestResult<Setup> {
    let controls_from = match &node.log.submissions[0].submission.body {
        EntryBody::Genesis(g) => {
            let e = g.policy.enforced_from;
            e.payment_list.min(e.registration).min(e.roles)
        }
        _ => return Err("genesis".into()),
    };
    let town_paid = |x: &HouseholdSubsidy| {
        matches!(x.from, Account::Treasury(c) if c.level() == ledger_core::region::RegionLevel::Town)
            && x.date < controls_from
    };
    let (template, town_signers) = node
        .log
        .submissions
        .iter()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x) if town_paid(x) => signers_of(node, s).map(|k| (x.clone(), k)),
            _ => None,
        })
        .ok_or("a town-paid history subsidy signed by keys still granted")?;
    let (transfer, district_signers) = node
        .log
        .submissions
        .iter()
        .find_map(|s| match &s.submission.body {
            EntryBody::Transfer(t) if t.to == template.from && t.fund == template.fund => {
                signers_of(node, s).map(|k| (t.clone(), k))
            }
            _ => None,
        })
        .ok_or("a transfer into the town of the fund")?;
    Ok(Setup {
        template,
        town_signers,
        transfer,
        district_signers,
    })
}

fn balance(node: &TestNode, account: &Account, fund: &Ident) -> TestResult<u64> {
    let ledger = node.app.shared.ledger.read().map_err(|_| "state lock")?;
    Ok(ledger.state.balance(account, fund).get())
}

fn size(node: &TestNode) -> TestResult<u64> {
    let ledger = node.app.shared.ledger.read().map_err(|_| "state lock")?;
    Ok(ledger.head.size)
}

/// `n` subsidies copied from the template, one household each, `amount`
/// fen each; nonces `[tag, i, 0…]`.
fn subsidies(node: &TestNode, s: &Setup, tag: u8, n: u8, amount: u64) -> TestResult<Vec<SignedSubmission>> {
    let later = now_ms() + 3_600_000;
    (0..n)
        .map(|i| {
            let mut body = s.template.clone();
            body.household = HouseholdRef(Bytes([i; 32]));
            // Dated before the payment-list control: no line needed (the
            // template's names its own household).
            body.notice = None;
            body.amount = Fen::new(amount)?;
            let mut nonce = [0u8; 16];
            nonce[0] = tag;
            nonce[1] = i;
            Ok(submission(
                &node.log.origin,
                nonce,
                later,
                EntryBody::HouseholdSubsidy(body),
                &s.town_signers.iter().collect::<Vec<_>>(),
            ))
        })
        .collect()
}

fn with_amount(node: &TestNode, s: &Setup, signed: &SignedSubmission, amount: u64) -> TestResult<SignedSubmission> {
    let mut body = signed.submission.body.clone();
    if let EntryBody::HouseholdSubsidy(x) = &mut body {
        x.amount = Fen::new(amount)?;
    }
    Ok(submission(
        &node.log.origin,
        signed.submission.nonce.0,
        signed.submission.not_after_ms,
        body,
        &s.town_signers.iter().collect::<Vec<_>>(),
    ))
}

async fn post_group(node: &TestNode, subs: &[SignedSubmission], atomic: bool, check_only: bool) -> TestResult<Answer> {
    post(
        &node.app,
        "application/json",
        serde_json::to_vec(&serde_json::json!({ "submissions": subs, "atomic": atomic, "check_only": check_only }))?,
    )
    .await
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["status"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn codes(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["error"]["code"].as_str().unwrap_or("-").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_atomic_group_is_written_whole_or_not_at_all() -> TestResult {
    let node = own_node("groups-atomic")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let s = setup(&node)?;
        let (from, fund) = (s.template.from.clone(), s.template.fund.clone());
        let before = balance(&node, &from, &fund)?;
        let size_before = size(&node)?;
        assert!(before > 100, "the town holds money of the fund: {before}");

        // 50 subsidies of 1 fen; the 37th (index 36) asks for more than the
        // town holds: nothing of the group is written, and it is named.
        let mut group = subsidies(&node, &s, 1, 50, 1)?;
        group[36] = with_amount(&node, &s, &group[36], before + 1)?;
        let answer = post_group(&node, &group, true, false).await?;
        assert_eq!(answer.status, StatusCode::OK);
        let json = answer.json()?;
        assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (0, 50));
        let codes = codes(&json);
        for (i, code) in codes.iter().enumerate() {
            let expected = if i == 36 { "overdraft" } else { "group_refused" };
            assert_eq!(code, expected, "item {i}");
        }
        let refused = &json["results"][36]["error"];
        assert_eq!(refused["account"], Value::String(from.key()));
        assert_eq!(refused["fund"], Value::String(fund.to_string()));
        assert_eq!(u(&refused["needed_fen"]), before + 1);
        assert_eq!(u(&refused["available_fen"]), before - 36);
        assert_eq!(u(&json["results"][0]["error"]["failed_index"]), 36);
        assert_eq!(u(&json["results"][49]["error"]["failed_index"]), 36);
        assert!(json["results"][0]["error"]["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("第 36 项")));
        assert_eq!(size(&node)?, size_before, "nothing written");
        assert_eq!(balance(&node, &from, &fund)?, before, "nothing moved");

        // The same group funded, with the same nonces (none was used): all
        // 50 written by one group commit, in order, 50 receipts.
        group[36] = with_amount(&node, &s, &group[36], 1)?;
        let answer = post_group(&node, &group, true, false).await?;
        let json = answer.json()?;
        assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (50, 0), "{json}");
        for (i, result) in json["results"].as_array().ok_or("results")?.iter().enumerate() {
            let receipt = &result["receipt"];
            assert_eq!(u(&receipt["receipt"]["seq"]), size_before + i as u64);
            // One commit: the log key signed the 50 receipts as one batch.
            assert_eq!(u(&receipt["batch"]["size"]), 50);
            assert_eq!(u(&receipt["batch"]["index"]), i as u64);
        }
        assert_eq!(size(&node)?, size_before + 50);
        assert_eq!(balance(&node, &from, &fund)?, before - 50);

        // Posting it again is an idempotent retry: the same receipts, nothing new.
        let json = post_group(&node, &group, true, false).await?.json()?;
        assert_eq!(u(&json["accepted"]), 50);
        assert_eq!(u(&json["results"][7]["receipt"]["receipt"]["seq"]), size_before + 7);
        assert_eq!(size(&node)?, size_before + 50);

        // A group may pay out of money moved in earlier in it: a transfer
        // into the town, then a payment of more than the town held before.
        let held = balance(&node, &from, &fund)?;
        let district_has = balance(&node, &s.transfer.from, &fund)?;
        assert!(
            district_has >= 500,
            "the district holds money of the fund: {district_has}"
        );
        let later = now_ms() + 3_600_000;
        let mut transfer = s.transfer.clone();
        transfer.amount = Fen::new(500)?;
        // Dated as the template payment: after the fund's issue, before
        // every control.
        transfer.date = s.template.date;
        let transfer = submission(
            &node.log.origin,
            [2; 16],
            later,
            EntryBody::Transfer(transfer),
            &s.district_signers.iter().collect::<Vec<_>>(),
        );
        let big = with_amount(&node, &s, &subsidies(&node, &s, 3, 1, 1)?[0], held + 200)?;
        // Alone it overdraws (a check tells so and writes nothing).
        let alone = post_group(&node, std::slice::from_ref(&big), false, true).await?;
        assert_eq!(
            (alone.status, alone.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "overdraft".into())
        );
        let pair = [transfer, big];
        let json = post_group(&node, &pair, true, true).await?.json()?;
        assert_eq!(statuses(&json), ["would_accept", "would_accept"]);
        assert_eq!(size(&node)?, size_before + 50, "a check writes nothing");
        let json = post_group(&node, &pair, true, false).await?.json()?;
        assert_eq!(statuses(&json), ["accepted", "accepted"], "{json}");
        assert_eq!(balance(&node, &from, &fund)?, held + 500 - (held + 200));
        assert_eq!(size(&node)?, size_before + 52);
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    })?;
    stop_node(node)
}

#[test]
fn check_only_writes_nothing_uses_no_nonce_and_answers_as_a_real_submission() -> TestResult {
    let node = own_node("groups-check")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let s = setup(&node)?;
        let (from, fund) = (s.template.from.clone(), s.template.fund.clone());
        let before = balance(&node, &from, &fund)?;
        let size_before = size(&node)?;

        let group = subsidies(&node, &s, 5, 3, 2)?;
        let json = post_group(&node, &group, false, true).await?.json()?;
        assert_eq!(statuses(&json), ["would_accept"; 3]);
        assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (3, 0));
        assert_eq!(size(&node)?, size_before, "tree size unchanged");
        assert_eq!(balance(&node, &from, &fund)?, before);
        // As an atomic check too.
        let json = post_group(&node, &group, true, true).await?.json()?;
        assert_eq!(statuses(&json), ["would_accept"; 3]);

        // A check refuses exactly as the real submission does.
        let over = with_amount(&node, &s, &subsidies(&node, &s, 6, 1, 1)?[0], before + 1)?;
        let checked = post_group(&node, std::slice::from_ref(&over), false, true).await?;
        let real = post_group(&node, std::slice::from_ref(&over), false, false).await?;
        assert_eq!(checked.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(checked.text(), real.text());
        // A non-atomic check: each item on its own.
        let mixed = [group[0].clone(), over.clone()];
        let json = post_group(&node, &mixed, false, true).await?.json()?;
        assert_eq!(statuses(&json), ["would_accept", "rejected"]);
        assert_eq!(codes(&json), ["-", "overdraft"]);
        // An atomic check: the other member is named as refused by the group.
        let json = post_group(&node, &mixed, true, true).await?.json()?;
        assert_eq!(codes(&json), ["group_refused", "overdraft"]);
        assert_eq!(u(&json["results"][0]["error"]["failed_index"]), 1);
        assert_eq!(size(&node)?, size_before);

        // The same nonces, for real: accepted.
        let json = post_group(&node, &group, false, false).await?.json()?;
        assert_eq!(statuses(&json), ["accepted"; 3], "{json}");
        assert_eq!(size(&node)?, size_before + 3);
        assert_eq!(balance(&node, &from, &fund)?, before - 6);
        // A check of what is now in the log: posting it would be an
        // idempotent retry, so it would be accepted; nothing changes.
        let json = post_group(&node, &group, false, true).await?.json()?;
        assert_eq!(statuses(&json), ["would_accept"; 3]);
        assert_eq!(size(&node)?, size_before + 3);

        // The binary body takes the options as query parameters.
        let framed: Vec<u8> = group
            .iter()
            .flat_map(|x| ledger_core::bundle::encode_record(&x.encode()))
            .collect();
        let request = Request::post("/v1/submissions?atomic=1&check_only=1")
            .header("content-type", "application/octet-stream")
            .header("accept", "application/octet-stream")
            .body(Body::from(framed.clone()))?;
        let answer = send(&node.app, request).await?;
        assert_eq!(
            answer.header("content-type"),
            "application/json",
            "a check answers JSON"
        );
        assert_eq!(statuses(&answer.json()?), ["would_accept"; 3]);
        let request = Request::post("/v1/submissions?atomic=yes")
            .header("content-type", "application/octet-stream")
            .body(Body::from(framed.clone()))?;
        let answer = send(&node.app, request).await?;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "bad_parameter".into())
        );
        let request = Request::post("/v1/submissions?dry_run=1")
            .header("content-type", "application/octet-stream")
            .body(Body::from(framed))?;
        let answer = send(&node.app, request).await?;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "bad_parameter".into())
        );
        assert_eq!(size(&node)?, size_before + 3);

        // An atomic group with a member refused before the sequencer (a bad
        // signature): nothing written, the member named.
        let fresh = subsidies(&node, &s, 7, 3, 1)?;
        let mut broken = fresh.clone();
        broken[2].signatures[0].signature.0[5] ^= 1;
        let json = post_group(&node, &broken, true, false).await?.json()?;
        assert_eq!(codes(&json), ["group_refused", "group_refused", "bad_signature"]);
        assert_eq!(u(&json["results"][0]["error"]["failed_index"]), 2);
        assert_eq!(size(&node)?, size_before + 3);
        // …and its nonces are still free.
        let json = post_group(&node, &fresh, true, false).await?.json()?;
        assert_eq!(statuses(&json), ["accepted"; 3]);
        assert_eq!(size(&node)?, size_before + 6);
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    })?;
    stop_node(node)
}

/// Format 3: a submission in format 2 (before issue 14) is refused naming
/// the version, and nothing is written (on the shared node: a refusal).
#[tokio::test]
async fn a_format_2_submission_is_refused_naming_the_version() -> TestResult {
    let node = node()?;
    let signed = &node.log.submissions[node.log.submissions.len() - 1];
    let mut bytes = signed.encode();
    assert_eq!(bytes[0], 3);
    bytes[0] = 2;
    let answer = post(
        &node.app,
        "application/octet-stream",
        ledger_core::bundle::encode_record(&bytes),
    )
    .await?;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::BAD_REQUEST, "malformed".into())
    );
    assert_eq!(
        answer.json()?["error"]["message"],
        "malformed submission: format version 2 is not supported: this build reads version 3 (an older ledger: version 2 is from before supplementary payments and the duplicate-payment control, issue 14; docs/FORMAT.md §1 \"Versions\")"
    );
    Ok(())
}

/// Stop a node of this module's own and remove its folder.
fn stop_node(mut node: TestNode) -> TestResult {
    let dir = node.dir.clone();
    // The sequencer stops once every sender of its queue is gone; it is
    // not joined, so that a sender kept elsewhere cannot hang the test.
    drop(node.sequencer.take());
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
