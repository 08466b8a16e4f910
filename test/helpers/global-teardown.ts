import type { ProvisionedDatabase } from '../../src/db/provision';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testDb__?: ProvisionedDatabase }).__testDb__?.stop();
}
