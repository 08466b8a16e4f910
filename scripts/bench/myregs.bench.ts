/**
 * Issue 13: GET /api/v1/me/registrations must not depend on other residents' data. A resident waits last on a
 * session whose waitlist holds MYREGS_SIZES others (default 10, 1,000, 10,000; each size on its own database,
 * its waitlist written straight to the database, then recounted by a walk); the same request is measured one
 * at a time with the session's queue document in place, and again after staff closed the session (which
 * forgets that document until the next walk). Commands per request come from the wire-protocol counter (with
 * the server's milliseconds per target), bytes read per request from the driver's replies (login session and
 * resident reads included). On FerretDB/SQLite an `_id` lookup is itself a scan in SQL (`json_each` over the
 * `_id`, no index), cheap per row but stopping only at the match: the registration read grows with the rows
 * inserted before it, whatever the design of the waitlist.
 */
import { BSON } from 'mongodb';
import { Types } from 'mongoose';
import type { BenchHarness } from './harness';
import { Registrations, Seats, TalkQueues } from '../../src/modules/talks/talks.model';
import { seedVillages, staffLogin, TOWN_MS } from '../../test/helpers/fixtures';
import { startTestApp, type TestApp } from '../../test/helpers/app';
import { bulkResidents, publishedTalk } from '../../test/helpers/talks';

const SIZES = (process.env.MYREGS_SIZES ?? '10,1000,10000').split(',').map(Number);
const N = 30;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** A published session of one seat, taken, with `size` registrations waiting, numbered as walks number them. */
async function sessionWithWaitlist(t: TestApp, staff: string, size: number): Promise<string> {
  const talk = await publishedTalk(t, staff, { capacity: 1, waitlistEnabled: true, waitlistCap: 0 });
  const talkId = new Types.ObjectId(talk.id);
  const now = t.clock.now();
  const reg = (status: 'confirmed' | 'waitlisted', ticket?: number) => ({
    _id: new Types.ObjectId(),
    talkId,
    residentId: new Types.ObjectId(),
    areaPath: [],
    seats: 1,
    status,
    seq: 1,
    ...(ticket ? { ticket } : {}),
    createdAt: now,
  });
  const seated = reg('confirmed');
  await Registrations(t.db).collection.insertOne(seated);
  await Seats(t.db).collection.insertOne({ _id: new Types.ObjectId(), talkId, seatNo: 1, registrationId: seated._id, part: 1, takenAt: now });
  for (let i = 0; i < size; i += 1000) {
    await Registrations(t.db).collection.insertMany(Array.from({ length: Math.min(1000, size - i) }, (_, k) => reg('waitlisted', i + k + 1)));
  }
  // as after a staff edit: the next walk (the measured resident's sign-up) recounts the queue
  await TalkQueues(t.db).collection.deleteOne({ _id: talk.id } as never);
  return talk.id;
}

export default async function myregs(h: BenchHarness): Promise<void> {
  const rows: Array<Record<string, string>> = [];
  for (const size of SIZES) {
    const t = await startTestApp({ monitorCommands: true });
    try {
      await seedVillages(t);
      const staff = (await staffLogin(t, 'town_admin', TOWN_MS)).token;
      const [me] = await bulkResidents(t, 1);
      const talkId = await sessionWithWaitlist(t, staff, size);
      const signed = await t.request('POST', `/api/v1/talks/${talkId}/registrations`, { token: me!.token, body: {} });
      if (signed.body?.position !== size + 1) throw new Error(`expected place ${size + 1}: ${JSON.stringify(signed.body)}`);
      let bytes = 0;
      t.db.getClient().on('commandSucceeded', (e) => (bytes += BSON.calculateObjectSize(e.reply as BSON.Document)));
      const measure = async (what: string) => {
        await t.request('GET', '/api/v1/me/registrations', { token: me!.token }); // warm the login cache alike
        await h.wire.reset();
        bytes = 0;
        const lat: number[] = [];
        for (let i = 0; i < N; i++) {
          const t0 = performance.now();
          const res = await t.request('GET', '/api/v1/me/registrations', { token: me!.token });
          lat.push(performance.now() - t0);
          if (res.body?.items?.[0]?.position !== size + 1) throw new Error(`${what}: expected place ${size + 1}: ${JSON.stringify(res.body)}`);
        }
        const w = await h.wire.read();
        lat.sort((a, b) => a - b);
        rows.push({
          waiting: String(size),
          what,
          'p50 ms': pct(lat, 50).toFixed(1),
          'p99 ms': pct(lat, 99).toFixed(1),
          'cmds/req': (w.commands / N).toFixed(2),
          'bytes/req': (bytes / N).toFixed(0),
          commands: Object.entries(w.byTarget)
            .map(([k, v]) => `${k} ${(v / N).toFixed(1)} (${((w.msByTarget[k] ?? 0) / N).toFixed(1)} ms)`)
            .join('; '),
        });
      };
      await measure('queue document in place');
      if ((await t.request('POST', `/api/admin/v1/talks/${talkId}/close`, { token: staff })).status !== 200) throw new Error('close failed');
      await measure('after close (queue document forgotten)');
    } finally {
      await t.close();
    }
  }
  console.log(`\n== GET /api/v1/me/registrations, waitlisted last (database: ${h.dbKind}; ${N} requests one at a time)`);
  const cols = ['waiting', 'what', 'p50 ms', 'p99 ms', 'cmds/req', 'bytes/req'];
  console.log('  ' + cols.map((c, i) => (i === 1 ? c.padEnd(40) : c.padStart(9))).join(' '));
  for (const r of rows) {
    console.log('  ' + cols.map((c, i) => (i === 1 ? r[c]!.padEnd(40) : r[c]!.padStart(9))).join(' '));
    console.log(`      ${r.commands}`);
  }
}
