/** Turns the export document into a few lines a resident can read ("答题记录：3 条"). */
const LABELS: Record<string, string> = {
  profile: '基本信息',
  resident: '基本信息',
  consents: '同意记录',
  consentLedger: '同意和撤回记录',
  quizAttempts: '答题记录',
  quiz: '答题记录',
  talkRegistrations: '讲座报名',
  registrations: '讲座报名',
  talks: '讲座报名',
  subscriptions: '消息提醒授权',
  referrals: '救助申请',
  insurance: '保险登记',
  insurancePolicies: '保险登记',
  auditLog: '查看记录',
};

const SKIPPED = new Set(['exportedAt', 'generatedAt', 'format', 'version']);

export function summarizeExport(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const record = data as Record<string, unknown>;
  return Object.keys(record)
    .filter((key) => !SKIPPED.has(key))
    .map((key) => {
      const label = LABELS[key] ?? key;
      const value = record[key];
      if (Array.isArray(value)) return `${label}：${value.length} 条`;
      if (value === null || value === undefined) return `${label}：无`;
      return `${label}：有`;
    });
}
