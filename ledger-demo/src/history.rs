//! The history: the entries posted in log order, step by step, from the
//! [`Plan`]: genesis, operator grants, then for each fiscal year the
//! rotation of a town operator (2020), fund issues, transfers to the towns
//! and weak villages, and the year's month-by-month project and household
//! payments and reversals (in `months`).

use crate::dice::Dice;
use crate::error::{fen, text, DemoError};
use crate::funds::FundKey;
use crate::generate::Plan;
use crate::genesis::{demo_cosign_rules, genesis_submission, GenesisParts};
use crate::keys::{ADMIN_DISCIPLINE, ADMIN_FINANCE, COSIGN_FINANCE, COSIGN_POVERTY, DISTRICT_FUNDS, TOWN_BASE};
use crate::signing::{Emitter, Planned};
use crate::{DEMO_ORIGIN, DEMO_TITLE, FIRST_YEAR, SUBMISSION_VALIDITY_MS};
use ed25519_dalek::SigningKey;
use ledger_core::entry::{Account, EntryBody, FundIssue, Reversal, Transfer};
use ledger_core::household::PseudonymKey;
use ledger_core::ids::Date;
use ledger_core::region::RegionCode;
use std::collections::HashMap;

mod months;

/// The business date `year`-`month`-`day` (a month past December is the
/// year's last day: the demo's history ends with its last fiscal year).
pub(crate) fn business_date(year: u16, month: u8, day: u8) -> Result<Date, DemoError> {
    let packed = if month > 12 {
        u32::from(year) * 10_000 + 1231
    } else {
        u32::from(year) * 10_000 + u32::from(month) * 100 + u32::from(day)
    };
    Date::new(packed).map_err(DemoError)
}

/// The log under construction: the plan it follows, the submissions so far,
/// and the sequence numbers later steps refer to.
pub(crate) struct History<'a> {
    plan: &'a Plan,
    emitter: Emitter<'a>,
    /// The district treasury, where funds are issued.
    treasury: Account,
    /// Key-ring position → sequence number of its revocation.
    revoked_at_seq: HashMap<usize, u64>,
    /// Payment index → sequence number, for the payments to reverse.
    item_seq: HashMap<usize, u64>,
}

impl<'a> History<'a> {
    /// An empty history, posting submissions valid until `now_ms + 24 h`.
    pub(crate) fn new(dice: &'a mut Dice, plan: &'a Plan, now_ms: u64) -> Result<History<'a>, DemoError> {
        Ok(History {
            plan,
            emitter: Emitter {
                dice,
                origin: DEMO_ORIGIN,
                not_after_ms: now_ms.saturating_add(SUBMISSION_VALIDITY_MS),
                rules: demo_cosign_rules()?,
                planned: Vec::new(),
            },
            treasury: Account::Treasury(plan.district.code),
            revoked_at_seq: HashMap::new(),
            item_seq: HashMap::new(),
        })
    }

    /// The submissions to sign, and the revocations by key-ring position.
    pub(crate) fn finish(self) -> (Vec<Planned>, HashMap<usize, u64>) {
        (self.emitter.planned, self.revoked_at_seq)
    }

    /// Genesis (seq 0), co-signed by both admins. It is signed like every
    /// other entry at the end; only its body is built here.
    pub(crate) fn post_genesis(&mut self, log_key: &SigningKey, pseudonym_key: &PseudonymKey) -> Result<(), DemoError> {
        let nonce = self.emitter.dice.bytes();
        let grants = &self.plan.ring.holders;
        let parts = GenesisParts {
            origin: DEMO_ORIGIN,
            title: DEMO_TITLE,
            regions: self.plan.district.regions.clone(),
            grants: vec![
                grants[ADMIN_FINANCE].grant.clone(),
                grants[ADMIN_DISCIPLINE].grant.clone(),
            ],
            cosign_rules: self.emitter.rules.clone(),
            pseudonym_key,
            log_key,
            nonce,
            not_after_ms: self.emitter.not_after_ms,
        };
        let body = genesis_submission(&parts, &[])?.submission;
        self.emitter.planned.push((body, [ADMIN_FINANCE, ADMIN_DISCIPLINE], 2));
        Ok(())
    }

    /// A KeyGrant for every operator except the successor, co-signed by both
    /// admins.
    pub(crate) fn grant_operator_keys(&mut self) {
        let ring = &self.plan.ring;
        for (i, holder) in ring.holders.iter().enumerate() {
            if i == ADMIN_FINANCE || i == ADMIN_DISCIPLINE || i == ring.replacement {
                continue;
            }
            self.emitter.emit(
                EntryBody::KeyGrant(holder.grant.clone()),
                ADMIN_FINANCE,
                ADMIN_DISCIPLINE,
            );
        }
    }

    /// One fiscal year, in order.
    pub(crate) fn post_fiscal_year(&mut self, year: u16) -> Result<(), DemoError> {
        if year > FIRST_YEAR {
            self.rotate_town_operator()?;
        }
        let year_funds = self.plan.funds.of_year(year);
        self.issue_funds(&year_funds)?;
        self.pass_funds_to_towns(year, &year_funds)?;
        self.pass_funds_to_weak_villages(year, &year_funds)?;
        self.post_months(year)
    }

    /// 人员调整: the rotated town's operator hands over to a successor
    /// (KeyRevoke, then KeyGrant).
    fn rotate_town_operator(&mut self) -> Result<(), DemoError> {
        let ring = &self.plan.ring;
        let old = TOWN_BASE + ring.rotated_town;
        let seq = self.emitter.emit(
            EntryBody::KeyRevoke {
                key: ring.holders[old].grant.key,
                reason: text(&format!("{}经办人工作调动，停用原签名密钥", ring.rotated_office))?,
            },
            ADMIN_FINANCE,
            ADMIN_DISCIPLINE,
        );
        self.revoked_at_seq.insert(old, seq);
        self.emitter.emit(
            EntryBody::KeyGrant(ring.holders[ring.replacement].grant.clone()),
            ADMIN_FINANCE,
            ADMIN_DISCIPLINE,
        );
        Ok(())
    }

    /// The year's FundIssues into the district treasury.
    fn issue_funds(&mut self, year_funds: &[usize]) -> Result<(), DemoError> {
        for &f in year_funds {
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
                    date: business_date(def.year, 1, 5 + (f % 20) as u8)?,
                }),
                DISTRICT_FUNDS,
                COSIGN_FINANCE,
            );
        }
        Ok(())
    }

    /// Transfers district → towns. In the first year, one 低保 transfer is
    /// sent to the wrong town first, reversed, and re-sent.
    fn pass_funds_to_towns(&mut self, year: u16, year_funds: &[usize]) -> Result<(), DemoError> {
        let towns = &self.plan.district.towns;
        let mut misdirected = year == FIRST_YEAR;
        for &f in year_funds {
            let def = &self.plan.funds.defs[f];
            // Passed on to the towns in February, after every January issue.
            let date = business_date(year, 2, 10)?;
            for (t, town) in towns.iter().enumerate() {
                let Some(&amount) = self.plan.budget.town.get(&(f, t as u16)) else {
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
                if misdirected && def.key == FundKey::MinLiving {
                    // 误拨: sent to the neighbouring town, reversed, re-sent.
                    misdirected = false;
                    let wrong = &towns[(t + 1) % towns.len()];
                    let seq = self.emitter.emit(transfer(wrong.code)?, DISTRICT_FUNDS, COSIGN_FINANCE);
                    let reason = format!(
                        "拨付对象错误（应拨{}，误拨{}），予以冲正后重新拨付",
                        town.name, wrong.name
                    );
                    self.emitter.emit(
                        EntryBody::Reversal(Reversal {
                            target_seq: seq,
                            reason: text(&reason)?,
                            date,
                        }),
                        DISTRICT_FUNDS,
                        COSIGN_FINANCE,
                    );
                }
                self.emitter.emit(transfer(town.code)?, DISTRICT_FUNDS, COSIGN_FINANCE);
            }
        }
        Ok(())
    }

    /// Transfers town → weak village collectives (industry support).
    fn pass_funds_to_weak_villages(&mut self, year: u16, year_funds: &[usize]) -> Result<(), DemoError> {
        let plan = self.plan;
        for &f in year_funds {
            let def = &plan.funds.defs[f];
            for (t, v) in &plan.weak_villages {
                let Some(&amount) = plan.budget.village.get(&(f, *t, *v)) else {
                    continue;
                };
                let town = &plan.district.towns[*t as usize];
                let village = &town.villages[*v as usize];
                self.emitter.emit(
                    EntryBody::Transfer(Transfer {
                        fund: def.id.clone(),
                        from: Account::Treasury(town.code),
                        to: Account::Treasury(village.code),
                        amount: fen(amount)?,
                        memo: text(&format!(
                            "拨付{}{}年到户产业扶持资金（集体经济薄弱村）",
                            village.short, year
                        ))?,
                        date: business_date(year, 3, 1 + (*v % 20) as u8)?,
                    }),
                    plan.ring.town_operator(*t, year),
                    COSIGN_POVERTY,
                );
            }
        }
        Ok(())
    }
}
