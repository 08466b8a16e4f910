/**
 * Print the module → module import graph of src/: one line per edge, "from -> to (files)", from the import and
 * re-export statements. Nodes are the folders under src/modules plus notify, bot, scheduler, http and worker;
 * imports of shared code (lib, db, config, logger, wechat, context) are not edges.
 *
 *   npx tsx scripts/import-graph.ts            edges between nodes
 *   npx tsx scripts/import-graph.ts --deep     only edges into a module that pass by its index.ts
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', 'src');
const TOP_NODES = new Set(['notify', 'bot', 'scheduler', 'http', 'worker']);
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The node a file under src/ belongs to, or null for shared code. */
function nodeOf(file: string): string | null {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts[0] === 'modules' && parts.length > 2) return `modules/${parts[1]}`;
  const top = parts[0]!.replace(/\.ts$/, '');
  return TOP_NODES.has(top) ? top : null;
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const deepOnly = process.argv.includes('--deep');
const edges = new Map<string, Set<string>>();
for (const file of filesUnder(SRC)) {
  const from = nodeOf(file);
  if (!from) continue;
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(file, (m[1] ?? m[2])!);
    if (!target) continue;
    const to = nodeOf(target);
    if (!to || to === from) continue;
    if (deepOnly && (!to.startsWith('modules/') || path.basename(target) === 'index.ts')) continue;
    const key = `${from} -> ${to}`;
    const set = edges.get(key) ?? new Set<string>();
    set.add(path.relative(SRC, file));
    edges.set(key, set);
  }
}

const lines = [...edges.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, files]) => `${k} (${files.size})`);
for (const l of lines) console.log(l);
const mutual = [...edges.keys()].map((k) => k.split(' -> ') as [string, string]).filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`));
console.log(`${lines.length} edges${deepOnly ? ' into a module past its index.ts' : ''}; ${mutual.length} pairs import each other${mutual.length ? `: ${mutual.map(([a, b]) => `${a} <-> ${b}`).join(', ')}` : ''}`);
