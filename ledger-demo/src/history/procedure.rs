//! The registration procedure (两公告两比对四公示) and exits: for each
//! cohort, the application announcement (申报公告) per village, the data
//! comparison and home verification (两比对) of every applying household,
//! the village, town and district publicity (三级公示), the objection-review
//! publicity (异议审核公示) per village, then the registrations (建档立卡);
//! in June 2020, the exit announcements (脱贫公告) and the exits.

use super::{History, Registration};
use crate::calendar::ymd;
use crate::calendar::{
    cohort_start, exit_date, exit_notice_date, plus, registration_date, CHECK_OFFSETS, STAGE_OFFSETS,
};
use crate::error::{ident, text, DemoError};
use crate::keys::COSIGN_POVERTY;
use crate::FIRST_YEAR;
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use ledger_core::procedure::{
    AssistanceCategory, CheckKind, HouseholdCheck, HouseholdExit, HouseholdLine, HouseholdRegister, Notice,
    NoticeLines, NoticeStage, RegistrationNotices, MAX_NOTICE_LINES,
};
use ledger_core::region::RegionCode;

/// What the notices of one batch share.
pub(super) struct Batch<'t> {
    pub(super) stage: NoticeStage,
    /// First day of the windows.
    pub(super) start: Date,
    /// Ends each notice id, e.g. `2019-03-APP`.
    pub(super) tag: &'t str,
    /// Follows the board's name in each title.
    pub(super) title: &'t str,
}

/// Where a group of lines is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Board {
    Village(u16, u16),
    Town(u16),
    District,
}

impl History<'_> {
    /// The region and name of a board.
    pub(super) fn board(&self, board: Board) -> (RegionCode, String) {
        let district = &self.plan.district;
        match board {
            Board::Village(t, v) => {
                let village = &district.towns[t as usize].villages[v as usize];
                let name = if village.rural {
                    village.short.clone()
                } else {
                    format!("{}委会", village.short)
                };
                (village.code, name)
            }
            Board::Town(t) => {
                let town = &district.towns[t as usize];
                (town.code, town.name.clone())
            }
            Board::District => (district.code, "淮安区".to_string()),
        }
    }

    /// Post `groups` of lines (by board, in order) as notices of `batch`,
    /// at most 500 lines each, signed by `signer(board)`. Returns each
    /// line's (notice number, line), in order.
    pub(super) fn post_notices<L: Clone>(
        &mut self,
        batch: &Batch<'_>,
        groups: &[(Board, Vec<L>)],
        wrap: impl Fn(Vec<L>) -> NoticeLines,
        signer: impl Fn(&History<'_>, Board) -> usize,
    ) -> Result<Vec<(u32, u32)>, DemoError> {
        let mut refs = Vec::new();
        for (board, lines) in groups {
            let (region, name) = self.board(*board);
            for (chunk, part) in lines.chunks(MAX_NOTICE_LINES).enumerate() {
                let suffix = if chunk == 0 {
                    String::new()
                } else {
                    format!("-{}", chunk + 1)
                };
                let id = ident(&format!("N-{region}-{}{suffix}", batch.tag))?;
                let number = self.notice_ids.len() as u32;
                self.notice_ids.push(id.clone());
                let signer = signer(self, *board);
                self.emitter.emit(
                    EntryBody::Notice(Notice {
                        notice: id,
                        stage: batch.stage,
                        region,
                        start: batch.start,
                        title: text(&format!("{name}{}", batch.title))?,
                        lines: wrap(part.to_vec()),
                    }),
                    &[signer],
                )?;
                refs.extend((0..part.len() as u32).map(|line| (number, line)));
            }
        }
        Ok(refs)
    }

    /// The registrations of cohort `c`, ordered by village: cohort 0 every
    /// household in each category it is registered in, cohort 1 the
    /// household that returned to poverty.
    fn cohort(&self, c: usize) -> Vec<Registration> {
        let plans = &self.plan.plans;
        let mut order: Vec<u32> = (0..plans.len() as u32)
            .filter(|h| c == 0 || plans[*h as usize].returns)
            .collect();
        order.sort_by_key(|h| (plans[*h as usize].place, *h));
        let mut out = Vec::new();
        for h in order {
            let p = &plans[h as usize];
            let mut categories = Vec::new();
            if c == 0 && p.minimum_living {
                categories.push(AssistanceCategory::MinimumLiving);
            }
            if p.low_income {
                categories.push(AssistanceCategory::RegisteredLowIncome);
            }
            for category in categories {
                out.push(Registration {
                    household: h,
                    category,
                    lines: [(u32::MAX, 0); 5],
                });
            }
        }
        out
    }

    /// The notices of stage `s` of cohort `c`'s procedure.
    pub(super) fn post_stage(&mut self, c: usize, s: usize) -> Result<(), DemoError> {
        if s == 0 {
            self.registrations[c] = self.cohort(c);
        }
        let stage = NoticeStage::REGISTRATION[s];
        let cohort_day = cohort_start(c)?;
        let start = plus(cohort_day, STAGE_OFFSETS[s])?;
        let plans = &self.plan.plans;
        let households = &self.plan.households;
        let mut groups: Vec<(Board, Vec<HouseholdLine>)> = Vec::new();
        for r in &self.registrations[c] {
            let (t, v) = plans[r.household as usize].place;
            let board = match stage {
                NoticeStage::TownPublicity => Board::Town(t),
                NoticeStage::DistrictPublicity => Board::District,
                _ => Board::Village(t, v),
            };
            let h = &households[r.household as usize];
            let line = HouseholdLine {
                household: h.reference,
                masked_name: h.masked_name.clone(),
                village: h.village,
                category: r.category,
            };
            match groups.last_mut() {
                Some((b, lines)) if *b == board => lines.push(line),
                _ => groups.push((board, vec![line])),
            }
        }
        let day = cohort_day.get();
        let (year, month) = (day / 10_000, (day / 100) % 100);
        let tag = format!("{year}-{month:02}-{}", ["APP", "VIL", "TWN", "DST", "OBJ"][s]);
        let title = format!("{year}年{month}月建档立卡{}", stage.label_zh());
        let batch = Batch {
            stage,
            start,
            tag: &tag,
            title: &title,
        };
        let refs = self.post_notices(&batch, &groups, NoticeLines::Households, |h, board| {
            match (stage, board) {
                (NoticeStage::Application | NoticeStage::VillagePublicity, Board::Village(t, v)) => {
                    h.plan.ring.village(t, v)
                }
                (_, Board::Village(t, _) | Board::Town(t)) => h.plan.ring.town_poverty(t),
                (_, Board::District) => COSIGN_POVERTY,
            }
        })?;
        for (r, line) in self.registrations[c].iter_mut().zip(refs) {
            r.lines[s] = line;
        }
        Ok(())
    }

    /// Check `k` (0: 部门数据比对 by the town poverty office, 1: 入户核对 by
    /// the village committee) of every household of cohort `c`.
    pub(super) fn post_checks(&mut self, c: usize, k: usize) -> Result<(), DemoError> {
        let date = plus(cohort_start(c)?, CHECK_OFFSETS[k])?;
        let (check, note) = if k == 0 {
            (
                CheckKind::DataComparison,
                "民政、公安、住建、车辆、工商、财政供养人员数据比对无异常",
            )
        } else {
            (
                CheckKind::HomeVerification,
                "入户核对住房、收入、家庭成员情况与申报一致",
            )
        };
        let note = text(note)?;
        for i in 0..self.registrations[c].len() {
            let r = &self.registrations[c][i];
            let (t, v) = self.plan.plans[r.household as usize].place;
            let signer = if k == 0 {
                self.plan.ring.town_poverty(t)
            } else {
                self.plan.ring.village(t, v)
            };
            let application = self.line_ref(r.lines[0])?;
            self.emitter.emit(
                EntryBody::HouseholdCheck(HouseholdCheck {
                    application,
                    check,
                    date,
                    passed: true,
                    note: note.clone(),
                }),
                &[signer],
            )?;
        }
        Ok(())
    }

    /// 建档立卡: cohort `c`'s registrations, by the town poverty offices.
    pub(super) fn register(&mut self, c: usize) -> Result<(), DemoError> {
        let date = registration_date(c)?;
        for i in 0..self.registrations[c].len() {
            let r = &self.registrations[c][i];
            let h = &self.plan.households[r.household as usize];
            let (t, _) = self.plan.plans[r.household as usize].place;
            let notices = RegistrationNotices {
                application: self.line_ref(r.lines[0])?,
                village: self.line_ref(r.lines[1])?,
                town: self.line_ref(r.lines[2])?,
                district: self.line_ref(r.lines[3])?,
                objection_review: self.line_ref(r.lines[4])?,
            };
            let body = EntryBody::HouseholdRegister(HouseholdRegister {
                household: h.reference,
                masked_name: h.masked_name.clone(),
                village: h.village,
                category: r.category,
                date,
                notices: Some(notices),
            });
            let signer = self.plan.ring.town_poverty(t);
            self.emitter.emit(body, &[signer])?;
        }
        Ok(())
    }

    /// History: the 特困供养 registrations of January 2019, imported from
    /// before the ledger without the notices of the procedure.
    pub(super) fn import_registrations(&mut self) -> Result<(), DemoError> {
        let plan = self.plan;
        let mut order: Vec<u32> = (0..plan.plans.len() as u32)
            .filter(|h| plan.plans[*h as usize].extreme_poverty)
            .collect();
        order.sort_by_key(|h| (plan.plans[*h as usize].place, *h));
        let date = ymd(FIRST_YEAR, 1, 15)?;
        for h in order {
            let household = &plan.households[h as usize];
            let (t, _) = plan.plans[h as usize].place;
            self.emitter.emit(
                EntryBody::HouseholdRegister(HouseholdRegister {
                    household: household.reference,
                    masked_name: household.masked_name.clone(),
                    village: household.village,
                    category: AssistanceCategory::ExtremePoverty,
                    date,
                    notices: None,
                }),
                &[plan.ring.town_poverty(t)],
            )?;
        }
        Ok(())
    }

    /// 脱贫公告: the exiting households of each village.
    pub(super) fn post_exit_notices(&mut self) -> Result<(), DemoError> {
        let plans = &self.plan.plans;
        let mut order: Vec<u32> = (0..plans.len() as u32).filter(|h| plans[*h as usize].exits).collect();
        order.sort_by_key(|h| (plans[*h as usize].place, *h));
        let mut groups: Vec<(Board, Vec<HouseholdLine>)> = Vec::new();
        for h in &order {
            let (t, v) = plans[*h as usize].place;
            let household = &self.plan.households[*h as usize];
            let line = HouseholdLine {
                household: household.reference,
                masked_name: household.masked_name.clone(),
                village: household.village,
                category: AssistanceCategory::RegisteredLowIncome,
            };
            match groups.last_mut() {
                Some((b, lines)) if *b == Board::Village(t, v) => lines.push(line),
                _ => groups.push((Board::Village(t, v), vec![line])),
            }
        }
        let start = exit_notice_date()?;
        let batch = Batch {
            stage: NoticeStage::ExitAnnouncement,
            start,
            tag: "2020-06-EXIT",
            title: "2020年建档立卡低收入户脱贫公告",
        };
        let refs = self.post_notices(&batch, &groups, NoticeLines::Households, |h, board| match board {
            Board::Village(t, v) => h.plan.ring.village(t, v),
            Board::Town(t) => h.plan.ring.town_poverty(t),
            Board::District => COSIGN_POVERTY,
        })?;
        for (h, line) in order.into_iter().zip(refs) {
            self.exit_lines.insert(h, line);
        }
        Ok(())
    }

    /// The exits, after the announcement's window, by the town poverty offices.
    pub(super) fn post_exits(&mut self) -> Result<(), DemoError> {
        let date = exit_date()?;
        let mut exiting: Vec<(u32, (u32, u32))> = self.exit_lines.iter().map(|(h, l)| (*h, *l)).collect();
        exiting.sort_by_key(|(_, line)| *line);
        for (h, line) in exiting {
            let household = &self.plan.households[h as usize];
            let (t, _) = self.plan.plans[h as usize].place;
            let body = EntryBody::HouseholdExit(HouseholdExit {
                household: household.reference,
                village: household.village,
                date,
                announcement: self.line_ref(line)?,
                reason: text("家庭人均纯收入稳定超过省定标准，“两不愁三保障”均已实现")?,
            });
            let signer = self.plan.ring.town_poverty(t);
            self.emitter.emit(body, &[signer])?;
        }
        Ok(())
    }
}
