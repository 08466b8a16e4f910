import { ENROLMENT_LABELS } from '../insurance';
import { REFERRAL_STATUS_LABELS as STATUS_LABELS } from '../referrals';
import type { YearlyReport } from './yearly.service';
import { talkKind } from '../../dictionaries';

type Cell = string | number | null;

/** One table of the report: the XLSX writes it as a sheet, the DOCX as a section; both from here, so they agree. */
export interface Section {
  key: string;
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Columns holding ratios (0–1), shown as percentages. */
  percent: number[];
  note?: string;
  /** The rows the printed summary shows, when it leaves some out (the workbook keeps every row). */
  printed?: { rows: Cell[][]; note: string };
}

export const KIND_LABELS = talkKind.labels;
const LEVEL_LABELS: Record<string, string> = { district: '区', town: '镇', subdistrict: '街道', village: '村', community: '社区' };

export function sections(r: YearlyReport): Section[] {
  const rounds = new Map(r.rounds.map((x) => [x.contestId, x.title]));
  const referralStatuses = Object.keys(STATUS_LABELS) as Array<keyof typeof STATUS_LABELS>;
  const enrolmentStatuses = Object.keys(ENROLMENT_LABELS) as Array<keyof typeof ENROLMENT_LABELS>;
  const kinds = Object.keys(KIND_LABELS) as Array<keyof typeof KIND_LABELS>;
  const yes = (b: boolean) => (b ? '是' : '否');
  return [
    {
      key: 'residents', title: '居民登记', percent: [],
      headers: ['地区编码', '地区', '级别', '登记居民', '同意隐私条款'],
      rows: r.areas.map((a) => [a.code, a.name, LEVEL_LABELS[a.level] ?? a.level, a.residents.registered, a.residents.consented]),
    },
    {
      key: 'quiz', title: '健康答题', percent: [3],
      headers: ['地区编码', '地区', '参与居民', '参与率', '答题次数', '平均分'],
      rows: r.areas.map((a) => [a.code, a.name, a.quiz.participants, a.quiz.participation, a.quiz.submissions, a.quiz.averageScore]),
      note: '参与率 = 年内答过每日答题或竞赛的居民 ÷ 登记居民；专题练习和错题练习不计。',
    },
    {
      key: 'literacy', title: '健康素养水平', percent: [5, 6, 7],
      headers: ['地区编码', '地区', '测评轮次', '参测人数', '具备素养人数', '素养水平', '95%区间下限', '95%区间上限', '样本不足（<30）'],
      rows: r.areas.flatMap((a) => a.literacy.rounds.map((x) => [a.code, a.name, rounds.get(x.contestId) ?? x.contestId, x.n, x.x, x.p, x.low, x.high, yes(x.tooSmall)])),
      note: '具备健康素养：标准测评卷得分 ≥ 80 分；区间为 Wilson 95% 置信区间。练习和普通竞赛不计入。',
      printed: {
        rows: r.areas.flatMap((a, i) => a.literacy.rounds.filter((x) => i === 0 || x.n > 0).map((x) => [a.code, a.name, rounds.get(x.contestId) ?? x.contestId, x.n, x.x, x.p, x.low, x.high, yes(x.tooSmall)])),
        note: '未参测的下级地区不列出，见工作簿。',
      },
    },
    {
      key: 'literacyChange', title: '健康素养变化（前后对比）', percent: [4, 5, 6],
      headers: ['地区编码', '地区', '对比前', '对比后', '变化', '95%区间下限', '95%区间上限', '样本不足'],
      rows: r.areas.filter((a) => a.literacy.change).map((a) => {
        const c = a.literacy.change!;
        return [a.code, a.name, rounds.get(c.fromContestId) ?? c.fromContestId, rounds.get(c.toContestId) ?? c.toContestId, c.diff, c.low, c.high, yes(c.tooSmall)];
      }),
      note: '变化 = 后一轮水平 − 前一轮水平；区间为 Newcombe 混合 Wilson 法（两轮视为独立样本）。',
    },
    {
      key: 'targets', title: '目标线', percent: [1],
      headers: ['参考线', '数值'],
      rows: r.targets.map((t) => [t.label, t.value]),
    },
    {
      key: 'talks', title: '讲座与筛查', percent: [11],
      headers: ['地区编码', '地区', ...kinds.map((k) => KIND_LABELS[k]), '合计场次', '报名', '签到', '未到', '未到率', '评价数', '平均评分'],
      rows: r.areas.map((a) => [a.code, a.name, ...kinds.map((k) => a.talks.byKind[k]), a.talks.held, a.talks.signUps, a.talks.attended, a.talks.noShow, a.talks.noShowRate, a.talks.feedbackCount, a.talks.feedbackAverage]),
    },
    {
      key: 'referrals', title: '唇腭裂救助转介', percent: [],
      headers: ['地区编码', '地区', ...referralStatuses.map((s) => STATUS_LABELS[s]), '合计', '已转介（有转介时间）', '提交到转介平均天数', '中位天数'],
      rows: r.areas.map((a) => [a.code, a.name, ...referralStatuses.map((s) => a.referrals.byStatus[s]), a.referrals.total, a.referrals.referredCount, a.referrals.daysToReferralAverage, a.referrals.daysToReferralMedian]),
    },
    {
      key: 'insurance', title: '家庭意外保险', percent: [],
      headers: ['地区编码', '地区', ...enrolmentStatuses.map((s) => ENROLMENT_LABELS[s]), '合计', '参保人数', '保费（元）'],
      rows: r.areas.map((a) => [a.code, a.name, ...enrolmentStatuses.map((s) => a.insurance.byStatus[s]), a.insurance.total, a.insurance.insuredPersons, a.insurance.premiumYuan]),
      note: '参保人数和保费只计已缴费、已出单的投保。',
    },
    {
      key: 'groups', title: '村群消息', percent: [],
      headers: ['地区编码', '地区', '计划发送', '已发送', '发送失败', '待发送', '已取消', '绑定群数'],
      rows: r.areas.map((a) => [a.code, a.name, a.groups.planned, a.groups.sent, a.groups.dead, a.groups.pending, a.groups.cancelled, a.groups.boundGroups]),
    },
    {
      key: 'groupsByVillage', title: '各村居绑定群', percent: [],
      headers: ['村居编码', '村居', '所属镇街', '绑定群数'],
      rows: r.groupsByVillage.map((v) => [v.code, v.name, v.parentName, v.boundGroups]),
    },
    {
      key: 'cases', title: '典型案例', percent: [],
      headers: ['标题', '地区', '内容', '撰写人', '审核人', '日期'],
      rows: r.cases.map((c) => [c.title, c.areaName ?? c.areaCode, c.text, c.createdBy, c.reviewedBy, c.createdAt.slice(0, 10)]),
    },
  ];
}

export const percentText = (x: Cell): string => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '—');
export const cellText = (x: Cell): string => (x === null ? '—' : String(x));
