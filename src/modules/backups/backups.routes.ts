import type { Api } from '../../http/route';
import { IsoDateTime, z } from '../../http/zod';
import { backupStatus } from './backups.service';

const BackupStatusResponse = z
  .object({
    lastGood: z.object({ at: IsoDateTime, file: z.string(), size: z.number().int(), documents: z.number().int() }).nullable(),
    lastRun: z.object({ at: IsoDateTime, status: z.enum(['running', 'ok', 'failed']), error: z.string().nullable() }).nullable(),
    alert: z.string().nullable().describe('shown to district admins as a banner; null when backups are healthy'),
  })
  .openapi('BackupStatus');

export function backupRoutes(api: Api): void {
  api.route({
    method: 'get',
    path: '/api/admin/v1/backups/status',
    summary: 'Whether nightly backups are healthy (console banner for district admins)',
    tags: ['backups'],
    auth: 'staff',
    roles: ['district_admin'],
    response: BackupStatusResponse,
    handler: () => backupStatus(api.app),
  });
}
