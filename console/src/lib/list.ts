import { computed, ref, type Ref } from 'vue';
import { errorText } from '../api/client';

/** One answer of a list route: its rows, and where the API pages or counts, the next page's cursor and the total. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
  total?: number;
}

/**
 * A list the console shows from the API: its rows, `loading` and `error`, and cursor paging as the API does it
 * (`cursor` → `nextCursor`, the cursors seen kept so "上一页" works too). `fetchPage` asks for the page at `cursor`
 * with the view's filters as they are now; `search()` starts again at page 1 after a filter changed.
 * Only the answer to the latest request is shown: one that a slower, older request brings back later is dropped.
 */
export function usePagedList<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {
  const rows = ref<T[]>([]) as Ref<T[]>;
  const total = ref<number | null>(null);
  const loading = ref(true); // until the first load answers: no "nothing here" before it
  const error = ref('');
  const seen = ref<Array<string | undefined>>([]);
  const nextCursor = ref<string | null>(null);
  let cursor: string | undefined;
  let latest = 0;

  async function load(): Promise<void> {
    const asked = ++latest;
    loading.value = true;
    error.value = '';
    try {
      const page = await fetchPage(cursor);
      if (asked !== latest) return;
      rows.value = page.items;
      total.value = page.total ?? null;
      nextCursor.value = page.nextCursor ?? null;
    } catch (e) {
      if (asked === latest) error.value = errorText(e);
    } finally {
      if (asked === latest) loading.value = false;
    }
  }

  return {
    rows,
    total,
    loading,
    error,
    load,
    /** 1 for the first page. */
    page: computed(() => seen.value.length + 1),
    hasPrev: computed(() => seen.value.length > 0),
    hasNext: computed(() => nextCursor.value !== null),
    /** Page 1 again (the filters changed), loaded. */
    search(): Promise<void> {
      seen.value = [];
      cursor = undefined;
      nextCursor.value = null;
      return load();
    },
    async next(): Promise<void> {
      if (nextCursor.value === null) return;
      seen.value.push(cursor);
      cursor = nextCursor.value;
      nextCursor.value = null; // the new page's own, once it is here
      await load();
    },
    async prev(): Promise<void> {
      if (!seen.value.length) return;
      cursor = seen.value.pop();
      await load();
    },
  };
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;
