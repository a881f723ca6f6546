//! The whole-ledger rules, run once by [`Auditor::finish`] after the last
//! entry: duplicates and yearly caps, idle money, villages that keep their
//! allocation, signer patterns, shared names, non-strict signatures, and the
//! per-region summary. The per-entry rules stay in the parent module, which
//! also owns the indexes these read.

use super::*;

impl Auditor {
    pub(super) fn finish_duplicates_and_yearly(&mut self, state: &LedgerState) {
        let mut keys: Vec<(HouseholdRef, SubsidyCategory, Period)> = self.subsidies.keys().copied().collect();
        keys.sort();
        let mut yearly: BTreeMap<(HouseholdRef, SubsidyCategory, u16), YearTotal> = BTreeMap::new();
        for key in keys {
            let (household, category, period) = key;
            let paid: Vec<SubsidyPaid> = self
                .subsidies
                .get(&key)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|p| state.reversed_by(p.seq).is_none())
                        .collect()
                })
                .unwrap_or_default();
            if paid.is_empty() {
                continue;
            }
            // The yearly totals count every live payment, supplementary ones
            // (补发) included: they are money the household received.
            let y = yearly.entry((household, category, period.year)).or_default();
            for p in &paid {
                y.total = y.total.saturating_add(p.amount);
                y.seqs.push(p.seq);
            }
            if period.month == 0 {
                y.has_year = true;
            } else {
                y.has_month = true;
            }
            // A duplicate is a second plain payment: a supplementary one
            // makes good what the first lacked, as the ledger's own
            // `duplicate_payment` rule allows (issue 14), so it is no
            // duplicate finding.
            let live: Vec<(u64, u64)> = paid
                .iter()
                .filter(|p| !p.supplementary)
                .map(|p| (p.seq, p.amount))
                .collect();
            if live.len() > 1 {
                // Saturating: release builds check overflow (and would panic).
                let total = live.iter().fold(0u64, |t, (_, a)| t.saturating_add(*a));
                let extra = live.iter().skip(1).fold(0u64, |t, (_, a)| t.saturating_add(*a));
                let seqs: Vec<u64> = live.iter().map(|(s, _)| *s).collect();
                let village = self
                    .household_villages
                    .get(&household)
                    .and_then(|m| m.keys().next().copied());
                let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::DuplicatePayment,
                    Severity::High,
                    seqs.clone(),
                    village,
                    Some(extra),
                    format!(
                        "同一户{}（{masked}）的{}（{period}）被发放{}次（{list}），合计{}元，均未冲正；多发{}元。",
                        short_ref(&household),
                        category.label_zh(),
                        live.len(),
                        Fen::from_raw(total).to_yuan_string(),
                        Fen::from_raw(extra).to_yuan_string()
                    ),
                    format!(
                        "Household {} ({masked}) was paid {} for {period} {} times ({list}), {} yuan in all, none reversed: {} yuan paid twice.",
                        short_ref(&household),
                        category.name(),
                        live.len(),
                        Fen::from_raw(total).to_yuan_string(),
                        Fen::from_raw(extra).to_yuan_string()
                    ),
                );
            }
        }
        for (
            (household, category, year),
            YearTotal {
                total,
                seqs,
                has_year,
                has_month,
            },
        ) in yearly
        {
            let village = self
                .household_villages
                .get(&household)
                .and_then(|m| m.keys().next().copied());
            let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
            if has_year && has_month {
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::DuplicatePayment,
                    Severity::Medium,
                    seqs.clone(),
                    village,
                    Some(total),
                    format!(
                        "户{}（{masked}）{year}年的{}既按全年又按月发放（{list}），期间重叠，疑重复。",
                        short_ref(&household),
                        category.label_zh()
                    ),
                    format!(
                        "Household {} ({masked}) was paid {} for {year} both as a whole year and by month ({list}): overlapping periods, possibly paid twice.",
                        short_ref(&household),
                        category.name()
                    ),
                );
            }
            let Some(standard) = self.config.standards.subsidy.get(&category).copied() else {
                continue;
            };
            if total > standard.per_year.get() && seqs.len() > 1 {
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::AboveStandard,
                    Severity::Medium,
                    seqs.clone(),
                    village,
                    Some(total),
                    format!(
                        "户{}（{masked}）{year}年{}累计{}元（{list}），超过年度标准{}元。",
                        short_ref(&household),
                        category.label_zh(),
                        Fen::from_raw(total).to_yuan_string(),
                        standard.per_year.to_yuan_string()
                    ),
                    format!(
                        "Household {} ({masked}) received {} yuan of {} in {year} ({list}), above the yearly standard of {} yuan.",
                        short_ref(&household),
                        Fen::from_raw(total).to_yuan_string(),
                        category.name(),
                        standard.per_year.to_yuan_string()
                    ),
                );
            }
        }
    }

    pub(super) fn finish_idle(&mut self, now: u64) {
        let (now_zh, now_en) = self.as_of_text();
        let mut pots: Vec<((u32, u32), Pot)> = self.pots.iter().map(|(k, v)| (*k, v.clone())).collect();
        pots.sort_by_key(|(k, _)| *k);
        for ((account, fund), pot) in pots {
            if pot.balance == 0 {
                continue;
            }
            let idle = now.saturating_sub(pot.still_since_ms);
            if idle <= self.config.idle_after_ms {
                continue;
            }
            let who = self.account_name(account);
            let fund_name = self.fund_name(fund);
            let region = self.account_region(account);
            let severity = if idle > 2 * self.config.idle_after_ms {
                Severity::High
            } else {
                Severity::Medium
            };
            self.push(
                Rule::IdleFunds,
                severity,
                pot.recent_credits.clone(),
                region,
                Some(pot.balance),
                format!(
                    "{who}持有资金{fund_name}共{}元，已{}天无任何支出（按业务日期，截至{now_zh}）。",
                    Fen::from_raw(pot.balance).to_yuan_string(),
                    days(idle)
                ),
                format!(
                    "{who} has held {} yuan of fund {fund_name} for {} days with no outflow (by business dates, as of {now_en}).",
                    Fen::from_raw(pot.balance).to_yuan_string(),
                    days(idle)
                ),
            );
        }
    }

    pub(super) fn finish_villages(&mut self, state: &LedgerState, now: u64) {
        let villages: Vec<(RegionCode, VillageFlow)> = self.villages.iter().map(|(k, v)| (*k, v.clone())).collect();
        for (code, flow) in villages {
            let Some(first) = flow.first_received_ms else { continue };
            if flow.received == 0 || now.saturating_sub(first) <= self.config.retention_after_ms {
                continue;
            }
            let paid = flow.paid_out.min(flow.received);
            let percent = (u128::from(paid) * 100 / u128::from(flow.received)) as u64;
            if percent >= self.config.retention_min_paid_percent {
                continue;
            }
            let name = state.regions().name(code).unwrap_or("").to_string();
            let severity = if paid == 0 { Severity::High } else { Severity::Medium };
            self.push(
                Rule::VillageRetention,
                severity,
                flow.credits.clone(),
                Some(code),
                Some(flow.received - paid),
                format!(
                    "{name}（{code}）收到拨款{}元已逾{}天，仅{}元（{percent}%）发放到户或用于项目，其余滞留村账。",
                    Fen::from_raw(flow.received).to_yuan_string(),
                    days(now.saturating_sub(first)),
                    Fen::from_raw(paid).to_yuan_string()
                ),
                format!(
                    "Village {name} ({code}) received {} yuan more than {} days ago, but only {} yuan ({percent}%) reached households or projects; the rest stayed in the village account.",
                    Fen::from_raw(flow.received).to_yuan_string(),
                    days(now.saturating_sub(first)),
                    Fen::from_raw(paid).to_yuan_string()
                ),
            );
        }
    }

    pub(super) fn finish_signers(&mut self, state: &LedgerState) {
        let mut by_holder: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (k, g) in &self.grants {
            by_holder.entry(g.holder.clone()).or_default().push(*k);
        }
        for (holder, mut keys) in by_holder {
            if keys.len() < 2 {
                continue;
            }
            keys.sort_by_key(|k| self.grants.get(k).map(|g| g.seq).unwrap_or(0));
            let infos: Vec<(u32, GrantInfo)> = keys
                .iter()
                .filter_map(|k| self.grants.get(k).map(|g| (*k, g.clone())))
                .collect();
            // Admin rights and money rights in one hand.
            let admin = infos.iter().find(|(_, g)| g.role == Role::Admin);
            let money = infos
                .iter()
                .find(|(_, g)| g.role == Role::Operator && !g.money_entries.is_empty());
            if let (Some((_, a)), Some((_, m))) = (admin, money) {
                let mut seqs = vec![a.seq, m.seq];
                seqs.extend(m.money_entries.iter().copied());
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    seqs,
                    None,
                    None,
                    format!(
                        "持有人“{holder}”既持有管理员密钥（授权于第{}号），又用另一把经办密钥签署了{}笔资金条目：同一人既管授权又管资金，违反职责分离。",
                        a.seq,
                        m.money_entries.len()
                    ),
                    format!(
                        "Holder \"{holder}\" has an admin key (granted at #{}) and signed {} money entries with another, operator key: one person both grants rights and moves money, against the separation of duties.",
                        a.seq,
                        m.money_entries.len()
                    ),
                );
            }
            // A key that keeps signing after its holder was given a newer one.
            for (i, (old_key, old)) in infos.iter().enumerate() {
                let Some((_, newer)) = infos.iter().skip(i + 1).find(|(_, g)| g.role == old.role) else {
                    continue;
                };
                let after: Vec<u64> = old.money_entries.iter().copied().filter(|s| *s > newer.seq).collect();
                if after.is_empty() {
                    continue;
                }
                let revoked = self
                    .keys
                    .get(*old_key)
                    .and_then(|k| state.key(k))
                    .and_then(|r| r.revoked_seq);
                let key_hex: String = self
                    .keys
                    .get(*old_key)
                    .map(|k| k.to_hex().chars().take(16).collect())
                    .unwrap_or_default();
                let mut seqs = vec![newer.seq];
                seqs.extend(after.iter().copied());
                let revoked_zh = revoked
                    .map(|r| format!("（直至第{r}号才撤销）"))
                    .unwrap_or_else(|| "（至今未撤销）".into());
                let revoked_en = revoked
                    .map(|r| format!(" (revoked only at #{r})"))
                    .unwrap_or_else(|| " (never revoked)".into());
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    seqs,
                    None,
                    None,
                    format!(
                        "持有人“{holder}”已于第{}号换发新密钥，旧密钥{key_hex}…{revoked_zh}仍签署了{}笔资金条目。",
                        newer.seq,
                        after.len()
                    ),
                    format!(
                        "Holder \"{holder}\" was given a new key at #{}, yet the old key {key_hex}…{revoked_en} signed {} more money entries.",
                        newer.seq,
                        after.len()
                    ),
                );
            }
        }
    }

    pub(super) fn finish_shared(&mut self, _state: &LedgerState) {
        let payees: Vec<(Ident, BTreeMap<String, Vec<u64>>)> =
            self.payee_names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (id, names) in payees {
            if names.len() < 2 {
                continue;
            }
            let seqs: Vec<u64> = names.values().flatten().copied().collect();
            let list = names.keys().cloned().collect::<Vec<_>>().join("、");
            self.push(
                Rule::SharedPayee,
                Severity::Medium,
                seqs,
                None,
                None,
                format!("收款方代码{id}对应{}个不同名称（{list}）：一个代码被多个单位共用，疑为虚假收款方。", names.len()),
                format!("Payee id {id} appears under {} different names ({list}): one id shared by several payees, possibly a fictitious payee.", names.len()),
            );
        }
        let mut refs: Vec<HouseholdRef> = self.household_names.keys().copied().collect();
        refs.sort();
        for r in refs {
            let names = self.household_names.get(&r).cloned().unwrap_or_default();
            let villages = self.household_villages.get(&r).cloned().unwrap_or_default();
            let first_village = villages.keys().next().copied();
            if names.len() >= 2 {
                let seqs: Vec<u64> = names.values().flatten().copied().collect();
                let list = names.keys().cloned().collect::<Vec<_>>().join("、");
                let severity = if names.len() >= 3 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                self.push(
                    Rule::SharedPayee,
                    severity,
                    seqs,
                    first_village,
                    None,
                    format!("同一户编号{}下出现{}个不同户主姓名（{list}）：多户共用一个身份证号领取补贴，疑冒领。", short_ref(&r), names.len()),
                    format!("Household reference {} is paid under {} different names ({list}): several households share one resident ID, possibly fraudulent claims.", short_ref(&r), names.len()),
                );
            }
            if villages.len() >= 2 {
                let seqs: Vec<u64> = villages.values().flatten().copied().collect();
                let list = villages.keys().map(|c| c.to_string()).collect::<Vec<_>>().join("、");
                self.push(
                    Rule::SharedPayee,
                    Severity::High,
                    seqs,
                    first_village,
                    None,
                    format!("同一户编号{}在{}个村领取补贴（{list}）：同一身份在多地享受补贴。", short_ref(&r), villages.len()),
                    format!("Household reference {} is paid in {} villages ({list}): one identity drawing subsidies in several places.", short_ref(&r), villages.len()),
                );
            }
        }
    }

    pub(super) fn finish_non_strict(&mut self) {
        for (k, seqs) in std::mem::take(&mut self.non_strict) {
            let key = self.keys.get(k).map(|k| k.to_hex()).unwrap_or_default();
            let holder = self.grants.get(&k).map(|g| g.holder.clone()).unwrap_or_default();
            let (shown, count) = entries_list(seqs.clone());
            let list = seq_text(&shown, count);
            self.push(
                Rule::NonStrictSignature,
                Severity::High,
                seqs,
                None,
                None,
                format!(
                    "密钥 {key}（持有人“{holder}”）在{count}个条目（{list}）上的签名按本账本规则（ZIP-215）有效，但严格的 RFC 8032 验证（ed25519-dalek verify_strict：不含余因子的验证方程，拒绝小阶点和非规范编码）不予承认。正常的签名程序不会产生这种签名，应是刻意构造：其他验证程序可能据此判定这些条目无效。请核实持有人，必要时撤销该密钥。"
                ),
                format!(
                    "The signatures of key {key} (holder \"{holder}\") on {count} entries ({list}) are valid under the ledger's rule (ZIP-215) but refused by strict RFC 8032 verification (ed25519-dalek verify_strict: cofactorless equation, no small-order or non-canonical points). No standard signer produces such a signature, so it was crafted; other verifiers may declare these entries invalid. Ask the holder why, and revoke the key if needed."
                ),
            );
        }
    }

    pub(super) fn summaries(
        &self,
        state: &LedgerState,
        findings: &[Finding],
        idle: &[IdleMoney],
    ) -> Vec<RegionSummary> {
        let mut rows: BTreeMap<RegionCode, RegionSummary> = BTreeMap::new();
        let blank = |code: RegionCode| RegionSummary {
            code,
            name: state.regions().name(code).unwrap_or("").to_string(),
            level: code.level(),
            received: Fen::ZERO,
            households_paid: Fen::ZERO,
            projects_paid: Fen::ZERO,
            idle_money: Fen::ZERO,
            high: 0,
            medium: 0,
            low: 0,
        };
        let clamp = |v: i128| Fen::from_raw(u64::try_from(v.max(0)).unwrap_or(u64::MAX));
        for (code, m) in &self.money {
            if m.received == 0 && m.households == 0 && m.projects == 0 {
                continue;
            }
            let row = rows.entry(*code).or_insert_with(|| blank(*code));
            row.received = clamp(m.received);
            row.households_paid = clamp(m.households);
            row.projects_paid = clamp(m.projects);
        }
        // Idle money counts for its region and each ancestor (a town's
        // figure includes its villages' and their projects').
        for row in idle {
            let mut cursor = row.region;
            while let Some(code) = cursor {
                if code.level() != RegionLevel::District {
                    let r = rows.entry(code).or_insert_with(|| blank(code));
                    r.idle_money = Fen::from_raw(r.idle_money.get().saturating_add(row.amount.get()));
                }
                cursor = code.parent();
            }
        }
        for f in findings {
            let Some(region) = f.region else { continue };
            let mut cursor = Some(region);
            while let Some(code) = cursor {
                if code.level() != RegionLevel::District {
                    let row = rows.entry(code).or_insert_with(|| blank(code));
                    match f.severity {
                        Severity::High => row.high += 1,
                        Severity::Medium => row.medium += 1,
                        Severity::Low => row.low += 1,
                    }
                }
                cursor = code.parent();
            }
        }
        rows.into_values().collect()
    }
}
