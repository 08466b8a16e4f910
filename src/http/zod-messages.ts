/**
 * Chinese messages for zod's built-in checks. A schema's own message ("请填写 11 位手机号码") still wins; this map
 * only replaces zod's English defaults ("String must contain at least 9 character(s)"), which residents and staff
 * would otherwise read in a reply's details.
 */
import { z, ZodIssueCode, type ZodErrorMap } from 'zod';

const TYPE_NAMES: Record<string, string> = {
  string: '文字',
  number: '数字',
  bigint: '数字',
  boolean: '是或否',
  date: '日期',
  object: '对象',
  array: '列表',
  undefined: '空',
  null: '空',
  integer: '整数',
  float: '数字',
  nan: '非数字',
};
const typeName = (t: string) => TYPE_NAMES[t] ?? t;

const FORMATS: Record<string, string> = {
  email: '邮箱',
  url: '网址',
  uuid: '编号',
  cuid: '编号',
  cuid2: '编号',
  ulid: '编号',
  regex: '内容',
  datetime: '时间',
  date: '日期',
  time: '时间',
  ip: 'IP 地址',
  emoji: '表情',
  base64: '编码',
  duration: '时长',
  nanoid: '编号',
  cidr: '网段',
  jwt: '令牌',
};

function sized(kind: string, limit: number | bigint, inclusive: boolean, exact: boolean | undefined, low: boolean): string {
  const n = Number(limit);
  if (kind === 'string') {
    if (exact) return `应为 ${n} 个字`;
    return low ? `至少 ${inclusive ? n : n + 1} 个字` : `不能超过 ${inclusive ? n : n - 1} 个字`;
  }
  if (kind === 'array' || kind === 'set') {
    if (exact) return `应有 ${n} 项`;
    return low ? `至少 ${inclusive ? n : n + 1} 项` : `不能超过 ${inclusive ? n : n - 1} 项`;
  }
  if (kind === 'date') return low ? '日期太早' : '日期太晚';
  if (exact) return `应等于 ${n}`;
  return low ? `不能小于${inclusive ? '' : '等于'} ${n}` : `不能大于${inclusive ? '' : '等于'} ${n}`;
}

const chineseErrorMap: ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case ZodIssueCode.invalid_type:
      return { message: issue.received === 'undefined' ? '必填' : `应为${typeName(issue.expected)}` };
    case ZodIssueCode.invalid_literal:
      return { message: '取值不正确' };
    case ZodIssueCode.unrecognized_keys:
      return { message: `不认识的字段：${issue.keys.join('、')}` };
    case ZodIssueCode.invalid_union:
    case ZodIssueCode.invalid_union_discriminator:
    case ZodIssueCode.invalid_enum_value:
      return { message: '取值不在可选范围内' };
    case ZodIssueCode.invalid_arguments:
    case ZodIssueCode.invalid_return_type:
      return { message: '内容不正确' };
    case ZodIssueCode.invalid_date:
      return { message: '日期不正确' };
    case ZodIssueCode.invalid_string: {
      const v = issue.validation;
      if (typeof v === 'object') {
        if ('startsWith' in v) return { message: `应以“${v.startsWith}”开头` };
        if ('endsWith' in v) return { message: `应以“${v.endsWith}”结尾` };
        if ('includes' in v) return { message: `应包含“${v.includes}”` };
        return { message: '格式不正确' };
      }
      return { message: `${FORMATS[v] ?? '内容'}格式不正确` };
    }
    case ZodIssueCode.too_small:
      return { message: sized(issue.type, issue.minimum, issue.inclusive, issue.exact, true) };
    case ZodIssueCode.too_big:
      return { message: sized(issue.type, issue.maximum, issue.inclusive, issue.exact, false) };
    case ZodIssueCode.invalid_intersection_types:
      return { message: '内容不正确' };
    case ZodIssueCode.not_multiple_of:
      return { message: `应为 ${Number(issue.multipleOf)} 的倍数` };
    case ZodIssueCode.not_finite:
      return { message: '应为有限的数字' };
    case ZodIssueCode.custom:
      return { message: issue.message && /[\u4e00-\u9fa5]/.test(issue.message) ? issue.message : '内容不正确' };
    default:
      return { message: ctx.defaultError && /[\u4e00-\u9fa5]/.test(ctx.defaultError) ? ctx.defaultError : '内容不正确' };
  }
};

export function useChineseMessages(): void {
  z.setErrorMap(chineseErrorMap);
}
