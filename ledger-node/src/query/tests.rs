//! The aggregates' unit tests.

use super::*;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{
    Account, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy, Payee, ProjectCategory,
    ProjectDisbursement, ProjectRegister, Reversal, SubsidyCategory, Transfer,
};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::{Date, Period, Text};
use ledger_core::region::RegionDef;
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn entry(seq: u64, body: EntryBody) -> SequencedEntry {
    // The index reads only the body: no signature is needed here.
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: "t.example/log".into(),
        nonce: Bytes([seq as u8; 16]),
        not_after_ms: 0,
        body,
    };
    SequencedEntry {
        v: ledger_core::chain::ENTRY_VERSION,
        seq,
        time_ms: seq,
        prev_hash: Bytes([0; 32]),
        signed: SignedSubmission {
            submission,
            signatures: Vec::new(),
        },
    }
}

fn code(n: u64) -> R<RegionCode> {
    Ok(RegionCode::new(n)?)
}

/// Everything a reader can see of the index, for before/after comparisons.
fn snapshot(q: &QueryIndex) -> String {
    let regions: Vec<String> = q.regions().iter().map(|(c, r)| format!("{c}:{:?}", r.agg)).collect();
    // A fund whose issue was reversed stays known, empty.
    let funds: Vec<String> = q
        .funds()
        .iter()
        .filter(|f| f.issued > 0 || !f.flows.is_empty())
        .map(|f| format!("{} {} {:?} {:?} {:?}", f.id, f.issued, f.flows, f.balances, f.payees))
        .collect();
    let projects: Vec<String> = q.projects().iter().map(|p| format!("{} {:?}", p.id, p.paid)).collect();
    format!("{regions:?}\n{funds:?}\n{projects:?}\n{:?}", q.households)
}

/// Each kind of money entry, reversed, leaves every aggregate exactly as
/// it was before the entry — and only reading the target back folds it in.
#[test]
fn a_reversal_exactly_negates_each_kind_of_money_entry() -> R {
    let (district, town, village) = (code(320_803_000_000)?, code(320_803_101_000)?, code(320_803_101_201)?);
    let fund = Ident::new("F1")?;
    let project = Ident::new("P1")?;
    let t = |s: &str| Text::new(s);
    let setup = [
        EntryBody::Genesis(Genesis {
            title: t("测试")?,
            grants: Vec::new(),
            regions: vec![
                RegionDef {
                    code: district,
                    name: "区".into(),
                },
                RegionDef {
                    code: town,
                    name: "镇".into(),
                },
                RegionDef {
                    code: village,
                    name: "村".into(),
                },
            ],
            policy: ledger_core::policy::Policy::default(),
            pseudonym_commitment: Bytes([0; 32]),
            log_vkey: "t.example/log+00000000+AA".into(),
        }),
        EntryBody::FundIssue(FundIssue {
            fund: fund.clone(),
            title: t("资金")?,
            document_no: t("文号")?,
            source: FundSource::Central,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2019,
            to: Account::Treasury(district),
            amount: ledger_core::Fen::new(1_000_000)?,
            date: Date::new(20190110)?,
        }),
        EntryBody::ProjectRegister(ProjectRegister {
            project: project.clone(),
            name: t("道路")?,
            village,
            category: ProjectCategory::VillageRoad,
            budget: ledger_core::Fen::new(500_000)?,
            implementer: t("镇政府")?,
            start: Date::new(20190101)?,
            end: Date::new(20191231)?,
        }),
    ];
    let amount = ledger_core::Fen::new(1_000)?;
    let money = vec![
        EntryBody::FundIssue(FundIssue {
            fund: Ident::new("F2")?,
            title: t("资金二")?,
            document_no: t("文号二")?,
            source: FundSource::SocialDonation,
            category: FundCategory::Other,
            fiscal_year: 2020,
            to: Account::Treasury(town),
            amount,
            date: Date::new(20190110)?,
        }),
        EntryBody::Transfer(Transfer {
            fund: fund.clone(),
            from: Account::Treasury(district),
            to: Account::Treasury(village),
            amount,
            memo: t("拨付")?,
            date: Date::new(20190120)?,
        }),
        EntryBody::Transfer(Transfer {
            fund: fund.clone(),
            from: Account::Treasury(district),
            to: Account::Project(project.clone()),
            amount,
            memo: t("拨付")?,
            date: Date::new(20190120)?,
        }),
        EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: fund.clone(),
            project: project.clone(),
            from: Account::Treasury(district),
            payee: Payee {
                id: Ident::new("C1")?,
                name: t("公司")?,
            },
            amount,
            contract_ref: t("合同")?,
            milestone: t("预付款")?,
            date: Date::new(20190120)?,
        }),
        EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: fund.clone(),
            from: Account::Treasury(town),
            household: HouseholdRef(Bytes([7; 32])),
            masked_name: ledger_core::household::MaskedName::parse_masked("张*三")?,
            village,
            category: SubsidyCategory::MinimumLiving,
            period: Period::new(2019, 3)?,
            amount,
            date: Date::new(20190320)?,
            notice: None,
            supplementary: None,
        }),
    ];
    let effects = Effects::default();
    for target in money {
        let mut q = QueryIndex::default();
        for (seq, body) in setup.iter().enumerate() {
            q.record(&entry(seq as u64, body.clone()), &effects);
        }
        // The town needs money of F1 for the subsidy case.
        q.record(
            &entry(
                3,
                EntryBody::Transfer(Transfer {
                    fund: fund.clone(),
                    from: Account::Treasury(district),
                    to: Account::Treasury(town),
                    amount: ledger_core::Fen::new(10_000)?,
                    memo: t("拨付")?,
                    date: Date::new(20190115)?,
                }),
            ),
            &effects,
        );
        let before = snapshot(&q);
        q.record(&entry(4, target.clone()), &effects);
        let during = snapshot(&q);
        assert_ne!(before, during, "{target:?} changes the aggregates");
        q.record(
            &entry(
                5,
                EntryBody::Reversal(Reversal {
                    target_seq: 4,
                    reason: t("冲正")?,
                    date: Date::new(20190401)?,
                }),
            ),
            &effects,
        );
        assert_eq!(q.pending_reversals(), &[(5, 4)]);
        assert_eq!(snapshot(&q), during, "nothing changes until the target is folded in");
        assert!(!q.resolve_reversal(5, 3, &target), "only the pending pair");
        assert!(q.resolve_reversal(5, 4, &target));
        assert!(!q.resolve_reversal(5, 4, &target), "folded in once");
        assert_eq!(snapshot(&q), before, "{target:?} reversed");
    }
    Ok(())
}

#[test]
fn memory_is_per_thing_not_per_entry() -> R {
    let q = QueryIndex::default();
    assert!(q.approx_heap_bytes() < 1024);
    Ok(())
}

/// The memory budget at a million entries: 1,000,000 subsidies to
/// 125,000 households (the demo's ratio) in 342 villages. Run with
/// `cargo test -p ledger-node --lib -- --ignored --nocapture scale`.
#[test]
#[ignore = "a million records: a measurement, not a check"]
fn scale_one_million_subsidies() -> R {
    let district = code(320_803_000_000)?;
    let mut regions = vec![RegionDef {
        code: district,
        name: "区".into(),
    }];
    let mut villages = Vec::new();
    for t in 1..=19u64 {
        let town = code(320_803_000_000 + t * 1000)?;
        regions.push(RegionDef {
            code: town,
            name: format!("镇{t}"),
        });
        for v in 1..=18u64 {
            let village = code(town.get() + 200 + v)?;
            regions.push(RegionDef {
                code: village,
                name: format!("村{t}-{v}"),
            });
            villages.push((town, village));
        }
    }
    let effects = Effects::default();
    let mut q = QueryIndex::default();
    let genesis = Genesis {
        title: Text::new("测试")?,
        grants: Vec::new(),
        regions,
        policy: ledger_core::policy::Policy::default(),
        pseudonym_commitment: Bytes([0; 32]),
        log_vkey: "t.example/log+00000000+AA".into(),
    };
    q.record(&entry(0, EntryBody::Genesis(genesis)), &effects);
    for f in 0..20u64 {
        let issue = FundIssue {
            fund: Ident::new(&format!("F{f}"))?,
            title: Text::new("资金")?,
            document_no: Text::new("文号")?,
            source: FundSource::Provincial,
            category: FundCategory::SocialSecurity,
            fiscal_year: 2019,
            to: Account::Treasury(district),
            amount: ledger_core::Fen::new(10_000_000_000_000)?,
            date: Date::new(20190110)?,
        };
        q.record(&entry(1 + f, EntryBody::FundIssue(issue)), &effects);
    }
    let mut template = entry(
        0,
        EntryBody::Reversal(Reversal {
            target_seq: 0,
            reason: Text::new("x")?,
            date: Date::new(20190110)?,
        }),
    );
    let started = std::time::Instant::now();
    for i in 0..1_000_000u64 {
        let household = i % 125_000;
        let (town, village) = villages[(household % villages.len() as u64) as usize];
        let mut href = [0u8; 32];
        href[..8].copy_from_slice(&household.to_le_bytes());
        template.seq = 100 + i;
        template.signed.submission.body = EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: Ident::new(&format!("F{}", i % 20))?,
            from: Account::Treasury(if i % 3 == 0 { district } else { town }),
            household: HouseholdRef(Bytes(href)),
            masked_name: ledger_core::household::MaskedName::parse_masked("张*三")?,
            village,
            category: SubsidyCategory::ALL[(i % 8) as usize],
            period: Period::new(2019 + (i % 2) as u16, (i % 12) as u8 + 1)?,
            amount: ledger_core::Fen::new(10_000)?,
            date: Date::new(20190320)?,
            notice: None,
            supplementary: None,
        });
        q.record(&template, &effects);
    }
    let bytes = q.approx_heap_bytes();
    println!(
        "1,000,000 subsidies, {} (household, village) pairs: ≈ {:.1} MiB, {:.1} s",
        q.household_count(),
        bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(q.household_count(), 125_000);
    assert!(bytes < 16 * 1024 * 1024);
    Ok(())
}

/// The controls' view of a line follows its payment, the payment's
/// reversal, an objection and its decision; a confirmation is found by the
/// payment's seq; warnings travel with the entry.
#[test]
fn a_line_is_paid_freed_objected_and_withdrawn() -> R {
    use ledger_core::procedure::{
        Notice, NoticeLineRef, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome,
        ObjectionResolve, ObjectionTarget, PaymentConfirm, PaymentLine,
    };
    use ledger_core::rules::HistoryWarning;
    let (district, town, village) = (code(320_803_000_000)?, code(320_803_101_000)?, code(320_803_101_201)?);
    let mut policy = ledger_core::policy::Policy::default();
    policy.enforced_from.confirmation = Date::new(20190401)?;
    let t = |s: &str| Text::new(s);
    let fund = Ident::new("F1")?;
    let mut q = QueryIndex::default();
    let effects = Effects::default();
    let genesis = EntryBody::Genesis(Genesis {
        title: t("测试")?,
        grants: Vec::new(),
        regions: vec![
            RegionDef {
                code: district,
                name: "区".into(),
            },
            RegionDef {
                code: town,
                name: "镇".into(),
            },
            RegionDef {
                code: village,
                name: "村".into(),
            },
        ],
        policy,
        pseudonym_commitment: Bytes([0; 32]),
        log_vkey: "t.example/log+00000000+AA".into(),
    });
    q.record(&entry(0, genesis), &effects);
    q.record(
        &entry(
            1,
            EntryBody::FundIssue(FundIssue {
                fund: fund.clone(),
                title: t("资金")?,
                document_no: t("文号")?,
                source: FundSource::Central,
                category: FundCategory::SocialSecurity,
                fiscal_year: 2019,
                to: Account::Treasury(town),
                amount: ledger_core::Fen::new(1_000_000)?,
                date: Date::new(20190110)?,
            }),
        ),
        &effects,
    );
    let household = HouseholdRef(Bytes([7; 32]));
    let masked = ledger_core::household::MaskedName::parse_masked("张*三")?;
    let line = |period| -> R<PaymentLine> {
        Ok(PaymentLine {
            household,
            masked_name: masked.clone(),
            category: SubsidyCategory::MinimumLiving,
            period,
            amount: ledger_core::Fen::new(30_000)?,
        })
    };
    q.record(
        &entry(
            2,
            EntryBody::Notice(Notice {
                notice: Ident::new("N-PAY")?,
                stage: NoticeStage::PaymentList,
                region: village,
                start: Date::new(20190301)?,
                title: t("发放公示")?,
                lines: NoticeLines::Payments(vec![line(Period::new(2019, 3)?)?, line(Period::new(2019, 4)?)?]),
            }),
        ),
        &effects,
    );
    let notice = q.notice(&Ident::new("N-PAY")?).cloned().ok_or("notice")?;
    assert_eq!((notice.seq, notice.lines, notice.ends), (2, 2, Date::new(20190308)?));
    assert_eq!(q.notices_of(village), &[0]);
    assert_eq!(q.notices_of(district), &[0]);
    let pay = |period, date| -> R<EntryBody> {
        Ok(EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: fund.clone(),
            from: Account::Treasury(town),
            household,
            masked_name: masked.clone(),
            village,
            category: SubsidyCategory::MinimumLiving,
            period,
            amount: ledger_core::Fen::new(30_000)?,
            date: Date::new(date)?,
            notice: Some(NoticeLineRef {
                notice: Ident::new("N-PAY")?,
                line: if period.month == 3 { 0 } else { 1 },
            }),
            supplementary: None,
        }))
    };
    let march = pay(Period::new(2019, 3)?, 20190315)?;
    let warned = Effects {
        history_warnings: vec![HistoryWarning {
            code: "missing_role",
            message: "x".into(),
            message_zh: "甲".into(),
            office: None,
        }],
        ..Effects::default()
    };
    q.record(&entry(3, march.clone()), &warned);
    assert_eq!(q.line_state(&notice, 0), LineState::Paid(3));
    assert_eq!(q.warnings(3).len(), 1);
    assert!(q.warnings(2).is_empty());
    // Dated before the confirmation control: not required.
    let today = Date::new(20190601)?;
    assert_eq!(
        q.confirmation(3, Date::new(20190315)?, today),
        Confirmation::NotRequired
    );
    // Reversed: the line is free again once the target is folded in.
    q.record(
        &entry(
            4,
            EntryBody::Reversal(Reversal {
                target_seq: 3,
                reason: t("重复")?,
                date: Date::new(20190320)?,
            }),
        ),
        &effects,
    );
    assert_eq!(q.line_state(&notice, 0), LineState::Paid(3), "until folded in");
    assert!(q.resolve_reversal(4, 3, &march));
    assert_eq!(q.line_state(&notice, 0), LineState::Open);
    // April: paid, then confirmed; unconfirmed it would be overdue after 30 days.
    q.record(&entry(5, pay(Period::new(2019, 4)?, 20190410)?), &effects);
    assert_eq!(
        q.confirmation(5, Date::new(20190410)?, Date::new(20190510)?),
        Confirmation::Pending(Date::new(20190510)?)
    );
    assert_eq!(
        q.confirmation(5, Date::new(20190410)?, Date::new(20190511)?),
        Confirmation::Overdue(Date::new(20190510)?)
    );
    q.record(
        &entry(
            6,
            EntryBody::PaymentConfirm(PaymentConfirm {
                payment_seq: 5,
                method: ledger_core::procedure::ConfirmMethod::InPerson,
                date: Date::new(20190415)?,
            }),
        ),
        &effects,
    );
    assert_eq!(
        q.confirmation(5, Date::new(20190410)?, today),
        Confirmation::Confirmed {
            by: 6,
            date: Date::new(20190415)?,
            method: ledger_core::procedure::ConfirmMethod::InPerson
        }
    );
    // An objection against line 0: objected; upheld: withdrawn.
    let objected = Effects {
        regions: vec![village],
        ..Effects::default()
    };
    q.record(
        &entry(
            7,
            EntryBody::Objection(Objection {
                case_no: Ident::new("YY-1")?,
                target: ObjectionTarget::NoticeLine(NoticeLineRef {
                    notice: Ident::new("N-PAY")?,
                    line: 0,
                }),
                channel: ObjectionChannel::Letter,
                received: Date::new(20190321)?,
                summary: t("反映")?,
            }),
        ),
        &objected,
    );
    assert_eq!(q.line_state(&notice, 0), LineState::Objected);
    assert_eq!(q.line_objections(&notice, 0).len(), 1);
    assert_eq!(q.objections()[0].region, village);
    q.record(
        &entry(
            8,
            EntryBody::ObjectionResolve(ObjectionResolve {
                case_no: Ident::new("YY-1")?,
                outcome: ObjectionOutcome::Upheld,
                date: Date::new(20190325)?,
                reason: t("属实")?,
            }),
        ),
        &effects,
    );
    assert_eq!(q.line_state(&notice, 0), LineState::Withdrawn);
    assert_eq!(
        q.objections()[0].decided,
        Some((8, ObjectionOutcome::Upheld, Date::new(20190325)?))
    );
    assert_eq!(q.line_state(&notice, 1), LineState::Paid(5));
    Ok(())
}

/// The controls' memory at a million payments: 2,000 payment lists of 500
/// lines, every line paid and every payment confirmed. Run with
/// `cargo test -p ledger-node --lib -- --ignored --nocapture controls_scale`.
#[test]
#[ignore = "a million records: a measurement, not a check"]
fn controls_scale_one_million_listed_and_confirmed_payments() -> R {
    use ledger_core::procedure::{ConfirmMethod, Notice, NoticeLines, NoticeStage, PaymentConfirm, PaymentLine};
    let village = code(320_803_101_201)?;
    let mut q = QueryIndex::default();
    let effects = Effects::default();
    let masked = ledger_core::household::MaskedName::parse_masked("张*三")?;
    let started = std::time::Instant::now();
    let mut seq = 1u64;
    let mut template = entry(
        0,
        EntryBody::Reversal(Reversal {
            target_seq: 0,
            reason: Text::new("x")?,
            date: Date::new(20190110)?,
        }),
    );
    for n in 0..2_000u64 {
        let id = Ident::new(&format!("N-{n}"))?;
        let lines = (0..500u64)
            .map(|l| -> R<PaymentLine> {
                let mut href = [0u8; 32];
                href[..8].copy_from_slice(&(n * 500 + l).to_le_bytes());
                Ok(PaymentLine {
                    household: HouseholdRef(Bytes(href)),
                    masked_name: masked.clone(),
                    category: SubsidyCategory::MinimumLiving,
                    period: Period::new(2019, 3)?,
                    amount: ledger_core::Fen::new(30_000)?,
                })
            })
            .collect::<R<Vec<_>>>()?;
        template.seq = seq;
        template.signed.submission.body = EntryBody::Notice(Notice {
            notice: id.clone(),
            stage: NoticeStage::PaymentList,
            region: village,
            start: Date::new(20190301)?,
            title: Text::new("2019年3月低保金发放公示")?,
            lines: NoticeLines::Payments(lines),
        });
        q.record(&template, &effects);
        seq += 1;
        let first = q.notice(&id).map(|x| x.first_line).unwrap_or(0);
        for l in 0..500u32 {
            // What recording a subsidy adds to the controls: its line's slot
            // (the money aggregates are measured by the test above).
            q.controls.line_paid[(first + l) as usize] = seq;
            template.seq = seq + 1;
            template.signed.submission.body = EntryBody::PaymentConfirm(PaymentConfirm {
                payment_seq: seq,
                method: ConfirmMethod::BankStatement,
                date: Date::new(20190320)?,
            });
            q.record(&template, &effects);
            seq += 2;
        }
    }
    let bytes = q.controls_heap_bytes();
    println!(
        "2,000 notices, 1,000,000 lines paid and confirmed: controls ≈ {:.1} MiB, {:.1} s",
        bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    assert!(bytes < 64 * 1024 * 1024);
    Ok(())
}

/// A transfer reversed and the money then sent on in full, folded in only
/// after that (as the committer folds a batch, and the start-up replay the
/// whole log): every balance and total is exact, not stuck at zero.
#[test]
fn a_reversal_folded_after_the_money_was_spent_again_is_exact() -> R {
    let (district, town, town2) = (code(320_803_000_000)?, code(320_803_101_000)?, code(320_803_102_000)?);
    let fund = Ident::new("F1")?;
    let t = |s: &str| Text::new(s);
    let region = |code, name: &str| RegionDef {
        code,
        name: name.into(),
    };
    let mut q = QueryIndex::default();
    let effects = Effects::default();
    let transfer = |to, amount| -> R<EntryBody> {
        Ok(EntryBody::Transfer(Transfer {
            fund: Ident::new("F1")?,
            from: Account::Treasury(district),
            to: Account::Treasury(to),
            amount: ledger_core::Fen::new(amount)?,
            memo: Text::new("拨付")?,
            date: Date::new(20190120)?,
        }))
    };
    let wrong = transfer(town, 100)?;
    let bodies = [
        EntryBody::Genesis(Genesis {
            title: t("测试")?,
            grants: Vec::new(),
            regions: vec![region(district, "区"), region(town, "镇"), region(town2, "镇二")],
            policy: ledger_core::policy::Policy::default(),
            pseudonym_commitment: Bytes([0; 32]),
            log_vkey: "t.example/log+00000000+AA".into(),
        }),
        EntryBody::FundIssue(FundIssue {
            fund: fund.clone(),
            title: t("资金")?,
            document_no: t("文号")?,
            source: FundSource::Provincial,
            category: FundCategory::SocialSecurity,
            fiscal_year: 2019,
            to: Account::Treasury(district),
            amount: ledger_core::Fen::new(1_000)?,
            date: Date::new(20190110)?,
        }),
        wrong.clone(),
        EntryBody::Reversal(Reversal {
            target_seq: 2,
            reason: t("拨付对象错误")?,
            date: Date::new(20190120)?,
        }),
        transfer(town2, 1_000)?,
    ];
    for (seq, body) in bodies.iter().enumerate() {
        q.record(&entry(seq as u64, body.clone()), &effects);
    }
    assert!(q.resolve_reversal(3, 2, &wrong));
    let balance = |code| -> u64 {
        let id = q.account_id(&Account::Treasury(code));
        let f = q.fund(&fund);
        match (id, f) {
            (Some(id), Some(f)) => f.balances.get(&id).copied().unwrap_or(0),
            _ => u64::MAX,
        }
    };
    assert_eq!((balance(district), balance(town), balance(town2)), (0, 0, 1_000));
    let agg = |code| q.region(code).map(|r| (r.agg.received.amount, r.agg.balance()));
    assert_eq!(agg(district), Some((1_000, 1_000)));
    assert_eq!(agg(town), Some((0, 0)));
    assert_eq!(agg(town2), Some((1_000, 1_000)));
    Ok(())
}
