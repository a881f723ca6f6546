// 查询我家: a household's entries, each verified in the browser from its raw
// bytes up to the log's signature (see check.js), plus the log's consistency
// with what this browser saw before (see trust.js).

import { api } from './api.js';
import { checkEntry } from './check.js';
import { h, link, fill } from './dom.js';
import {
  ASSISTANCE_ZH, CHECK_ZH, CONFIRM_METHOD_ZH, KIND_ZH, SUBSIDY_CATEGORY_ZH, accountLabel, assistanceZh, dateTime, groupHex, period, yuan, ymd,
} from './format.js';
import { confirmationCell, hasWarnings, lineRefLink, registrationPeriod, warningsBlock, withTexts } from './procedures.js';
import { card, empty, errorBox, loading } from './ui.js';
import { checkConsistency, pinKey, pinnedKey, unpinKey } from './trust.js';
import { nameOf } from './regions.js';

const REF = /^[0-9a-f]{64}$/;

export function normalizeRef(text) {
  return String(text || '').replace(/[\s-]/g, '').toLowerCase();
}

function form(initial) {
  const input = h('input', {
    id: 'household-ref', name: 'ref', type: 'text', inputmode: 'latin', autocomplete: 'off', spellcheck: 'false',
    placeholder: '64 位户号，例如 69aab8fa…', value: initial || '', 'aria-describedby': 'ref-help',
  });
  const err = h('p', { class: 'field-error', role: 'alert' });
  return h('form', { class: 'ref-form', onsubmit: (e) => {
    e.preventDefault();
    const ref = normalizeRef(input.value);
    if (!REF.test(ref)) {
      err.textContent = '户号应为 64 位十六进制字符（数字 0-9 和字母 a-f），请对照缴费单核对。';
      return;
    }
    location.hash = `#/h/${ref}`;
  } },
  h('label', { for: 'household-ref' }, '户号'),
  h('div', { class: 'ref-row' }, input, h('button', { class: 'btn', type: 'submit' }, '查询并验证')),
  h('p', { id: 'ref-help', class: 'hint' }, '户号印在补贴发放单上，也可请村里的查询终端操作员代为计算。户号由居民身份证号经密钥加密摘要而成，不会泄露身份证号。'),
  err);
}

function entryFacts(entry, decoded) {
  // Shown from the verified bytes when they decoded, else from the node's JSON.
  const kind = decoded ? decoded.kind : Object.keys(entry.body || {})[0];
  const b = decoded ? decoded.body : (entry.body || {})[kind] || {};
  const rows = [];
  if (kind === 'HouseholdSubsidy') {
    rows.push(['金额', h('strong', { class: 'amount' }, yuan(b.amount))]);
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

function entryCard(entry) {
  const status = h('span', { class: 'badge badge-pending', 'data-testid': 'entry-status' }, '验证中…');
  const facts = h('dl', { class: 'facts' });
  const details = h('details', { class: 'verify-details' }, h('summary', null, '验证详情'), h('p', { class: 'muted' }, '正在获取包含证明…'));
  const title = h('h4', null, entry.kind_zh || KIND_ZH[Object.keys(entry.body || {})[0]] || entry.kind || '记录');
  // A payment that broke a control on history shows its warnings, and its
  // badge is never a plain green tick (issue 12, item 7).
  const warned = hasWarnings(entry);
  const box = h('article', { class: `entry${warned ? ' entry-warn' : ''}`, 'data-seq': entry.seq, 'data-verify': 'pending', 'data-warnings': warned ? entry.warnings.length : null },
    h('div', { class: 'entry-head' }, title, status), warningsBlock(entry.warnings), facts, details);
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
      status.className = `badge ${result.ok ? (warned ? 'badge-warn' : 'badge-ok') : 'badge-fail'}`;
      status.textContent = result.ok ? (warned ? '⚠ 已验证 · 有警示' : '✔ 已验证') : '✘ 验证失败';
      box.dataset.verify = result.ok ? 'ok' : 'fail';
      fill(details, h('summary', null, result.ok ? '验证详情（全部通过）' : '验证详情（有未通过的步骤）'), stepsList(result));
      if (!result.ok) details.open = true;
    },
  };
}

export function keyPanel(log, key, onChange) {
  const pinned = pinnedKey(log.origin);
  const isPinned = pinned === key.vkey;
  return h('div', { class: 'key-panel', 'data-testid': 'key-panel' },
    h('h4', null, '验证所用的日志公钥'),
    h('dl', { class: 'facts' },
      h('dt', null, '密钥名称'), h('dd', null, h('code', null, key.name)),
      h('dt', null, '密钥编号'), h('dd', null, h('code', { 'data-testid': 'key-id' }, key.idHex)),
      h('dt', null, '公钥指纹'), h('dd', null, h('code', { class: 'fingerprint' }, groupHex(key.fingerprint.slice(0, 32)))),
      h('dt', null, '完整公钥'), h('dd', null, h('code', { class: 'vkey' }, key.vkey))),
    h('p', { class: 'hint' }, '公钥来自本节点（/v1/log）。请与区财政局、村务公开栏公布的公钥指纹核对；核对一致后可“固定”在本机，以后节点若更换密钥，页面会明确报警。'),
    pinned && !isPinned ? h('p', { class: 'alert alert-error' }, '注意：本机固定的是另一把公钥，节点现在使用的公钥与之不同！') : null,
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
async function checkReversal(entry, result, log, pinned) {
  const title = `核验冲正记录（第 ${entry.reversed_by} 条）`;
  let step;
  try {
    const rev = await api.entry(entry.reversed_by);
    const r = checkEntry({ entry: rev.entry, proof: rev.proof, log, pinned });
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
async function checkConfirmation(entry, result, log, pinned) {
  const c = entry.confirmation;
  const title = `核验到户确认记录（第 ${c.seq} 条）`;
  let step;
  try {
    const got = await api.entry(c.seq);
    const r = checkEntry({ entry: got.entry, proof: got.proof, log, pinned });
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

async function runChecks(ref, log, data, cards, summary, keyBox, consistencyBox) {
  const pinned = pinnedKey(log.origin);
  const results = new Array(data.entries.length);
  let next = 0;
  // A few proofs at a time: polite to the node's rate limit on a weak link.
  const worker = async () => {
    while (next < data.entries.length) {
      const i = next++;
      const entry = data.entries[i];
      try {
        const proof = await api.inclusion(entry.seq);
        results[i] = checkEntry({ entry, proof, log, pinned });
        if (entry.reversed_by != null) await checkReversal(entry, results[i], log, pinned);
        if (entry.confirmation && entry.confirmation.seq != null) await checkConfirmation(entry, results[i], log, pinned);
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
  const warned = data.entries.filter(hasWarnings).length;
  if (failed === 0) {
    summary.className = `alert ${warned ? 'alert-warn' : 'alert-ok'} verify-summary`;
    summary.dataset.status = 'ok';
    fill(summary, h('strong', null, `✔ 已验证：这 ${ok} 条记录都在签名账本中，内容未被改动。`),
      warned ? h('p', { class: 'warn-line' }, `⚠ 其中 ${warned} 笔款项有警示：它们在规则施行前发放，未满足现行的某项控制（见各条记录的说明）。`) : null,
      h('p', null, `本机重算了每条记录的哈希，按 RFC 9162 逐条验证了包含证明，并用日志公钥（编号 ${key ? key.idHex : '—'}）验证了检查点的 Ed25519 签名${pinned ? '，与本机固定的公钥一致' : ''}。`),
      cp ? h('p', { class: 'small' }, `检查点：${cp.origin} · 共 ${cp.size} 条 · 根哈希 ${cp.rootB64}`) : null);
  } else {
    const first = results.find((r) => !r.ok);
    const reason = first.error ? first.error.message : first.steps.find((s) => !s.ok)?.detail;
    summary.className = 'alert alert-error verify-summary';
    summary.dataset.status = 'fail';
    fill(summary, h('strong', null, `✘ 验证失败：${failed} 条记录未能通过验证${ok ? `（${ok} 条通过）` : ''}。`),
      h('p', null, `原因：${reason}`),
      h('p', null, '这说明节点返回的数据与签名账本不符，或者证明被篡改。请勿轻信页面显示的金额，可截图并向区纪委监委反映。'));
  }
  if (key) {
    const redraw = () => {
      fill(keyBox, keyPanel(log, key, redraw));
    };
    redraw();
  }
  const c = await checkConsistency(log);
  consistencyBox.className = `alert ${c.ok ? 'alert-info' : 'alert-error'}`;
  consistencyBox.dataset.status = c.ok ? 'ok' : 'fail';
  fill(consistencyBox, h('strong', null, `${c.ok ? '✔' : '✘'} ${c.title}`), h('p', null, c.detail));
}

export async function householdView(main, ref, page) {
  const intro = h('div', { class: 'intro' }, h('h2', null, '查询我家'),
    h('p', null, '查看您家收到的每一笔补贴。页面会在本机逐条验证：记录确实写在账本里、账本由日志密钥签名、内容没有被改动。'));
  if (!ref) {
    page(intro, card(null, form('')));
    document.getElementById('household-ref')?.focus();
    return;
  }
  ref = normalizeRef(ref);
  if (!REF.test(ref)) {
    page(intro, card(null, form(ref)), errorBox(new Error('户号格式不正确：应为 64 位十六进制字符')));
    return;
  }
  page(intro, card(null, form(ref)), loading('正在查询…'));
  let log;
  let data;
  try {
    [log, data] = await Promise.all([api.log(), api.household(ref)]);
    withTexts(data.payments, data);
    // All pages (a household rarely has more than a few dozen payments).
    while (data.next != null && data.entries.length < 2000) {
      const more = await api.household(ref, data.next);
      withTexts(more.payments, more); // each page's texts are its own
      data = { ...data, entries: [...data.entries, ...(more.entries || [])], payments: [...(data.payments || []), ...(more.payments || [])], next: more.next };
    }
  } catch (e) {
    const msg = e.status === 404 ? new Error('账本中没有这个户号的记录。请核对户号是否抄写正确。') : e;
    page(intro, card(null, form(ref)), errorBox(msg, () => householdView(main, ref, page)));
    return;
  }
  const entries = Array.isArray(data.entries) ? data.entries : [];
  // The node lists each payment's business date, payment-list line,
  // confirmation and warnings under `payments` (by seq): shown on its card.
  const controls = new Map((Array.isArray(data.payments) ? data.payments : []).map((p) => [p.seq, p]));
  for (const e of entries) {
    const p = controls.get(e.seq);
    if (!p) continue;
    for (const k of ['date', 'notice', 'confirmation', 'warnings']) if (e[k] === undefined && p[k] !== undefined) e[k] = p[k];
  }
  const registrations = Array.isArray(data.registrations) ? data.registrations : [];
  const summary = h('div', { class: 'alert alert-info verify-summary', 'data-testid': 'verify-summary', 'data-status': 'pending', role: 'status', 'aria-live': 'polite' }, '正在本机验证每条记录的包含证明和检查点签名…');
  const keyBox = h('div');
  const consistencyBox = h('div', { class: 'alert alert-info', 'data-testid': 'consistency', 'data-status': 'pending' }, '正在核对日志是否只增不改…');
  const cards = entries.map(entryCard);
  page(
    intro,
    card(null, form(ref)),
    card('查询结果',
      h('dl', { class: 'facts' },
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
