//! The money that arrives and moves down: fund issues, transfers to the
//! towns (with, in the first year, one 低保 transfer sent to the wrong town,
//! reversed and re-sent) and the weak villages. (Projects and their
//! payments: `library`.)

use super::History;
use crate::calendar::ymd;
use crate::error::{fen, text, DemoError};
use crate::funds::FundKey;
use crate::keys::{COSIGN_FINANCE, COSIGN_POVERTY, DISTRICT_FUNDS};
use crate::FIRST_YEAR;
use ledger_core::entry::{Account, EntryBody, FundIssue, Reversal, Transfer};
use ledger_core::region::RegionCode;

impl History<'_> {
    /// The FundIssue of fund `f` into the district treasury.
    pub(super) fn issue_fund(&mut self, f: usize) -> Result<(), DemoError> {
        let def = &self.plan.funds.defs[f];
        self.emitter.emit(
            EntryBody::FundIssue(FundIssue {
                fund: def.id.clone(),
                title: def.title.clone(),
                document_no: text(&def.document_no)?,
                source: def.source,
                category: def.category,
                fiscal_year: def.year,
                to: self.treasury.clone(),
                amount: fen(self.plan.budget.issue[f])?,
                // 下达: in January, a few days apart.
                date: ymd(def.year, 1, 5 + (f % 20) as u8)?,
            }),
            &[DISTRICT_FUNDS, COSIGN_FINANCE],
        )?;
        Ok(())
    }

    /// Transfers district → towns of fund `f`, in February. In the first
    /// year, the 低保 transfer to the town receiving least is sent to the
    /// wrong town first, reversed, and re-sent.
    pub(super) fn pass_fund_to_towns(&mut self, f: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let towns = &plan.district.towns;
        let def = &plan.funds.defs[f];
        let date = ymd(def.year, 2, 10)?;
        // The misdirected transfer is the smallest town's, sent first: the
        // district still holds enough to re-send it without the reversal's
        // money (the audit's reversed_soon rule looks for a reversal that
        // covers an overdraft).
        let smallest = (0..towns.len() as u16)
            .filter_map(|t| plan.budget.town.get(&(f, t)).map(|a| (*a, t)))
            .min()
            .map(|(_, t)| t as usize);
        let misdirect = def.year == FIRST_YEAR && def.key == FundKey::MinLiving;
        let mut order: Vec<usize> = (0..towns.len()).collect();
        if let (true, Some(first)) = (misdirect, smallest) {
            order.retain(|t| *t != first);
            order.insert(0, first);
        }
        for t in order {
            let town = &towns[t];
            let Some(&amount) = plan.budget.town.get(&(f, t as u16)) else {
                continue;
            };
            if amount == 0 {
                continue;
            }
            let memo = text(&format!("拨付{}{}（{}）", town.name, def.title, def.document_no))?;
            let treasury = &self.treasury;
            let transfer = |to: RegionCode| -> Result<EntryBody, DemoError> {
                Ok(EntryBody::Transfer(Transfer {
                    fund: def.id.clone(),
                    from: treasury.clone(),
                    to: Account::Treasury(to),
                    amount: fen(amount)?,
                    memo: memo.clone(),
                    date,
                }))
            };
            if misdirect && Some(t) == smallest {
                // 误拨: sent to the neighbouring town, reversed, re-sent.
                let wrong = &towns[(t + 1) % towns.len()];
                let seq = self
                    .emitter
                    .emit(transfer(wrong.code)?, &[DISTRICT_FUNDS, COSIGN_FINANCE])?;
                let reason = format!(
                    "拨付对象错误（应拨{}，误拨{}），予以冲正后重新拨付",
                    town.name, wrong.name
                );
                self.emitter.emit_for(
                    EntryBody::Reversal(Reversal {
                        target_seq: seq,
                        reason: text(&reason)?,
                        date,
                    }),
                    Some(fen(amount)?),
                    &[DISTRICT_FUNDS, COSIGN_FINANCE],
                )?;
            }
            self.emitter
                .emit(transfer(town.code)?, &[DISTRICT_FUNDS, COSIGN_FINANCE])?;
        }
        Ok(())
    }

    /// Transfer town → weak village collective (industry support), in March.
    pub(super) fn pass_fund_to_village(&mut self, f: usize, t: u16, v: u16) -> Result<(), DemoError> {
        let plan = self.plan;
        let def = &plan.funds.defs[f];
        let Some(&amount) = plan.budget.village.get(&(f, t, v)) else {
            return Ok(());
        };
        let town = &plan.district.towns[t as usize];
        let village = &town.villages[v as usize];
        let date = ymd(def.year, 3, 1 + (v % 20) as u8)?;
        let op = self.town_finance(t, date);
        self.emitter.emit(
            EntryBody::Transfer(Transfer {
                fund: def.id.clone(),
                from: Account::Treasury(town.code),
                to: Account::Treasury(village.code),
                amount: fen(amount)?,
                memo: text(&format!(
                    "拨付{}{}年到户产业扶持资金（集体经济薄弱村）",
                    village.short, def.year
                ))?,
                date,
            }),
            &[op, COSIGN_POVERTY],
        )?;
        Ok(())
    }
}
