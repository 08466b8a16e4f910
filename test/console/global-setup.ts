import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ProvisionedDatabase } from '../../src/db/provision';
import serverSetup from '../helpers/global-setup';

const root = path.resolve(__dirname, '../..');

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** The browser tests need the built console; build it when a source is newer than the build. */
function ensureConsoleBuilt(): void {
  const built = path.join(root, 'console/dist/index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'package-lock.json'].map((f) => path.join(root, 'console', f));
  const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime));
  if (fresh) return;
  console.log('\n[console] building the staff console for the browser tests');
  execFileSync('bash', [path.join(root, 'scripts/console-build.sh')], { stdio: 'inherit' });
}

/** Shares the server project's database when both projects run; provisions one when only this one runs. */
export default async function consoleGlobalSetup(): Promise<void> {
  ensureConsoleBuilt();
  if (process.env.TEST_MONGODB_URI) return;
  const g = globalThis as { __testDb__?: ProvisionedDatabase; __consoleTestDb__?: ProvisionedDatabase };
  const before = g.__testDb__;
  await serverSetup();
  g.__consoleTestDb__ = g.__testDb__;
  g.__testDb__ = before;
}
