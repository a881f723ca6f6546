// A fixed answer of the node's procedure read API (issue 12: notices with
// windows, a notice's lines, registered households, objections, and the
// payment fields date / notice / confirmation / warnings), for the browser
// tests and screenshots: every status and a warning, whatever the demo holds.

export function procedureFixture(code, name) {
  const region = { code, name };
  const hh = (c) => c.repeat(64);
  const paymentList = {
    notice: `N-${code}-2019-03-PAY`, seq: 4101, stage: 'payment_list', stage_zh: '发放公示', region,
    title: '2019年3月低保金发放公示', start: '2019-03-01', ends: '2019-03-08', window_days: 7, status: 'ended', status_zh: '已结束',
  };
  const application = {
    notice: `N-${code}-2020-12-APP`, seq: 5202, stage: 'application', stage_zh: '申报公告', region,
    title: '2020年12月建档立卡申报公告', start: '2020-12-28', ends: '2021-01-04', window_days: 7, status: 'open', status_zh: '公示中',
  };
  const line = (i, status, status_zh, extra = {}) => ({
    line: i, household: hh('abcd'[i]), masked_name: ['张*', '李*华', '王*', '赵*'][i], village: region, category: 'minimum_living',
    category_zh: '最低生活保障', period: '2019-03', amount_fen: 35000, amount: '350.00', status, status_zh, paid_seq: null, objections: [], ...extra,
  });
  const lines = [
    line(0, 'paid', '已发放', { paid_seq: 4150 }),
    line(1, 'open', '未发放'),
    line(2, 'objected', '有异议', { objections: ['YY-2019-0012'] }),
    line(3, 'withdrawn', '已撤回', { objections: ['YY-2019-0007'] }),
  ];
  return {
    notices: { region, today: '2021-01-02', notices: [{ ...paymentList, lines: 4 }, { ...application, lines: 2 }] },
    notice: { ...paymentList, lines },
    households: {
      households: [
        { household: hh('a'), masked_name: '张*', registrations: [{ category: 'minimum_living', category_zh: '低保', from: '2019-01-10', until: null, seq: 3001, ended_seq: null, procedure: true }] },
        { household: hh('e'), masked_name: '周*', registrations: [{ category: 'registered_low_income', category_zh: '建档立卡低收入户', from: '2018-06-01', until: '2020-12-31', seq: 12, ended_seq: 5100, procedure: false }] },
      ],
      by_category: { minimum_living: 1, registered_low_income: 1 },
    },
    objections: {
      objections: [
        { case_no: 'YY-2019-0012', seq: 4120, target: { notice: paymentList.notice, line: 2 }, channel: 'hotline_12317', channel_zh: '12317热线', received: '2019-03-04',
          summary: '反映该户家中有营运车辆', status: 'open', status_zh: '处理中', decided_seq: null, decided_date: null, reason: null },
        { case_no: 'YY-2019-0007', seq: 4110, target: { notice: paymentList.notice, line: 3 }, channel: 'letter', channel_zh: '来信', received: '2019-03-02',
          summary: '反映该户已外出务工、收入稳定', status: 'upheld', status_zh: '属实', decided_seq: 4130, decided_date: '2019-03-06', reason: '经入户核实属实，撤回该行' },
        { case_no: 'YY-2019-0003', seq: 4105, target: { seq: 3999 }, channel: 'in_person', channel_zh: '当面反映', received: '2019-03-02',
          summary: '反映补贴金额有误', status: 'dismissed', status_zh: '不属实', decided_seq: 4125, decided_date: '2019-03-05', reason: '金额与发放公示一致' },
      ],
    },
    payment: {
      date: '2019-03-15', notice: { notice: paymentList.notice, line: 0 },
      confirmation: { status: 'confirmed', status_zh: '已确认', seq: 4160, date: '2019-03-20', method: 'card_signature', deadline: '2019-04-14' },
      warnings: [],
    },
    warned: {
      date: '2018-11-15', notice: null,
      confirmation: { status: 'overdue', status_zh: '逾期未确认', seq: null, date: null, method: null, deadline: '2018-12-15' },
      warnings: [{ code: 'paid_without_notice', message_zh: '发放前未经发放公示（规则施行前的历史记录）', message: 'paid without a payment-list line (发放公示)' }],
    },
    pending: {
      date: '2020-12-30', notice: { notice: paymentList.notice, line: 1 },
      confirmation: { status: 'pending', status_zh: '待确认', seq: null, date: null, method: null, deadline: '2021-01-29' }, warnings: [],
    },
  };
}

export /** Serves the procedure fixture for `code`, and adds its payment fields to the first three subsidies of flows. */
async function routeProcedures(page, fx, code) {
  await page.route(`**/v1/regions/${code}/notices`, (route) => route.fulfill({ json: fx.notices }));
  await page.route(`**/v1/regions/${code}/households`, (route) => route.fulfill({ json: fx.households }));
  await page.route(`**/v1/regions/${code}/objections`, (route) => route.fulfill({ json: fx.objections }));
  await page.route('**/v1/notices/**', (route) => route.fulfill({ json: fx.notice }));
  await page.route(`**/v1/regions/${code}/flows`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    const items = json.subsidies.items;
    Object.assign(items[0], fx.payment);
    Object.assign(items[1], fx.warned);
    Object.assign(items[2], fx.pending);
    await route.fulfill({ response, json });
  });
}

