//! Household payments: each round's payment lists (发放公示, one per
//! village, 500 lines at most), the payments citing their lines (history
//! from before the controls cites none), the objections against a line or a
//! payment and their decisions, reversals, and the households'
//! confirmations (确认) witnessed by the village committee.

use super::procedure::{Batch, Board};
use super::History;
use crate::calendar::{history_day, plus, round_start, ymd};
use crate::corrections::back_pay_fen;
use crate::corrections::OBJECTION_ROUND;
use crate::error::{fen, ident, text, DemoError};
use crate::funds::subsidy_fund;
use crate::households::Payer;
use crate::keys::COSIGN_POVERTY;
use crate::FIRST_YEAR;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, Reversal, Supplement, SupplementReason};
use ledger_core::procedure::{
    ConfirmMethod, NoticeLines, NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve,
    ObjectionTarget, PaymentConfirm, PaymentLine,
};
use std::collections::BTreeMap;

impl History<'_> {
    /// Round `r`'s payment lists: for each village, the payments it will
    /// make that quarter, posted by the town poverty office.
    pub(super) fn post_payment_lists(&mut self, r: u8) -> Result<(), DemoError> {
        let plan = self.plan;
        let mut by_village: BTreeMap<(u16, u16), Vec<usize>> = BTreeMap::new();
        for (k, item) in plan.items.iter().enumerate() {
            if !item.history && item.round() == r {
                by_village
                    .entry(plan.plans[item.household as usize].place)
                    .or_default()
                    .push(k);
            }
        }
        let year = FIRST_YEAR + u16::from(r / 4);
        let quarter = r % 4 + 1;
        let batch = Batch {
            stage: NoticeStage::PaymentList,
            start: round_start(r)?,
            tag: &format!("{year}Q{quarter}-PAY"),
            title: &format!("{year}年第{quarter}季度到户补贴发放公示"),
        };
        self.post_lists(&batch, &by_village)
    }

    /// History: one village's February 2019 payments cite a list posted the
    /// day before they were paid (before the controls, accepted and
    /// reported: paid before the window ended). The duplicate cites none.
    pub(super) fn post_history_list(&mut self) -> Result<(), DemoError> {
        let plan = self.plan;
        let Some(place) = self.history_list else {
            return Ok(());
        };
        let ks: Vec<usize> = (0..plan.items.len()).filter(|k| self.cites_history_list(*k)).collect();
        let start = ymd(FIRST_YEAR, 2, history_day(place.1) - 1)?;
        let batch = Batch {
            stage: NoticeStage::PaymentList,
            start,
            tag: "2019-02-PAY",
            title: "2019年1-2月最低生活保障金发放公示",
        };
        self.post_lists(&batch, &BTreeMap::from([(place, ks)]))
    }

    /// Does payment `k` cite the history list?
    fn cites_history_list(&self, k: usize) -> bool {
        let plan = self.plan;
        let item = &plan.items[k];
        item.history
            && Some(plan.plans[item.household as usize].place) == self.history_list
            && !plan.corrections.reversal_reasons.contains_key(&k)
    }

    /// Post the payment lists of `by_village`, and note each payment's line.
    fn post_lists(
        &mut self,
        batch: &Batch<'_>,
        by_village: &BTreeMap<(u16, u16), Vec<usize>>,
    ) -> Result<(), DemoError> {
        let plan = self.plan;
        if by_village.is_empty() {
            return Ok(());
        }
        let mut groups: Vec<(Board, Vec<PaymentLine>)> = Vec::new();
        let mut order: Vec<usize> = Vec::new();
        for (&(t, v), ks) in by_village {
            let mut lines = Vec::with_capacity(ks.len());
            for &k in ks {
                let item = &plan.items[k];
                let h = &plan.households[item.household as usize];
                lines.push(PaymentLine {
                    household: h.reference,
                    masked_name: h.masked_name.clone(),
                    category: item.category,
                    period: item.period,
                    amount: fen(item.amount)?,
                });
                order.push(k);
            }
            groups.push((Board::Village(t, v), lines));
        }
        let refs = self.post_notices(batch, &groups, NoticeLines::Payments, |h, board| match board {
            Board::Village(t, _) | Board::Town(t) => h.plan.ring.town_poverty(t),
            Board::District => COSIGN_POVERTY,
        })?;
        for (k, line) in order.into_iter().zip(refs) {
            self.item_line[k] = line;
        }
        Ok(())
    }

    /// The town of payment `k`.
    fn town_of(&self, k: usize) -> u16 {
        match self.plan.items[k].payer {
            Payer::Town(t) | Payer::Village(t, _) => t,
        }
    }

    /// HouseholdSubsidy `k`, from its town or weak village, citing its
    /// payment-list line (history: none), co-signed by the town poverty
    /// office and finance station (history: the finance station and the
    /// district poverty office, as before the policy named offices).
    pub(super) fn pay_household(&mut self, k: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let item = plan.items[k];
        let household = &plan.households[item.household as usize];
        let f = plan.funds.position(item.year, subsidy_fund(item.category));
        let towns = &plan.district.towns;
        let from = match item.payer {
            Payer::Town(t) => towns[t as usize].code,
            Payer::Village(t, v) => towns[t as usize].villages[v as usize].code,
        };
        let t = self.town_of(k);
        let finance = self.town_finance(t, item.date);
        let (notice, signers) = if item.history {
            let line = if self.cites_history_list(k) {
                Some(self.line_ref(self.item_line[k])?)
            } else {
                None
            };
            (line, [finance, COSIGN_POVERTY])
        } else {
            (
                Some(self.line_ref(self.item_line[k])?),
                [plan.ring.town_poverty(t), finance],
            )
        };
        // The underpaid payment (`corrections`): a quarter short of its
        // line, made good below.
        let short = if plan.corrections.back_pay == Some(k) {
            back_pay_fen(item.amount)
        } else {
            0
        };
        let payment = HouseholdSubsidy {
            fund: plan.funds.defs[f].id.clone(),
            from: Account::Treasury(from),
            household: household.reference,
            masked_name: household.masked_name.clone(),
            village: household.village,
            category: item.category,
            period: item.period,
            amount: fen(item.amount - short)?,
            date: item.date,
            notice,
            supplementary: None,
        };
        let seq = self
            .emitter
            .emit(EntryBody::HouseholdSubsidy(payment.clone()), &signers)?;
        self.item_seq[k] = Some(seq);
        if short > 0 {
            // 补发 seven days later, on the same line: the line's total is
            // then exactly what it publicised (issue 14).
            let note = format!(
                "核查发现少发{}元，经镇财政所审核补发",
                ledger_core::Fen::from_raw(short).to_yuan_string()
            );
            self.emitter.emit(
                EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                    amount: fen(short)?,
                    date: plus(item.date, 7)?,
                    supplementary: Some(Supplement {
                        reason: SupplementReason::BackPay,
                        of_seq: seq,
                        note: text(&note)?,
                    }),
                    ..payment
                }),
                &signers,
            )?;
        }
        Ok(())
    }

    /// Reversal of household payment `k`, by its town's finance station and
    /// poverty office.
    pub(super) fn reverse_payment(&mut self, k: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let Some(target_seq) = self.item_seq[k] else {
            return Ok(());
        };
        let item = plan.items[k];
        let reason = plan.corrections.reversal_reasons.get(&k).copied().unwrap_or("冲正");
        let date = if plan.corrections.payment_upheld == Some(k) {
            plus(item.date, 8)?
        } else {
            ymd(FIRST_YEAR, 3, 5)?
        };
        let t = self.town_of(k);
        let signers = [self.town_finance(t, date), plan.ring.town_poverty(t)];
        self.emitter.emit_for(
            EntryBody::Reversal(Reversal {
                target_seq,
                reason: text(reason)?,
                date,
            }),
            Some(fen(item.amount)?),
            &signers,
        )?;
        Ok(())
    }

    /// 确认: the household confirms payment `k`, witnessed by its village
    /// committee.
    pub(super) fn confirm(&mut self, k: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let item = plan.items[k];
        let (Some(payment_seq), Some(days)) = (self.item_seq[k], item.confirm_after) else {
            return Ok(());
        };
        let (t, v) = plan.plans[item.household as usize].place;
        let method = match k % 10 {
            0..=5 => ConfirmMethod::BankStatement,
            6..=8 => ConfirmMethod::CardSignature,
            _ => ConfirmMethod::InPerson,
        };
        let seq = self.emitter.emit(
            EntryBody::PaymentConfirm(PaymentConfirm {
                payment_seq,
                method,
                date: plus(item.date, u32::from(days))?,
            }),
            &[plan.ring.village(t, v)],
        )?;
        self.confirmed.push((payment_seq, seq));
        Ok(())
    }

    /// 异议 against a line of the objection round's payment list.
    pub(super) fn object_to_line(&mut self, upheld: bool) -> Result<(), DemoError> {
        let c = &self.plan.corrections;
        let Some(k) = (if upheld { c.line_upheld } else { c.line_dismissed }) else {
            return Ok(());
        };
        let (case_no, channel, summary) = if upheld {
            (
                "YY-2019-0001",
                ObjectionChannel::Hotline12317,
                "反映该户家庭成员本季度已外出务工并取得稳定收入，本期不应享受最低生活保障金",
            )
        } else {
            (
                "YY-2019-0002",
                ObjectionChannel::InPerson,
                "反映该户家庭经济状况好转，不符合本期补助条件",
            )
        };
        self.post_objection(
            case_no,
            ObjectionTarget::NoticeLine(self.line_ref(self.item_line[k])?),
            channel,
            summary,
            plus(round_start(OBJECTION_ROUND)?, 2)?,
        )
    }

    /// The decision on a line objection.
    pub(super) fn decide_line(&mut self, upheld: bool) -> Result<(), DemoError> {
        let (case_no, outcome, reason, days) = if upheld {
            (
                "YY-2019-0001",
                ObjectionOutcome::Upheld,
                "经入户核查和务工收入核实，反映属实，撤回该户本期发放名单",
                6,
            )
        } else {
            (
                "YY-2019-0002",
                ObjectionOutcome::Dismissed,
                "经入户核查和部门数据比对，该户仍符合补助条件，反映不属实",
                5,
            )
        };
        self.post_decision(case_no, outcome, reason, plus(round_start(OBJECTION_ROUND)?, days)?)
    }

    /// 异议 against payment `k` after it was made (the ineligible household).
    pub(super) fn object_to_payment(&mut self, k: usize) -> Result<(), DemoError> {
        let Some(seq) = self.item_seq[k] else {
            return Ok(());
        };
        let date = plus(self.plan.items[k].date, 3)?;
        self.post_objection(
            "YY-2020-0001",
            ObjectionTarget::Entry(seq),
            ObjectionChannel::Letter,
            "来信反映该户家庭成员在城区购有商品房并经营货运车辆，不符合补助条件",
            date,
        )
    }

    /// The decision on the objection to payment `k`: upheld, after the
    /// payment was reversed.
    pub(super) fn decide_payment(&mut self, k: usize) -> Result<(), DemoError> {
        if self.item_seq[k].is_none() {
            return Ok(());
        }
        let date = plus(self.plan.items[k].date, 12)?;
        self.post_decision(
            "YY-2020-0001",
            ObjectionOutcome::Upheld,
            "经入户核查和车辆、房产数据比对，反映属实，该笔补助已冲正收回",
            date,
        )
    }

    fn post_objection(
        &mut self,
        case_no: &'static str,
        target: ObjectionTarget,
        channel: ObjectionChannel,
        summary: &str,
        received: ledger_core::ids::Date,
    ) -> Result<(), DemoError> {
        let id = ident(case_no)?;
        self.cases.insert(case_no, id.clone());
        self.emitter.emit(
            EntryBody::Objection(Objection {
                case_no: id,
                target,
                channel,
                received,
                summary: text(summary)?,
            }),
            &[self.plan.ring.inspector],
        )?;
        Ok(())
    }

    fn post_decision(
        &mut self,
        case_no: &'static str,
        outcome: ObjectionOutcome,
        reason: &str,
        date: ledger_core::ids::Date,
    ) -> Result<(), DemoError> {
        let Some(id) = self.cases.get(case_no).cloned() else {
            return Ok(());
        };
        self.emitter.emit(
            EntryBody::ObjectionResolve(ObjectionResolve {
                case_no: id,
                outcome,
                date,
                reason: text(reason)?,
            }),
            &[self.plan.ring.inspector],
        )?;
        Ok(())
    }
}
