import { api } from '../../services/api';
import type { Leaderboard } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';

const SCOPES = [
  { key: 'village', label: '本村' },
  { key: 'town', label: '本镇街' },
  { key: 'district', label: '全区' },
] as const;
type Scope = (typeof SCOPES)[number]['key'];

/** Contest leaderboard: residents in my village / town / district, and villages by participation. */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    contestId: '',
    scopes: SCOPES,
    scope: 'village' as Scope,
    board: null as Leaderboard | null,
    villages: [] as (Leaderboard['villages'][number] & { percent: number })[],
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ contestId: query.contestId ?? '' });
      return this.load();
    },

    async load() {
      this.setData({ loading: true, loadFailed: false });
      try {
        const board = await api.get<Leaderboard>(`/api/v1/quiz/contests/${this.data.contestId}/leaderboard`, { scope: this.data.scope }, { silent: true });
        this.setData({ board, villages: board.villages.map((v) => ({ ...v, percent: Math.round(v.participation * 100) })) });
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onScope(e: WechatMiniprogram.BaseEvent) {
      const scope = String(e.currentTarget.dataset.scope ?? '') as Scope;
      if (!SCOPES.some((s) => s.key === scope) || scope === this.data.scope) return;
      this.setData({ scope });
      return this.load();
    },
  },
});
