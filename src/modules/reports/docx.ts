import type { Readable } from 'node:stream';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import type { YearlyReport } from './yearly.service';
import { cellText, percentText, sections, type Section } from './sections';

const FONT = { ascii: 'SimSun', eastAsia: '宋体', hAnsi: 'SimSun' };

const para = (text: string, opts: { bold?: boolean; size?: number } = {}) =>
  new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text, font: FONT, size: opts.size ?? 24, bold: opts.bold })] });

/** A section's table; area codes are left to the workbook, the printed summary names the areas. */
function table(s: Section): Table {
  const shown = s.headers.map((_, i) => i).filter((i) => !s.headers[i]!.endsWith('编码'));
  // Wide tables (talks, referrals) in smaller type, so that a percentage fits on one line of a portrait page.
  const size = shown.length > 9 ? 16 : 20;
  const cell = (text: string, bold = false) => new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold, font: FONT, size })] })] });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: shown.map((i) => cell(s.headers[i]!, true)) }),
      ...(s.printed?.rows ?? s.rows).map((row) => new TableRow({ children: shown.map((i) => cell(s.percent.includes(i) ? percentText(row[i] ?? null) : cellText(row[i] ?? null))) })),
    ],
  });
}

/** The paragraph that opens the summary: the headline figures of the area itself. */
function overview(r: YearlyReport): string {
  const a = r.areas[0]!;
  const lit = a.literacy.latest;
  const parts = [
    `${r.year}年，${r.area.name}共登记居民 ${a.residents.registered} 人，其中 ${a.residents.consented} 人同意隐私条款`,
    `${a.quiz.participants} 名居民参加健康答题（参与率 ${percentText(a.quiz.participation)}），平均分 ${cellText(a.quiz.averageScore)}`,
    lit ? `最近一轮健康素养测评参测 ${lit.n} 人，素养水平 ${percentText(lit.p)}（95%区间 ${percentText(lit.low)}–${percentText(lit.high)}）${lit.tooSmall ? '，样本不足 30 人，仅供参考' : ''}` : '本年度未开展健康素养测评',
    `举办讲座、筛查等活动 ${a.talks.held} 场，报名 ${a.talks.signUps} 人次，签到 ${a.talks.attended} 人次`,
    `唇腭裂救助转介 ${a.referrals.total} 例，家庭意外保险投保 ${a.insurance.total} 份、参保 ${a.insurance.insuredPersons} 人、保费 ${a.insurance.premiumYuan} 元`,
    `村群消息计划 ${a.groups.planned} 条，已发送 ${a.groups.sent} 条`,
  ];
  return `${parts.join('；')}。`;
}

/** The Word summary: title, overview, one section and table per task, the literacy figures, the 典型. */
export function yearlyDocx(r: YearlyReport): Readable {
  const title = `${r.area.name}${r.year}年度家庭健康行动工作总结`;
  const body: Array<Paragraph | Table> = [
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun({ text: title, font: FONT, size: 36, bold: true })] }),
    para(`报送单位：${r.area.name}\u3000统计年度：${r.year}年\u3000生成时间：${r.generatedAt.slice(0, 10)}`, { size: 21 }),
    new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun({ text: '一、总体情况', font: FONT, bold: true, size: 30 })] }),
    para(overview(r)),
  ];
  const numerals = ['二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];
  sections(r).filter((s) => s.key !== 'cases').forEach((s, i) => {
    body.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun({ text: `${numerals[i]}、${s.title}`, font: FONT, bold: true, size: 30 })] }));
    if (s.note) body.push(para(s.printed ? `${s.note}${s.printed.note}` : s.note, { size: 21 }));
    body.push(s.rows.length ? table(s) : para('本年度无数据。'));
  });
  body.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun({ text: `${numerals[sections(r).length - 1]}、典型案例`, font: FONT, bold: true, size: 30 })] }));
  if (!r.cases.length) body.push(para('本年度暂无审核通过的典型案例。'));
  r.cases.forEach((c, i) => {
    body.push(para(`${i + 1}. ${c.title}（${c.areaName ?? c.areaCode}）`, { bold: true }));
    for (const line of c.text.split(/\n+/)) body.push(para(line));
  });
  const doc = new Document({ creator: '张店区家庭健康行动', title, sections: [{ children: body }] });
  return Packer.toStream(doc) as Readable;
}
