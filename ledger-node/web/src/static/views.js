// The views of the page's static mode (issue 17): what a citizen can see
// from a bucket with the node switched off. Every entry shown is read from
// the entry bundles and proven in this browser (source.js); sums are
// computed here from the proven entries only. What needs the node's whole
// rule state (the controls' verdicts, notices' status, projects, fund
// traces) is not shown, and the page says so rather than fake it.
//
//   #/              towns and villages (static/v1/regions.json), 查询我家
//   #/r/<code>      a village: its payments, each proven; sums per fund and
//                   category from the proven entries; its 户名册 (from the index)
//   #/h/<code>      查询我家 by household code (or a prefix of 6-10 symbols)
//   #/e/<seq>       one entry and its proof, step by step
//   #/key           the checkpoint, the key, the rotations followed

import { h, fill, link } from '../dom.js';
import { KIND_ZH, SUBSIDY_CATEGORY_ZH, assistanceZh, count, dateTime, period, yuan, ymd } from '../format.js';
import { card, empty, errorBox, loading, table } from '../ui.js';
import { codeForm } from '../household.js';
import { displayCode, householdCode, parseCodeInput, refMatches } from '../code.js';
import { BUCKET_SYMBOLS, StaticLog } from './source.js';

/** What the page says about its index, on every static view. */
export const INDEX_NOTE = '索引由节点生成，只能遗漏、不能伪造：页面上的每一条记录都从公开的静态文件读取原始字节，并在本机用签名检查点逐条验证。';
export const CONTROLS_NOTE = '静态镜像不显示核验结果，请到节点或镜像查看';
const UNSUPPORTED = '静态镜像不提供此页面（它需要节点的汇总接口）。请选择村（社区）查看到户补贴，或用户码查询我家；项目、资金追踪、公示和核验结果请到节点或镜像查看。';

let opened = null;

function banner() {
  return h('div', { class: 'alert alert-info', 'data-testid': 'static-banner' },
    h('strong', null, '静态镜像'), '：本页面只读取公开的静态文件（检查点、瓦片和索引），不连接账本节点。',
    h('p', { class: 'small' }, INDEX_NOTE));
}

async function openLog(config) {
  if (!opened) {
    opened = StaticLog.open(config);
    opened.catch(() => {
      opened = null;
    });
  }
  return opened;
}

/** ✔ / ✘ badge of a proven entry. */
function verdict(result) {
  if (!result) return h('span', { class: 'badge badge-pending', 'data-testid': 'entry-status' }, '验证中…');
  return result.ok
    ? h('span', { class: 'badge badge-ok', 'data-testid': 'entry-status' }, '✔ 已记录且未被篡改')
    : h('span', { class: 'badge badge-fail', 'data-testid': 'entry-status', title: failure(result) }, '✘ 未通过验证');
}

function failure(result) {
  const s = result.steps.find((x) => !x.ok);
  return s ? `${s.title}：${s.detail}` : '';
}

function stepsList(result) {
  return h('ol', { class: 'steps' }, result.steps.map((s) => h('li', { class: s.ok ? 'ok' : 'fail', 'data-step': s.id },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, s.ok ? '✔' : '✘'),
    h('span', { class: 'step-title' }, s.title, s.ok ? '' : '（未通过）'),
    h('span', { class: 'step-detail' }, s.detail))));
}

const bigAdd = (a, b) => BigInt(a) + BigInt(b);

/** Payments of proven entries: subsidies to `village` not reversed by a proven reversal. */
export function provenPayments(results, village) {
  const reversed = new Set();
  for (const r of results.values()) {
    if (r.ok && r.decoded.kind === 'Reversal') reversed.add(Number(r.decoded.body.target_seq));
  }
  const out = [];
  for (const [seq, r] of results) {
    if (!r.ok || r.decoded.kind !== 'HouseholdSubsidy') continue;
    const p = r.decoded.body;
    if (village && p.village !== village) continue;
    out.push({ seq, p, reversed: reversed.has(seq) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Sums per fund and per category, in fen (BigInt), of live payments. */
export function sums(payments) {
  const byFund = new Map();
  const byCategory = new Map();
  let total = 0n;
  for (const { p, reversed } of payments) {
    if (reversed) continue;
    total = bigAdd(total, p.amount);
    byFund.set(p.fund, bigAdd(byFund.get(p.fund) ?? 0n, p.amount));
    byCategory.set(p.category, bigAdd(byCategory.get(p.category) ?? 0n, p.amount));
  }
  return { total, byFund, byCategory };
}

// ----------------------------------------------------------------- views

async function home(ctx) {
  const regions = await ctx.log.index('regions.json');
  const list = Array.isArray(regions.regions) ? regions.regions : [];
  const district = list.find((r) => r.level === 'district');
  const towns = list.filter((r) => r.level === 'town');
  ctx.setTitle(district ? district.name : '');
  ctx.page(banner(),
    card('查询我家', codeForm('', null)),
    card(`${district ? district.name : ''}的村（社区）`, h('p', { class: 'muted' }, '选择村（社区），查看发放到户的补贴；每一笔都在本机验证。'),
      towns.length ? towns.map((t) => h('details', { class: 'town' }, h('summary', null, t.name),
        h('ul', { class: 'links' }, list.filter((v) => v.parent === t.code && v.level === 'village')
          .map((v) => h('li', null, link(`#/r/${v.code}`, v.name), ' ', h('code', { class: 'muted' }, v.code)))))) : empty('索引中没有村（社区）')));
}

async function regionView(ctx, code) {
  if (!/^\d{12}$/.test(code)) return ctx.page(banner(), errorBox(new Error(`“${code}”不是 12 位行政区划代码`)));
  const regions = await ctx.log.index('regions.json');
  const me = (regions.regions || []).find((r) => r.code === code);
  if (!me) return ctx.page(banner(), errorBox(new Error(`索引中没有代码为 ${code} 的地区`)));
  ctx.setTitle(me.name);
  if (me.level !== 'village') {
    const children = (regions.regions || []).filter((r) => r.parent === code);
    return ctx.page(banner(), card(me.name, h('p', { class: 'alert alert-muted', 'data-testid': 'static-unsupported' }, '静态镜像只显示村（社区）的明细；区、镇的汇总请到节点或镜像查看。请选择：'),
      h('ul', { class: 'links' }, children.map((c) => h('li', null, link(`#/r/${c.code}`, c.name))))));
  }
  const head = await ctx.log.index(`regions/${code}.json`);
  const pages = Number.isSafeInteger(head.pages) && head.pages >= 0 ? head.pages : 0;
  const seqs = [];
  for (let p = 0; p < pages; p++) {
    const page = await ctx.log.index(`regions/${code}/${p}.json`);
    for (const s of page.seqs || []) if (Number.isSafeInteger(s) && s >= 0 && s < ctx.log.checkpoint.size) seqs.push(s);
  }
  const status = h('p', { role: 'status', 'data-testid': 'static-progress' }, `正在读取并验证 ${count(seqs.length)} 条记录…`);
  const body = h('div', null);
  ctx.page(banner(), h('h2', null, me.name), status, body);
  let done = 0;
  const results = await ctx.log.proveAll(seqs, () => {
    done++;
    if (done % 16 === 0) status.textContent = `正在读取并验证：${done} / ${seqs.length}`;
  });
  const failed = [...results.values()].filter((r) => !r.ok).length;
  const payments = provenPayments(results, code);
  const s = sums(payments);
  status.textContent = failed
    ? `已读取 ${count(seqs.length)} 条记录，其中 ${failed} 条未通过验证（下方标红），其余均已在本机验证。`
    : `已读取 ${count(seqs.length)} 条记录，全部在本机验证通过。`;
  status.className = failed ? 'alert alert-error' : 'alert alert-ok';
  const failures = [...results].filter(([, r]) => !r.ok);
  fill(body,
    failures.length ? card('未通过验证的记录', h('p', null, '以下记录的字节与签名检查点对不上，可能在存储或传输中被改动；页面不采信它们的内容，也不计入合计。'),
      h('ul', { 'data-testid': 'static-failures' }, failures.map(([seq, r]) => h('li', { 'data-seq': seq, 'data-verify': 'fail' }, link(`#/e/${seq}`, `第 ${seq} 条`), ' ', verdict(r), ' ', failure(r))))) : null,
    card('到户补贴（本机计算）',
      h('p', { class: 'muted' }, `合计 ${yuan(s.total)}，${count(payments.filter((x) => !x.reversed).length)} 笔；只计入已验证、未被冲正的记录。`),
      s.byFund.size ? h('h4', null, '按资金') : null,
      s.byFund.size ? table([{ title: '资金', cell: (r) => r[0] }, { title: '金额', num: true, cell: (r) => yuan(r[1]) }], [...s.byFund], { testid: 'static-by-fund' }) : null,
      s.byCategory.size ? h('h4', null, '按补贴类别') : null,
      s.byCategory.size ? table([{ title: '补贴类别', cell: (r) => SUBSIDY_CATEGORY_ZH[r[0]] || r[0] }, { title: '金额', num: true, cell: (r) => yuan(r[1]) }], [...s.byCategory]) : null),
    card('补贴明细',
      h('p', { class: 'alert alert-muted', 'data-testid': 'static-controls-note' }, `审核控制：${CONTROLS_NOTE}。`),
      payments.length ? table([
        { title: '户', cell: (x) => h('span', null, x.p.masked_name, ' ', link(`#/h/${householdCode(x.p.household)}`, displayCode(householdCode(x.p.household)))) },
        { title: '类别', cell: (x) => SUBSIDY_CATEGORY_ZH[x.p.category] || x.p.category },
        { title: '期间', cell: (x) => period(x.p.period) },
        { title: '发放日', cell: (x) => ymd(x.p.date) },
        { title: '金额', num: true, cell: (x) => (x.reversed ? h('s', null, yuan(x.p.amount)) : yuan(x.p.amount)) },
        { title: '验证', cell: (x) => h('span', { 'data-seq': x.seq, 'data-verify': 'ok' }, link(`#/e/${x.seq}`, verdict(results.get(x.seq))), x.reversed ? h('span', { class: 'tag tag-warn' }, '已冲正') : null) },
      ], payments, { testid: 'static-payments' }) : empty('没有已验证的到户补贴')),
    card('户名册（来自索引）', h('p', { class: 'muted' }, '户名册只是索引，用于查找；每户的记录请点户码查看并验证。'),
      Array.isArray(head.households) && head.households.length
        ? h('ul', { class: 'links', 'data-testid': 'static-households' }, head.households.map((x) => h('li', null, x.masked_name, ' ', link(`#/h/${x.code}`, displayCode(x.code)))))
        : empty('索引中没有登记的户')));
}

async function householdView(ctx, arg) {
  ctx.setTitle('查询我家');
  if (!arg) return ctx.page(banner(), card('查询我家', codeForm('', null)));
  let parsed;
  try {
    parsed = parseCodeInput(arg);
  } catch (e) {
    return ctx.page(banner(), card('查询我家', codeForm(arg, e)));
  }
  if (parsed.kind === 'ref') parsed = { kind: 'code', code: householdCode(parsed.ref), ref: parsed.ref };
  const typed = parsed.kind === 'code' ? parsed.code : parsed.prefix;
  const bucket = await ctx.log.index(`households/${typed.slice(0, BUCKET_SYMBOLS)}.json`).catch((e) => {
    if (e.code === 'not_found') return { households: [] };
    throw e;
  });
  const rows = (bucket.households || []).filter((r) => typeof r.code === 'string' && r.code.startsWith(typed));
  if (rows.length === 0) return ctx.page(banner(), card('查询我家', codeForm(arg, Object.assign(new Error('没有找到这个户码的记录。请对照发放单核对；若确认无误，可能是索引遗漏，请到节点或镜像查询。'), { code: 'unknown_code' }))));
  if (rows.length > 1) return ctx.page(banner(), card('查询我家', codeForm(arg, Object.assign(new Error(`有 ${rows.length} 户的户码以 ${typed} 开头，请多输入几位`), { code: 'ambiguous_code' }))));
  const row = rows[0];
  // The index is untrusted: the household it names must carry the code typed.
  if (typeof row.ref !== 'string' || !refMatches(row.ref, parsed)) {
    return ctx.page(banner(), errorBox(Object.assign(new Error('索引给出的户号与输入的户码不符，页面不显示这户的任何记录'), { code: 'code_mismatch' })));
  }
  const seqs = (row.seqs || []).filter((s) => Number.isSafeInteger(s) && s >= 0 && s < ctx.log.checkpoint.size);
  const list = h('div', { 'data-testid': 'static-household-entries' }, loading(`正在读取并验证 ${seqs.length} 条记录…`));
  ctx.page(banner(), h('h2', null, `户码 ${displayCode(householdCode(row.ref))}`), list);
  const results = await ctx.log.proveAll(seqs);
  const names = await regionNames(ctx);
  const cards = seqs.map((seq) => {
    const r = results.get(seq);
    let ok = r.ok;
    let note = null;
    // Every proven entry must be about this household.
    const about = r.decoded && r.decoded.body && r.decoded.body.household;
    if (ok && about !== row.ref) {
      ok = false;
      note = `第 ${seq} 条不是这户的记录（索引指错了），不显示其内容`;
    }
    return entryBox(seq, { ...r, ok }, note, names);
  });
  fill(list, h('p', { class: 'alert alert-muted' }, `审核控制：${CONTROLS_NOTE}。`), cards.length ? cards : empty('索引中没有这户的记录'));
}

/** Code → name from the (untrusted) regions index: labels only, never proof. */
async function regionNames(ctx) {
  try {
    const regions = await ctx.log.index('regions.json');
    return new Map((regions.regions || []).map((r) => [r.code, r.name]));
  } catch {
    return new Map();
  }
}

function entryBox(seq, r, note, names = new Map()) {
  const d = r.ok ? r.decoded : null;
  const facts = [];
  if (d) {
    const b = d.body;
    if (b.masked_name) facts.push(['户名', b.masked_name]);
    if (b.village) facts.push(['村（社区）', names.get(b.village) || b.village]);
    if (b.category) facts.push(['类别', assistanceZh(null, b.category)]);
    if (b.period) facts.push(['期间', period(b.period)]);
    if (b.amount !== undefined) facts.push(['金额', yuan(b.amount)]);
    if (b.date) facts.push(['业务日期', ymd(b.date)]);
    facts.push(['记账时间', dateTime(Number(d.time_ms))]);
  }
  facts.push(['账本序号', `第 ${seq} 条`]);
  return h('article', { class: `entry${r.ok ? '' : ' entry-fail'}`, 'data-seq': seq, 'data-verify': r.ok ? 'ok' : 'fail' },
    h('div', { class: 'entry-head' }, h('h4', null, d ? KIND_ZH[d.kind] || d.kind : '记录'), h('span', { class: 'badges' }, verdict(r))),
    note ? h('p', { class: 'alert alert-error' }, note) : null,
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('details', { class: 'verify-details', open: !r.ok }, h('summary', null, r.ok ? '验证详情（全部通过）' : '验证详情（有未通过的步骤）'), stepsList(r), h('p', null, link(`#/e/${seq}`, '查看这一条的证明'))));
}

async function entryView(ctx, arg) {
  const seq = Number(arg);
  if (!/^\d{1,15}$/.test(arg) || !Number.isSafeInteger(seq) || seq >= ctx.log.checkpoint.size) {
    return ctx.page(banner(), errorBox(new Error(`没有第 ${arg} 条记录（本检查点共 ${ctx.log.checkpoint.size} 条）`)));
  }
  ctx.setTitle(`第 ${seq} 条`);
  ctx.page(banner(), loading());
  const r = await ctx.log.prove(seq);
  let proof = null;
  try {
    proof = (await ctx.log.reader.inclusionProof(seq)).length;
  } catch {
    proof = null;
  }
  ctx.page(banner(), h('h2', null, `账本第 ${seq} 条`), entryBox(seq, r, null, await regionNames(ctx)),
    card('证明从哪里来', h('p', null, `包含证明的 ${proof ?? '—'} 个哈希由本页面从公开的哈希瓦片算出（RFC 6962：每个证明节点是一棵完整子树的哈希，即一个瓦片哈希或瓦片中一段哈希的合并），再与签名检查点的根哈希比对。`)));
}

function keyView(ctx) {
  ctx.setTitle('验证说明');
  const log = ctx.log;
  ctx.page(banner(), card('验证说明（静态镜像）',
    h('p', null, '✔ 表示：这条记录在公开账本中，自记录以来未被改动。这是本机算出的，不是服务器的说法；它不说明这笔钱发得对不对。'),
    h('dl', { class: 'facts', 'data-testid': 'static-checkpoint' },
      h('dt', null, '日志'), h('dd', null, log.checkpoint.origin),
      h('dt', null, '检查点大小'), h('dd', null, `${count(log.checkpoint.size)} 条`),
      h('dt', null, '根哈希'), h('dd', null, h('code', null, log.checkpoint.rootB64)),
      h('dt', null, '签署公钥编号'), h('dd', null, h('code', null, log.key.idHex)),
      h('dt', null, '固定的公钥（config.json）'), h('dd', null, h('code', null, log.config.vkey)),
      h('dt', null, '已跟随的密钥轮换'), h('dd', null, log.rotations.length
        ? log.rotations.map((r) => h('div', null, `第 ${r.seq} 条：${r.from.split('+')[1]} → ${r.to.split('+')[1]}（背书成立）`))
        : '无')),
    h('p', { class: 'muted' }, INDEX_NOTE),
    h('p', { class: 'muted' }, `审核控制：${CONTROLS_NOTE}。`)));
}

/** Starts the static mode: opens the log, then routes. */
export function startStatic(config, { main, page, setTitle }) {
  const footer = document.getElementById('log-info');
  if (footer) {
    footer.textContent = '静态镜像：正在读取检查点…';
    const about = footer.nextElementSibling;
    if (about) about.textContent = '无需登录 · 所有数据来自公开的静态文件（检查点、瓦片、索引），不连接账本节点 · 每条记录都在本机验证';
  }
  const route = async () => {
    const [, view, ...rest] = (location.hash || '#/').replace(/^#/, '').split('/');
    const arg = decodeURIComponent(rest.join('/'));
    for (const a of document.querySelectorAll('.nav a')) a.classList.toggle('active', a.dataset.view === (view || 'home'));
    if (config.error) return page(errorBox(config.error));
    let log;
    try {
      log = await openLog(config);
    } catch (e) {
      main.dataset.static = 'refused';
      if (footer) footer.textContent = '静态镜像：检查点未通过验证';
      return page(h('div', { class: 'alert alert-error', role: 'alert', 'data-testid': 'static-refused' },
        h('strong', null, '✘ 无法验证这个静态镜像：'), e.message,
        h('p', null, '页面不显示任何未经验证的内容。请稍后重试，或到节点或其他镜像查看。')));
    }
    main.dataset.static = 'verified';
    if (footer) fill(footer, `静态镜像 · 账本 ${log.checkpoint.origin} · 检查点 ${count(log.checkpoint.size)} 条，签名已在本机验证 · 公钥编号 `, h('code', null, log.key.idHex), ' · ', link('#/key', '如何验证'));
    const ctx = { log, page, setTitle };
    try {
      switch (view) {
        case 'r':
          return await regionView(ctx, arg);
        case 'h':
          return await householdView(ctx, arg);
        case 'e':
          return await entryView(ctx, arg);
        case 'key':
          return keyView(ctx);
        case '':
        case undefined:
          return await home(ctx);
        default:
          setTitle('');
          return page(banner(), h('p', { class: 'alert alert-muted', 'data-testid': 'static-unsupported' }, UNSUPPORTED));
      }
    } catch (e) {
      return page(banner(), errorBox(e, route));
    }
  };
  window.addEventListener('hashchange', route);
  route();
}
