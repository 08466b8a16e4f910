import { labelOf, labels, type DictionaryName, type Labels } from '../api/dictionaries';

/** Chinese names of audit actions, from the server's dictionary. */
export const AUDIT_ACTIONS = labels('auditAction');

/** Chinese names of what an audit record is about; a type not named is shown as recorded. */
export const AUDIT_TARGETS: Readonly<Record<string, string>> = labels('auditTarget');

/** Chinese names of the fields audit details carry. */
export const AUDIT_DETAIL_KEYS: Record<string, string> = {
  username: '用户名',
  displayName: '姓名',
  role: '角色',
  areaCode: '地区',
  reason: '原因',
  rows: '条数',
  rowCount: '条数',
  offset: '从第几条起',
  status: '状态',
  from: '原状态',
  note: '备注',
  year: '年份',
  format: '格式',
  count: '数量',
  walkInId: '现场登记编号',
  filters: '筛选条件',
  author: '作者',
  mergeInto: '合并到',
  name: '名称',
  code: '编码',
};

/** An action's name; one the dictionary does not name (an old record's) is shown as recorded. */
export const auditActionLabel = (action: string): string => labelOf('auditAction', action);

/** A dictionary's labels with the tag colour the console gives each value. */
function tagged<N extends DictionaryName, T>(name: N, types: Record<keyof Labels<N> & string, T>): Readonly<Record<string, { label: string; type: T }>> {
  return Object.fromEntries(Object.entries(types).map(([value, type]) => [value, { label: labelOf(name, value), type: type as T }]));
}

export const CAMPAIGN_STATUS = tagged<'campaignStatus', 'info' | 'warning' | 'success' | 'primary' | 'danger'>('campaignStatus', {
  draft: 'info',
  pending_review: 'warning',
  approved: 'primary',
  active: 'primary',
  finished: 'success',
  cancelled: 'info',
});

export const CAMPAIGN_KINDS: Readonly<Record<string, string>> = labels('campaignKind');

export const DELIVERY_STATUS = tagged<'deliveryStatus', 'info' | 'warning' | 'success' | 'danger'>('deliveryStatus', {
  pending: 'warning',
  sent: 'success',
  dead: 'danger',
  cancelled: 'info',
});
