// Fixed answers of the node's project-library read API (issue 13,
// docs/API.md "The project library and idle money"), for browser tests of
// what the demo may not show: every status, a failed review, an adjustment
// with a contract change, a cancellation, an over-budget fund, idle money.
// Stage `seq`s point at real demo entries of other kinds, so the page's
// in-browser check must call them out (a node cannot pass one entry off as
// another).

export function projectFixture(village, { seqs = [] } = {}) {
  const v = { code: village.code, name: village.name };
  const seq = (i) => seqs[i % Math.max(seqs.length, 1)] ?? i;
  const item = (kind, kind_zh, i, date, stage, stage_zh, extra = {}) => ({
    kind, kind_zh, seq: seq(i), date, document_no: null, note: null, stage, stage_zh, passed: null, score: null, plan: null, budgets: null,
    contract: null, ...extra,
  });
  const contractA = { contractor_id: '91320803MA1XY2AB3C', contractor_name: '淮安市楚州建设工程有限公司', contract_no: '淮区建〔2019〕HT-031' };
  const contractB = { contractor_id: '91320803MA20ZZ9X8K', contractor_name: '淮安市安澜水利工程有限公司', contract_no: '淮区建〔2019〕HT-047' };
  const project = {
    id: 'P-FX-01', name: '测试村3组至5组道路硬化工程（1.8公里）', village: v.code, village_name: v.name, town: null, town_name: null,
    category: 'village_road', category_zh: '村组道路', budget_fen: 145100000, paid_fen: 146000000, balance_fen: 0,
    implementer: '淮安市楚州建设工程有限公司', start: '2019-06-01', end: '2019-10-31', register_seq: seq(0),
    status: 'started', status_zh: '实施中', stage: 'started', stage_zh: '实施',
  };
  const timeline = [
    item('register', '申报', 0, null, 'proposed', '申报'),
    item('review', '审核论证', 1, '2019-04-02', 'proposed', '申报', { document_no: '淮区扶贫审〔2019〕2号', note: '线路需调整', passed: false }),
    item('review', '审核论证', 2, '2019-04-15', 'reviewed', '审核论证', { document_no: '淮区扶贫审〔2019〕3号', note: '方案可行', passed: true }),
    item('approve', '批复入库', 3, '2019-05-20', 'approved', '批复入库', {
      document_no: '淮区扶贫〔2019〕12号', plan: { notice: `N-${v.code}-2019-PLAN`, line: 0 },
      budgets: [{ fund: 'F2019-SCN-012', amount_fen: 100000000 }, { fund: 'F2019-QJ-003', amount_fen: 45100000 }], contract: contractA,
    }),
    item('start', '开工实施', 4, '2019-06-01', 'started', '实施', { document_no: '开工令〔2019〕031号' }),
    item('adjust', '项目调整', 5, '2019-08-01', 'started', '实施', {
      document_no: '淮区扶贫调〔2019〕2号', note: '增加排水边沟', budgets: [{ fund: 'F2019-SCN-012', amount_fen: 100000000 }, { fund: 'F2019-QJ-003', amount_fen: 45100000 }],
      contract: contractB,
    }),
  ];
  const detail = {
    project, as_of: '2020-12-28', as_of_basis: 'latest_business_date', timeline,
    budget: {
      approved_fen: 145100000, document_no: '淮区扶贫调〔2019〕2号', paid_fen: 146000000, paid_bp: 10062, retention_bp: 500, retained_fen: 7255000,
      retention_released: false,
      funds: [
        { fund: 'F2019-SCN-012', title: '2019年中央财政专项扶贫资金', approved_fen: 100000000, paid_fen: 100900000, left_fen: 0, over_fen: 900000, paid_bp: 10090 },
        { fund: 'F2019-QJ-003', title: '2019年区级扶贫配套资金', approved_fen: 45100000, paid_fen: 45100000, left_fen: 0, over_fen: 0, paid_bp: 10000 },
      ],
    },
    contract: { ...contractB, seq: seq(5), date: '2019-08-01', document_no: '淮区扶贫调〔2019〕2号' },
    contracts: [{ ...contractA, seq: seq(3), date: '2019-05-20', document_no: '淮区扶贫〔2019〕12号' }, { ...contractB, seq: seq(5), date: '2019-08-01', document_no: '淮区扶贫调〔2019〕2号' }],
    idle: [{ fund: 'F2019-SCN-012', fund_title: '2019年中央财政专项扶贫资金', amount_fen: 5595000, since: '2020-08-20', days: 130, limit_days: 90 }],
    warnings: [
      { code: 'over_budget', message_zh: '资金 F2019-SCN-012 累计支付 1,009,000.00 元，超过批复预算 1,000,000.00 元（规则施行前的历史记录）', message: 'over budget' },
      { code: 'idle_money', message_zh: '项目账户资金 55,950.00 元滞留 130 天，超过 90 天的时限', message: 'idle' },
      { code: 'not_accepted', message_zh: '已开工 576 天，超过计划完工日期 2019-10-31 仍未验收', message: 'not accepted' },
    ],
    disbursements: [
      { seq: seq(6), time_ms: 1560000000000, fund: 'F2019-SCN-012', from: 'project:P-FX-01', payee_id: contractA.contractor_id, payee_name: contractA.contractor_name,
        amount_fen: 100900000, contract_ref: contractA.contract_no, milestone: '进度款', reversed_by: null, date: '2019-07-10',
        warnings: [{ code: 'project_overrun', message_zh: '超出批复预算支付（规则施行前的历史记录）', message: 'overrun' }] },
    ],
    next: null,
  };
  const listItem = (id, name, status, status_zh, stage, stage_zh, approved, paid, warnings = []) => ({
    id, name, village: v.code, village_name: v.name, category: 'village_road', category_zh: '村组道路', status, status_zh, stage, stage_zh,
    last_date: '2019-08-01', approved_fen: approved, paid_fen: paid, paid_bp: approved ? Math.floor((paid * 10000) / approved) : null,
    contractor_name: approved ? contractB.contractor_name : null, warnings,
  });
  const byStatus = [
    ['proposed', '申报', 1, 0, 0], ['reviewed', '审核', 0, 0, 0], ['approved', '已批复', 0, 0, 0], ['started', '实施中', 1, 145100000, 146000000],
    ['accepted', '已验收', 1, 50000000, 47500000], ['handed_over', '已移交', 0, 0, 0], ['evaluated', '已评价', 0, 0, 0], ['cancelled', '已终止', 1, 0, 0],
  ].map(([status, status_zh, c, approved_fen, paid_fen]) => ({ status, status_zh, count: c, approved_fen, paid_fen }));
  const list = {
    region: v, as_of: '2020-12-28', as_of_basis: 'latest_business_date', by_status: byStatus,
    projects: [
      listItem('P-FX-04', '测试村饮水安全工程', 'proposed', '申报', 'proposed', '申报', null, 0),
      listItem('P-FX-01', project.name, 'started', '实施中', 'started', '实施', 145100000, 146000000, ['over_budget', 'idle_money', 'not_accepted']),
      listItem('P-FX-02', '测试村光伏发电项目', 'accepted', '已验收', 'accepted', '竣工验收', 50000000, 47500000, []),
      listItem('P-FX-03', '测试村农田水利项目', 'cancelled', '已终止', 'reviewed', '审核论证', null, 0),
    ],
    next: null,
  };
  const idle = {
    region: v, as_of: '2020-12-28', as_of_basis: 'latest_business_date',
    limits: { district_days: 30, town_days: 30, village_days: 30, project_days: 90 },
    total_fen: 15595000, count: 2, by_town: [], by_village: [{ region: v, amount_fen: 15595000, count: 2 }],
    items: [
      { account: `treasury:${v.code}`, account_name: `${v.name}`, level: 'village', level_zh: '村级', region: v, fund: 'F2019-QJ-003',
        fund_title: '2019年区级扶贫配套资金', amount_fen: 10000000, since: '2019-03-01', days: 668, limit_days: 30, over_days: 638 },
      { account: 'project:P-FX-01', account_name: project.name, level: 'project', level_zh: '项目', region: v, fund: 'F2019-SCN-012',
        fund_title: '2019年中央财政专项扶贫资金', amount_fen: 5595000, since: '2020-08-20', days: 130, limit_days: 90, over_days: 40 },
    ],
    next: null,
  };
  return { detail, list, idle };
}

/** Serves the fixture: the project detail for P-FX-01, the region's list and idle money. */
export async function routeProjects(page, fx, code) {
  await page.route('**/v1/projects/P-FX-01', (route) => route.fulfill({ json: fx.detail }));
  await page.route(`**/v1/regions/${code}/projects`, (route) => route.fulfill({ json: fx.list }));
  await page.route(`**/v1/regions/${code}/idle`, (route) => route.fulfill({ json: fx.idle }));
}
