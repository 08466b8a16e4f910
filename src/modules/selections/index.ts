import type { AppModule } from '../module';
import { NominationPhotos } from './selections.model';
import { selectionRoutes } from './selections.routes';
import { eraseVotes, exportVotes } from './selections.service';

/** 评选: rounds, nominations with the nominee's consent, town review, public voting by unique keys, results. */
export const selectionsModule: AppModule = {
  name: 'selections',
  routes: selectionRoutes,
  tasks: [],
  residentData: [{ name: 'selectionVotes', export: exportVotes, erase: eraseVotes }],
  keys: { sealedFiles: [{ model: NominationPhotos, bucket: 'selectionPhotos' }] },
};
