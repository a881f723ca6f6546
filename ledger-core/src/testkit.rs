//! The test kit shared by every test that builds a small ledger by hand
//! (ledger-core's tests/controls/ and tests/projects.rs, ledger-audit's
//! tests): the district's keys, one per office, the test policy, and a
//! [`Ledger`] that signs, applies and sequences entries, asserting that a
//! refusal changes nothing.
//!
//! Compiled only with the cargo feature `testkit`, which nothing enables
//! except dev-dependencies (ledger-core on itself, ledger-audit): test files
//! of one crate cannot be shared with another, and a copied builder drifts
//! from the original. Resolver 2 keeps dev-dependency features out of
//! normal builds, so the kit (and its panics) is never in a release binary.

// A test kit: a broken fixture must stop the test loudly, so it panics
// where the library proper returns errors. It re-exports the types the
// tests share.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

/// The fuzz targets' shared machinery: PRNG, runner, mutators, generators.
pub mod fuzz;

/// Builders of the procedure entries the control tests share.
pub mod procedure;

pub use crate::amount::Fen;
pub use crate::chain::{entry_hash, ChainHead, SequencedEntry, ENTRY_VERSION};
pub use crate::checkpoint::LogSigner;
pub use crate::encoding::{self, Bytes};
pub use crate::entry::{
    Account, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy, Reversal,
    SubsidyCategory, Transfer,
};
pub use crate::household::{HouseholdRef, MaskedName, PseudonymKey};
pub use crate::ids::{Date, Ident, Period, Text};
pub use crate::keys::{KeyGrant, Office, Role, Scope};
pub use crate::merkle::{leaf_hash, MemoryTree};
pub use crate::policy::{CategoryRule, ControlDates, CosignRule, FundLimits, Policy, PublicityDays};
pub use crate::procedure::{
    AssistanceCategory, CheckKind, ConfirmMethod, HouseholdCheck, HouseholdExit, HouseholdLine, HouseholdRegister,
    Notice, NoticeLineRef, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve,
    ObjectionTarget, PaymentConfirm, PaymentLine, RegistrationNotices,
};
pub use crate::region::{RegionCode, RegionDef};
pub use crate::rules::{Effects, LedgerState, LineStatus, RuleError};
pub use crate::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
pub use crate::verify::{verify_ledger, VerifyOptions};
pub use ed25519_dalek::SigningKey;

pub const ORIGIN: &str = "test.sunshine/controls";
/// Sequencing time: 2020-07-01 09:00 China time. Business dates are 2019-2020.
pub const T_MS: u64 = 1_593_565_200_000;
pub const YUAN: u64 = 100;

pub const DISTRICT: u64 = 320_803_000_000;
pub const TOWN: u64 = 320_803_101_000;
pub const VILLAGE: u64 = 320_803_101_201;
pub const VILLAGE2: u64 = 320_803_101_202;

pub fn code(c: u64) -> RegionCode {
    RegionCode::new(c).unwrap()
}
pub fn date(d: u32) -> Date {
    Date::new(d).unwrap()
}
pub fn ident(s: &str) -> Ident {
    Ident::new(s).unwrap()
}
pub fn text(s: &str) -> Text {
    Text::new(s).unwrap()
}
pub fn fen(yuan: u64) -> Fen {
    Fen::new(yuan * YUAN).unwrap()
}
pub fn household(n: u8) -> HouseholdRef {
    HouseholdRef(Bytes([n; 32]))
}
pub fn masked(s: &str) -> MaskedName {
    MaskedName::parse_masked(s).unwrap()
}
pub fn line(notice: &str, line: u32) -> NoticeLineRef {
    NoticeLineRef {
        notice: ident(notice),
        line,
    }
}

/// The keys of the test district, one per office.
pub struct Keys {
    pub admin: SigningKey,
    pub district_finance: SigningKey,
    pub district_finance_2: SigningKey,
    pub leader: SigningKey,
    pub district_poverty: SigningKey,
    pub town_poverty: SigningKey,
    pub town_finance: SigningKey,
    pub town_finance_2: SigningKey,
    pub village: SigningKey,
    pub inspector: SigningKey,
    pub log: SigningKey,
}

pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

pub fn keys() -> Keys {
    Keys {
        admin: key(1),
        district_finance: key(2),
        leader: key(3),
        district_poverty: key(4),
        town_poverty: key(5),
        town_finance: key(6),
        town_finance_2: key(7),
        village: key(8),
        inspector: key(9),
        log: key(10),
        district_finance_2: key(11),
    }
}

pub fn grant(key: &SigningKey, role: Role, office: Office, region: u64, kinds: &[EntryKind]) -> KeyGrant {
    KeyGrant {
        key: Bytes(key.verifying_key().to_bytes()),
        // One person per key (the seed byte names them): the audit's signer
        // rules look for one holder behind several keys, which two clerks
        // of the same office are not.
        holder: text(&format!("{} {}号", office.label_zh(), key.to_bytes()[0])),
        role,
        office,
        scope: Scope {
            regions: vec![code(region)],
            kinds: kinds.to_vec(),
        },
        valid_from_ms: 0,
        valid_until_ms: u64::MAX / 2,
    }
}

/// The test policy: 7-day windows; 低保 entitles to the minimum-living
/// allowance, 建档立卡 to education and housing and ends with an exit;
/// payment lists enforced from 2019-05-01, registration from 2019-06-01,
/// roles and confirmation from 2019-07-01 (earlier entries are history).
pub fn policy() -> Policy {
    let rule = |kind, min_yuan, signatures, roles: &[Office]| CosignRule {
        kind,
        min_amount: if min_yuan == 0 { Fen::ZERO } else { fen(min_yuan) },
        signatures,
        roles: roles.to_vec(),
    };
    Policy {
        cosign_rules: vec![
            rule(
                EntryKind::HouseholdSubsidy,
                0,
                2,
                &[Office::TownPovertyOffice, Office::TownFinance],
            ),
            rule(EntryKind::HouseholdRegister, 0, 1, &[Office::TownPovertyOffice]),
            rule(EntryKind::ObjectionResolve, 0, 1, &[Office::DisciplineInspector]),
            rule(EntryKind::PaymentConfirm, 0, 1, &[Office::VillageCommittee]),
            rule(
                EntryKind::Transfer,
                50_000,
                2,
                &[Office::DistrictFinance, Office::DistrictLeader],
            ),
            rule(EntryKind::Reversal, 0, 1, &[Office::TownFinance]),
        ],
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![
            CategoryRule {
                category: AssistanceCategory::MinimumLiving,
                subsidies: vec![SubsidyCategory::MinimumLiving],
                ends_with_exit: false,
            },
            CategoryRule {
                category: AssistanceCategory::RegisteredLowIncome,
                subsidies: vec![SubsidyCategory::Education, SubsidyCategory::HousingRenovation],
                ends_with_exit: true,
            },
        ],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: date(20190601),
            payment_list: date(20190501),
            roles: date(20190701),
            confirmation: date(20190701),
            projects: date(20190601),
            duplicates: date(20190501),
        },
        retention_bp: 500,
        fund_limits: FundLimits::DEFAULT,
    }
}

/// A ledger under test: the state, its sequenced entries, and the keys.
#[derive(Clone)]
pub struct Ledger {
    pub state: LedgerState,
    /// The sequenced entries as stored (what the verifier reads).
    pub entries: Vec<Vec<u8>>,
    /// The same entries decoded (what the audit reads).
    pub sequenced: Vec<SequencedEntry>,
    pub head: ChainHead,
    pub nonce: u64,
}

impl Ledger {
    /// Sign and apply; on acceptance, sequence the entry into `entries`.
    pub fn post(&mut self, body: EntryBody, signers: &[&SigningKey]) -> Result<Effects, RuleError> {
        self.nonce += 1;
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&self.nonce.to_le_bytes());
        let seq = self.state.size();
        let time_ms = T_MS + seq;
        let signed = Submission {
            v: SUBMISSION_VERSION,
            origin: ORIGIN.into(),
            nonce: Bytes(nonce),
            not_after_ms: time_ms + 3_600_000,
            body,
        }
        .sign(signers);
        let verified = signed.clone().verify().unwrap();
        let effects = self.state.apply(seq, time_ms, &verified)?;
        self.sequenced.push(SequencedEntry {
            v: ENTRY_VERSION,
            seq,
            time_ms,
            prev_hash: self.head.last_hash,
            signed: signed.clone(),
        });
        let mut bytes = encoding::encode(&(ENTRY_VERSION, seq, time_ms, self.head.last_hash));
        bytes.extend_from_slice(&SignedSubmission::encode(&signed));
        self.head = ChainHead {
            size: self.head.size + 1,
            last_hash: entry_hash(&bytes),
            last_time_ms: time_ms,
        };
        self.entries.push(bytes);
        Ok(effects)
    }

    pub fn ok(&mut self, body: EntryBody, signers: &[&SigningKey]) -> Effects {
        let kind = body.kind().name();
        self.post(body, signers)
            .unwrap_or_else(|e| panic!("{kind} refused: [{}] {e}", e.code()))
    }

    /// Post, expect refusal with `code`, and check nothing changed.
    pub fn refused(&mut self, body: EntryBody, signers: &[&SigningKey], code: &str) -> RuleError {
        let before = (self.state.size(), self.entries.len(), self.sequenced.len());
        let snapshot = format!("{:?}", self.state.notices());
        match self.post(body, signers) {
            Ok(_) => panic!("accepted, expected {code}"),
            Err(e) => {
                assert_eq!(e.code(), code, "{e}");
                assert_eq!(
                    (self.state.size(), self.entries.len(), self.sequenced.len()),
                    before,
                    "a refusal changed the ledger"
                );
                assert_eq!(format!("{:?}", self.state.notices()), snapshot);
                e
            }
        }
    }
}

/// Genesis, one fund of 1,000,000 元 issued on 2019-03-01 to the district
/// and 200,000 元 passed to the town on 2019-03-10.
pub fn base() -> (Ledger, Keys) {
    base_with(policy())
}

/// [`base`] under another policy (e.g. a control enforced from another day).
pub fn base_with(policy: Policy) -> (Ledger, Keys) {
    let k = keys();
    let admin_kinds = [
        EntryKind::KeyGrant,
        EntryKind::KeyRevoke,
        EntryKind::RegionRegister,
        EntryKind::PolicyUpdate,
        EntryKind::LogKeyRotate,
    ];
    use EntryKind as K;
    let grants = vec![
        grant(&k.admin, Role::Admin, Office::Admin, DISTRICT, &admin_kinds),
        grant(
            &k.district_finance,
            Role::Operator,
            Office::DistrictFinance,
            DISTRICT,
            &[K::FundIssue, K::Transfer, K::Reversal],
        ),
        grant(
            &k.district_finance_2,
            Role::Operator,
            Office::DistrictFinance,
            DISTRICT,
            &[K::Transfer],
        ),
        grant(
            &k.leader,
            Role::Operator,
            Office::DistrictLeader,
            DISTRICT,
            &[K::Transfer, K::FundIssue],
        ),
        grant(
            &k.district_poverty,
            Role::Operator,
            Office::DistrictPovertyOffice,
            DISTRICT,
            &[
                K::Notice,
                K::Objection,
                K::ProjectApprove,
                K::ProjectAdjust,
                K::ProjectCancel,
            ],
        ),
        grant(
            &k.town_poverty,
            Role::Operator,
            Office::TownPovertyOffice,
            TOWN,
            &[
                K::Notice,
                K::HouseholdCheck,
                K::HouseholdRegister,
                K::HouseholdExit,
                K::HouseholdSubsidy,
                K::Objection,
                K::ProjectRegister,
                K::ProjectReview,
                K::ProjectStart,
                K::ProjectAccept,
                K::ProjectHandover,
                K::ProjectEvaluate,
                K::ProjectCancel,
                K::ProjectDisbursement,
            ],
        ),
        grant(
            &k.town_finance,
            Role::Operator,
            Office::TownFinance,
            TOWN,
            &[K::HouseholdSubsidy, K::Reversal, K::Transfer, K::ProjectDisbursement],
        ),
        grant(
            &k.town_finance_2,
            Role::Operator,
            Office::TownFinance,
            TOWN,
            &[K::HouseholdSubsidy, K::Reversal],
        ),
        grant(
            &k.village,
            Role::Operator,
            Office::VillageCommittee,
            VILLAGE,
            &[K::Notice, K::HouseholdCheck, K::PaymentConfirm, K::Objection],
        ),
        grant(
            &k.inspector,
            Role::Operator,
            Office::DisciplineInspector,
            DISTRICT,
            &[K::Objection, K::ObjectionResolve],
        ),
    ];
    let region = |c: u64, name: &str| RegionDef {
        code: code(c),
        name: name.into(),
    };
    let genesis = Genesis {
        title: text("控制测试账本"),
        grants,
        regions: vec![
            region(DISTRICT, "淮安区"),
            region(TOWN, "施河镇"),
            region(VILLAGE, "一村"),
            region(VILLAGE2, "二村"),
        ],
        policy,
        pseudonym_commitment: PseudonymKey::from_bytes([42; 32]).commitment(),
        log_vkey: LogSigner::new(ORIGIN, k.log.clone()).unwrap().verifier_key(),
    };
    let mut l = Ledger {
        state: LedgerState::new(),
        entries: Vec::new(),
        sequenced: Vec::new(),
        head: ChainHead::EMPTY,
        nonce: 0,
    };
    l.ok(EntryBody::Genesis(genesis), &[&k.admin]);
    l.ok(
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2019-01"),
            title: text("2019年财政专项扶贫资金"),
            document_no: text("淮区财〔2019〕12号"),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2019,
            to: Account::Treasury(code(DISTRICT)),
            amount: fen(1_000_000),
            date: date(20190301),
        }),
        &[&k.district_finance],
    );
    l.ok(transfer(200_000, 20190310), &[&k.district_finance, &k.leader]);
    (l, k)
}

pub fn transfer(yuan: u64, on: u32) -> EntryBody {
    EntryBody::Transfer(Transfer {
        fund: ident("F2019-01"),
        from: Account::Treasury(code(DISTRICT)),
        to: Account::Treasury(code(TOWN)),
        amount: fen(yuan),
        memo: text("拨付施河镇"),
        date: date(on),
    })
}

/// Project P of the project-library tests (issue 13): a 100,000 元 road in
/// the village with its review, plan, approval, contractor and stages, for
/// ledger-core's tests/projects.rs and ledger-audit's tests.
pub mod project {
    use super::*;
    pub use crate::entry::{Payee, ProjectCategory, ProjectDisbursement, ProjectRegister};
    pub use crate::project::{
        Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
        ProjectReview, ProjectStage,
    };

    pub const P: &str = "P2019-001";
    pub const CONTRACTOR: &str = "91320803MA1XXXXXX0";
    pub const OTHER_COMPANY: &str = "91320803MA2YYYYYY1";

    pub fn payee(id: &str) -> Payee {
        Payee {
            id: ident(id),
            name: text("淮安市某建设工程有限公司"),
        }
    }

    pub fn contract(id: &str) -> Contract {
        Contract {
            contractor: payee(id),
            contract_no: text("淮区建〔2019〕HT-031"),
        }
    }

    pub fn budget(yuan: u64) -> Vec<FundBudget> {
        vec![FundBudget {
            fund: ident("F2019-01"),
            amount: fen(yuan),
        }]
    }

    pub fn review(on: u32, passed: bool) -> EntryBody {
        EntryBody::ProjectReview(ProjectReview {
            project: ident(P),
            date: date(on),
            document_no: text("淮区扶贫论〔2019〕3号"),
            passed,
            note: text("选址合理，效益可行"),
        })
    }

    pub fn plan(id: &str, start: u32) -> EntryBody {
        EntryBody::Notice(Notice {
            notice: ident(id),
            stage: NoticeStage::ProjectPlan,
            region: code(VILLAGE),
            start: date(start),
            title: text("2019年扶贫项目公示"),
            lines: NoticeLines::Projects(vec![ident(P)]),
        })
    }

    pub fn approve(on: u32, plan_id: &str) -> EntryBody {
        EntryBody::ProjectApprove(ProjectApprove {
            project: ident(P),
            date: date(on),
            document_no: text("淮区扶贫〔2019〕12号"),
            plan: line(plan_id, 0),
            budgets: budget(100_000),
            contract: contract(CONTRACTOR),
        })
    }

    pub fn milestone(kind: fn(ProjectMilestone) -> EntryBody, on: u32, doc: &str) -> EntryBody {
        kind(ProjectMilestone {
            project: ident(P),
            date: date(on),
            document_no: text(doc),
            note: text("施河镇一村村委会"),
        })
    }

    pub fn start(on: u32) -> EntryBody {
        milestone(EntryBody::ProjectStart, on, "开工令〔2019〕7号")
    }

    pub fn accept(on: u32) -> EntryBody {
        milestone(EntryBody::ProjectAccept, on, "验收〔2019〕21号")
    }

    pub fn handover(on: u32) -> EntryBody {
        milestone(EntryBody::ProjectHandover, on, "移交〔2019〕5号")
    }

    pub fn evaluate(on: u32) -> EntryBody {
        EntryBody::ProjectEvaluate(ProjectEvaluate {
            project: ident(P),
            date: date(on),
            document_no: text("绩效〔2020〕2号"),
            score: 92,
            note: text("村集体年增收4.2万元"),
        })
    }

    pub fn pay(fen_amount: u64, to: &str, on: u32) -> EntryBody {
        EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: ident("F2019-01"),
            project: ident(P),
            from: Account::Project(ident(P)),
            payee: payee(to),
            amount: Fen::new(fen_amount).unwrap(),
            contract_ref: text("淮区建〔2019〕HT-031"),
            milestone: text("进度款"),
            date: date(on),
        })
    }

    /// The base ledger plus project P (a 100,000 元 road in the village,
    /// proposed), funded into its account on 2019-05-20.
    pub fn proposed() -> (Ledger, Keys) {
        proposed_in(base())
    }

    /// [`proposed`] on another base ledger (e.g. [`base_with`] another policy).
    pub fn proposed_in((mut l, k): (Ledger, Keys)) -> (Ledger, Keys) {
        l.ok(
            EntryBody::ProjectRegister(ProjectRegister {
                project: ident(P),
                name: text("一村组道路硬化"),
                village: code(VILLAGE),
                category: ProjectCategory::VillageRoad,
                budget: fen(100_000),
                implementer: text("施河镇人民政府"),
                start: date(20190601),
                end: date(20191231),
            }),
            &[&k.town_poverty],
        );
        l.ok(
            EntryBody::Transfer(Transfer {
                fund: ident("F2019-01"),
                from: Account::Treasury(code(TOWN)),
                to: Account::Project(ident(P)),
                amount: fen(100_000),
                memo: text("拨付项目资金"),
                date: date(20190520),
            }),
            &[&k.district_finance, &k.leader],
        );
        (l, k)
    }

    /// P reviewed (05-05), its plan publicised (05-10, ends 05-17), approved
    /// (05-20) with a budget of 100,000 元 and its contractor, work started (06-05).
    pub fn started() -> (Ledger, Keys) {
        started_in(base())
    }

    /// [`started`] on another base ledger.
    pub fn started_in(base: (Ledger, Keys)) -> (Ledger, Keys) {
        let (mut l, k) = proposed_in(base);
        l.ok(review(20190505, true), &[&k.town_poverty]);
        l.ok(plan("PP-1", 20190510), &[&k.village]);
        l.ok(approve(20190520, "PP-1"), &[&k.district_poverty]);
        l.ok(start(20190605), &[&k.town_poverty]);
        (l, k)
    }

    pub fn signers_of(k: &Keys) -> [&SigningKey; 2] {
        [&k.town_poverty, &k.town_finance]
    }
}
