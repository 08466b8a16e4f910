/**
 * Print the module → module import graph of src/: one line per edge, "from -> to (files)", from the import and
 * re-export statements. Nodes are the folders under src/modules plus notify, bot, scheduler, http and worker;
 * imports of shared code (access, lib, db, config, logger, wechat, context) are not edges.
 *
 * Then the file-level import loops: strongly connected components of the graph of every .ts file under src/,
 * over the imports that load code at run time. Type-only imports (`import type`, `export type`, a clause whose
 * every name is `type X`) are erased by the compiler and load nothing, so they are left out of the loops; the
 * last line says how many loops there would be if they were counted.
 *
 *   npx tsx scripts/import-graph.ts            edges between nodes, then file-level loops
 *   npx tsx scripts/import-graph.ts --deep     only edges into a module that pass by its index.ts
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', 'src');
const TOP_NODES = new Set(['notify', 'bot', 'scheduler', 'http', 'worker']);
const IMPORT = /(?:^|\n)\s*(?:import|export)\b([^'"]*?)\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

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

/** An import or re-export that the compiler erases: `import type …`, `export type …`, or `{ type A, type B }`. */
function typeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\b/.test(c)) return true;
  const names = /^\{([^}]*)\}$/.exec(c)?.[1];
  if (!names) return false;
  const parts = names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return parts.length > 0 && parts.every((n) => /^type\s/.test(n));
}

/** Strongly connected components with more than one file (Tarjan), largest first. */
function loops(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
}

const deepOnly = process.argv.includes('--deep');
const edges = new Map<string, Set<string>>();
const runtimeImports = new Map<string, Set<string>>();
const allImports = new Map<string, Set<string>>();
for (const file of filesUnder(SRC)) {
  const rel = path.relative(SRC, file);
  runtimeImports.set(rel, new Set());
  allImports.set(rel, new Set());
  const from = nodeOf(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveImport(file, (m[2] ?? m[3])!);
    if (!target) continue;
    allImports.get(rel)!.add(path.relative(SRC, target));
    if (m[1] === undefined || !typeOnly(m[1])) runtimeImports.get(rel)!.add(path.relative(SRC, target));
    const to = nodeOf(target);
    if (!from || !to || to === from) continue;
    if (deepOnly && (!to.startsWith('modules/') || path.basename(target) === 'index.ts')) continue;
    const key = `${from} -> ${to}`;
    const set = edges.get(key) ?? new Set<string>();
    set.add(rel);
    edges.set(key, set);
  }
}

const lines = [...edges.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, files]) => `${k} (${files.size})`);
for (const l of lines) console.log(l);
const mutual = [...edges.keys()].map((k) => k.split(' -> ') as [string, string]).filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`));
console.log(
  `${lines.length} edges${deepOnly ? ' into a module past its index.ts' : ''}; ${mutual.length} pairs import each other${mutual.length ? `: ${mutual.map(([a, b]) => `${a} <-> ${b}`).join(', ')}` : ''}`,
);
if (!deepOnly) {
  const runtime = loops(runtimeImports);
  for (const [i, files] of runtime.entries()) console.log(`\nloop ${i + 1} (${files.length} files):\n  ${files.join('\n  ')}`);
  const sizes = (ls: string[][]): string => (ls.length ? ` (${ls.map((l) => l.length).join(', ')} files)` : '');
  const all = loops(allImports);
  console.log(
    `${runtime.length ? '\n' : ''}${runtime.length} file-level import loops${sizes(runtime)}; counting type-only imports too: ${all.length}${sizes(all)}`,
  );
}
