import { BackupRuns } from '../../src/modules/backups/backups.model';
import { signIn } from './browser';
import { DISTRICT_ADMIN, expectAccessible, journey, OTHER_TOWN_ADMIN } from './ui';

// Journey: last night's backup failed; the district admin sees it on every page until a good one is made; a town
// admin is not shown it.
const j = journey('backups', async (t) => {
  const at = new Date(t.clock.now().getTime() - 3600_000);
  await BackupRuns(t.db).create({
    _id: 'nightly:yesterday',
    kind: 'nightly',
    status: 'failed',
    startedAt: at,
    finishedAt: at,
    error: 'ENOSPC: no space left on device',
  });
});

test('journey: a failed nightly backup is shown to the district admin, not to a town admin, and goes once a backup succeeds', async () => {
  const d = await j.open();
  await signIn(d, DISTRICT_ADMIN.username, DISTRICT_ADMIN.password);
  const banner = d.page.locator('[data-test=backup-alert]');
  await banner.getByText(/数据备份失败（.+）：ENOSPC: no space left on device。请尽快处理/).waitFor();
  await d.shot('backups-01-failed');
  await expectAccessible(d);

  const other = await j.open();
  await signIn(other, OTHER_TOWN_ADMIN.username, OTHER_TOWN_ADMIN.password);
  await other.page.getByRole('main').waitFor();
  await other.page.waitForLoadState('networkidle');
  expect(await other.page.locator('[data-test=backup-alert]').count()).toBe(0);

  const now = j.t.clock.now();
  await BackupRuns(j.t.db).create({
    _id: 'manual:now',
    kind: 'manual',
    status: 'ok',
    startedAt: now,
    finishedAt: now,
    file: '/b/x.zdbk',
    size: 1,
    documents: 1,
    collections: 1,
  });
  await d.page.reload();
  await d.page.getByRole('main').waitFor();
  await d.page.waitForLoadState('networkidle');
  expect(await banner.count()).toBe(0);
});
