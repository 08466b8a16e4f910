import { reactive } from 'vue';

/** Cursor paging as the API does it (`cursor` → `nextCursor`), with a stack so "上一页" works too. */
export function useCursorPager() {
  const state = reactive({ stack: [] as Array<string | undefined>, cursor: undefined as string | undefined, next: null as string | null });
  return {
    state,
    reset() {
      state.stack = [];
      state.cursor = undefined;
    },
    forward() {
      if (!state.next) return;
      state.stack.push(state.cursor);
      state.cursor = state.next;
    },
    back() {
      state.cursor = state.stack.pop();
    },
    get page(): number {
      return state.stack.length + 1;
    },
  };
}
