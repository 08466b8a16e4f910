import { ref } from 'vue';
import { ElMessageBox } from 'element-plus';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { shanghaiDay } from '../../lib/shanghai';

export type Book = components['schemas']['TaskbookProgress']['book'];
export type Task = components['schemas']['TaskbookTask'];
export type Progress = components['schemas']['TaskbookProgress'];
export type Visit = components['schemas']['SupervisionVisit'];
export type Rectification = Visit['rectifications'][number];

export const thisYear = (): number => Number(shanghaiDay(new Date().toISOString()).slice(0, 4));

/** A value as staff read it: a ratio as a percentage. */
export const valueText = (x: number | null | undefined, percent: boolean): string =>
  x == null ? '—' : percent ? `${Math.round(x * 1000) / 10}%` : String(Math.round(x * 100) / 100);

export const STATUS_TAG: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  done: 'success',
  on_track: 'primary',
  behind: 'danger',
  not_started: 'info',
  submitted: 'warning',
  returned: 'danger',
  draft: 'info',
  approved: 'success',
  open: 'danger',
  answered: 'warning',
  closed: 'success',
  published: 'success',
  accepted: 'success',
};

/** Asks why something goes back (at least two characters); null when the user cancels. */
export async function askReturnReason(message: string, title: string): Promise<string | null> {
  const r = await ElMessageBox.prompt(message, title, {
    confirmButtonText: '退回',
    cancelButtonText: '取消',
    inputValidator: (v) => (v && v.trim().length >= 2) || '请写明原因',
  }).catch(() => null);
  return r ? r.value.trim() : null;
}

/** The year's book and its tasks (a town admin: once published, its own). */
export function useBook() {
  const book = ref<Book | null>(null);
  const tasks = ref<Task[]>([]);
  const loading = ref(false);
  async function load(year: number): Promise<void> {
    loading.value = true;
    try {
      const r = await call(api.GET('/api/admin/v1/taskbook/books', { params: { query: { year } } }));
      book.value = r.book;
      tasks.value = r.tasks;
    } finally {
      loading.value = false;
    }
  }
  return { book, tasks, loading, load };
}
