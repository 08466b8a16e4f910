import { ref } from 'vue';
import { ApiError } from '../../api/client';
import { useCursorPager } from '../../lib/paging';

/** One server-paged list of a session (roster, call list): rows, total, loading and error, and the pager. */
export function usePagedList<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; total: number; nextCursor: string | null }>) {
  const rows = ref<T[]>([]) as { value: T[] };
  const total = ref(0);
  const loading = ref(true); // until the first load answers: no "nothing here" before it
  const error = ref('');
  const pager = useCursorPager();
  async function load(): Promise<void> {
    loading.value = true;
    error.value = '';
    try {
      const r = await fetchPage(pager.state.cursor);
      rows.value = r.items;
      total.value = r.total;
      pager.state.next = r.nextCursor;
    } catch (e) {
      error.value = e instanceof ApiError ? e.message : '加载失败';
    } finally {
      loading.value = false;
    }
  }
  return {
    rows, total, loading, error, pager, load,
    search() {
      pager.reset();
      return load();
    },
    next() {
      pager.forward();
      return load();
    },
    prev() {
      pager.back();
      return load();
    },
  };
}
