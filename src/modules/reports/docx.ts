import type { Readable } from 'node:stream';
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  HeadingLevel,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { shanghaiTime } from '../../lib/shanghai';
import type { YearlyReport } from './yearly.service';
import { cellText, percentText } from '../../lib/area-figures';
import { overview, sections, type Section } from './sections';

const FONT = { ascii: 'SimSun', eastAsia: '宋体', hAnsi: 'SimSun' };

const para = (text: string, opts: { bold?: boolean; size?: number } = {}) =>
  new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text, font: FONT, size: opts.size ?? 24, bold: opts.bold })] });

/** Text width of a portrait A4 page with Word's default margins, in twentieths of a point. */
const PAGE_WIDTH = 9026;
const CELL_PADDING = 230;
/** Width of a text in twips at a size in half-points: a Chinese character is one em, a digit or sign about half. */
const textWidth = (text: string, size: number) => [...text].reduce((w, ch) => w + (ch.charCodeAt(0) <= 0xff ? 0.55 : 1), 0) * size * 10;

/**
 * A section's table; area codes are left to the workbook, the printed summary names the areas. Columns are laid out
 * fixed, each at least as wide as its longest value (an area's name, a percentage), so Word never breaks one inside;
 * the type gets smaller until the widest values fit the page, and what is left over is shared out.
 */
export function table(s: Section): Table {
  const shown = s.headers.map((_, i) => i).filter((i) => !s.headers[i]!.endsWith('编码'));
  const rows = (s.printed?.rows ?? s.rows).map((row) => shown.map((i) => (s.percent.includes(i) ? percentText(row[i] ?? null) : cellText(row[i] ?? null))));
  let size = shown.length > 9 ? 16 : 20;
  const need = (sz: number) => shown.map((_, c) => Math.max(...rows.map((r) => textWidth(r[c]!, sz)), textWidth('—', sz)) + CELL_PADDING);
  while (size > 12 && need(size).reduce((a, b) => a + b, 0) > PAGE_WIDTH) size -= 2;
  const min = need(size);
  const spare = Math.max(0, PAGE_WIDTH - min.reduce((a, b) => a + b, 0));
  const widths = min.map((w) => Math.floor(w + spare / min.length));
  const cell = (text: string, c: number, bold = false) =>
    new TableCell({
      width: { size: widths[c]!, type: WidthType.DXA },
      children: [new Paragraph({ children: [new TextRun({ text, bold, font: FONT, size })] })],
    });
  return new Table({
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    rows: [
      new TableRow({ tableHeader: true, children: shown.map((i, c) => cell(s.headers[i]!, c, true)) }),
      ...rows.map((r) => new TableRow({ cantSplit: true, children: r.map((text, c) => cell(text, c)) })),
    ],
  });
}

/** The sign-off the association asks for: who filled it in, who checked it, a phone number, the unit's seal. */
function signOff(r: YearlyReport): Array<Paragraph | Table> {
  const none = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' };
  const borders = { top: none, bottom: none, left: none, right: none, insideHorizontal: none, insideVertical: none };
  const line = (label: string, value = '') =>
    new TableCell({
      width: { size: PAGE_WIDTH / 2, type: WidthType.DXA },
      children: [
        new Paragraph({ spacing: { before: 240 }, children: [new TextRun({ text: `${label}：${value || '\u00a0'.repeat(16)}`, font: FONT, size: 24 })] }),
      ],
    });
  return [
    new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun({ text: '填报与审核', font: FONT, bold: true, size: 30 })] }),
    new Table({
      width: { size: PAGE_WIDTH, type: WidthType.DXA },
      columnWidths: [PAGE_WIDTH / 2, PAGE_WIDTH / 2],
      layout: TableLayoutType.FIXED,
      borders,
      rows: [
        new TableRow({ children: [line('填报人', r.submitted?.by), line('审核人')] }),
        new TableRow({ children: [line('联系电话'), line('单位盖章')] }),
        new TableRow({
          children: [line('报送时间', r.submitted ? shanghaiTime(new Date(r.submitted.at)) : ''), line('日期', '\u3000\u3000年\u3000\u3000月\u3000\u3000日')],
        }),
      ],
    }),
  ];
}

const footer = () =>
  new Footer({
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ children: ['第 ', PageNumber.CURRENT, ' 页 / 共 ', PageNumber.TOTAL_PAGES, ' 页'], font: FONT, size: 18 })],
      }),
    ],
  });

const DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
/** A heading's number in Chinese, 1–99: 二, 十, 十二, 二十三. */
const numeral = (n: number): string => (n < 10 ? DIGITS[n]! : `${n >= 20 ? DIGITS[Math.floor(n / 10)] : ''}十${DIGITS[n % 10]}`);

/** The Word summary: title, overview, one section and table per task, the literacy figures, the 典型. */
export function yearlyDocx(r: YearlyReport): Readable {
  const title = `${r.area.name}${r.year}年度家庭健康行动工作总结`;
  const body: Array<Paragraph | Table> = [
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun({ text: title, font: FONT, size: 36, bold: true })] }),
    // The day as it was in China when the report was made (UTC would be a day early before 08:00).
    para(
      `报送单位：${r.area.name}\u3000统计年度：${r.year}年\u3000生成时间：${shanghaiTime(new Date(r.generatedAt))}${r.submitted ? `\u3000已报送（${r.submitted.by}，${shanghaiTime(new Date(r.submitted.at))}）` : ''}`,
      { size: 21 },
    ),
    new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun({ text: '一、总体情况', font: FONT, bold: true, size: 30 })] }),
    para(overview(r)),
  ];
  const all = sections(r);
  all
    .filter((s) => s.key !== 'cases')
    .forEach((s, i) => {
      body.push(
        new Paragraph({
          heading: HeadingLevel.HEADING_1,
          children: [new TextRun({ text: `${numeral(i + 2)}、${s.title}`, font: FONT, bold: true, size: 30 })],
        }),
      );
      if (s.note) body.push(para(s.printed ? `${s.note}${s.printed.note}` : s.note, { size: 21 }));
      body.push(s.rows.length ? table(s) : para('本年度无数据。'));
    });
  body.push(
    new Paragraph({
      heading: HeadingLevel.HEADING_1,
      children: [new TextRun({ text: `${numeral(all.length + 1)}、典型案例`, font: FONT, bold: true, size: 30 })],
    }),
  );
  if (!r.cases.length) body.push(para('本年度暂无审核通过的典型案例。'));
  r.cases.forEach((c, i) => {
    body.push(para(`${i + 1}. ${c.title}（${c.areaName ?? c.areaCode}）`, { bold: true }));
    for (const line of c.text.split(/\n+/)) body.push(para(line));
  });
  body.push(...signOff(r));
  const doc = new Document({ creator: '张店区家庭健康行动', title, sections: [{ footers: { default: footer() }, children: body }] });
  return Packer.toStream(doc) as Readable;
}
