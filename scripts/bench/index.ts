/**
 * `npm run bench [name…]`: runs every scripts/bench/*.bench.ts (or the named ones) one after another, each
 * against a fresh database, and prints their figures. Ratios are against /healthz measured in the same run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withHarness, type BenchHarness } from './harness';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .filter((f) => !only.length || only.some((o) => f.startsWith(o)));
  for (const f of files) {
    // a bench that provisions its own databases (scale: two servers over the same files) exports `standalone`
    const mod = (await import(path.join(__dirname, f))) as { default: (h: BenchHarness) => Promise<void>; standalone?: () => Promise<void> };
    console.log(`\n##### ${f}`);
    const started = Date.now();
    await (mod.standalone ? mod.standalone() : withHarness(mod.default));
    console.log(`(${f} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
