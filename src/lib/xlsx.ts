import ExcelJS from 'exceljs';

/** A cell's value as the text a person typed: rich text joined, a hyperlink's text, a formula's result. */
export const cellText = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'richText' in v) return (v as { richText: Array<{ text: string }> }).richText.map((t) => t.text).join('');
  if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text);
  if (typeof v === 'object' && 'result' in v) return String((v as { result: unknown }).result ?? '');
  return String(v);
};

/**
 * The first worksheet of an uploaded XLSX template (base64), or the words that tell a person why it cannot be
 * read — for the row-0 error of an all-or-nothing import.
 */
export async function firstSheet(base64: string): Promise<{ ws: ExcelJS.Worksheet } | { error: string }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
  } catch {
    return { error: '不是有效的 Excel（.xlsx）文件，请用页面上的模板填写' };
  }
  const ws = wb.worksheets[0];
  return ws ? { ws } : { error: '文件里没有工作表' };
}
