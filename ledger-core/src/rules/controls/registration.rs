//! The registration procedure (两公告两比对四公示): checks, registration,
//! exit.

use super::*;

impl LedgerState {
    pub(in crate::rules) fn check_household_check(&self, c: &HouseholdCheck) -> Result<Vec<RegionCode>, RuleError> {
        let (notice, _, _) = self.resolve_line(&c.application)?;
        if notice.stage != NoticeStage::Application {
            return Err(RuleError::ProcedureIncomplete(Detail::new(
                format!(
                    "{}是{}，不是申请公告",
                    line_name_zh(&c.application),
                    notice.stage.label_zh()
                ),
                format!(
                    "{} is on a {}, not an application announcement",
                    line_name(&c.application),
                    notice.stage.name()
                ),
            )));
        }
        if c.date < notice.start {
            return Err(RuleError::DateOutOfOrder {
                date: c.date,
                what: Detail::new(
                    format!("申请公告 {} 的开始日期", notice.id),
                    format!("application notice {}", notice.id),
                ),
                earlier: notice.start,
            });
        }
        Ok(vec![notice.region])
    }

    pub(in crate::rules) fn check_register(&self, r: &HouseholdRegister) -> Result<Vec<RegionCode>, RuleError> {
        self.require_village(r.village)?;
        if let Some(h) = self.household(&r.household) {
            if h.village != r.village {
                return Err(RuleError::Malformed(format!(
                    "household {} belongs to village {}, not {}",
                    r.household, h.village, r.village
                )));
            }
            if let Some(current) = h.current(r.category) {
                return Err(RuleError::AlreadyRegistered {
                    household: r.household.to_string(),
                    category: r.category.name(),
                    seq: current.seq,
                });
            }
        }
        if !self.policy.categories.iter().any(|c| c.category == r.category) {
            return Err(RuleError::Malformed(format!(
                "assistance category {} is not in the policy",
                r.category.name()
            )));
        }
        let Some(notices) = &r.notices else {
            // History from before the control: accepted, reported by the audit.
            if r.date >= self.policy.enforced_from.registration {
                return Err(RuleError::ProcedureIncomplete(Detail::new(
                    format!(
                        "{} 起的建档立卡登记须注明两公告四公示的各份公告",
                        self.policy.enforced_from.registration
                    ),
                    format!(
                        "registrations dated from {} on must cite the notices of 两公告四公示",
                        self.policy.enforced_from.registration
                    ),
                )));
            }
            return Ok(vec![r.village]);
        };
        let mut previous_end: Option<(Date, &Ident)> = None;
        let mut application_index = 0;
        for (stage, line_ref) in notices.in_order() {
            let (notice, index, line) = self.resolve_line(line_ref).map_err(|_| {
                RuleError::ProcedureIncomplete(Detail::new(
                    format!("{}（{}）不存在", stage.label_zh(), line_name_zh(line_ref)),
                    format!("the {} ({}) does not exist", stage.label_zh(), line_name(line_ref)),
                ))
            })?;
            if notice.stage != stage {
                return Err(RuleError::ProcedureIncomplete(Detail::new(
                    format!(
                        "{}是{}，此处应是{}",
                        line_name_zh(line_ref),
                        notice.stage.label_zh(),
                        stage.label_zh()
                    ),
                    format!(
                        "{} is on a {}, where the {} was expected",
                        line_name(line_ref),
                        notice.stage.name(),
                        stage.name()
                    ),
                )));
            }
            let household_ok = self.household_index(&r.household) == Some(line.household)
                && usize::from(line.category) == category_index(r.category);
            if !household_ok {
                return Err(RuleError::ProcedureIncomplete(Detail::new(
                    format!(
                        "{}不是农户 {} 申请“{}”的那一行",
                        line_name_zh(line_ref),
                        r.household,
                        r.category.label_zh()
                    ),
                    format!(
                        "{} is not household {} applying for {}",
                        line_name(line_ref),
                        r.household,
                        r.category.name()
                    ),
                )));
            }
            self.line_standing(line_ref, index, line)?;
            if let Some((ends, id)) = previous_end {
                if notice.start < ends {
                    return Err(RuleError::PublicityNotEnded {
                        notice: id.clone(),
                        ends,
                        what: stage.name(),
                        date: notice.start,
                    });
                }
            }
            if stage == NoticeStage::Application {
                application_index = index;
            }
            if stage == NoticeStage::VillagePublicity {
                // 两比对: both checks passed between the application and
                // the village publicity.
                let checks = self.controls.checks.get(&application_index);
                for kind in CheckKind::ALL {
                    match checks.and_then(|c| c[check_index(*kind)]) {
                        Some((date, true)) if date <= notice.start => {}
                        Some((_, false)) => {
                            return Err(RuleError::ProcedureIncomplete(Detail::new(
                                format!("农户 {} 未通过{}", r.household, kind.label_zh()),
                                format!("household {} did not pass the {}", r.household, kind.label_zh()),
                            )))
                        }
                        _ => {
                            return Err(RuleError::ProcedureIncomplete(Detail::new(
                                format!(
                                    "村级公示 {} 之前没有农户 {} 的{}",
                                    notice.id,
                                    r.household,
                                    kind.label_zh()
                                ),
                                format!(
                                    "no {} of household {} before the village publicity {}",
                                    kind.label_zh(),
                                    r.household,
                                    notice.id
                                ),
                            )))
                        }
                    }
                }
            }
            previous_end = Some((notice.ends, &notice.id));
        }
        if let Some((ends, id)) = previous_end {
            if r.date < ends {
                return Err(RuleError::PublicityNotEnded {
                    notice: id.clone(),
                    ends,
                    what: "household_register",
                    date: r.date,
                });
            }
        }
        Ok(vec![r.village])
    }

    /// An exit ends the category named on its announcement line (低保 ends
    /// by its own review, announced the same way); if that category ends
    /// with a poverty exit (脱贫), every other current category that does
    /// ends with it.
    pub(in crate::rules) fn check_exit(&self, e: &HouseholdExit) -> Result<Vec<RegionCode>, RuleError> {
        self.require_village(e.village)?;
        let (notice, index, line) = self.resolve_line(&e.announcement)?;
        if notice.stage != NoticeStage::ExitAnnouncement || self.household_index(&e.household) != Some(line.household) {
            return Err(RuleError::ProcedureIncomplete(Detail::new(
                format!(
                    "{}不是退出公告上农户 {} 的那一行",
                    line_name_zh(&e.announcement),
                    e.household
                ),
                format!(
                    "{} is not household {} on an exit announcement",
                    line_name(&e.announcement),
                    e.household
                ),
            )));
        }
        let category = assistance_category(line.category);
        let current = self
            .household(&e.household)
            .filter(|h| h.village == e.village)
            .and_then(|h| category.and_then(|c| h.current(c)));
        let Some(current) = current else {
            return Err(RuleError::NotRegistered {
                household: e.household.to_string(),
                category: category.map_or("the announced category", |c| c.name()),
                date: e.date,
            });
        };
        if e.date < current.from {
            return Err(RuleError::DateOutOfOrder {
                date: e.date,
                what: Detail::new(
                    format!("第 {} 号条目的登记", current.seq),
                    format!("the registration at entry {}", current.seq),
                ),
                earlier: current.from,
            });
        }
        self.line_standing(&e.announcement, index, line)?;
        if e.date < notice.ends {
            return Err(RuleError::PublicityNotEnded {
                notice: notice.id.clone(),
                ends: notice.ends,
                what: "household_exit",
                date: e.date,
            });
        }
        Ok(vec![e.village])
    }

    pub(in crate::rules) fn commit_check(&mut self, c: &HouseholdCheck) {
        let Some(notice) = self.notice(&c.application.notice) else {
            return;
        };
        let index = notice.first_line + c.application.line;
        let slot = self.controls.checks.entry(index).or_default();
        slot[check_index(c.check)] = Some((c.date, c.passed));
    }

    pub(in crate::rules) fn commit_register(&mut self, seq: u64, r: &HouseholdRegister) {
        let i = self.intern_household(&r.household, r.village);
        if let Some(h) = self.controls.household_records.get_mut(i as usize) {
            h.registrations.push(Registration {
                category: r.category,
                from: r.date,
                until: None,
                seq,
                ended_seq: None,
            });
        }
    }

    pub(in crate::rules) fn commit_exit(&mut self, seq: u64, e: &HouseholdExit) {
        let Some(i) = self.household_index(&e.household) else {
            return;
        };
        let announced = self
            .notice(&e.announcement.notice)
            .and_then(|n| self.controls.lines.get((n.first_line + e.announcement.line) as usize))
            .and_then(|l| assistance_category(l.category));
        let Some(announced) = announced else { return };
        let poverty_exit = self.policy.ends_with_exit(announced);
        let policy = &self.policy;
        if let Some(h) = self.controls.household_records.get_mut(i as usize) {
            for r in h.registrations.iter_mut() {
                let ends = r.category == announced || (poverty_exit && policy.ends_with_exit(r.category));
                if r.until.is_none() && ends {
                    r.until = Some(e.date);
                    r.ended_seq = Some(seq);
                }
            }
        }
    }
}
