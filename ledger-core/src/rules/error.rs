//! The rules an entry can break, with their stable machine codes.

pub use super::message_zh::Detail;
use crate::amount::AmountError;
use crate::encoding::Bytes;
use crate::entry::SubsidyCategory;
use crate::ids::{Date, Ident, Period};
use crate::keys::PublicKey;
use crate::region::{RegionCode, RegionError};

/// A rule an entry breaks. [`RuleError::code`] is the stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Structurally invalid content (zero amount, empty scope, …).
    #[error("malformed entry: {0}")]
    Malformed(String),
    /// Origin is not this log's.
    #[error("submission is for log {found:?}, this log is {expected:?}")]
    WrongOrigin {
        /// This log.
        expected: String,
        /// The submission's.
        found: String,
    },
    /// The nonce was used before.
    #[error("nonce {0} was already used")]
    ReplayedNonce(Bytes<16>),
    /// Sequenced after its not-after time.
    #[error("submission expired at {not_after_ms} ms, it is now {now_ms} ms")]
    Expired {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// not_after too far in the future.
    #[error("submission valid until {not_after_ms} ms, more than 7 days after {now_ms} ms")]
    ValidityTooLong {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// Signed by a key never granted.
    #[error("key {0} is not granted in this log")]
    UnknownKey(PublicKey),
    /// Signed by a revoked key.
    #[error("key {key} was revoked at entry {revoked_seq}")]
    RevokedKey {
        /// The key.
        key: PublicKey,
        /// The revocation entry.
        revoked_seq: u64,
    },
    /// Signed outside the key's validity window.
    #[error("key {0} is not valid at this time")]
    KeyNotValid(PublicKey),
    /// The key's role or scope does not allow this kind in this region.
    #[error("key {key} may not sign {kind} in region {region}")]
    OutOfScope {
        /// The key.
        key: PublicKey,
        /// The entry kind.
        kind: &'static str,
        /// The region concerned.
        region: RegionCode,
    },
    /// Fewer distinct authorised signatures than the policy requires.
    #[error("{kind} needs {required} signatures from distinct authorised keys, has {found}")]
    MissingCosignature {
        /// Entry kind.
        kind: &'static str,
        /// Needed.
        required: u8,
        /// Present.
        found: u8,
    },
    /// A region the log does not know, or of the wrong level.
    #[error("{0}")]
    UnknownRegion(String),
    /// Fund not issued.
    #[error("fund {0} has not been issued")]
    UnknownFund(Ident),
    /// Fund issued twice.
    #[error("fund {0} was already issued")]
    DuplicateFund(Ident),
    /// Project not registered.
    #[error("project {0} is not registered")]
    UnknownProject(Ident),
    /// Project registered twice.
    #[error("project {0} is already registered")]
    DuplicateProject(Ident),
    /// Outflow beyond the account's balance of the fund.
    #[error("overdraft: {account} holds {balance} fen of fund {fund}, cannot pay {amount} fen")]
    Overdraft {
        /// The account.
        account: String,
        /// The fund.
        fund: Ident,
        /// Its balance.
        balance: u64,
        /// The amount asked.
        amount: u64,
    },
    /// Money may only move down the hierarchy.
    #[error("money may not move from {from} to {to}")]
    BadPath {
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// The reversal target does not exist or is not a money entry.
    #[error("entry {0} is not a money entry that can be reversed")]
    NotReversible(u64),
    /// Already reversed.
    #[error("entry {target} was already reversed by entry {by}")]
    AlreadyReversed {
        /// Target.
        target: u64,
        /// The earlier reversal.
        by: u64,
    },
    /// A weak or invalid key in a grant.
    #[error("key {0} is weak or not a valid Ed25519 key")]
    WeakKey(PublicKey),
    /// A key granted twice.
    #[error("key {0} is already granted")]
    DuplicateKey(PublicKey),
    /// Genesis missing, repeated, or badly formed.
    #[error("genesis: {0}")]
    Genesis(String),
    /// A business date after the sequencing day (plus one day for time zones).
    #[error("business date {date} is after today ({today}, China time)")]
    DateInFuture {
        /// The entry's date.
        date: Date,
        /// The sequencing day.
        today: Date,
    },
    /// Money dated before its fund was issued.
    #[error("business date {date} is before fund {fund} was issued ({issued})")]
    DateBeforeFund {
        /// The entry's date.
        date: Date,
        /// The fund.
        fund: Ident,
        /// Its issue date.
        issued: Date,
    },
    /// A date before the fact the entry follows (a reversal before its
    /// payment, a check before the application, …).
    #[error("business date {date} is before {what} ({earlier})")]
    DateOutOfOrder {
        /// The entry's date.
        date: Date,
        /// What it follows.
        what: Detail,
        /// That fact's date.
        earlier: Date,
    },
    /// The policy's offices did not all sign (五签字).
    #[error("{kind} must be signed by {office} ({office_zh}); no authorised signer holds that office")]
    MissingRole {
        /// Entry kind.
        kind: &'static str,
        /// The missing office's code.
        office: &'static str,
        /// Its Chinese name.
        office_zh: &'static str,
    },
    /// A household paid without a registration that entitles it.
    #[error("household {household} is not registered in a category entitling it to {category} on {date}")]
    NotRegistered {
        /// The household.
        household: String,
        /// The subsidy category.
        category: &'static str,
        /// The payment's date.
        date: Date,
    },
    /// A household registered again in a category it holds.
    #[error("household {household} is already registered in {category} (entry {seq})")]
    AlreadyRegistered {
        /// The household.
        household: String,
        /// The category.
        category: &'static str,
        /// The registration entry.
        seq: u64,
    },
    /// A payment or step without the notice line that must publicise it.
    #[error("not publicised: {0}")]
    NotPublicized(Detail),
    /// The notice's window has not ended by the date.
    #[error("the publicity window of notice {notice} ends on {ends} (first day after it); {what} is dated {date}")]
    PublicityNotEnded {
        /// The notice.
        notice: Ident,
        /// The first day after its window.
        ends: Date,
        /// What needed the window to be over.
        what: &'static str,
        /// Its date.
        date: Date,
    },
    /// A registration without every step of 两公告两比对四公示.
    #[error("procedure incomplete: {0}")]
    ProcedureIncomplete(Detail),
    /// An objection against the line or entry is still open.
    #[error("objection {case_no} against {target} is not resolved")]
    ObjectionOpen {
        /// The open objection.
        case_no: Ident,
        /// Its target.
        target: Detail,
    },
    /// The line was withdrawn after an upheld objection.
    #[error("line {line} of notice {notice} was withdrawn (objection {case_no} upheld)")]
    LineWithdrawn {
        /// The notice.
        notice: Ident,
        /// The line.
        line: u32,
        /// The upheld objection.
        case_no: Ident,
    },
    /// More than the notice line allows.
    #[error("{amount} fen is more than line {line} of notice {notice} allows ({allowed} fen)")]
    AmountAboveNotice {
        /// The notice.
        notice: Ident,
        /// The line.
        line: u32,
        /// The line's amount.
        allowed: u64,
        /// The payment's.
        amount: u64,
    },
    /// The line already covers a payment (paying twice).
    #[error("line {line} of notice {notice} was already paid (reverse that payment first to pay it again)")]
    LinePaid {
        /// The notice.
        notice: Ident,
        /// The line.
        line: u32,
    },
    /// A notice id used twice.
    #[error("notice {0} already exists")]
    DuplicateNotice(Ident),
    /// An objection case number used twice.
    #[error("objection {0} already exists")]
    DuplicateObjection(Ident),
    /// An objection that does not exist.
    #[error("objection {0} does not exist")]
    UnknownObjection(Ident),
    /// An objection already decided.
    #[error("objection {case_no} was already decided at entry {seq}")]
    ObjectionClosed {
        /// The objection.
        case_no: Ident,
        /// The deciding entry.
        seq: u64,
    },
    /// An objection's target that does not exist.
    #[error("objection target {0} does not exist")]
    UnknownTarget(Detail),
    /// An upheld objection against a payment that was not reversed first.
    #[error("payment entry {0} must be reversed before the objection against it is upheld")]
    PaymentNotReversed(u64),
    /// A confirmation of something that is not a standing household subsidy.
    #[error("entry {0} is not a household subsidy that can be confirmed")]
    NotAPayment(u64),
    /// Issue 14: the household was already paid for this category and
    /// period (and that payment was not reversed); a second payment must
    /// say it is supplementary (补发, 差额补足).
    #[error("household {household} was already paid for {cat} {period} by entry {earlier_seq} on {earlier_date} ({earlier_amount} fen); a second payment must be marked supplementary, or the first reversed", cat = .category.name())]
    DuplicatePayment {
        /// The household.
        household: String,
        /// The category.
        category: SubsidyCategory,
        /// The period.
        period: Period,
        /// The earlier payment.
        earlier_seq: u64,
        /// Its business date.
        earlier_date: Date,
        /// Its amount, fen.
        earlier_amount: u64,
    },
    /// Issue 14: a supplementary payment whose `of_seq` is not a standing
    /// payment of the same household, category and period.
    #[error("entry {of_seq} is not a standing payment of household {household} for {cat} {period}; a supplementary payment adds to one", cat = .category.name())]
    NotSupplementing {
        /// The entry named.
        of_seq: u64,
        /// The household.
        household: String,
        /// The category.
        category: SubsidyCategory,
        /// The period.
        period: Period,
    },
    /// A project payment beyond the project's approved budget.
    #[error("project {project} has an approved budget of {budget} fen and has been paid {paid} fen; {amount} fen more would exceed it")]
    BudgetExceeded {
        /// The project.
        project: Ident,
        /// Its budget.
        budget: u64,
        /// Paid so far, net of reversals.
        paid: u64,
        /// The payment refused.
        amount: u64,
    },
    /// A project stage out of order.
    #[error("project {project} is at stage {stage}: {why}")]
    StageOrder {
        /// The project.
        project: Ident,
        /// Its stage.
        stage: &'static str,
        /// The order broken.
        why: &'static str,
        /// The same, in Chinese.
        why_zh: &'static str,
    },
    /// Anything for a cancelled project.
    #[error("project {project} was cancelled at entry {seq}")]
    ProjectCancelled {
        /// The project.
        project: Ident,
        /// The cancelling entry.
        seq: u64,
    },
    /// A project payment before its approval.
    #[error("project {project} is not approved (stage {stage}): it may not be paid")]
    NotApproved {
        /// The project.
        project: Ident,
        /// Its stage.
        stage: &'static str,
    },
    /// A project payment to someone other than its contractor.
    #[error("project {project}'s contractor is {contractor}; payee {payee} is not (record a contract change first)")]
    PayeeNotContracted {
        /// The project.
        project: Ident,
        /// The contractor.
        contractor: Ident,
        /// The payee.
        payee: Ident,
    },
    /// The retention share paid before the acceptance.
    #[error("project {project} may be paid {payable} fen before its acceptance (the rest is retained); it was paid {paid} fen, {amount} fen more would reach the retention")]
    FinalPaymentBeforeAcceptance {
        /// The project.
        project: Ident,
        /// What may be paid before acceptance.
        payable: u64,
        /// Paid so far.
        paid: u64,
        /// The payment refused.
        amount: u64,
    },
    /// A payment confirmed twice.
    #[error("payment entry {0} was already confirmed")]
    AlreadyConfirmed(u64),
}

impl RuleError {
    /// Stable machine-readable code (HTTP API, CLI, reports).
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Malformed(_) => "malformed",
            RuleError::WrongOrigin { .. } => "wrong_origin",
            RuleError::ReplayedNonce(_) => "replayed_nonce",
            RuleError::Expired { .. } => "expired",
            RuleError::ValidityTooLong { .. } => "validity_too_long",
            RuleError::UnknownKey(_) => "unknown_key",
            RuleError::RevokedKey { .. } => "revoked_key",
            RuleError::KeyNotValid(_) => "key_not_valid",
            RuleError::OutOfScope { .. } => "out_of_scope",
            RuleError::MissingCosignature { .. } => "missing_cosignature",
            RuleError::UnknownRegion(_) => "unknown_region",
            RuleError::UnknownFund(_) => "unknown_fund",
            RuleError::DuplicateFund(_) => "duplicate_fund",
            RuleError::UnknownProject(_) => "unknown_project",
            RuleError::DuplicateProject(_) => "duplicate_project",
            RuleError::Overdraft { .. } => "overdraft",
            RuleError::BadPath { .. } => "bad_path",
            RuleError::NotReversible(_) => "not_reversible",
            RuleError::AlreadyReversed { .. } => "already_reversed",
            RuleError::WeakKey(_) => "weak_key",
            RuleError::DuplicateKey(_) => "duplicate_key",
            RuleError::Genesis(_) => "genesis",
            RuleError::DateInFuture { .. } => "date_in_future",
            RuleError::DateBeforeFund { .. } => "date_before_fund",
            RuleError::DateOutOfOrder { .. } => "date_out_of_order",
            RuleError::MissingRole { .. } => "missing_role",
            RuleError::NotRegistered { .. } => "not_registered",
            RuleError::AlreadyRegistered { .. } => "already_registered",
            RuleError::NotPublicized(_) => "not_publicized",
            RuleError::PublicityNotEnded { .. } => "publicity_not_ended",
            RuleError::ProcedureIncomplete(_) => "procedure_incomplete",
            RuleError::ObjectionOpen { .. } => "objection_open",
            RuleError::LineWithdrawn { .. } => "line_withdrawn",
            RuleError::AmountAboveNotice { .. } => "amount_above_notice",
            RuleError::LinePaid { .. } => "line_already_paid",
            RuleError::DuplicateNotice(_) => "duplicate_notice",
            RuleError::DuplicateObjection(_) => "duplicate_objection",
            RuleError::UnknownObjection(_) => "unknown_objection",
            RuleError::ObjectionClosed { .. } => "objection_closed",
            RuleError::UnknownTarget(_) => "unknown_target",
            RuleError::PaymentNotReversed(_) => "payment_not_reversed",
            RuleError::NotAPayment(_) => "not_a_payment",
            RuleError::DuplicatePayment { .. } => "duplicate_payment",
            RuleError::NotSupplementing { .. } => "not_supplementing",
            RuleError::AlreadyConfirmed(_) => "already_confirmed",
            RuleError::BudgetExceeded { .. } => "budget_exceeded",
            RuleError::StageOrder { .. } => "stage_order",
            RuleError::ProjectCancelled { .. } => "project_cancelled",
            RuleError::NotApproved { .. } => "not_approved",
            RuleError::PayeeNotContracted { .. } => "payee_not_contracted",
            RuleError::FinalPaymentBeforeAcceptance { .. } => "final_payment_before_acceptance",
        }
    }
}

impl From<RegionError> for RuleError {
    fn from(e: RegionError) -> Self {
        RuleError::UnknownRegion(e.to_string())
    }
}

impl From<AmountError> for RuleError {
    fn from(e: AmountError) -> Self {
        RuleError::Malformed(e.to_string())
    }
}
