// 验证说明: what the page checks, the log key (pin it), the latest checkpoint
// verified right here, and the consistency with what this browser saw before.

import { api } from './api.js';
import { keyForSize } from './check.js';
import { h, fill } from './dom.js';
import { count, dateTime } from './format.js';
import { keyPanel } from './household.js';
import { card, errorBox, loading } from './ui.js';
import { checkConsistency, lastCheckpoint, logTrust } from './trust.js';
import { parseCheckpointText, parseNote, parseVkey, verifyNoteSignature } from './verify.js';
import { checkmarkMeaning } from './villager.js';

const STEPS = [
  ['解码原始字节', '节点给出每条记录的原始字节（规范编码，账本格式版本2）。页面自己解码，金额、户号、类别、期间、发放日期和发放公示都以这些字节为准；若节点另给的文字内容与字节不一致，验证失败。早于业务日期和公示制度的版本1记录，页面明确提示版本不符，不予显示。'],
  ['重算叶子哈希', '按 RFC 6962 计算 SHA-256(0x00 ‖ 原始字节)。记录哪怕改动一个字节，哈希就完全不同。'],
  ['核对经办人签名', '每条记录都由经办人（村委会、镇扶贫办、财政所、财政局等岗位）用自己的 Ed25519 密钥签名，页面逐个验证签名成立。'],
  ['验证包含证明', '按 RFC 9162 §2.1.3.2，用节点给出的兄弟哈希从叶子一路算到默克尔树根，证明这条记录就在这棵树的这个位置。'],
  ['核对检查点', '检查点（C2SP tlog-checkpoint）写明了日志名称、记录总数和树根哈希。算出的树根必须与检查点完全一致。'],
  ['验证日志签名', '检查点由日志密钥签名（C2SP signed-note，Ed25519）。页面按名称和密钥编号找到日志公钥的签名行并验证。签名成立，说明这棵树就是日志对外公布的那一棵，不能对不同的人展示不同的账。'],
  ['核验到户确认', '节点说某笔款项已由农户确认（确认方式、日期）时，页面同样取回那条确认记录（冲正记录亦同），验证它在账本中，且确认的正是这笔款项。'],
  ['固定公钥', '公钥由节点提供。请与官方公布的公钥指纹核对后“固定”在本机；以后节点若更换密钥，页面会报警。'],
  ['只增不改', '本机记住验证过的最新检查点。下次打开时，页面要求节点给出一致性证明（RFC 9162 §2.1.4.2），证明新的账本只是在旧账本后面追加，旧记录一条也没改。'],
];

export async function keyView(main, page) {
  page(loading());
  let log;
  let noteText;
  try {
    [log, noteText] = await Promise.all([api.log(), api.checkpoint()]);
  } catch (e) {
    page(errorBox(e, () => keyView(main, page)));
    return;
  }
  const cpBox = h('div');
  let key = null;
  try {
    const note = parseNote(noteText);
    const cp = parseCheckpointText(note.text);
    key = parseVkey(keyForSize(log, cp.size));
    verifyNoteSignature(note, key);
    if (cp.origin !== log.origin) throw new Error(`检查点来源 ${cp.origin} 不是本日志`);
    fill(cpBox, h('div', { class: 'alert alert-ok', 'data-testid': 'checkpoint-status', 'data-status': 'ok' },
      h('strong', null, `✔ 最新检查点签名有效：共 ${count(cp.size)} 条记录`),
      h('p', null, `根哈希 ${cp.rootB64}`)));
  } catch (e) {
    fill(cpBox, h('div', { class: 'alert alert-error', 'data-testid': 'checkpoint-status', 'data-status': 'fail' },
      h('strong', null, '✘ 最新检查点验证失败'), h('p', null, e.message)));
  }
  const keyBox = h('div');
  let trusted = null;
  const redraw = () => fill(keyBox, key ? keyPanel(log, key, redraw, trusted) : errorBox(new Error('日志公钥无效')));
  redraw();
  const witnessBox = h('div', { 'data-testid': 'witnesses' }, loading('正在核对见证联署…'));
  const consistencyBox = h('div', { class: 'alert alert-info', 'data-testid': 'consistency' }, '正在核对日志是否只增不改…');
  const last = lastCheckpoint(log.origin);
  page(
    h('div', { class: 'intro' }, h('h2', null, '“✔”是什么意思，为什么可信'),
      checkmarkMeaning(),
      h('p', null, '验证全部在您的手机或电脑上完成。即使服务器被人控制，也无法让改动过的记录显示“✔”。下面是给技术人员看的细节。')),
    h('details', { class: 'tech card', 'data-testid': 'tech-details' }, h('summary', null, '技术细节：检查点、证明、密钥、见证'),
      h('p', { class: 'small muted' }, '使用公开、经过审计的密码学库（@noble/hashes、@noble/curves）。'),
      card('验证步骤', h('ol', { class: 'explain' }, STEPS.map(([t, d]) => h('li', null, h('strong', null, t), h('span', null, d))))),
      card('最新检查点', cpBox, h('pre', { class: 'note' }, noteText)),
      card('日志公钥', keyBox,
        (log.log_keys || []).length > 1 ? h('div', null, h('h4', null, '密钥轮换记录'), h('ul', null, log.log_keys.map((k) => h('li', null, `自第 ${k.from_size} 条起：`, h('code', { class: 'vkey' }, k.vkey))))) : null),
      card('见证联署', witnessBox),
      card('只增不改', consistencyBox,
        last ? h('p', { class: 'hint' }, `本机上次记录：${count(last.size)} 条，${dateTime(last.seen_ms)}。`) : null)),
  );
  // A failure is never folded away.
  const tech = main.querySelector('[data-testid="tech-details"]');
  if (tech && cpBox.querySelector('[data-status="fail"]')) tech.open = true;
  trusted = await logTrust(log);
  redraw();
  const w = trusted.witness;
  fill(witnessBox, !w || (!w.error && !w.required)
    ? h('p', { class: 'muted', 'data-testid': 'witness-status', 'data-status': 'none' }, '本节点未配置见证方。配置后，页面要求检查点有足够多的见证方（如纪委监委、审计局）联署。')
    : w.error
      ? h('div', { class: 'alert alert-error', 'data-testid': 'witness-status', 'data-status': 'fail' }, h('strong', null, '✘ 见证联署未通过'), h('p', null, w.error))
      : h('div', { class: 'alert alert-ok', 'data-testid': 'witness-status', 'data-status': 'ok' }, h('strong', null, `✔ ${w.listed} 个见证方中有 ${w.count} 个联署（要求至少 ${w.required} 个）`), h('p', null, `${w.names.join('、')} 联署了第 ${w.size} 条为止的账本。`)));
  if (tech && w && w.error) tech.open = true;
  if (trusted.error && key) fill(keyBox, keyPanel(log, key, redraw, trusted), h('p', { class: 'alert alert-error' }, `密钥轮换核验失败：${trusted.error}`));
  const c = await checkConsistency(log, trusted);
  if (tech && !c.ok) tech.open = true;
  consistencyBox.className = `alert ${c.ok ? 'alert-ok' : 'alert-error'}`;
  consistencyBox.dataset.status = c.ok ? 'ok' : 'fail';
  fill(consistencyBox, h('strong', null, `${c.ok ? '✔' : '✘'} ${c.title}`), h('p', null, c.detail),
    !c.ok && c.evidence ? h('details', null, h('summary', null, '本机保存的旧检查点（证据）'), h('pre', { class: 'note' }, c.evidence.note)) : null);
}
