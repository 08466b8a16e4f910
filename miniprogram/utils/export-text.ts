/**
 * "Export my data" as a text file a resident can open in WeChat or forward: every value the server returned,
 * one line each, under Chinese headings. Nothing is summarised away — this is the data itself.
 */
const LABELS: Record<string, string> = {
  exportedAt: '导出时间',
  profile: '基本信息',
  id: '编号',
  name: '姓名',
  villageCode: '村编码',
  villageName: '所在村（社区）',
  phone: '手机号',
  phoneMasked: '手机号（部分）',
  sex: '性别',
  birthYear: '出生年份',
  elderlyMode: '大字模式',
  profileComplete: '资料已填全',
  consents: '当前同意',
  consentLedger: '同意和撤回记录',
  purpose: '用途',
  action: '操作',
  policyVersion: '说明版本',
  guardianRelation: '与孩子的关系',
  at: '时间',
  createdAt: '创建时间',
  grantedAt: '同意时间',
  quiz: '答题',
  submissions: '交卷记录',
  attempts: '答题次数',
  wrongBookMarks: '错题数',
  points: '积分',
  certificates: '证书',
  talks: '讲座和筛查',
  registrations: '报名记录',
  attendance: '签到记录',
  feedback: '评价',
  title: '活动',
  startAt: '开始时间',
  status: '状态',
  seats: '人数',
  rating: '评分',
  comment: '留言',
  subscriptions: '消息提醒',
  credits: '可收提醒次数',
  referrals: '唇腭裂救助申请',
  insurance: '家庭保险登记',
  score: '得分',
  correct: '答对',
  total: '题数',
  submittedAt: '交卷时间',
  code: '编号',
  issuedAt: '颁发时间',
  mode: '方式',
  contestId: '竞赛',
  today: '今天',
  dailyCap: '每日上限',
  attemptId: '答题编号',
};
const VALUES: Record<string, string> = { male: '男', female: '女', true: '是', false: '否', grant: '同意', withdraw: '撤回', basic: '基本服务' };

const label = (key: string) => LABELS[key] ?? key;
const show = (v: unknown) => (v === null || v === undefined || v === '' ? '（无）' : (VALUES[String(v)] ?? String(v)));

function lines(value: unknown, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${pad}（无）`);
    value.forEach((item, i) => {
      if (typeof item === 'object' && item !== null) {
        out.push(`${pad}第 ${i + 1} 条：`);
        lines(item, depth + 1, out);
      } else out.push(`${pad}${show(item)}`);
    });
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'object' && v !== null) {
        out.push(`${pad}${label(k)}：`);
        lines(v, depth + 1, out);
      } else out.push(`${pad}${label(k)}：${show(v)}`);
    }
    return;
  }
  out.push(`${pad}${show(value)}`);
}

export function exportText(data: unknown): string {
  const out = ['张店家庭健康 · 我的数据', ''];
  lines(data, 0, out);
  return out.join('\n') + '\n';
}
