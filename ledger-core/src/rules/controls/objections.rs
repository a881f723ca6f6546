//! Objections (异议) and their decisions.

use super::*;

fn money_entry(seq: u64) -> Detail {
    Detail::new(format!("第 {seq} 号资金条目"), format!("money entry {seq}"))
}

impl LedgerState {
    fn target_region_and_date(&self, target: &ObjectionTarget) -> Result<(RegionCode, Date), RuleError> {
        match target {
            ObjectionTarget::NoticeLine(r) => {
                let (notice, _, _) = self
                    .resolve_line(r)
                    .map_err(|_| RuleError::UnknownTarget(line_detail(r)))?;
                Ok((notice.region, notice.start))
            }
            ObjectionTarget::Entry(seq) => {
                let Some(m) = self.moves.get(*seq) else {
                    // A project registration (项目入库) may be objected to as
                    // well; a scan, on this rare path only.
                    let project = self.projects.values().find(|p| p.register_seq == *seq).ok_or_else(|| {
                        RuleError::UnknownTarget(Detail::new(
                            format!("第 {seq} 号条目（资金条目或项目入库）"),
                            format!("entry {seq} (a money entry or project registration)"),
                        ))
                    })?;
                    return Ok((project.village, project.start));
                };
                let region = match m.project.and_then(|p| self.project_ids.get(p as usize)) {
                    Some(id) => self.projects.get(id).map(|p| p.village),
                    None => None,
                };
                let region = match region {
                    Some(r) => r,
                    None => {
                        let account = m
                            .from
                            .or(m.to)
                            .and_then(|a| self.accounts.get(a))
                            .ok_or_else(|| RuleError::UnknownTarget(money_entry(*seq)))?;
                        self.account_region(account)?
                    }
                };
                let date = Date::new(m.date).map_err(|_| RuleError::UnknownTarget(money_entry(*seq)))?;
                Ok((region, date))
            }
        }
    }

    pub(in crate::rules) fn check_objection(&self, o: &Objection) -> Result<Vec<RegionCode>, RuleError> {
        if self.controls.objections.contains_key(&o.case_no) {
            return Err(RuleError::DuplicateObjection(o.case_no.clone()));
        }
        let (region, date) = self.target_region_and_date(&o.target)?;
        if o.received < date {
            return Err(RuleError::DateOutOfOrder {
                date: o.received,
                what: Detail::new("被提出异议的公告或条目", "the notice or entry objected to"),
                earlier: date,
            });
        }
        // A household payment's village, most specific last, from its
        // payment-list line: a village's readers then find an objection
        // against a payment made from a town or district treasury without
        // reading the payment back. It lies inside the paying region, so a
        // signer whose scope covers that region covers it too.
        let village = match &o.target {
            ObjectionTarget::Entry(seq) => self
                .moves
                .get(*seq)
                .and_then(|m| m.line)
                .and_then(|line| self.controls.lines.get(line as usize))
                .and_then(|line| self.controls.notice_records.get(line.notice as usize))
                .map(|notice| notice.region)
                .filter(|v| *v != region && region.covers(*v)),
            ObjectionTarget::NoticeLine(_) => None,
        };
        Ok(match village {
            Some(v) => vec![region, v],
            None => vec![region],
        })
    }

    pub(in crate::rules) fn check_resolve(&self, r: &ObjectionResolve) -> Result<Vec<RegionCode>, RuleError> {
        let rec = self
            .controls
            .objections
            .get(&r.case_no)
            .ok_or_else(|| RuleError::UnknownObjection(r.case_no.clone()))?;
        if let Some((seq, _, _)) = rec.decided {
            return Err(RuleError::ObjectionClosed {
                case_no: r.case_no.clone(),
                seq,
            });
        }
        if r.date < rec.received {
            return Err(RuleError::DateOutOfOrder {
                date: r.date,
                what: Detail::new(
                    format!("异议 {} 的受理日期", r.case_no),
                    format!("objection {}", r.case_no),
                ),
                earlier: rec.received,
            });
        }
        if r.outcome == ObjectionOutcome::Upheld {
            match &rec.target {
                ObjectionTarget::Entry(seq) => {
                    if self.moves.reversed_by(*seq).is_none() {
                        return Err(RuleError::PaymentNotReversed(*seq));
                    }
                }
                ObjectionTarget::NoticeLine(line_ref) => {
                    // A line already paid is withdrawn only once its payment is undone.
                    let (_, index, line) = self.resolve_line(line_ref)?;
                    if line.flags & PAID != 0 {
                        let seq = self.paid_by(index).unwrap_or_default();
                        return Err(RuleError::PaymentNotReversed(seq));
                    }
                }
            }
        }
        Ok(vec![rec.region])
    }

    /// The standing payment that used line `index` (a scan: only on the
    /// rare path of an upheld objection against a paid line).
    fn paid_by(&self, index: u32) -> Option<u64> {
        (0..self.next_seq).rev().find(|seq| {
            self.moves.get(*seq).is_some_and(|m| m.line == Some(index)) && self.moves.reversed_by(*seq).is_none()
        })
    }

    pub(in crate::rules) fn commit_objection(&mut self, seq: u64, o: &Objection, region: RegionCode) {
        match &o.target {
            ObjectionTarget::NoticeLine(r) => {
                if let Some(notice) = self.notice(&r.notice) {
                    let index = notice.first_line + r.line;
                    self.controls
                        .open_on_line
                        .entry(index)
                        .or_default()
                        .push(o.case_no.clone());
                }
            }
            ObjectionTarget::Entry(target) => {
                self.controls
                    .open_on_entry
                    .entry(*target)
                    .or_default()
                    .push(o.case_no.clone());
            }
        }
        self.controls.objection_order.push(o.case_no.clone());
        self.controls.objections.insert(
            o.case_no.clone(),
            ObjectionRecord {
                case_no: o.case_no.clone(),
                seq,
                target: o.target.clone(),
                received: o.received,
                region,
                decided: None,
            },
        );
    }

    pub(in crate::rules) fn commit_resolve(&mut self, seq: u64, r: &ObjectionResolve) {
        let Some(rec) = self.controls.objections.get_mut(&r.case_no) else {
            return;
        };
        rec.decided = Some((seq, r.outcome, r.date));
        let target = rec.target.clone();
        match target {
            ObjectionTarget::NoticeLine(line_ref) => {
                let Some(index) = self.notice(&line_ref.notice).map(|n| n.first_line + line_ref.line) else {
                    return;
                };
                remove_open(&mut self.controls.open_on_line, index, &r.case_no);
                if r.outcome == ObjectionOutcome::Upheld {
                    if let Some(line) = self.controls.lines.get_mut(index as usize) {
                        line.flags |= WITHDRAWN;
                    }
                    self.controls.withdrawn_by.insert(index, r.case_no.clone());
                }
            }
            ObjectionTarget::Entry(target) => remove_open(&mut self.controls.open_on_entry, target, &r.case_no),
        }
    }

    /// Open objections against money entry `seq`.
    pub fn open_objections_on_entry(&self, seq: u64) -> &[Ident] {
        self.controls.open_on_entry.get(&seq).map_or(&[], Vec::as_slice)
    }
}
