//! Cross-checks with external lists (两比对, issue 16): payments to a person
//! after their date of death (the payment's business date against the date
//! of death), and assistance to households whose ID is on the public
//! employees' payroll or owns vehicles, businesses or property above the
//! thresholds (applied by the CLI when it reads the lists; time plays no
//! part). Households are matched by reference only: the lists arrive here
//! hashed with the pseudonym key, never in clear.

use super::*;
use crate::lists::ListKind;

/// Payments that matched one list hit.
#[derive(Debug, Default)]
pub(super) struct Matched {
    seqs: Vec<u64>,
    village: Option<RegionCode>,
}

fn rule_of(kind: ListKind) -> (Rule, Severity) {
    match kind {
        ListKind::Deceased => (Rule::PaidAfterDeath, Severity::High),
        ListKind::PublicEmployee => (Rule::PublicEmployee, Severity::High),
        ListKind::Vehicle => (Rule::VehicleOwner, Severity::Medium),
        ListKind::Business => (Rule::BusinessOwner, Severity::Medium),
        ListKind::Property => (Rule::PropertyOwner, Severity::Medium),
    }
}

impl Auditor {
    pub(super) fn match_lists(&mut self, seq: u64, s: &HouseholdSubsidy) {
        let Some(hits) = self.lists.hits.get(&s.household) else {
            return;
        };
        let mut matched = Vec::new();
        for (i, hit) in hits.iter().enumerate() {
            let applies = match (hit.kind, hit.death) {
                (ListKind::Deceased, Some(death)) => s.date > death,
                (ListKind::Deceased, None) => false,
                _ => true,
            };
            if applies {
                matched.push(i);
            }
        }
        for i in matched {
            let m = self.list_matches.entry((s.household, i)).or_default();
            m.seqs.push(seq);
            m.village.get_or_insert(s.village);
        }
    }

    pub(super) fn finish_lists(&mut self, state: &LedgerState) {
        let matches = std::mem::take(&mut self.list_matches);
        for ((household, i), m) in matches {
            let Some(hit) = self.lists.hits.get(&household).and_then(|h| h.get(i)).cloned() else {
                continue;
            };
            let live: Vec<u64> = m
                .seqs
                .iter()
                .copied()
                .filter(|s| state.reversed_by(*s).is_none())
                .collect();
            if live.is_empty() {
                continue;
            }
            let amount = live
                .iter()
                .filter_map(|s| self.moves.get(s))
                .fold(0u64, |t, mv| t.saturating_add(mv.amount));
            let (rule, severity) = rule_of(hit.kind);
            let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
            let list = seq_text(&live, live.len());
            let yuan = Fen::from_raw(amount).to_yuan_string();
            let href = household.0.to_hex();
            let rows = hit.rows.join(", ");
            let (zh, en) = match hit.kind {
                ListKind::Deceased => {
                    let death = hit.death.map(|d| d.to_string()).unwrap_or_default();
                    (
                        format!("户{href}（{masked}）的身份证号在{}中，死亡日期{death}（{rows}）；其后仍发放{}笔（{list}），合计{yuan}元：疑死亡后冒领。", hit.kind.label_zh(), live.len()),
                        format!("Household {href} ({masked}): the resident ID is on the list of deceased persons, died {death} ({rows}); {} payment(s) after that date ({list}), {yuan} yuan in all: possibly claimed after death.", live.len()),
                    )
                }
                _ => (
                    format!("户{href}（{masked}）的身份证号在{}中（{}；{rows}），仍享受补贴{}笔（{list}），合计{yuan}元：不符合“两不愁三保障”认定条件，须核实。", hit.kind.label_zh(), hit.detail_zh, live.len()),
                    format!("Household {href} ({masked}): the resident ID is on the {} list ({}; {rows}) and received {} payment(s) ({list}), {yuan} yuan in all: not eligible under the policy unless explained.", hit.kind.name(), hit.detail_en, live.len()),
                ),
            };
            self.push(rule, severity, live, m.village, Some(amount), zh, en);
            if let Some(f) = self.findings.last_mut() {
                f.list_rows = hit.rows.clone();
                f.reference = Some(href);
            }
        }
    }
}
