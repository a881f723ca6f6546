//! Generators of valid values of every signed type.

use super::*;

// ----------------------------------------------------- value generators

const IDENT_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/// Characters of valid texts, including the ones display and decoding code
/// mishandles: the BOM, zero-width and bidi controls (format characters are
/// not control characters), astral and combining characters, wide spaces.
const TEXT_CHARS: [char; 40] = [
    'a', 'Z', '0', '9', ' ', '.', '-', '_', '(', '"', '\'', '\\', '<', '>', '&', '%', '淮', '安', '区', '资', '金',
    '〔', '〕', '号', '·', '０', '\u{feff}', '\u{200d}', '\u{202e}', '\u{301}', '😀', '𠀀', '\u{a0}', '\u{3000}',
    '\u{2028}', '+', '—', '=', '*', '/',
];

/// Letters of masked names (alphabetic, or the two middle dots).
const NAME_CHARS: [char; 12] = ['张', '李', '王', '欧', '华', 'A', 'z', 'é', '·', '•', '𠀀', 'Ω'];

fn char_string(rng: &mut Rng, chars: &[char], n: usize) -> String {
    (0..n).map(|_| *rng.pick(chars)).collect()
}

/// A valid identifier (1-64 bytes of `A-Z a-z 0-9 . _ -`).
pub fn gen_ident(rng: &mut Rng) -> Ident {
    let n = match rng.below(4) {
        0 => 1,
        1 => 64,
        _ => 1 + rng.index(20),
    };
    let text: String = (0..n).map(|_| *rng.pick(IDENT_CHARS) as char).collect();
    Ident::new(&text).unwrap_or_else(|_| Ident::new("F2019-001").unwrap_or_else(|e| panic!("{e}")))
}

/// A valid text (1-200 characters, no control characters, not blank).
pub fn gen_text(rng: &mut Rng) -> Text {
    let n = match rng.below(5) {
        0 => 1,
        1 => 200,
        2 => 199,
        _ => 1 + rng.index(30),
    };
    let text = char_string(rng, &TEXT_CHARS, n);
    Text::new(&text).unwrap_or_else(|_| Text::new("淮安区").unwrap_or_else(|e| panic!("{e}")))
}

/// Any valid UTF-8 string (unconstrained `String` fields: origin, names of
/// regions, verifier keys): mostly plausible, sometimes with controls.
pub fn gen_string(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => String::new(),
        1 => "huaian.sunshine-ledger.example/demo".to_owned(),
        2 => {
            let n = rng.index(20);
            let mut s = char_string(rng, &TEXT_CHARS, n);
            s.push(*rng.pick(&['\n', '\0', '\u{85}', '\u{7f}']));
            s
        }
        _ => {
            let n = rng.index(40);
            char_string(rng, &TEXT_CHARS, n)
        }
    }
}

/// A valid masked name (`X*` or `X*Y`).
pub fn gen_masked_name(rng: &mut Rng) -> MaskedName {
    let a = *rng.pick(&NAME_CHARS);
    let text = if rng.chance(1, 3) {
        format!("{a}*")
    } else {
        format!("{a}*{}", rng.pick(&NAME_CHARS))
    };
    MaskedName::parse_masked(&text)
        .unwrap_or_else(|_| MaskedName::parse_masked("张*三").unwrap_or_else(|e| panic!("{e}")))
}

/// A valid region code (12 digits), biased to the range's ends and to the
/// three levels.
pub fn gen_region(rng: &mut Rng) -> RegionCode {
    let code = match rng.below(6) {
        0 => 100_000_000_000,
        1 => 999_999_999_999,
        2 => 320_803_000_000,
        3 => 320_803_000_000 + rng.range(1, 20) * 1000,
        4 => 320_803_000_000 + rng.range(1, 20) * 1000 + rng.range(1, 999),
        _ => rng.range(100_000_000_000, 999_999_999_999),
    };
    RegionCode::new(code).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid date, biased to leap days and the century's ends.
pub fn gen_date(rng: &mut Rng) -> Date {
    let n = match rng.below(5) {
        0 => 20_000_229,
        1 => 20_991_231,
        2 => 20_000_101,
        _ => rng.range(2000, 2099) as u32 * 10_000 + rng.range(1, 12) as u32 * 100 + rng.range(1, 28) as u32,
    };
    Date::new(n).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid period (year 2000-2099, month 0-12).
pub fn gen_period(rng: &mut Rng) -> Period {
    Period::new(rng.range(2000, 2099) as u16, rng.range(0, 12) as u8).unwrap_or_else(|e| panic!("{e}"))
}

/// A fen amount: any u64 decodes (the rules bound it), so edges included.
pub fn gen_fen(rng: &mut Rng) -> Fen {
    Fen::from_raw(rng.edgy_u64())
}

fn gen_account(rng: &mut Rng) -> Account {
    if rng.chance(1, 2) {
        Account::Treasury(gen_region(rng))
    } else {
        Account::Project(gen_ident(rng))
    }
}

fn gen_kind(rng: &mut Rng) -> EntryKind {
    *rng.pick(&EntryKind::ALL)
}

fn gen_grant(rng: &mut Rng) -> KeyGrant {
    KeyGrant {
        key: Bytes(rng.bytes()),
        holder: gen_text(rng),
        role: *rng.pick(&[KeyRole::Admin, KeyRole::Operator, KeyRole::Auditor]),
        office: *rng.pick(Office::ALL),
        scope: Scope {
            regions: (0..rng.below(4)).map(|_| gen_region(rng)).collect(),
            kinds: (0..rng.below(4)).map(|_| gen_kind(rng)).collect(),
        },
        valid_from_ms: rng.edgy_u64(),
        valid_until_ms: rng.edgy_u64(),
    }
}

fn gen_region_def(rng: &mut Rng) -> RegionDef {
    RegionDef {
        code: gen_region(rng),
        name: gen_string(rng),
    }
}

fn gen_cosign_rule(rng: &mut Rng) -> CosignRule {
    CosignRule {
        kind: gen_kind(rng),
        min_amount: gen_fen(rng),
        signatures: rng.next_u64() as u8,
        roles: (0..rng.below(3)).map(|_| *rng.pick(Office::ALL)).collect(),
    }
}

fn gen_policy(rng: &mut Rng) -> Policy {
    let mut days = || rng.next_u64() as u16;
    let publicity_days = PublicityDays {
        application: days(),
        village: days(),
        town: days(),
        district: days(),
        objection_review: days(),
        exit: days(),
        payment_list: days(),
        project_plan: days(),
    };
    Policy {
        cosign_rules: (0..rng.below(4)).map(|_| gen_cosign_rule(rng)).collect(),
        publicity_days,
        categories: (0..rng.below(3))
            .map(|_| CategoryRule {
                category: *rng.pick(AssistanceCategory::ALL),
                subsidies: (0..rng.below(3)).map(|_| *rng.pick(SubsidyCategory::ALL)).collect(),
                ends_with_exit: rng.chance(1, 2),
            })
            .collect(),
        confirmation_days: rng.next_u64() as u16,
        enforced_from: ControlDates {
            registration: gen_date(rng),
            payment_list: gen_date(rng),
            roles: gen_date(rng),
            confirmation: gen_date(rng),
            projects: gen_date(rng),
            duplicates: gen_date(rng),
        },
        retention_bp: rng.next_u64() as u16,
        fund_limits: FundLimits {
            district_days: rng.next_u64() as u16,
            town_days: rng.next_u64() as u16,
            village_days: rng.next_u64() as u16,
            project_days: rng.next_u64() as u16,
        },
    }
}

fn gen_line_ref(rng: &mut Rng) -> NoticeLineRef {
    NoticeLineRef {
        notice: gen_ident(rng),
        line: rng.edgy_u64() as u32,
    }
}

fn gen_notice(rng: &mut Rng) -> Notice {
    let lines = match rng.below(3) {
        0 => NoticeLines::Households(
            (0..rng.below(4))
                .map(|_| HouseholdLine {
                    household: HouseholdRef(Bytes(rng.bytes())),
                    masked_name: gen_masked_name(rng),
                    village: gen_region(rng),
                    category: *rng.pick(AssistanceCategory::ALL),
                })
                .collect(),
        ),
        1 => NoticeLines::Payments(
            (0..rng.below(4))
                .map(|_| PaymentLine {
                    household: HouseholdRef(Bytes(rng.bytes())),
                    masked_name: gen_masked_name(rng),
                    category: *rng.pick(SubsidyCategory::ALL),
                    period: gen_period(rng),
                    amount: gen_fen(rng),
                })
                .collect(),
        ),
        _ => NoticeLines::Projects((0..rng.below(4)).map(|_| gen_ident(rng)).collect()),
    };
    Notice {
        notice: gen_ident(rng),
        stage: *rng.pick(NoticeStage::ALL),
        region: gen_region(rng),
        start: gen_date(rng),
        title: gen_text(rng),
        lines,
    }
}

fn gen_payee(rng: &mut Rng) -> Payee {
    Payee {
        id: gen_ident(rng),
        name: gen_text(rng),
    }
}

fn gen_contract(rng: &mut Rng) -> Contract {
    Contract {
        contractor: gen_payee(rng),
        contract_no: gen_text(rng),
    }
}

fn gen_budgets(rng: &mut Rng) -> Vec<FundBudget> {
    (0..rng.below(3))
        .map(|_| FundBudget {
            fund: gen_ident(rng),
            amount: gen_fen(rng),
        })
        .collect()
}

/// A body of one of the project library's kinds.
fn gen_project_body(rng: &mut Rng) -> EntryBody {
    let milestone = |rng: &mut Rng| ProjectMilestone {
        project: gen_ident(rng),
        date: gen_date(rng),
        document_no: gen_text(rng),
        note: gen_text(rng),
    };
    match rng.below(8) {
        0 => EntryBody::ProjectReview(ProjectReview {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            passed: rng.chance(1, 2),
            note: gen_text(rng),
        }),
        1 => EntryBody::ProjectApprove(ProjectApprove {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            plan: gen_line_ref(rng),
            budgets: gen_budgets(rng),
            contract: gen_contract(rng),
        }),
        2 => EntryBody::ProjectStart(milestone(rng)),
        3 => EntryBody::ProjectAccept(milestone(rng)),
        4 => EntryBody::ProjectHandover(milestone(rng)),
        5 => EntryBody::ProjectEvaluate(ProjectEvaluate {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            score: rng.next_u64() as u8,
            note: gen_text(rng),
        }),
        6 => EntryBody::ProjectAdjust(ProjectAdjust {
            project: gen_ident(rng),
            date: gen_date(rng),
            document_no: gen_text(rng),
            budgets: gen_budgets(rng),
            contract: rng.chance(1, 2).then(|| gen_contract(rng)),
            reason: gen_text(rng),
        }),
        _ => EntryBody::ProjectCancel(ProjectCancel {
            project: gen_ident(rng),
            date: gen_date(rng),
            reason: gen_text(rng),
        }),
    }
}

/// A body of one of the policy's procedure kinds (format version 2).
fn gen_procedure_body(rng: &mut Rng) -> EntryBody {
    match rng.below(7) {
        0 => EntryBody::Notice(gen_notice(rng)),
        1 => EntryBody::HouseholdCheck(HouseholdCheck {
            application: gen_line_ref(rng),
            check: *rng.pick(CheckKind::ALL),
            date: gen_date(rng),
            passed: rng.chance(1, 2),
            note: gen_text(rng),
        }),
        2 => EntryBody::HouseholdRegister(HouseholdRegister {
            household: HouseholdRef(Bytes(rng.bytes())),
            masked_name: gen_masked_name(rng),
            village: gen_region(rng),
            category: *rng.pick(AssistanceCategory::ALL),
            date: gen_date(rng),
            notices: rng.chance(2, 3).then(|| RegistrationNotices {
                application: gen_line_ref(rng),
                village: gen_line_ref(rng),
                town: gen_line_ref(rng),
                district: gen_line_ref(rng),
                objection_review: gen_line_ref(rng),
            }),
        }),
        3 => EntryBody::HouseholdExit(HouseholdExit {
            household: HouseholdRef(Bytes(rng.bytes())),
            village: gen_region(rng),
            date: gen_date(rng),
            announcement: gen_line_ref(rng),
            reason: gen_text(rng),
        }),
        4 => EntryBody::Objection(Objection {
            case_no: gen_ident(rng),
            target: if rng.chance(1, 2) {
                ObjectionTarget::NoticeLine(gen_line_ref(rng))
            } else {
                ObjectionTarget::Entry(rng.edgy_u64())
            },
            channel: *rng.pick(ObjectionChannel::ALL),
            received: gen_date(rng),
            summary: gen_text(rng),
        }),
        5 => EntryBody::ObjectionResolve(ObjectionResolve {
            case_no: gen_ident(rng),
            outcome: *rng.pick(ObjectionOutcome::ALL),
            date: gen_date(rng),
            reason: gen_text(rng),
        }),
        _ => EntryBody::PaymentConfirm(PaymentConfirm {
            payment_seq: rng.edgy_u64(),
            method: *rng.pick(ConfirmMethod::ALL),
            date: gen_date(rng),
        }),
    }
}

/// A valid entry body of any kind, every field drawn from its valid range.
pub fn gen_body(rng: &mut Rng) -> EntryBody {
    match rng.below(14) {
        0 => EntryBody::Genesis(Genesis {
            title: gen_text(rng),
            grants: (0..rng.below(3)).map(|_| gen_grant(rng)).collect(),
            regions: (0..rng.below(6)).map(|_| gen_region_def(rng)).collect(),
            policy: gen_policy(rng),
            pseudonym_commitment: Bytes(rng.bytes()),
            log_vkey: gen_string(rng),
        }),
        1 => EntryBody::KeyGrant(gen_grant(rng)),
        2 => EntryBody::KeyRevoke {
            key: Bytes(rng.bytes()),
            reason: gen_text(rng),
        },
        3 => EntryBody::RegionRegister {
            regions: (0..rng.below(5)).map(|_| gen_region_def(rng)).collect(),
        },
        4 => EntryBody::PolicyUpdate {
            policy: gen_policy(rng),
        },
        5 => EntryBody::FundIssue(FundIssue {
            fund: gen_ident(rng),
            title: gen_text(rng),
            document_no: gen_text(rng),
            source: *rng.pick(FundSource::ALL),
            category: *rng.pick(FundCategory::ALL),
            fiscal_year: rng.edgy_u64() as u16,
            to: gen_account(rng),
            amount: gen_fen(rng),
            date: gen_date(rng),
        }),
        6 => EntryBody::Transfer(Transfer {
            fund: gen_ident(rng),
            from: gen_account(rng),
            to: gen_account(rng),
            amount: gen_fen(rng),
            memo: gen_text(rng),
            date: gen_date(rng),
        }),
        7 => EntryBody::ProjectRegister(ProjectRegister {
            project: gen_ident(rng),
            name: gen_text(rng),
            village: gen_region(rng),
            category: *rng.pick(ProjectCategory::ALL),
            budget: gen_fen(rng),
            implementer: gen_text(rng),
            start: gen_date(rng),
            end: gen_date(rng),
        }),
        8 => EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: gen_ident(rng),
            project: gen_ident(rng),
            from: gen_account(rng),
            payee: Payee {
                id: gen_ident(rng),
                name: gen_text(rng),
            },
            amount: gen_fen(rng),
            contract_ref: gen_text(rng),
            milestone: gen_text(rng),
            date: gen_date(rng),
        }),
        9 => EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: gen_ident(rng),
            from: gen_account(rng),
            household: HouseholdRef(Bytes(rng.bytes())),
            masked_name: gen_masked_name(rng),
            village: gen_region(rng),
            category: *rng.pick(SubsidyCategory::ALL),
            period: gen_period(rng),
            amount: gen_fen(rng),
            date: gen_date(rng),
            notice: rng.chance(1, 2).then(|| gen_line_ref(rng)),
            supplementary: rng.chance(1, 3).then(|| ledger_core_supplement(rng)),
        }),
        10 => EntryBody::Reversal(Reversal {
            target_seq: rng.edgy_u64(),
            reason: gen_text(rng),
            date: gen_date(rng),
        }),
        11 => gen_procedure_body(rng),
        12 => gen_project_body(rng),
        _ => EntryBody::LogKeyRotate {
            log_vkey: gen_string(rng),
            reason: gen_text(rng),
            endorsement: Bytes(rng.bytes()),
        },
    }
}

/// `n` signing keys derived from `rng`.
pub fn gen_keys(rng: &mut Rng, n: usize) -> Vec<SigningKey> {
    (0..n).map(|_| SigningKey::from_bytes(&rng.bytes())).collect()
}

/// A valid signed submission: a generated body, really signed by one to
/// eight distinct `keys` (or, one time in four, carrying random signature
/// bytes: decoding does not verify them).
pub fn gen_signed_submission(rng: &mut Rng, keys: &[SigningKey]) -> SignedSubmission {
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: gen_string(rng),
        nonce: Bytes(rng.bytes()),
        not_after_ms: rng.edgy_u64(),
        body: gen_body(rng),
    };
    let count = if rng.chance(1, 6) { 8 } else { 1 + rng.index(3) };
    let start = rng.index(keys.len());
    let signers: Vec<&SigningKey> = (0..count.min(keys.len()))
        .map(|i| &keys[(start + i) % keys.len()])
        .collect();
    if rng.chance(1, 4) {
        SignedSubmission {
            submission,
            signatures: signers
                .iter()
                .map(|k| EntrySignature {
                    key: Bytes(k.verifying_key().to_bytes()),
                    signature: Bytes(rng.bytes()),
                })
                .collect(),
        }
    } else {
        submission.sign(&signers)
    }
}

/// A valid sequenced entry around a generated signed submission.
pub fn gen_entry(rng: &mut Rng, keys: &[SigningKey]) -> SequencedEntry {
    SequencedEntry {
        v: ENTRY_VERSION,
        seq: rng.edgy_u64(),
        time_ms: rng.edgy_u64(),
        prev_hash: Bytes(rng.bytes()),
        signed: gen_signed_submission(rng, keys),
    }
}

/// A supplementary payment's link (format 3).
fn ledger_core_supplement(rng: &mut Rng) -> crate::entry::Supplement {
    crate::entry::Supplement {
        reason: *rng.pick(&[
            crate::entry::SupplementReason::BackPay,
            crate::entry::SupplementReason::TopUp,
        ]),
        of_seq: rng.edgy_u64(),
        note: gen_text(rng),
    }
}
