import type { ProvisionedDatabase } from '../../src/db/provision';

/** Stops only the database this project provisioned itself (the server project stops its own). */
export default async function consoleGlobalTeardown(): Promise<void> {
  await (globalThis as { __consoleTestDb__?: ProvisionedDatabase }).__consoleTestDb__?.stop();
}
