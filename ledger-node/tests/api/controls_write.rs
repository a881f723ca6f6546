//! The write API refuses each of the policy's controls with its code
//! (issue 12), on the log of `controls`: nothing written, the batch's other
//! items unaffected, then the same payment done right.

use super::controls::*;
use super::*;
use ed25519_dalek::SigningKey;
use ledger_core::household::MaskedName;
use ledger_core::ids::Period;
use ledger_core::procedure::{
    AssistanceCategory, HouseholdLine, HouseholdRegister, Notice, NoticeLines, NoticeStage, RegistrationNotices,
};

#[tokio::test]
async fn each_control_is_refused_with_its_code_and_the_batch_goes_on() -> TestResult {
    let node = tokio::task::spawn_blocking(|| controls_node("controls-write").map_err(|e| e.to_string()))
        .await?
        .map_err(|e| e.to_string())?;
    let app = &node.app;
    let k = &node.keys;
    let today = node.today;
    let size = |v: &Value| u(&v["size"]);
    let mut before = size(&get_json(app, "/v1/log").await?);
    assert_eq!(before, 24);
    let in_three_days = today.plus_days(3).ok_or("date")?;
    let cases: Vec<(&str, StatusCode, EntryBody, Vec<&SigningKey>)> = vec![
        // Household 2 applied but was never registered.
        (
            "not_registered",
            StatusCode::UNPROCESSABLE_ENTITY,
            EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                household: h(2),
                masked_name: MaskedName::parse_masked("李*四")?,
                ..match subsidy(1, "张*三", Period::new(2019, 9)?, 300, d(20190920), None) {
                    EntryBody::HouseholdSubsidy(s) => s,
                    _ => return Err("subsidy".into()),
                }
            }),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Registered, but no payment-list line cited.
        (
            "not_publicized",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", Period::new(2019, 9)?, 300, d(20190920), None),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // This month's line, whose window started today.
        (
            "publicity_not_ended",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", month_of(today), 300, today, Some(line("N-PAY-NOW", 0))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Last month's line, under the open objection YY-NOW-0001.
        (
            "objection_open",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(1, "张*三", month_before(today), 300, today, Some(line("N-PAY-NOW", 1))),
            vec![&k.town_poverty, &k.town_finance],
        ),
        // Two signatures, but not the town poverty office's.
        (
            "missing_role",
            StatusCode::FORBIDDEN,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                300,
                d(20190920),
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_finance, &k.village],
        ),
        (
            "date_in_future",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                300,
                in_three_days,
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_poverty, &k.town_finance],
        ),
        (
            "line_withdrawn",
            StatusCode::UNPROCESSABLE_ENTITY,
            EntryBody::HouseholdRegister(HouseholdRegister {
                household: h(2),
                masked_name: MaskedName::parse_masked("李*四")?,
                village: rc(C_V1),
                category: AssistanceCategory::MinimumLiving,
                date: d(20190708),
                notices: Some(RegistrationNotices {
                    application: line("N-APP", 1),
                    village: line("N-VIL", 1),
                    town: line("N-TOWN", 1),
                    district: line("N-DIST", 1),
                    objection_review: line("N-REV", 0),
                }),
            }),
            vec![&k.town_poverty],
        ),
        (
            "amount_above_notice",
            StatusCode::UNPROCESSABLE_ENTITY,
            subsidy(
                1,
                "张*三",
                Period::new(2019, 9)?,
                301,
                d(20190920),
                Some(line("N-PAY", 2)),
            ),
            vec![&k.town_poverty, &k.town_finance],
        ),
    ];
    for (i, (code, status, body, signers)) in cases.into_iter().enumerate() {
        let refused = node.sign(body, &signers);
        // Alone: the request's status and code.
        let answer = post_json(app, std::slice::from_ref(&refused)).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{code}: {}",
            answer.text()
        );
        assert_schema("Error", &answer.json()?)?;
        assert_eq!(
            size(&get_json(app, "/v1/log").await?),
            before,
            "{code}: nothing written"
        );
        // In a batch between two valid items: reported in place, the others recorded.
        let fresh = |n: usize| {
            node.sign(
                EntryBody::Notice(Notice {
                    notice: Ident::new(&format!("N-OK-{i}-{n}")).unwrap_or_else(|e| panic!("{e}")),
                    stage: NoticeStage::Application,
                    region: rc(C_V2),
                    start: d(20190901),
                    title: Text::new("补充申请公告").unwrap_or_else(|e| panic!("{e}")),
                    lines: NoticeLines::Households(vec![HouseholdLine {
                        household: h(6),
                        masked_name: MaskedName::parse_masked("钱*六").unwrap_or_else(|e| panic!("{e}")),
                        village: rc(C_V2),
                        category: AssistanceCategory::MinimumLiving,
                    }]),
                }),
                &[&k.town_poverty],
            )
        };
        let batch = vec![fresh(0), refused, fresh(1)];
        let answer = post_json(app, &batch).await?;
        assert_eq!(answer.status, StatusCode::OK, "{code}: {}", answer.text());
        let json = answer.json()?;
        assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (2, 1), "{code}");
        assert_eq!(json["results"][1]["error"]["code"], code);
        assert_eq!(
            u(&json["results"][0]["receipt"]["receipt"]["seq"]),
            before,
            "{code}: {json}"
        );
        assert_eq!(
            u(&json["results"][2]["receipt"]["receipt"]["seq"]),
            before + 1,
            "{code}: {json}"
        );
        before += 2;
        assert_eq!(
            size(&get_json(app, "/v1/log").await?),
            before,
            "{code}: only the valid items"
        );
    }
    // The same payment accepted once the control is satisfied: signed by
    // the offices the policy names, on its own line, within its amount.
    let ok = node.sign(
        subsidy(
            1,
            "张*三",
            Period::new(2019, 9)?,
            300,
            d(20190920),
            Some(line("N-PAY", 2)),
        ),
        &[&k.town_poverty, &k.town_finance],
    );
    let answer = post_json(app, &[ok]).await?;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let notice = get_json(app, "/v1/notices/N-PAY").await?;
    assert_eq!(notice["lines"][2]["status"], "paid");
    assert_eq!(u(&notice["lines"][2]["paid_seq"]), before);
    Ok(())
}
