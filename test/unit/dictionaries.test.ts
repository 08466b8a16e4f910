/**
 * The dictionaries name every audit action and error code the source writes, and every entry has a Chinese
 * label. The types already refuse an unnamed literal; this reads the source, so an action or code that reaches
 * `audit`/`AppError` around the types (a cast, a table typed as string) fails here too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { auditAction, dictionaries, errorCode } from '../../src/dictionaries';

const SRC = path.join(__dirname, '../../src');
const SCRIPTS = path.join(__dirname, '../../scripts');

function sources(dir: string): Array<{ file: string; text: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [{ file: path.relative(path.join(__dirname, '../..'), p), text: fs.readFileSync(p, 'utf8') }] : [];
  });
}

const files = [...sources(SRC), ...sources(SCRIPTS)].filter((f) => !f.file.startsWith(path.join('src', 'dictionaries')));
const CHINESE = /[\u4e00-\u9fa5]/;

/** The text of each `audit(` call's arguments up to its target (`{ type: … }`), where the action is. */
function auditActionArguments(text: string): string[] {
  const out: string[] = [];
  const re = /\baudit\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = text.slice(m.index + m[0].length);
    const end = rest.search(/\{\s*type:|\btarget\b/);
    if (end >= 0) out.push(rest.slice(0, end));
  }
  return out;
}

/** Every action an `audit(` call may write: its literals, and each template's pattern (`care.help_${to}` → care.help_*). */
function writtenActions(): { literals: Map<string, string>; templates: Map<string, string> } {
  const literals = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const { file, text } of files) {
    for (const args of auditActionArguments(text)) {
      for (const [, a] of args.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) literals.set(a!, file);
      for (const [, t] of args.matchAll(/`([a-z_.]*\$\{[^`]*)`/g)) templates.set(t!, file);
    }
  }
  return { literals, templates };
}

/** Every error code src/ writes: `new AppError('X'`, `{ code: 'X' }`, and `['X', status, …]` table rows (scripts send none). */
function writtenCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const patterns = [/new AppError\(\s*'([A-Z][A-Z0-9_]*)'/g, /\bcode: '([A-Z][A-Z0-9_]*)'/g, /\[\s*'([A-Z][A-Z0-9_]*)',\s*(?:\d{3}\b|'[^']*[\u4e00-\u9fa5])/g];
  for (const { file, text } of files.filter((f) => f.file.startsWith('src')))
    for (const re of patterns) for (const [, c] of text.matchAll(re)) codes.set(c!, file);
  return codes;
}

describe('dictionaries', () => {
  test('when the source writes an audit action, then the auditAction dictionary names it', () => {
    const { literals, templates } = writtenActions();
    expect(literals.size).toBeGreaterThan(60);
    const unnamed = [...literals].filter(([a]) => !auditAction.values.includes(a as never)).map(([a, f]) => `${a} (${f})`);
    expect(unnamed).toEqual([]);
    const unmatched = [...templates]
      .filter(([t]) => {
        const pattern = new RegExp(`^${t.replace(/\./g, '\\.').replace(/\$\{[^}]*\}/g, '[a-z_]+')}$`);
        return !auditAction.values.some((a) => pattern.test(a));
      })
      .map(([t, f]) => `${t} (${f})`);
    expect(unmatched).toEqual([]);
  });

  test('when the source writes an error code, then the errorCode dictionary names it', () => {
    const codes = writtenCodes();
    expect(codes.size).toBeGreaterThan(100);
    const unnamed = [...codes].filter(([c]) => !errorCode.values.includes(c as never)).map(([c, f]) => `${c} (${f})`);
    expect(unnamed).toEqual([]);
  });

  test('when a dictionary is read, then it has a Chinese title and every value a Chinese label', () => {
    for (const [name, d] of Object.entries(dictionaries)) {
      expect([name, CHINESE.test(d.title)]).toEqual([name, true]);
      const bare = Object.entries(d.labels as Record<string, string>)
        .filter(([, label]) => !CHINESE.test(label))
        .map(([v]) => `${name}.${v}`);
      expect(bare).toEqual([]);
      expect(d.schema.options).toEqual(d.values);
    }
  });

  test('when a value is not in a dictionary, then its label is the value as written', () => {
    expect(auditAction.label('staff.login')).toBe('登录');
    expect(auditAction.label('legacy.action')).toBe('legacy.action');
    expect(auditAction.label('toString')).toBe('toString');
  });
});
