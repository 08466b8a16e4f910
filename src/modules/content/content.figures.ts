import type { AppContext } from '../../context';
import { contentTopic } from '../../dictionaries';
import { z } from '../../http/zod';
import { figure, figuresByArea, type FigureScope } from '../../lib/area-figures';
import type { FigureSection } from '../module';
import { Reads, Readers } from './content.model';
import { coverage } from './content.service';

const TOPICS = contentTopic.values;
const yearOf = (d: Date): number => Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(d));

/** Per area: residents who read anything this year, and per topic the articles opened, listened to and finished. */
export async function contentFigures(app: AppContext, s: FigureScope) {
  const opened = { openedAt: { $gte: s.from, $lt: s.to } };
  const [readers, reads, listens, completions, cover] = await Promise.all([
    figuresByArea(Readers(app.db), s.root, s.codes, { match: { year: yearOf(s.from) } }),
    figuresByArea(Reads(app.db), s.root, s.codes, { match: opened, by: 'topic' }),
    figuresByArea(Reads(app.db), s.root, s.codes, { match: { listenedAt: { $gte: s.from, $lt: s.to } }, by: 'topic' }),
    figuresByArea(Reads(app.db), s.root, s.codes, { match: { completedAt: { $gte: s.from, $lt: s.to } }, by: 'topic' }),
    coverage(app),
  ]);
  const total = (f: typeof reads, c: string) => TOPICS.reduce((n, t) => n + figure(f, c, t), 0);
  const areas = new Map(
    s.codes.map((c) => [
      c,
      {
        readers: figure(readers, c),
        reads: total(reads, c),
        listens: total(listens, c),
        completions: total(completions, c),
        byTopic: TOPICS.map((t) => ({ topic: t, reads: figure(reads, c, t), listens: figure(listens, c, t), completions: figure(completions, c, t) })).filter(
          (x) => x.reads || x.listens || x.completions,
        ),
      },
    ]),
  );
  return { areas, missingItems: cover.missing };
}

const TopicRow = z.object({ topic: z.string(), reads: z.number(), listens: z.number(), completions: z.number() });

const contentNote = (missing: number[]): string =>
  missing.length === 66
    ? '健康知识库还没有发布文章'
    : missing.length
      ? `健康素养66条中还没有文章的 ${missing.length} 条：第 ${missing.join('、')} 条`
      : '健康素养66条每一条都有文章';

/** Health content read and heard per area and topic; the health-literacy items with no article yet. */
export const contentFigureSection: FigureSection<Awaited<ReturnType<typeof contentFigures>>> = {
  order: 25,
  figures: (app, q) => contentFigures(app, q),
  row: (f, code) => ({ content: f.areas.get(code)! }),
  rowShape: {
    content: z.object({ readers: z.number(), reads: z.number(), listens: z.number(), completions: z.number(), byTopic: z.array(TopicRow) }),
  },
  tail: (f) => ({ contentMissingItems: f.missingItems }),
  tailShape: { contentMissingItems: z.array(z.number().int()) },
  dashboard: (r) => ({ content: { readers: r.content.readers, listens: r.content.listens, completions: r.content.completions } }),
  dashboardShape: { content: z.object({ readers: z.number(), listens: z.number(), completions: z.number() }) },
  sheets: (r) => [
    {
      key: 'content',
      title: '健康知识阅读收听',
      percent: [],
      headers: ['地区编码', '地区', '主题', '阅读人数', '打开篇次', '收听篇次', '读完/听完篇次'],
      rows: r.areas.flatMap((a) => [
        [a.code, a.name, '合计', a.content.readers, a.content.reads, a.content.listens, a.content.completions],
        ...(a.content.byTopic as Array<z.infer<typeof TopicRow>>).map((t) => [
          a.code,
          a.name,
          contentTopic.label(t.topic),
          null,
          t.reads,
          t.listens,
          t.completions,
        ]),
      ]),
      note: contentNote(r.contentMissingItems as number[]),
    },
  ],
  overview: {
    clauses: (a) => [`${a.content.readers} 人阅读或收听健康知识，读完、听完 ${a.content.completions} 篇次`],
  },
};
