//! Payment lists and payments (发放公示): entitlement, the cited line,
//! and the household's confirmation (确认).

use super::*;

impl LedgerState {
    /// Is the household registered in `s.village`, on the payment's date, in
    /// a category that entitles it to the payment's category?
    pub(in crate::rules) fn entitled(&self, s: &HouseholdSubsidy) -> bool {
        self.household(&s.household).is_some_and(|h| {
            h.village == s.village
                && self
                    .policy
                    .entitling(s.category)
                    .any(|c| h.registered_on(c, s.date).is_some())
        })
    }

    /// The payment-list and registration controls of a household subsidy
    /// (the money rules are in `content`). Returns the line it uses.
    pub(in crate::rules) fn check_subsidy_controls(&self, s: &HouseholdSubsidy) -> Result<Option<u32>, RuleError> {
        let enforced = &self.policy.enforced_from;
        if s.date >= enforced.registration && !self.entitled(s) {
            return Err(RuleError::NotRegistered {
                household: s.household.to_string(),
                category: s.category.name(),
                date: s.date,
            });
        }
        let Some(r) = &s.notice else {
            if s.date >= enforced.payment_list {
                return Err(RuleError::NotPublicized(Detail::new(
                    format!("{} 起的发放须注明其发放公示的行", enforced.payment_list),
                    format!(
                        "payments dated from {} on must cite their payment-list line (发放公示)",
                        enforced.payment_list
                    ),
                )));
            }
            return Ok(None);
        };
        let (notice, index, line) = self.resolve_line(r)?;
        let matches = notice.stage == NoticeStage::PaymentList
            && notice.region == s.village
            && self.household_index(&s.household) == Some(line.household)
            && usize::from(line.category) == subsidy_index(s.category)
            && line.period == s.period;
        if !matches {
            return Err(RuleError::NotPublicized(Detail::new(
                format!(
                    "{}不是村 {} 农户 {} 的“{}”{} 发放公示行",
                    line_name_zh(r),
                    s.village,
                    s.household,
                    s.category.label_zh(),
                    s.period
                ),
                format!(
                    "{} is not a payment-list line for household {} in {}, {} {}",
                    line_name(r),
                    s.household,
                    s.village,
                    s.category.name(),
                    s.period
                ),
            )));
        }
        // Paying a line twice is refused whatever the date, except by a
        // supplementary payment (issue 14), which together with the line's
        // standing payments stays within the line's amount.
        if line.flags & PAID != 0 {
            if s.supplementary.is_none() {
                return Err(RuleError::LinePaid {
                    notice: r.notice.clone(),
                    line: r.line,
                });
            }
            let total = self.paid_on_line(s, index).saturating_add(s.amount.get());
            if total > line.amount {
                return Err(RuleError::AmountAboveNotice {
                    notice: r.notice.clone(),
                    line: r.line,
                    allowed: line.amount,
                    amount: total,
                });
            }
        }
        // History from before the control cites its line, but what the
        // line did not allow is reported (rules::history), not refused.
        if s.date >= enforced.payment_list {
            self.line_allows(s, r)?;
        }
        Ok(Some(index))
    }

    /// What a payment-list line allows: no more than its amount, nothing
    /// against it, its window over. `r` is known to resolve to a matching line.
    pub(in crate::rules) fn line_allows(&self, s: &HouseholdSubsidy, r: &NoticeLineRef) -> Result<(), RuleError> {
        let (notice, index, line) = self.resolve_line(r)?;
        if s.amount.get() > line.amount {
            return Err(RuleError::AmountAboveNotice {
                notice: r.notice.clone(),
                line: r.line,
                allowed: line.amount,
                amount: s.amount.get(),
            });
        }
        self.line_standing(r, index, line)?;
        if s.date < notice.ends {
            return Err(RuleError::PublicityNotEnded {
                notice: notice.id.clone(),
                ends: notice.ends,
                what: "household_subsidy",
                date: s.date,
            });
        }
        Ok(())
    }

    pub(in crate::rules) fn check_confirm(&self, c: &PaymentConfirm) -> Result<Vec<RegionCode>, RuleError> {
        let m = self
            .moves
            .get(c.payment_seq)
            .filter(|m| m.from.is_some() && m.to.is_none() && m.project.is_none())
            .ok_or(RuleError::NotAPayment(c.payment_seq))?;
        if self.moves.reversed_by(c.payment_seq).is_some() {
            return Err(RuleError::NotAPayment(c.payment_seq));
        }
        if self.is_confirmed(c.payment_seq) {
            return Err(RuleError::AlreadyConfirmed(c.payment_seq));
        }
        let paid = Date::new(m.date).map_err(|_| RuleError::NotAPayment(c.payment_seq))?;
        if c.date < paid {
            return Err(RuleError::DateOutOfOrder {
                date: c.date,
                what: Detail::new(
                    format!("第 {} 号发放", c.payment_seq),
                    format!("payment entry {}", c.payment_seq),
                ),
                earlier: paid,
            });
        }
        // The household's village: its payment-list line's notice. History
        // paid without a line (before payment lists were enforced, when
        // confirmations are not required either) has only the paying
        // treasury to go by, so a key of that treasury's region confirms it.
        let region = match m.line.and_then(|l| self.controls.lines.get(l as usize)) {
            Some(line) => self
                .controls
                .notice_records
                .get(line.notice as usize)
                .map(|n| n.region)
                .ok_or(RuleError::NotAPayment(c.payment_seq))?,
            None => {
                let account = m
                    .from
                    .and_then(|a| self.accounts.get(a))
                    .ok_or(RuleError::NotAPayment(c.payment_seq))?;
                self.account_region(account)?
            }
        };
        Ok(vec![region])
    }

    pub(in crate::rules) fn commit_confirm(&mut self, c: &PaymentConfirm) {
        let (word, bit) = ((c.payment_seq / 64) as usize, c.payment_seq % 64);
        if self.controls.confirmed.len() <= word {
            self.controls.confirmed.resize(word + 1, 0);
        }
        if let Some(w) = self.controls.confirmed.get_mut(word) {
            *w |= 1 << bit;
        }
    }

    /// Mark a payment-list line paid (a subsidy) or free again (its reversal).
    /// Is line `index` marked paid (false for no such line)?
    pub(in crate::rules) fn line_paid(&self, index: u32) -> bool {
        self.controls
            .lines
            .get(index as usize)
            .is_some_and(|line| line.flags & PAID != 0)
    }

    pub(in crate::rules) fn set_line_paid(&mut self, index: u32, paid: bool) {
        if let Some(line) = self.controls.lines.get_mut(index as usize) {
            if paid {
                line.flags |= PAID;
            } else {
                line.flags &= !PAID;
            }
        }
    }
}
