//! Notices (公告/公示): their shape per stage, and their lines.

use super::*;

impl LedgerState {
    pub(in crate::rules) fn check_notice(&self, n: &Notice) -> Result<Vec<RegionCode>, RuleError> {
        if self.controls.notices.contains_key(&n.notice) {
            return Err(RuleError::DuplicateNotice(n.notice.clone()));
        }
        if n.lines.is_empty() || n.lines.len() > MAX_NOTICE_LINES {
            return Err(RuleError::Malformed(format!("a notice has 1-{MAX_NOTICE_LINES} lines")));
        }
        self.regions.require(n.region)?;
        if n.region.level() != expected_level(n.stage) {
            return Err(RuleError::UnknownRegion(format!(
                "a {} is posted in a {:?}-level region, not {}",
                n.stage.name(),
                expected_level(n.stage),
                n.region
            )));
        }
        let days = self.policy.publicity_days.of(n.stage);
        if n.start.plus_days(u32::from(days)).is_none() {
            return Err(RuleError::Malformed("the window ends after 2099".into()));
        }
        match (&n.lines, n.stage.lists_households(), n.stage) {
            (NoticeLines::Households(lines), true, _) => {
                for (i, line) in lines.iter().enumerate() {
                    self.regions.require(line.village)?;
                    if line.village.level() != RegionLevel::Village || !n.region.covers(line.village) {
                        return Err(RuleError::UnknownRegion(format!(
                            "line {i}: village {} is not a village under {}",
                            line.village, n.region
                        )));
                    }
                    if let Some(h) = self.household(&line.household) {
                        if h.village != line.village {
                            return Err(RuleError::Malformed(format!(
                                "line {i}: household {} belongs to village {}, not {}",
                                line.household, h.village, line.village
                            )));
                        }
                    }
                    if lines[..i]
                        .iter()
                        .any(|l| l.household == line.household && l.category == line.category)
                    {
                        return Err(RuleError::Malformed(format!(
                            "line {i}: household {} is listed twice for {}",
                            line.household,
                            line.category.name()
                        )));
                    }
                }
            }
            (NoticeLines::Payments(lines), false, NoticeStage::PaymentList) => {
                for (i, line) in lines.iter().enumerate() {
                    crate::amount::Fen::new(line.amount.get())?;
                    if let Some(h) = self.household(&line.household) {
                        if h.village != n.region {
                            return Err(RuleError::Malformed(format!(
                                "line {i}: household {} belongs to village {}, not {}",
                                line.household, h.village, n.region
                            )));
                        }
                    }
                    if lines[..i].iter().any(|l| {
                        l.household == line.household && l.category == line.category && l.period == line.period
                    }) {
                        return Err(RuleError::Malformed(format!(
                            "line {i}: household {} is listed twice for {} {}",
                            line.household,
                            line.category.name(),
                            line.period
                        )));
                    }
                }
            }
            (NoticeLines::Projects(ids), false, NoticeStage::ProjectPlan) => {
                for (i, id) in ids.iter().enumerate() {
                    if ids[..i].contains(id) {
                        return Err(RuleError::Malformed(format!("line {i}: project {id} is listed twice")));
                    }
                    // A plan publicises proposed projects of the village.
                    let project = self
                        .projects
                        .get(id)
                        .ok_or_else(|| RuleError::UnknownProject(id.clone()))?;
                    if project.village != n.region {
                        return Err(RuleError::Malformed(format!(
                            "line {i}: project {id} is in village {}, not {}",
                            project.village, n.region
                        )));
                    }
                }
            }
            _ => {
                return Err(RuleError::Malformed(format!(
                    "a {} lists {}",
                    n.stage.name(),
                    match n.stage {
                        NoticeStage::PaymentList => "payments",
                        NoticeStage::ProjectPlan => "projects",
                        _ => "households",
                    }
                )))
            }
        }
        Ok(vec![n.region])
    }

    pub(in crate::rules) fn commit_notice(&mut self, seq: u64, n: &Notice) {
        let days = self.policy.publicity_days.of(n.stage);
        let ends = n.start.plus_days(u32::from(days)).unwrap_or(n.start);
        let notice_index = u32::try_from(self.controls.notice_records.len()).unwrap_or(u32::MAX);
        let first_line = u32::try_from(self.controls.lines.len()).unwrap_or(u32::MAX);
        let count = u32::try_from(n.lines.len()).unwrap_or(0);
        match &n.lines {
            NoticeLines::Households(lines) => {
                for line in lines {
                    let household = self.intern_household(&line.household, line.village);
                    self.controls.lines.push(LineRecord {
                        amount: 0,
                        household,
                        notice: notice_index,
                        period: NO_PERIOD,
                        category: category_index(line.category) as u8,
                        flags: 0,
                    });
                }
            }
            NoticeLines::Payments(lines) => {
                for line in lines {
                    let household = self.intern_household(&line.household, n.region);
                    self.controls.lines.push(LineRecord {
                        amount: line.amount.get(),
                        household,
                        notice: notice_index,
                        period: line.period,
                        category: subsidy_index(line.category) as u8,
                        flags: 0,
                    });
                }
            }
            NoticeLines::Projects(ids) => {
                for id in ids {
                    let project = self.project_index.get(id).copied().unwrap_or(u32::MAX);
                    self.controls.lines.push(LineRecord {
                        amount: 0,
                        household: project,
                        notice: notice_index,
                        period: NO_PERIOD,
                        category: 0,
                        flags: 0,
                    });
                }
            }
        }
        self.controls.notices.insert(n.notice.clone(), notice_index);
        self.controls.notice_records.push(NoticeRecord {
            id: n.notice.clone(),
            seq,
            stage: n.stage,
            region: n.region,
            start: n.start,
            ends,
            first_line,
            lines: count,
        });
    }
}
