//! Money: overdrafts, unknown projects and regions, the direction money may
//! move, reversals, and who may be paid.

use ledger_core::encoding::Bytes;
use ledger_core::entry::{
    Account, EntryBody, FundCategory, FundIssue, FundSource, Payee, ProjectDisbursement, Reversal, Transfer,
};
use ledger_core::rules::RuleError;
use ledger_core::Fen;
use ledger_demo as demo;

use crate::support::*;

#[test]
fn overdraft_is_refused_and_changes_nothing() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let account = Account::Treasury(m.town);
    let before = state.balances_of(&account);
    let size = state.size();
    let too_much = m.balance.get() + 1;
    let signed = sign(subsidy(m.town, m.village, &m.fund, too_much), 20, &[&m.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::Overdraft {
            account: account.key(),
            fund: m.fund.clone(),
            balance: m.balance.get(),
            amount: too_much,
        },
        "overdraft",
    );
    // Nothing changed: balances, size, and the nonce is still free.
    assert_eq!(state.balances_of(&account), before);
    assert_eq!(state.size(), size);
    assert!(!state.nonce_used(&Bytes([20; 16])));
    // Exactly the balance is fine, and empties the account for that fund.
    let exact = sign(
        subsidy(m.town, m.village, &m.fund, m.balance.get()),
        20,
        &[&m.op.key, &m.cosigner.key],
    );
    ok(apply(&mut state, &exact));
    assert_eq!(state.balance(&account, &m.fund), Fen::ZERO);
}

#[test]
fn unknown_project_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let signed = sign(
        EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: m.fund.clone(),
            project: ident("P2099-000000-99"),
            from: Account::Treasury(m.town),
            payee: Payee {
                id: ident("91320803MA1XXXXXX0"),
                name: text("淮安市测试建设工程有限公司"),
            },
            amount: fen(100),
            contract_ref: text("测试合同"),
            milestone: text("预付款"),
            date: day(20201201),
        }),
        21,
        &[&m.op.key],
    );
    assert_rule(
        apply(&mut state, &signed),
        RuleError::UnknownProject(ident("P2099-000000-99")),
        "unknown_project",
    );
}

#[test]
fn unknown_region_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    // Syntactically a village of the town, but not in the log's region table.
    let ghost = code(m.town.get() + 999);
    let signed = sign(subsidy(m.town, ghost, &m.fund, 100), 22, &[&m.op.key]);
    let err = apply(&mut state, &signed).err();
    assert!(
        matches!(&err, Some(RuleError::UnknownRegion(msg)) if msg.contains(&ghost.to_string())),
        "{err:?}"
    );
    assert_eq!(err.map(|e| e.code()), Some("unknown_region"));
    // A town is not a village.
    let signed = sign(subsidy(m.town, m.town, &m.fund, 100), 23, &[&m.op.key]);
    assert_eq!(
        apply(&mut state, &signed).err().map(|e| e.code()),
        Some("unknown_region")
    );
}

#[test]
fn money_may_not_move_up() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let district_treasury = Account::Treasury(code(demo::DISTRICT_CODE));
    let up = sign(
        EntryBody::Transfer(Transfer {
            fund: m.fund.clone(),
            from: Account::Treasury(m.town),
            to: district_treasury.clone(),
            amount: fen(100),
            memo: text("上缴"),
            date: day(20201201),
        }),
        24,
        &[&district(0).key],
    );
    assert_rule(
        apply(&mut state, &up),
        RuleError::BadPath {
            from: Account::Treasury(m.town).key(),
            to: district_treasury.key(),
        },
        "bad_path",
    );
    // Sideways (town to town) is not down either.
    let other = town_money(1);
    let sideways = sign(
        EntryBody::Transfer(Transfer {
            fund: m.fund.clone(),
            from: Account::Treasury(m.town),
            to: Account::Treasury(other.town),
            amount: fen(100),
            memo: text("平调"),
            date: day(20201201),
        }),
        25,
        &[&district(0).key],
    );
    assert_eq!(apply(&mut state, &sideways).err().map(|e| e.code()), Some("bad_path"));
}

#[test]
fn reversal_returns_the_money_exactly_once() {
    let m = town_money(0);
    let cosigner = district(3);
    let mut state = fx().state.clone();
    let account = Account::Treasury(m.town);
    let before = state.balance(&account, &m.fund);
    let pay = sign(
        subsidy(m.town, m.village, &m.fund, 12_345),
        30,
        &[&m.op.key, &m.cosigner.key],
    );
    let paid_seq = state.size();
    ok(apply(&mut state, &pay));
    assert_eq!(state.balance(&account, &m.fund).get(), before.get() - 12_345);

    let reverse = |target_seq: u64, nonce: u8| {
        sign(
            EntryBody::Reversal(Reversal {
                target_seq,
                reason: text("误发冲正"),
                date: day(20210110),
            }),
            nonce,
            &[&m.op.key, &cosigner.key],
        )
    };
    // A reversal needs two signatures under the demo policy.
    let alone = sign(
        EntryBody::Reversal(Reversal {
            target_seq: paid_seq,
            reason: text("误发冲正"),
            date: day(20210110),
        }),
        31,
        &[&m.op.key],
    );
    assert_rule(
        apply(&mut state, &alone),
        RuleError::MissingCosignature {
            kind: "reversal",
            required: 2,
            found: 1,
        },
        "missing_cosignature",
    );
    let reversal_seq = state.size();
    ok(apply(&mut state, &reverse(paid_seq, 32)));
    assert_eq!(
        state.balance(&account, &m.fund),
        before,
        "the money is back, to the fen"
    );
    assert_eq!(state.reversed_by(paid_seq), Some(reversal_seq));

    // Double reversal, and reversal of a reversal.
    assert_rule(
        apply(&mut state, &reverse(paid_seq, 33)),
        RuleError::AlreadyReversed {
            target: paid_seq,
            by: reversal_seq,
        },
        "already_reversed",
    );
    assert_rule(
        apply(&mut state, &reverse(reversal_seq, 34)),
        RuleError::NotReversible(reversal_seq),
        "not_reversible",
    );
    // Nor can a non-money entry (genesis) or a future entry be reversed.
    assert_rule(
        apply(&mut state, &reverse(0, 35)),
        RuleError::NotReversible(0),
        "not_reversible",
    );
    assert_rule(
        apply(&mut state, &reverse(1_000_000, 36)),
        RuleError::NotReversible(1_000_000),
        "not_reversible",
    );
    assert_eq!(state.balance(&account, &m.fund), before);
}

#[test]
fn a_spent_transfer_cannot_be_reversed() {
    // District → town transfer, then the town spends it; reversing the
    // transfer would take back money the town no longer has.
    let m = town_money(0);
    let mut state = fx().state.clone();
    let issue = sign(
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2020-TEST-002"),
            title: text("测试资金"),
            document_no: text("淮区财〔2020〕97号"),
            source: FundSource::District,
            category: FundCategory::Other,
            fiscal_year: 2020,
            to: Account::Treasury(code(demo::DISTRICT_CODE)),
            amount: fen(50_000),
            // February 2019, before the test subsidy (history).
            date: day(20190215),
        }),
        40,
        &[&district(0).key],
    );
    ok(apply(&mut state, &issue));
    let transfer_seq = state.size();
    let transfer = sign(
        EntryBody::Transfer(Transfer {
            fund: ident("F2020-TEST-002"),
            from: Account::Treasury(code(demo::DISTRICT_CODE)),
            to: Account::Treasury(m.town),
            amount: fen(50_000),
            memo: text("测试拨付"),
            // February 2019, before the test subsidy (history).
            date: day(20190215),
        }),
        41,
        &[&district(0).key],
    );
    ok(apply(&mut state, &transfer));
    ok(apply(
        &mut state,
        &sign(
            subsidy(m.town, m.village, &ident("F2020-TEST-002"), 1),
            42,
            &[&m.op.key, &m.cosigner.key],
        ),
    ));
    let reverse = sign(
        EntryBody::Reversal(Reversal {
            target_seq: transfer_seq,
            reason: text("拨付冲正"),
            date: day(20210110),
        }),
        43,
        &[&district(0).key, &district(2).key],
    );
    assert_rule(
        apply(&mut state, &reverse),
        RuleError::Overdraft {
            account: Account::Treasury(m.town).key(),
            fund: ident("F2020-TEST-002"),
            balance: 49_999,
            amount: 50_000,
        },
        "overdraft",
    );
}

#[test]
fn a_resident_id_is_never_accepted_as_a_payee_id() -> Result<(), Box<dyn std::error::Error>> {
    use ledger_core::entry::{Account, EntryBody, Payee, ProjectDisbursement};
    let (log, mut state, seq) = demo_state()?;
    let project = state.projects().next().ok_or("no project")?.clone();
    let fund = state.funds().next().ok_or("no fund")?.id.clone();
    let operator = log
        .district_operators()
        .first()
        .map(|o| o.key.clone())
        .ok_or("no operator")?;
    let body = EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund,
        project: project.id.clone(),
        from: Account::Project(project.id.clone()),
        payee: Payee {
            id: ledger_core::ids::Ident::new("11010519491231002X")?,
            name: ledger_core::ids::Text::new("张小三")?,
        },
        amount: ledger_core::Fen::new(100)?,
        contract_ref: ledger_core::ids::Text::new("HT-1")?,
        milestone: ledger_core::ids::Text::new("进度款")?,
        date: day(20201201),
    });
    let submission = body_submission(&log.origin, body, 213).sign(&[&operator]).verify()?;
    let err = state
        .apply(seq, 1_800_000_000_000, &submission)
        .err()
        .ok_or("accepted a resident ID as payee")?;
    assert_eq!(err.code(), "malformed");
    assert!(err.to_string().contains("resident ID"), "{err}");
    Ok(())
}
