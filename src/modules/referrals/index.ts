import type { AppModule } from '../module';
import { eraseReferrals, exportReferrals, referralTasks } from './referrals.retention';
import { ReferralPhotos, Referrals } from './referrals.model';
import { referralFigureSection } from './referrals.figures';
import { referralRoutes } from './referrals.routes';
import { DUP_INDEX, dupSource } from './referrals.service';

export const referralsModule: AppModule = {
  name: 'referrals',
  routes: referralRoutes,
  tasks: referralTasks,
  residentData: [{ name: 'referrals', export: exportReferrals, erase: eraseReferrals }],
  figures: referralFigureSection,
  notices: [{ kind: 'referral_status', flow: 'referral' }],
  keys: {
    sealedFiles: [{ model: ReferralPhotos, bucket: 'referralPhotos' }],
    blindIndexes: [
      { model: Referrals, field: 'dupIndex', purpose: DUP_INDEX, source: (pii, d) => (d.personalEnc ? dupSource(JSON.parse(pii.open(d.personalEnc))) : null) },
    ],
  },
};

export { referralFigures } from './referrals.figures';
