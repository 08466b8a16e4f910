import type { components, paths } from '../../api/schema';
import { labels } from '../../api/dictionaries';

export type Family = components['schemas']['CareFamilyView'];
export type FamilyType = Family['type'];
export type Help = paths['/api/admin/v1/care/families/{id}/help-requests']['get']['responses'][200]['content']['application/json']['items'][number];
export type HelpKind = Help['kind'];
export type Visit = paths['/api/admin/v1/care/families/{id}/visits']['get']['responses'][200]['content']['application/json']['items'][number];

export const FAMILY_TYPES: Readonly<Record<FamilyType, string>> = labels('careFamilyType');
export const HELP_KINDS: Readonly<Record<HelpKind, string>> = labels('careHelpKind');
export const HELP_TAGS: Record<string, 'info' | 'warning' | 'success' | 'danger'> = {
  open: 'warning',
  in_progress: 'info',
  resolved: 'success',
  declined: 'danger',
};
/** The moves each help status allows, as the service's workflow does. */
export const HELP_MOVES: Record<string, Array<{ to: 'in_progress' | 'resolved' | 'declined'; label: string }>> = {
  open: [
    { to: 'in_progress', label: '开始处理' },
    { to: 'declined', label: '未能帮助' },
  ],
  in_progress: [
    { to: 'resolved', label: '已解决' },
    { to: 'declined', label: '未能帮助' },
  ],
};
export const STATUS_LABELS: Readonly<Record<Family['status'], string>> = labels('careFamilyStatus');

/** Today in the district's time zone, as YYYY-MM-DD. */
export const today = (): string => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());

/** The masked family last opened from the list, so the visit form can name it without opening the audited full view. */
const seen = new Map<string, Family>();
export const remember = (f: Family): void => void seen.set(f.id, f);
export const remembered = (id: string): Family | undefined => seen.get(id);

/** Phrases a worker taps instead of typing the most common visits. */
export const VISIT_PHRASES = ['上门看望，身体状况良好', '电话问候', '测量血压', '送去慰问品', '帮助联系家庭医生'];
