import type { Api } from '../../http/route';
import { registerResidentData, type ResidentDataSection } from '../residents/resident-data';
import { selectionRoutes } from './selections.routes';
import { eraseVotes, exportVotes } from './selections.service';

const votes: ResidentDataSection = { name: 'selectionVotes', export: exportVotes, erase: eraseVotes };

/** 评选: rounds, nominations with the nominee's consent, town review, public voting by unique keys, results. */
export const selectionsModule = {
  name: 'selections',
  routes(api: Api): void {
    registerResidentData(votes);
    selectionRoutes(api);
  },
  tasks: [],
  residentData: [votes],
};
