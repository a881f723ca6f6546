// 查询我家: a household's entries, each verified in the browser from its raw
// bytes up to the log's signature (see check.js), plus the log's consistency
// with what this browser saw before (see trust.js).

import { api } from './api.js';
import { checkEntry } from './check.js';
import { h, link, fill } from './dom.js';
import {
  ASSISTANCE_ZH, CHECK_ZH, CONFIRM_METHOD_ZH, KIND_ZH, SUBSIDY_CATEGORY_ZH, accountLabel, assistanceZh, dateTime, groupHex, period, yuan, ymd,
} from './format.js';
import {
  confirmationCell, hasWarnings, lineRefLink, registrationPeriod, supplementLink, supplementOf, supplementTag, warningsBlock, withTexts,
} from './procedures.js';
import { controlsBadge, controlsBlock, controlsOf, withChecked } from './controls.js';
import { contactsBlock, footerContacts } from './contacts.js';
import { checkmarkMeaning } from './villager.js';
import { card, empty, errorBox, loading } from './ui.js';
import { checkConsistency, logTrust, pinKey, pinnedKey, unpinKey } from './trust.js';
import { CodeError, displayCode, householdCode, parseCodeInput, refMatches } from './code.js';
import { nameOf } from './regions.js';

const REF = /^[0-9a-f]{64}$/;

/** Where the typed text goes: a code or prefix as typed (normalised), a ref in lowercase. */
function target(parsed) {
  if (parsed.kind === 'ref') return parsed.ref;
  return parsed.kind === 'code' ? parsed.code : parsed.prefix;
}

/** The field's error line; `data-error` carries the stable code for tests and programs. */
function showError(el, e) {
  el.textContent = e.message;
  el.dataset.error = e.code || 'error';
}

/** The 户码 form (also on the start page): checks what was typed before anything is asked of the node. */
export function codeForm(initial, error) {
  const input = h('input', {
    id: 'household-ref', name: 'ref', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    placeholder: '户码，例如 EEC8-F2JJ-C2A', value: initial || '', 'aria-describedby': 'ref-help', 'aria-invalid': error ? 'true' : null,
  });
  const err = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'code-error' });
  if (error) showError(err, error);
  return h('form', { class: 'ref-form', onsubmit: (e) => {
    e.preventDefault();
    try {
      // Checked here first: a typo never leaves the page, so it can never
      // open another household.
      location.hash = `#/h/${target(parseCodeInput(input.value))}`;
    } catch (x) {
      showError(err, x);
      input.setAttribute('aria-invalid', 'true');
    }
  } },
  h('label', { for: 'household-ref' }, '户码'),
  h('div', { class: 'ref-row' }, input, h('button', { class: 'btn', type: 'submit' }, '查询并验证')),
  h('p', { id: 'ref-help', class: 'hint' }, '户码共 11 位（数字 2-9 和大写字母），印在补贴发放单上，也可扫描发放单上的二维码。只记得前几位也可以：输入至少前 6 位。旧发放单上 64 位的户号同样可用。户码由户号算出，不含身份证号，也不需要任何密钥。'),
  err);
}

/**
 * Resolves what was typed to a household reference: a ref as is, a code or
 * prefix through the node — and then checks, here, that the household the
 * node named really carries that code. Returns {ref, code} or throws an
 * Error with a `code` and a Chinese message.
 */
async function resolve(parsed) {
  if (parsed.kind === 'ref') return { ref: parsed.ref, code: householdCode(parsed.ref) };
  const typed = parsed.kind === 'code' ? parsed.code : parsed.prefix;
  let r;
  try {
    r = await api.householdByCode(typed);
  } catch (e) {
    if (e.code === 'ambiguous_code') {
      const m = /有 ?(\d+) ?户/.exec(e.message || '');
      const n = Number.isSafeInteger(e.details.count) ? e.details.count : m ? Number(m[1]) : null;
      throw new CodeError('ambiguous_code', `有${n != null ? ` ${n} ` : '多'}户的户码以 ${displayCode(typed)} 开头，请多输入几位。`);
    }
    if (e.code === 'unknown_code' || e.status === 404) {
      throw new CodeError('unknown_code', `账本中没有户码为 ${displayCode(typed)}${parsed.kind === 'prefix' ? '…' : ''} 的农户。请对照发放单核对。`);
    }
    throw e;
  }
  const ref = typeof r?.household === 'string' ? r.household.toLowerCase() : typeof r?.ref === 'string' ? r.ref.toLowerCase() : '';
  if (!REF.test(ref) || !refMatches(ref, parsed)) {
    throw new CodeError('code_mismatch', `节点返回的农户（户号 ${ref ? `${ref.slice(0, 12)}…` : '缺失'}）与您输入的户码 ${displayCode(typed)} 不符，本页不予显示。请截图并向区纪委监委反映。`);
  }
  // The lookup answers with the household's own answer: used as its first page.
  return { ref, code: householdCode(ref), first: r };
}

function entryFacts(entry, decoded) {
  // Shown from the verified bytes when they decoded, else from the node's JSON.
  const kind = decoded ? decoded.kind : Object.keys(entry.body || {})[0];
  const b = decoded ? decoded.body : (entry.body || {})[kind] || {};
  const rows = [];
  if (kind === 'HouseholdSubsidy') {
    rows.push(['金额', [h('strong', { class: 'amount' }, yuan(b.amount)), ' ', supplementTag(b.supplementary)]]);
    // A 补发/差额补足 (issue 14): the earlier payment it adds to, and why.
    const sup = supplementOf(b.supplementary);
    if (sup) {
      rows.push([sup.word, supplementLink(b.supplementary, location.hash || '#/')]);
      if (sup.note) rows.push(['说明', h('span', { 'data-testid': 'supplement-note' }, sup.note)]);
    }
    rows.push(['类别', SUBSIDY_CATEGORY_ZH[b.category] || b.category]);
    rows.push(['期间', period(b.period)]);
    rows.push(['发放日期', h('span', { 'data-testid': 'payment-date' }, ymd(b.date ?? entry.date))]);
    rows.push(['户主', b.masked_name]);
    rows.push(['所在村', nameOf(b.village) || b.village]);
    rows.push(['发放公示', b.notice ? lineRefLink(b.notice) : h('span', { class: 'muted' }, '无（规则施行前的历史数据）')]);
    rows.push(['资金', link(`#/f/${encodeURIComponent(b.fund)}`, b.fund)]);
    rows.push(['付款账户', accountLabel(b.from, nameOf)]);
    if (entry.confirmation) rows.push(['农户确认', confirmationCell(entry.confirmation)]);
  } else if (kind === 'Reversal') {
    rows.push(['冲正对象', `第 ${b.target_seq} 条记录`]);
    rows.push(['原因', b.reason]);
    if (b.date != null) rows.push(['冲正日期', ymd(b.date)]);
  } else if (kind === 'HouseholdRegister') {
    rows.push(['类别', ASSISTANCE_ZH[b.category] || b.category]);
    rows.push(['登记日期', ymd(b.date)]);
    rows.push(['户主', b.masked_name]);
    rows.push(['所在村', nameOf(b.village) || b.village]);
    rows.push(['公示程序', b.notices ? h('span', null, '两公告四公示：', lineRefLink(b.notices.objection_review), ' 等') : h('span', { class: 'tag tag-warn' }, '⚠ 未经公示程序（规则施行前的历史数据）')]);
  } else if (kind === 'HouseholdExit') {
    rows.push(['退出日期', ymd(b.date)]);
    rows.push(['脱贫公告', lineRefLink(b.announcement)]);
    rows.push(['原因', b.reason]);
  } else if (kind === 'PaymentConfirm') {
    rows.push(['确认的款项', `第 ${b.payment_seq} 条记录`]);
    rows.push(['确认方式', CONFIRM_METHOD_ZH[b.method] || b.method]);
    rows.push(['确认日期', ymd(b.date)]);
  } else if (kind === 'HouseholdCheck') {
    rows.push(['核对', CHECK_ZH[b.check] || b.check]);
    rows.push(['日期', ymd(b.date)]);
    rows.push(['结果', b.passed ? '通过' : '未通过']);
    rows.push(['说明', b.note]);
  } else {
    rows.push(['内容', entry.summary_zh || KIND_ZH[kind] || kind]);
  }
  rows.push(['记账时间', dateTime(decoded ? decoded.time_ms : entry.time_ms)]);
  rows.push(['账本序号', `第 ${entry.seq} 条`]);
  return { kind, rows };
}

function stepsList(result) {
  return h('ol', { class: 'steps' }, result.steps.map((s) => h('li', { class: s.ok ? 'ok' : 'fail', 'data-step': s.id },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, s.ok ? '✔' : '✘'),
    h('span', { class: 'step-title' }, s.title, s.ok ? '' : '（未通过）'),
    h('span', { class: 'step-detail' }, s.detail))));
}

function entryCard(entry, texts) {
  const status = h('span', { class: 'badge badge-pending', 'data-testid': 'entry-status' }, '验证中…');
  const facts = h('dl', { class: 'facts' });
  const details = h('details', { class: 'verify-details' }, h('summary', null, '验证详情'), h('p', { class: 'muted' }, '正在获取包含证明…'));
  const kind = Object.keys(entry.body || {})[0];
  const title = h('h4', null, entry.kind_zh || KIND_ZH[kind] || entry.kind || '记录');
  // Two kinds of green (issue 15): (a) the badge above is this browser's
  // cryptographic check; (b) for a payment, the controls the node reports.
  // A payment that broke a control is never shown with a plain tick alone.
  const payment = kind === 'HouseholdSubsidy';
  const ctl = payment ? controlsOf(entry, texts) : null;
  const warned = ctl ? ctl.state === 'failed' : hasWarnings(entry);
  const village = payment ? entry.body.HouseholdSubsidy?.village : null;
  const box = h('article', {
    class: `entry${warned ? ' entry-warn' : ''}`, 'data-seq': entry.seq, 'data-verify': 'pending',
    'data-warnings': hasWarnings(entry) ? entry.warnings.length : null, 'data-controls': ctl ? ctl.state : null,
  },
  h('div', { class: 'entry-head' }, title, h('span', { class: 'badges' }, status, ctl ? controlsBadge(ctl) : null)),
  // History warnings are shown once: inside the control they broke, and
  // only those no control names in a list of their own.
  ctl ? controlsBlock(ctl) : null, warningsBlock(ctl ? ctl.uncovered : entry.warnings), facts, details,
  payment ? h('details', { class: 'ask' }, h('summary', null, '有疑问？'), contactsBlock(typeof village === 'string' ? village : null, { compact: true, title: '对这笔款项有疑问？' })) : null);
  const show = (decoded) => {
    const f = entryFacts(entry, decoded);
    fill(facts, ...f.rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
    if (entry.reversed_by != null) facts.append(h('dt', null, '状态'), h('dd', null, h('span', { class: 'tag tag-warn' }, `已被第 ${entry.reversed_by} 条冲正`)));
  };
  show(null);
  return {
    box,
    done(result, error) {
      if (error) {
        status.className = 'badge badge-fail';
        status.textContent = '✘ 无法验证';
        box.dataset.verify = 'fail';
        fill(details, h('summary', null, '验证详情'), errorBox(error));
        details.open = true;
        return;
      }
      if (result.decoded) show(result.decoded);
      if (result.reversal) facts.append(h('dt', null, '冲正原因'), h('dd', null, result.reversal.reason));
      status.className = `badge ${result.ok ? 'badge-ok' : 'badge-fail'}`;
      status.textContent = result.ok ? '✔ 已记录且未被篡改' : '✘ 验证失败';
      box.dataset.verify = result.ok ? 'ok' : 'fail';
      fill(details, h('summary', null, result.ok ? '验证详情（全部通过）' : '验证详情（有未通过的步骤）'), stepsList(result));
      if (!result.ok) details.open = true;
    },
  };
}

export function keyPanel(log, key, onChange, trusted = null) {
  const pinned = pinnedKey(log.origin);
  const isPinned = pinned === key.vkey;
  const rotatedTo = Boolean(pinned && !isPinned && trusted && Array.isArray(trusted.keys) && trusted.keys.includes(key.vkey));
  return h('div', { class: 'key-panel', 'data-testid': 'key-panel' },
    h('h4', null, '验证所用的日志公钥'),
    h('dl', { class: 'facts' },
      h('dt', null, '密钥名称'), h('dd', null, h('code', null, key.name)),
      h('dt', null, '密钥编号'), h('dd', null, h('code', { 'data-testid': 'key-id' }, key.idHex)),
      h('dt', null, '公钥指纹'), h('dd', null, h('code', { class: 'fingerprint' }, groupHex(key.fingerprint.slice(0, 32)))),
      h('dt', null, '完整公钥'), h('dd', null, h('code', { class: 'vkey' }, key.vkey))),
    h('p', { class: 'hint' }, '公钥来自本节点（/v1/log）。请与区财政局、村务公开栏公布的公钥指纹核对；核对一致后可“固定”在本机，以后节点若更换密钥，页面会明确报警。'),
    rotatedTo ? h('p', { class: 'alert alert-info', 'data-testid': 'key-rotated' }, `✔ 本机固定的是日志的早先公钥；节点已按规定更换了 ${trusted.keys.indexOf(key.vkey)} 次公钥，每次都由前一把公钥签名背书，本机已逐次核验。`) : null,
    pinned && !isPinned && !rotatedTo ? h('p', { class: 'alert alert-error' }, '注意：本机固定的是另一把公钥，节点现在使用的公钥与之不同！') : null,
    isPinned
      ? h('p', null, h('span', { class: 'badge badge-ok' }, '✔ 已固定在本机'), ' ', h('button', { class: 'btn btn-small btn-ghost', type: 'button', onclick: () => { unpinKey(log.origin); onChange(); } }, '取消固定'))
      : h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'pin-key', onclick: () => {
        if (pinned && !confirm('本机已固定另一把公钥。只有在区财政局公告了密钥轮换时才应更换。确定改为固定当前公钥吗？')) return;
        pinKey(log.origin, key.vkey);
        onChange();
      } }, pinned ? '改为固定当前公钥' : '固定此公钥'));
}

/**
 * The node says this payment was reversed: fetch the reversal entry with its
 * proof and verify it the same way, and that it really undoes this entry.
 */
async function checkReversal(entry, result, log, pinned, trusted) {
  const title = `核验冲正记录（第 ${entry.reversed_by} 条）`;
  let step;
  try {
    const rev = await api.entry(entry.reversed_by);
    const r = checkEntry({ entry: rev.entry, proof: rev.proof, log, pinned, trusted });
    const d = r.decoded;
    if (!r.ok) {
      step = { ok: false, detail: `冲正记录未通过验证：${r.steps.find((x) => !x.ok)?.detail}` };
    } else if (d.kind !== 'Reversal' || d.body.target_seq !== entry.seq) {
      step = { ok: false, detail: `第 ${entry.reversed_by} 条不是对本条记录的冲正` };
    } else {
      step = { ok: true, detail: `冲正记录同样在签名账本中；原因：${d.body.reason}` };
      result.reversal = { seq: entry.reversed_by, reason: d.body.reason };
    }
  } catch (e) {
    step = { ok: false, detail: `无法获取冲正记录：${e.message}` };
  }
  result.steps.push({ id: 'reversal', title, ...step });
  result.ok = result.ok && step.ok;
}

/**
 * The node says the household confirmed this payment (确认): fetch the
 * confirmation entry with its proof, verify it the same way, and that it
 * confirms this very payment on the date the node shows.
 */
async function checkConfirmation(entry, result, log, pinned, trusted) {
  const c = entry.confirmation;
  const title = `核验到户确认记录（第 ${c.seq} 条）`;
  let step;
  try {
    const got = await api.entry(c.seq);
    const r = checkEntry({ entry: got.entry, proof: got.proof, log, pinned, trusted });
    const d = r.decoded;
    if (!r.ok) {
      step = { ok: false, detail: `确认记录未通过验证：${r.steps.find((x) => !x.ok)?.detail}` };
    } else if (d.kind !== 'PaymentConfirm' || Number(d.body.payment_seq) !== entry.seq) {
      step = { ok: false, detail: `第 ${c.seq} 条不是对本笔款项的到户确认` };
    } else if (c.date != null && ymd(c.date) !== ymd(d.body.date)) {
      step = { ok: false, detail: `节点显示的确认日期 ${ymd(c.date)} 与签名记录中的 ${ymd(d.body.date)} 不符` };
    } else {
      step = { ok: true, detail: `确认记录同样在签名账本中：${ymd(d.body.date)}，${CONFIRM_METHOD_ZH[d.body.method] || d.body.method}` };
    }
  } catch (e) {
    step = { ok: false, detail: `无法获取确认记录：${e.message}` };
  }
  result.steps.push({ id: 'confirmation', title, ...step });
  result.ok = result.ok && step.ok;
}

/**
 * An entry shown for a household must be about that household: a node that
 * answers a code with one household's ref and another's entries fails here.
 */
function belongsTo(ref, result) {
  const who = result.decoded && result.decoded.body ? result.decoded.body.household : undefined;
  if (who === undefined) return;
  const ok = typeof who === 'string' && who.toLowerCase() === ref;
  result.steps.push({ id: 'household', title: '核对户号', ok, detail: ok ? '记录中的户号就是本户' : `记录中的户号 ${String(who).slice(0, 12)}… 不是本户` });
  result.ok = result.ok && ok;
}

/** The witness line of the summary: how many cosignatures were seen, against how many required. */
function witnessLine(w) {
  if (!w || (!w.error && !w.required)) return h('p', { class: 'small muted', 'data-testid': 'witness-status', 'data-status': 'none' }, '本节点未配置见证方（如纪委监委、审计局）联署检查点。');
  if (w.error) return h('p', { 'data-testid': 'witness-status', 'data-status': 'fail' }, `✘ ${w.error}`);
  return h('p', { 'data-testid': 'witness-status', 'data-status': 'ok' },
    `✔ 见证联署：${w.listed} 个见证方中有 ${w.count} 个（${w.names.join('、')}）联署了第 ${w.size} 条为止的账本，要求至少 ${w.required} 个。`);
}

async function runChecks(ref, log, data, cards, summary, keyBox, consistencyBox) {
  const pinned = pinnedKey(log.origin);
  // Rotations from the pinned key and the witnesses' cosignatures, first:
  // every entry's check uses them.
  const trusted = await logTrust(log);
  const results = new Array(data.entries.length);
  let next = 0;
  // A few proofs at a time: polite to the node's rate limit on a weak link.
  const worker = async () => {
    while (next < data.entries.length) {
      const i = next++;
      const entry = data.entries[i];
      try {
        const proof = await api.inclusion(entry.seq);
        results[i] = checkEntry({ entry, proof, log, pinned, trusted });
        belongsTo(ref, results[i]);
        if (entry.reversed_by != null) await checkReversal(entry, results[i], log, pinned, trusted);
        if (entry.confirmation && entry.confirmation.seq != null) await checkConfirmation(entry, results[i], log, pinned, trusted);
        cards[i].done(results[i]);
      } catch (e) {
        results[i] = { ok: false, error: e };
        cards[i].done(null, e);
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  const ok = results.filter((r) => r.ok).length;
  const failed = results.length - ok;
  const key = results.find((r) => r.key)?.key;
  const cp = results.find((r) => r.checkpoint)?.checkpoint;
  const payments = data.entries.filter((e) => Object.keys(e.body || {})[0] === 'HouseholdSubsidy');
  const warned = payments.filter((e) => controlsOf(e).state === 'failed').length;
  const unchecked = payments.filter((e) => controlsOf(e).state === 'unknown').length;
  // Too few witness cosignatures (when the node names witnesses) is a
  // failure of the whole answer, never green.
  const witnessFailed = Boolean(trusted.witness && trusted.witness.error);
  const rotated = trusted.rotations.length;
  if (failed === 0 && !witnessFailed) {
    summary.className = `alert ${warned ? 'alert-warn' : 'alert-ok'} verify-summary`;
    summary.dataset.status = 'ok';
    fill(summary, h('strong', null, `✔ 已记录且未被篡改：这 ${ok} 条记录都在公开账本中，内容未被改动。`),
      warned ? h('p', { class: 'warn-line', 'data-testid': 'controls-summary' }, `⚠ 但其中 ${warned} 笔款项未通过审核控制（如重复发放、未经公示、有未处理的异议），见各笔款项的说明。`) : null,
      unchecked ? h('p', { class: 'small muted' }, `${unchecked} 笔款项节点没有给出审核控制结果。`) : null,
      checkmarkMeaning(),
      h('details', { class: 'tech' }, h('summary', null, '技术细节'),
        h('p', null, `本机重算了每条记录的哈希，按 RFC 9162 逐条验证了包含证明，并用日志公钥（编号 ${key ? key.idHex : '—'}）验证了检查点的 Ed25519 签名${pinned ? (rotated ? `；该公钥由本机固定的公钥经 ${rotated} 次背书轮换而来，每次背书均成立` : '，与本机固定的公钥一致') : ''}。`),
        witnessLine(trusted.witness),
        cp ? h('p', { class: 'small' }, `检查点：${cp.origin} · 共 ${cp.size} 条 · 根哈希 ${cp.rootB64}`) : null));
  } else {
    const first = results.find((r) => !r.ok);
    const reason = !first ? trusted.witness.error : first.error ? first.error.message : first.steps.find((s) => !s.ok)?.detail;
    summary.className = 'alert alert-error verify-summary';
    summary.dataset.status = 'fail';
    fill(summary, h('strong', null, failed ? `✘ 验证失败：${failed} 条记录未能通过验证${ok ? `（${ok} 条通过）` : ''}。` : '✘ 验证失败：见证联署不足。'),
      h('p', null, `原因：${reason}`),
      witnessFailed ? witnessLine(trusted.witness) : null,
      h('p', null, '这说明节点返回的数据与签名账本不符，或者证明被篡改。请勿轻信页面显示的金额，可截图并向区纪委监委反映。'));
  }
  if (key) {
    const redraw = () => {
      fill(keyBox, keyPanel(log, key, redraw, trusted));
    };
    redraw();
  }
  const c = await checkConsistency(log, trusted);
  consistencyBox.className = `alert ${c.ok ? 'alert-info' : 'alert-error'}`;
  consistencyBox.dataset.status = c.ok ? 'ok' : 'fail';
  fill(consistencyBox, h('strong', null, `${c.ok ? '✔' : '✘'} ${c.title}`), h('p', null, c.detail));
}

export async function householdView(main, arg, page) {
  const intro = h('div', { class: 'intro' }, h('h2', null, '查询我家'),
    h('p', null, '查看您家收到的每一笔补贴。页面会在本机逐条验证：记录确实写在账本里、账本由日志密钥签名、内容没有被改动。'));
  if (!arg) {
    page(intro, card(null, codeForm('')));
    document.getElementById('household-ref')?.focus();
    return;
  }
  let parsed;
  try {
    parsed = parseCodeInput(arg);
  } catch (e) {
    page(intro, card(null, codeForm(arg, e)));
    return;
  }
  let shown = parsed.kind === 'ref' ? parsed.ref : displayCode(target(parsed));
  page(intro, card(null, codeForm(shown)), loading('正在查询…'));
  let ref;
  let code;
  let first;
  try {
    ({ ref, code, first } = await resolve(parsed));
  } catch (e) {
    const box = e instanceof CodeError ? card(null, codeForm(shown, e)) : card(null, codeForm(shown));
    page(intro, box, e instanceof CodeError ? null : errorBox(e, () => householdView(main, arg, page)));
    if (e.code === 'code_mismatch') box.querySelector('[data-testid="code-error"]').classList.add('alert', 'alert-error');
    return;
  }
  // From here on the form shows the whole code (a prefix was resolved).
  shown = parsed.kind === 'ref' ? ref : displayCode(code);
  let log;
  let data;
  try {
    [log, data] = await Promise.all([api.log(), first || api.household(ref)]);
    withTexts(data.payments, data);
    withChecked(data.payments, data);
    // All pages (a household rarely has more than a few dozen payments).
    while (data.next != null && data.entries.length < 2000) {
      const more = await api.household(ref, data.next);
      withTexts(more.payments, more); // each page's texts are its own
      withChecked(more.payments, more); // and so is its list of checks
      data = {
        ...data, entries: [...data.entries, ...(more.entries || [])], payments: [...(data.payments || []), ...(more.payments || [])],
        control_texts: { ...(data.control_texts || {}), ...(more.control_texts || {}) }, next: more.next,
      };
    }
  } catch (e) {
    const msg = e.status === 404 ? new Error('账本中没有这个户号的记录。请核对户号是否抄写正确。') : e;
    page(intro, card(null, codeForm(shown)), errorBox(msg, () => householdView(main, arg, page)));
    return;
  }
  const entries = Array.isArray(data.entries) ? data.entries : [];
  // The node lists each payment's business date, payment-list line,
  // confirmation and warnings under `payments` (by seq): shown on its card.
  const controls = new Map((Array.isArray(data.payments) ? data.payments : []).map((p) => [p.seq, p]));
  for (const e of entries) {
    const p = controls.get(e.seq);
    if (!p) continue;
    for (const k of ['date', 'notice', 'confirmation', 'warnings', 'controls']) if (e[k] === undefined && p[k] !== undefined) e[k] = p[k];
  }
  const registrations = Array.isArray(data.registrations) ? data.registrations : [];
  if (Array.isArray(data.villages) && data.villages[0]) footerContacts(data.villages[0].code);
  const summary = h('div', { class: 'alert alert-info verify-summary', 'data-testid': 'verify-summary', 'data-status': 'pending', role: 'status', 'aria-live': 'polite' }, '正在本机验证每条记录的包含证明和检查点签名…');
  const keyBox = h('div');
  const consistencyBox = h('div', { class: 'alert alert-info', 'data-testid': 'consistency', 'data-status': 'pending' }, '正在核对日志是否只增不改…');
  const texts = data.control_texts && typeof data.control_texts === 'object' ? data.control_texts : {};
  const cards = entries.map((e) => entryCard(e, texts));
  page(
    intro,
    card(null, codeForm(shown)),
    card('查询结果',
      h('dl', { class: 'facts' },
        h('dt', null, '户码'), h('dd', null, h('code', { class: 'hcode', 'data-testid': 'household-code' }, displayCode(code))),
        h('dt', null, '户号'), h('dd', null, h('code', { class: 'ref' }, groupHex(ref, 8))),
        h('dt', null, '户主'), h('dd', null, data.masked_name || '—'),
        h('dt', null, '累计收到'), h('dd', { 'data-testid': 'household-total' }, h('strong', { class: 'amount' }, yuan(data.total_fen))),
        h('dt', null, '记录条数'), h('dd', null, String(data.count ?? entries.length)),
        (data.villages || []).length ? [h('dt', null, '所在村'), h('dd', null, data.villages.map((v, i) => [i ? '、' : '', h('a', { href: `#/r/${v.code}` }, v.name)]))] : null,
        registrations.length ? [h('dt', null, '建档立卡'), h('dd', { 'data-testid': 'household-registrations' }, h('ul', { class: 'plain' }, registrations.map((g) => h('li', null,
          h('strong', null, assistanceZh(g.category_zh, g.category)), ' ', registrationPeriod(g),
          g.procedure === false ? h('span', { class: 'tag tag-warn' }, '⚠ 未经公示程序（规则施行前的历史数据）') : null))))] : null),
      h('p', { class: 'hint' }, '“累计收到”由节点汇总，已扣除被冲正的款项；下面每条记录的金额取自经过验证的原始字节。')),
    summary,
    entries.length ? h('div', { class: 'entries', 'data-testid': 'entries' }, cards.map((c) => c.box)) : empty('没有记录'),
    keyBox,
    consistencyBox,
    h('p', { class: 'hint' }, link('#/key', '页面是怎样验证的？')),
  );
  if (entries.length) await runChecks(ref, log, { entries }, cards, summary, keyBox, consistencyBox);
}
