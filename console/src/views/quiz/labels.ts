/** Chinese names of the quiz's codes, shared by its screens. */
export const QUESTION_TYPES = { single: '单选题', multi: '多选题', judge: '判断题' } as const;
export const CONTEST_STATUS = { draft: '草稿', published: '已发布', closed: '已结束' } as const;
export const CONTEST_KINDS = { contest: '知识竞赛', assessment: '素养测评' } as const;
export const DIFFICULTY = { 1: '容易', 2: '中等', 3: '较难' } as const;
export const FLAG_DECISIONS = { cleared: '已认可成绩', confirmed: '已确认异常' } as const;
export const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export const topicLabel = (tag: string): string => (tag === 'hl66-2024' ? '健康素养66条' : tag);
