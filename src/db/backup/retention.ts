import fs from 'node:fs';
import path from 'node:path';
import { shanghaiDay } from '../../lib/shanghai';
import { backupTimeOf } from './backup';

export interface Keep {
  daily: number;
  weekly: number;
  monthly: number;
}

/** Monday of the Asia/Shanghai week of `day` (YYYY-MM-DD). */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/**
 * Daily / weekly / monthly copies: the newest backup of each of the newest `daily` days, `weekly` weeks and
 * `monthly` months (Asia/Shanghai) is kept; a file may count for several. Returns the files to keep.
 */
export function chooseKept(files: Array<{ name: string; at: Date }>, keep: Keep): Set<string> {
  const newestFirst = [...files].sort((a, b) => b.at.getTime() - a.at.getTime());
  const kept = new Set<string>();
  const pick = (periodOf: (f: { at: Date }) => string, n: number) => {
    const seen = new Set<string>();
    for (const f of newestFirst) {
      const p = periodOf(f);
      if (seen.has(p)) continue;
      if (seen.size >= n) break;
      seen.add(p);
      kept.add(f.name);
    }
  };
  pick((f) => shanghaiDay(f.at), keep.daily);
  pick((f) => weekOf(shanghaiDay(f.at)), keep.weekly);
  pick((f) => shanghaiDay(f.at).slice(0, 7), keep.monthly);
  return kept;
}

/** Backups in `dir` (by their names), and the deletion of those `chooseKept` does not keep. */
export function listBackups(dir: string): Array<{ name: string; at: Date }> {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((name) => {
    const at = backupTimeOf(name);
    return at ? [{ name, at }] : [];
  });
}

export function pruneBackups(dir: string, keep: Keep): string[] {
  const files = listBackups(dir);
  const kept = chooseKept(files, keep);
  const removed = files.filter((f) => !kept.has(f.name)).map((f) => f.name);
  for (const name of removed) fs.rmSync(path.join(dir, name), { force: true });
  return removed;
}
