import crypto from 'node:crypto';
import { AppError } from '../../http/errors';
import type { AttemptItem, ContestDoc, QuestionDoc } from './quiz.model';
import { draw } from './pool';

/**
 * The standard health-literacy paper (健康素养66条, 2024 edition). National monitoring sorts items by three
 * aspects (the bank's `part`) and six problem areas; every assessment draws the same number of items from each
 * cell of that grid, one question per item, so two rounds (or two villages) answer comparable papers.
 */
const PROBLEM_AREAS = {
  outlook: '科学健康观',
  infectious: '传染病防治',
  chronic: '慢性病防治',
  safety: '安全与急救',
  care: '基本医疗',
  information: '健康信息',
} as const;
type ProblemArea = keyof typeof PROBLEM_AREAS;

const AREA_ITEMS: Record<ProblemArea, number[]> = {
  outlook: [1, 2, 3, 4, 5, 6, 31, 36, 37, 39, 52],
  infectious: [9, 10, 11, 12, 13, 14, 15, 29, 30, 40, 46, 58],
  chronic: [16, 17, 18, 19, 20, 25, 26, 27, 28, 32, 33, 34, 35, 41],
  safety: [21, 24, 45, 47, 48, 49, 59, 60, 61, 62, 63, 64, 65, 66],
  care: [7, 8, 22, 38, 42, 43, 44, 50, 51, 55, 56],
  information: [23, 53, 54, 57],
};

/** Problem area of each of the 66 items. */
export const itemArea = new Map<number, ProblemArea>(Object.entries(AREA_ITEMS).flatMap(([a, items]) => items.map((i) => [i, a as ProblemArea] as const)));

type Aspect = 'knowledge' | 'lifestyle' | 'skills';
const ASPECTS: Record<Aspect, string> = { knowledge: '基本知识和理念', lifestyle: '健康生活方式与行为', skills: '基本技能' };

/** Items per cell of the standard paper: 30 questions, 11 / 13 / 6 by aspect, 5 5 6 6 5 3 by problem area. */
export const STANDARD_PAPER: ReadonlyArray<{ aspect: Aspect; area: ProblemArea; count: number }> = [
  { aspect: 'knowledge', area: 'outlook', count: 3 },
  { aspect: 'knowledge', area: 'infectious', count: 3 },
  { aspect: 'knowledge', area: 'chronic', count: 2 },
  { aspect: 'knowledge', area: 'safety', count: 1 },
  { aspect: 'knowledge', area: 'care', count: 1 },
  { aspect: 'knowledge', area: 'information', count: 1 },
  { aspect: 'lifestyle', area: 'outlook', count: 2 },
  { aspect: 'lifestyle', area: 'infectious', count: 2 },
  { aspect: 'lifestyle', area: 'chronic', count: 4 },
  { aspect: 'lifestyle', area: 'safety', count: 2 },
  { aspect: 'lifestyle', area: 'care', count: 3 },
  { aspect: 'skills', area: 'safety', count: 3 },
  { aspect: 'skills', area: 'care', count: 1 },
  { aspect: 'skills', area: 'information', count: 2 },
];
export const STANDARD_PAPER_SIZE = STANDARD_PAPER.reduce((s, c) => s + c.count, 0);
const LITERACY_BANK = 'hl66-2024';

/** A question the standard paper can use: one of the 66 items, tagged with its aspect. */
export const inBlueprint = (q: Pick<QuestionDoc, 'bank' | 'item' | 'part'>): boolean =>
  q.bank === LITERACY_BANK && q.item !== undefined && itemArea.has(q.item) && q.part !== undefined && q.part in ASPECTS;

function pick<T>(xs: T[], n: number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

/** Draw the standard paper: per cell `count` different items at random, one active question of each. */
function drawStandardPaper(pool: QuestionDoc[]): AttemptItem[] {
  const byItem = new Map<number, QuestionDoc[]>();
  for (const q of pool) if (inBlueprint(q)) byItem.set(q.item!, [...(byItem.get(q.item!) ?? []), q]);
  const chosen: QuestionDoc[] = [];
  for (const cell of STANDARD_PAPER) {
    const items = [...byItem.keys()].filter((i) => itemArea.get(i) === cell.area && byItem.get(i)![0]!.part === cell.aspect);
    if (items.length < cell.count) {
      throw new AppError(
        'BLUEPRINT_SHORT',
        409,
        `题库中“${ASPECTS[cell.aspect]} · ${PROBLEM_AREAS[cell.area]}”的条目不足 ${cell.count} 条，无法组成标准测评卷`,
      );
    }
    for (const item of pick(items, cell.count)) chosen.push(pick(byItem.get(item)!, 1)[0]!);
  }
  // Options are shuffled and the order mixed exactly as any contest draw does.
  return draw(chosen, [{ tags: [], count: chosen.length }]);
}

/** The paper of one attempt of a contest: the standard paper for an assessment, its draw rules otherwise. */
export function contestPaper(pool: QuestionDoc[], c: Pick<ContestDoc, 'kind' | 'drawRules'>): AttemptItem[] {
  return c.kind === 'assessment' ? drawStandardPaper(pool) : draw(pool, c.drawRules);
}
