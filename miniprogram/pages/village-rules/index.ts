import { api, ApiError } from '../../services/api';
import { dayOf, type VillageRules } from '../../services/consult';
import { elderBehavior } from '../../utils/elder-behavior';

/** 村规民约 of the resident's village, the current version. */
Component({
  behaviors: [elderBehavior],
  data: { rules: null as null | (VillageRules & { day: string }), loading: true, missing: '', loadFailed: false },

  methods: {
    onPageShow() {
      return this.load();
    },

    async load() {
      try {
        const r = await api.get<VillageRules>('/api/v1/village-rules', undefined, { silent: true });
        this.setData({ rules: { ...r, day: dayOf(r.publishedAt) }, missing: '', loadFailed: false });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'NO_RULES') this.setData({ missing: err.message });
        else this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },
  },
});
