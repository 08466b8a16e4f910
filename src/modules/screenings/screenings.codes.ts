import type { AppContext } from '../../context';
import { cachePerDatabase } from '../../db/coordination';
import { validationError } from '../../http/errors';
import { ScreeningCodeBooks, PROGRAMMES, type CodeBookDoc, type Level, type Programme } from './screenings.model';

type Code = CodeBookDoc['tests'][number]['codes'][number];
type Test = CodeBookDoc['tests'][number];

const NORMAL_CERVICAL = '本次宫颈癌筛查未见异常。请按医生建议 3–5 年后再查，平时如有异常出血请及时就医。';
const NORMAL_BREAST = '本次乳腺检查未见异常。请每年复查一次，平时注意自查，发现肿块请及时就医。';
const REVIEW = '结果需要复查。村里的随访员会联系您，约好到医院复查的时间，请保持电话畅通。';
const ABNORMAL = '结果有异常，需要到医院进一步检查。村里的随访员会尽快联系您并帮您转诊，请不要慌张，早发现早治疗效果好。';

const code = (c: string, label: string, level: Level, advice: string): Code => ({ code: c, label, level, advice });

/** BI-RADS categories of a breast image, the same for ultrasound and mammography but for the recheck interval. */
const biRads = (recheck: string): Code[] => [
  code('BI-RADS 1', '阴性', 'normal', NORMAL_BREAST),
  code('BI-RADS 2', '良性改变', 'normal', NORMAL_BREAST),
  code('BI-RADS 0', '需要结合其他检查', 'review', '需要再做其他检查才能判断。随访员会联系您约检查时间。'),
  code('BI-RADS 3', '可能良性，建议短期复查', 'review', `很可能是良性的，需要 ${recheck}后复查。随访员会提醒您。`),
  code('BI-RADS 4', '可疑异常', 'abnormal', ABNORMAL),
  code('BI-RADS 5', '高度可疑', 'abnormal', ABNORMAL),
];

/** The codes and advice every database starts with; the district admin may change them. */
export const DEFAULT_CODE_BOOKS: Record<Programme, Test[]> = {
  cervical: [
    {
      test: 'TCT',
      label: '宫颈细胞学（TCT）',
      codes: [
        code('NILM', '未见上皮内病变或恶性病变', 'normal', NORMAL_CERVICAL),
        code('ASC-US', '意义不明的非典型鳞状细胞', 'review', REVIEW),
        code('UNSAT', '标本不满意', 'review', '标本不够清楚，需要重新取样检查。随访员会联系您约时间。'),
        code('LSIL', '低级别鳞状上皮内病变', 'abnormal', ABNORMAL),
        code('ASC-H', '不除外高级别病变的非典型鳞状细胞', 'abnormal', ABNORMAL),
        code('HSIL', '高级别鳞状上皮内病变', 'abnormal', ABNORMAL),
        code('AGC', '非典型腺细胞', 'abnormal', ABNORMAL),
      ],
    },
    {
      test: 'HPV',
      label: '高危型 HPV 检测',
      codes: [
        code('NEG', '阴性', 'normal', NORMAL_CERVICAL),
        code('HR-OTHER', '其他高危型阳性', 'review', '检测到高危型 HPV（不等于得了癌症）。需要一年后复查，或按医生建议做进一步检查。'),
        code('HPV16/18', 'HPV16/18 型阳性', 'abnormal', ABNORMAL),
      ],
    },
  ],
  breast: [
    { test: 'US', label: '乳腺彩超（B超）', codes: biRads('3–6 个月') },
    { test: 'MG', label: '乳腺钼靶（X 线）', codes: biRads('6 个月') },
  ],
  checkup: [
    {
      test: 'GYN',
      label: '妇科检查',
      codes: [
        code('N', '未见异常', 'normal', '妇科检查未见异常，请保持良好的卫生习惯，每年查体一次。'),
        code('INF', '炎症', 'review', '有炎症表现，请到卫生院或医院妇科复诊，按医生的药方治疗。'),
        code('MASS', '包块或其他异常', 'abnormal', ABNORMAL),
      ],
    },
    {
      test: 'BP',
      label: '血压',
      codes: [
        code('N', '正常', 'normal', '血压正常，请少盐少油、多活动。'),
        code('HIGH', '偏高', 'review', '血压偏高，请一周内到村卫生室再量一次，随访员会提醒您。'),
      ],
    },
    {
      test: 'BLOOD',
      label: '血常规',
      codes: [
        code('N', '正常', 'normal', '血常规正常。'),
        code('ANEMIA', '贫血', 'review', '有贫血，请到卫生院复查，注意多吃含铁的食物。'),
        code('ABN', '其他异常', 'abnormal', ABNORMAL),
      ],
    },
    {
      test: 'US',
      label: '妇科 B 超',
      codes: [
        code('N', '未见异常', 'normal', '妇科 B 超未见异常。'),
        code('CYST', '囊肿或肌瘤', 'review', '发现囊肿或肌瘤，多数是良性的，需要按医生建议定期复查。'),
        code('ABN', '其他异常', 'abnormal', ABNORMAL),
      ],
    },
  ],
};

const RANK: Record<Level, number> = { normal: 0, review: 1, abnormal: 2 };
export const worst = (levels: Level[]): Level => levels.reduce<Level>((w, l) => (RANK[l] > RANK[w] ? l : w), 'normal');

/** Insert the default code book of each programme that has none (start-up; idempotent). */
export async function seedCodeBooks(app: AppContext): Promise<void> {
  const have = new Set((await ScreeningCodeBooks(app.db).find({}, { _id: 1 }).lean()).map((b) => b._id));
  const now = app.clock.now();
  for (const p of PROGRAMMES) {
    if (have.has(p)) continue;
    await ScreeningCodeBooks(app.db)
      .create({ _id: p, tests: DEFAULT_CODE_BOOKS[p], updatedAt: now })
      .catch(() => undefined); // another process seeded it at the same time
  }
}

/** The code books are read on every result entry; edits here forget the cache, other processes within a minute. */
const books = cachePerDatabase<{ all: Promise<Map<Programme, Test[]>> }>(60_000, 4);

export function codeBooks(app: AppContext): Promise<Map<Programme, Test[]>> {
  const cache = books(app);
  const hit = cache.get('all');
  if (hit) return hit.all;
  const all = ScreeningCodeBooks(app.db)
    .find({})
    .lean()
    .then((rows) => new Map(PROGRAMMES.map((p) => [p, rows.find((r) => r._id === p)?.tests ?? DEFAULT_CODE_BOOKS[p]])));
  cache.set('all', { all });
  all.catch(() => cache.delete('all'));
  return all;
}

export async function updateCodeBook(app: AppContext, programme: Programme, tests: Test[], by: string): Promise<void> {
  const seen = new Set<string>();
  tests.forEach((t, i) => {
    if (seen.has(t.test)) throw validationError(`tests.${i}.test`, `检查项目 ${t.test} 重复`);
    seen.add(t.test);
    const codes = new Set<string>();
    t.codes.forEach((c, j) => {
      if (codes.has(c.code)) throw validationError(`tests.${i}.codes.${j}.code`, `结果代码 ${c.code} 重复`);
      codes.add(c.code);
    });
  });
  await ScreeningCodeBooks(app.db).updateOne({ _id: programme }, { $set: { tests, updatedAt: app.clock.now(), updatedBy: by } }, { upsert: true });
  books(app).delete('all');
}

/** A test of a programme and one of its codes, matched by code or by label (an import's cells hold either). */
export function findCode(tests: Test[], test: string, value: string): { test: Test; code: Code } | null {
  const t = tests.find((x) => x.test === test);
  const v = value.trim();
  const c = t?.codes.find((x) => x.code.toLowerCase() === v.toLowerCase() || x.label === v);
  return t && c ? { test: t, code: c } : null;
}

/** Which programmes a kind of session ends in. */
export const programmesOf = (kind: string): Programme[] => (kind === 'checkup' ? ['checkup'] : kind === 'screening' ? ['cervical', 'breast'] : []);
