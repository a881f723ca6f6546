//! The per-entry engine: each verified entry in log order, replayed through
//! the rule state, applied to the money the audit tracks, and indexed for the
//! whole-ledger rules; the rules one entry can break on its own (self-granted
//! keys, one holder signing twice, a fund paying outside its purpose) are
//! reported here.

use super::*;

impl Auditor {
    /// Examine the next verified entry (entries must come in log order).
    pub fn observe(&mut self, entry: &SequencedEntry) {
        self.observe_checked(entry, &non_strict_signers(entry));
    }

    /// [`Auditor::observe`] with [`non_strict_signers`] of the entry already
    /// computed (the expensive part, which `ledger audit` runs in parallel).
    pub fn observe_checked(&mut self, entry: &SequencedEntry, non_strict: &[PublicKey]) {
        let verified = entry.signed.clone().verify().ok();
        self.observe_verified(entry, verified.as_ref(), non_strict);
    }

    /// [`Auditor::observe_checked`] with the entry's signatures already
    /// verified too (`ledger audit` verifies in parallel): the control rules
    /// replay it through the rule engine, which takes only verified
    /// submissions. `None` (signatures that do not verify: impossible in a
    /// verified ledger) stops the control rules.
    pub fn observe_verified(
        &mut self,
        entry: &SequencedEntry,
        verified: Option<&VerifiedSubmission>,
        non_strict: &[PublicKey],
    ) {
        let effects = self.replay_own(entry, verified);
        // The rules read the replayed state: lent out for this entry.
        let state = std::mem::take(&mut self.replay);
        self.observe_in(entry, effects.as_ref(), &state, non_strict);
        self.replay = state;
    }

    /// One pass (issue 16): an entry the verifier has just applied
    /// (`ledger_core::verify::Replay::push_observed`), with its `effects`
    /// and the ledger `state` after it, so the audit neither verifies nor
    /// replays it again. Entries must come in log order from genesis.
    pub fn observe_applied(
        &mut self,
        entry: &SequencedEntry,
        effects: &Effects,
        state: &LedgerState,
        non_strict: &[PublicKey],
    ) {
        self.observe_in(entry, Some(effects), state, non_strict);
    }

    /// The rules of one entry; `effects` is `None` when it did not replay
    /// (never for a verified ledger): the control rules then stop.
    fn observe_in(
        &mut self,
        entry: &SequencedEntry,
        effects: Option<&Effects>,
        state: &LedgerState,
        non_strict: &[PublicKey],
    ) {
        if let Some(effects) = effects {
            self.controls(entry, effects, state);
        }
        for key in non_strict {
            let k = self.keys.intern(key);
            self.non_strict.entry(k).or_default().push(entry.seq);
        }
        self.entries = self.entries.max(entry.seq + 1);
        self.last_time_ms = self.last_time_ms.max(entry.time_ms);
        let seq = entry.seq;
        // Age-based rules run on business dates (the day the money moved),
        // not on sequencing times: history imported in one sitting carries
        // one sequencing minute but years of business dates (issue 12).
        // Entries without one (admin kinds) move no money.
        let business = entry.signed.submission.body.business_date();
        if business.is_some() {
            self.last_date = self.last_date.max(business);
        }
        let time_ms = business.map(date_ms).unwrap_or(entry.time_ms);
        let mut signers: Vec<u32> = Vec::with_capacity(entry.signed.signatures.len());
        for s in &entry.signed.signatures {
            signers.push(self.keys.intern(&s.key));
        }
        let body = &entry.signed.submission.body;
        if !body.kind().is_admin() {
            self.check_money_signers(seq, &signers);
        }
        // Pots follow the one money model; the arms below add what only the
        // audit tracks (flows per village, watchers, sinks).
        if let Some(m) = money::movement(body) {
            let f = self.funds.intern(m.fund);
            let m = m.map(|a| self.accounts.intern(a), |_| f);
            self.apply_movement(m, seq, time_ms);
        }
        match body {
            EntryBody::Genesis(g) => {
                for grant in &g.grants {
                    let k = self.keys.intern(&grant.key);
                    self.grants.insert(
                        k,
                        GrantInfo {
                            seq,
                            holder: normalize_holder(grant.holder.as_str()),
                            role: grant.role,
                            money_entries: Vec::new(),
                        },
                    );
                }
            }
            EntryBody::KeyGrant(grant) => {
                let k = self.keys.intern(&grant.key);
                let holder = normalize_holder(grant.holder.as_str());
                // A person granting themselves a key.
                let self_granted: Vec<u32> = signers
                    .iter()
                    .copied()
                    .filter(|s| self.grants.get(s).map(|g| g.holder == holder).unwrap_or(false))
                    .collect();
                if !self_granted.is_empty() {
                    self.push(
                        Rule::SignerAnomaly,
                        Severity::High,
                        vec![seq],
                        None,
                        None,
                        format!("第{seq}号授权由持有人“{}”本人签署：自己给自己授权，违反职责分离。", grant.holder),
                        format!("Entry #{seq} grants a key to \"{}\" and is signed by that same holder: a self-grant, against the separation of duties.", grant.holder),
                    );
                }
                self.grants.insert(
                    k,
                    GrantInfo {
                        seq,
                        holder,
                        role: grant.role,
                        money_entries: Vec::new(),
                    },
                );
            }
            EntryBody::FundIssue(issue) => {
                let f = self.funds.intern(&issue.fund);
                self.fund_category.insert(f, issue.category);
                let to = self.accounts.intern(&issue.to);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: None,
                        to: Some(to),
                        amount: issue.amount.get(),
                        signers: signers.into(),
                        sink: None,
                        village_payout: false,
                    },
                );
                self.on_credit_region(to, None, issue.amount.get(), seq, time_ms);
            }
            EntryBody::Transfer(t) => {
                let f = self.funds.intern(&t.fund);
                let from = self.accounts.intern(&t.from);
                let to = self.accounts.intern(&t.to);
                let amount = t.amount.get();
                if let Account::Project(p) = &t.to {
                    self.project_funds.insert((p.clone(), f));
                }
                let village_payout = self.on_debit_village(from, amount, &t.to);
                self.on_credit_region(to, Some(from), amount, seq, time_ms);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: Some(to),
                        amount,
                        signers: signers.into(),
                        sink: None,
                        village_payout,
                    },
                );
            }
            EntryBody::ProjectRegister(p) => {
                self.projects.insert(p.project.clone(), (p.village, p.category));
            }
            EntryBody::ProjectDisbursement(d) => {
                let f = self.funds.intern(&d.fund);
                let from = self.accounts.intern(&d.from);
                let amount = d.amount.get();
                let project = self.projects.get(&d.project).copied();
                let village = project.map(|p| p.0);
                if let Some((village, category)) = project {
                    self.add_money(village, |m| m.projects += i128::from(amount));
                    if let Some(fc) = self.fund_category.get(&f).copied() {
                        if !fund_allows_project(fc, category) {
                            self.push(
                                Rule::FundMismatch,
                                Severity::Medium,
                                vec![seq],
                                Some(village),
                                Some(amount),
                                format!(
                                    "第{seq}号从{}类资金{}支付{}项目{}（{}元），资金用途与项目类别不符。",
                                    fc.label_zh(),
                                    d.fund,
                                    category.label_zh(),
                                    d.project,
                                    d.amount.to_yuan_string()
                                ),
                                format!(
                                    "Entry #{seq} pays project {} ({}) {} yuan from fund {}, whose purpose is {}: the fund is not meant for this kind of project.",
                                    d.project,
                                    category.name(),
                                    d.amount.to_yuan_string(),
                                    d.fund,
                                    fc.name()
                                ),
                            );
                        }
                    }
                }
                // A fund reaches a project by a transfer into its account or,
                // in the project library (issue 13), by the approved budget
                // naming it: a treasury then pays the contractor directly.
                let approved = state
                    .project(&d.project)
                    .and_then(|p| p.approval.as_ref())
                    .is_some_and(|a| a.budgets.iter().any(|b| b.fund == d.fund));
                if matches!(d.from, Account::Treasury(_))
                    && !approved
                    && !self.project_funds.contains(&(d.project.clone(), f))
                {
                    self.push(
                        Rule::FundMismatch,
                        Severity::Medium,
                        vec![seq],
                        village,
                        Some(amount),
                        format!(
                            "第{seq}号由{}直接支付项目{}（资金{}，{}元），但该资金从未拨入此项目：支付绕过了项目资金拨付。",
                            d.from.key(),
                            d.project,
                            d.fund,
                            d.amount.to_yuan_string()
                        ),
                        format!(
                            "Entry #{seq} pays project {} straight from {} ({} yuan of fund {}), but that fund was never allocated to the project: the payment bypasses the project's allocation.",
                            d.project,
                            d.from.key(),
                            d.amount.to_yuan_string(),
                            d.fund
                        ),
                    );
                }
                let village_payout = self.on_debit_village(from, amount, &Account::Project(d.project.clone()));
                let names = self.payee_names.entry(d.payee.id.clone()).or_default();
                names.entry(d.payee.name.to_string()).or_default().push(seq);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: None,
                        amount,
                        signers: signers.into(),
                        sink: village.map(Sink::Project),
                        village_payout,
                    },
                );
            }
            EntryBody::HouseholdSubsidy(s) => {
                let f = self.funds.intern(&s.fund);
                let from = self.accounts.intern(&s.from);
                let amount = s.amount.get();
                self.add_money(s.village, |m| m.households += i128::from(amount));
                let village_payout = self.on_debit_village(from, amount, &Account::Treasury(s.village));
                self.subsidies
                    .entry((s.household, s.category, s.period))
                    .or_default()
                    .push(SubsidyPaid {
                        seq,
                        amount,
                        supplementary: s.supplementary.is_some(),
                    });
                self.household_names
                    .entry(s.household)
                    .or_default()
                    .entry(s.masked_name.as_str().to_string())
                    .or_default()
                    .push(seq);
                self.household_names_masked
                    .entry(s.household)
                    .or_insert_with(|| s.masked_name.as_str().to_string());
                self.household_villages
                    .entry(s.household)
                    .or_default()
                    .entry(s.village)
                    .or_default()
                    .push(seq);
                if let Some(fc) = self.fund_category.get(&f).copied() {
                    if !fund_allows_subsidy(fc, s.category) {
                        self.push(
                            Rule::FundMismatch,
                            Severity::Medium,
                            vec![seq],
                            Some(s.village),
                            Some(amount),
                            format!(
                                "第{seq}号从{}类资金{}发放{}（{}元，{}），资金用途与补贴类别不符。",
                                fc.label_zh(),
                                s.fund,
                                s.category.label_zh(),
                                s.amount.to_yuan_string(),
                                s.masked_name
                            ),
                            format!(
                                "Entry #{seq} pays a {} subsidy ({} yuan, {}) from fund {}, whose purpose is {}: the fund is not meant for this subsidy.",
                                s.category.name(),
                                s.amount.to_yuan_string(),
                                s.masked_name,
                                s.fund,
                                fc.name()
                            ),
                        );
                    }
                }
                self.check_single_standard(seq, s);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: None,
                        amount,
                        signers: signers.into(),
                        sink: Some(Sink::Household(s.village)),
                        village_payout,
                    },
                );
            }
            EntryBody::Reversal(r) => self.observe_reversal(seq, time_ms, r.target_seq, &signers),
            // Everything else moves no money and registers nothing this
            // observes (procedures are read by the controls rules): the
            // kinds are listed once, in ledger-core's `EntryBody::book_effect`.
            _ => {}
        }
        // Issue 16: subjects, patterns, lists and the report's flows.
        match body {
            EntryBody::HouseholdSubsidy(s) => {
                self.note_subject(seq, Subject::Household(s.household));
                self.match_lists(seq, s);
            }
            EntryBody::ProjectDisbursement(d) => self.note_subject(seq, Subject::Project(d.project.clone())),
            _ => {}
        }
        self.flows.observe(body);
        self.observe_patterns(seq, entry.time_ms, body, state);
    }

    pub(super) fn check_money_signers(&mut self, seq: u64, signers: &[u32]) {
        // One person signing twice to meet a co-signature rule.
        let mut by_holder: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for s in signers {
            if let Some(g) = self.grants.get(s) {
                by_holder.entry(g.holder.clone()).or_default().push(*s);
            }
        }
        for (holder, keys) in &by_holder {
            if keys.len() > 1 {
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    vec![seq],
                    None,
                    None,
                    format!("第{seq}号的{}个签名来自同一持有人“{holder}”的不同密钥：会签（五签五核）形同虚设。", keys.len()),
                    format!("Entry #{seq} carries {} signatures from different keys of the same holder \"{holder}\": the co-signature rule was met by one person.", keys.len()),
                );
            }
        }
        for s in signers {
            if let Some(g) = self.grants.get_mut(s) {
                g.money_entries.push(seq);
            }
        }
    }
}
