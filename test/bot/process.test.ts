import { types } from 'wechaty';
import { buildWechaty, MOCK_ACCOUNT, startBot } from '../../src/bot/bot';
import { getBotStatus } from '../../src/modules/campaigns/bot-status';
import { Outbox } from '../../src/notify/outbox.model';
import { enqueue } from '../../src/notify/outbox.service';
import { startTestApp } from '../helpers/app';
import { seedVillages, VILLAGE_A } from '../helpers/fixtures';
import { FAST, waitFor, World } from './world';

jest.setTimeout(30_000);

describe('bot process', () => {
  test('when the bot waits for a scan, then staff see the QR; after login, the delivery loop sends queued group messages by itself', async () => {
    const t = await startTestApp({ config: { ...FAST, BOT_DELIVERY_INTERVAL_MS: '100' } });
    await seedVillages(t);
    const w = new World(t);
    try {
      await w.startBot({ delivery: true });
      w.mocker.scan('https://login.weixin.qq.com/l/qr-123', types.ScanStatus.Waiting);
      await waitFor(async () => (await getBotStatus(t.app)).state === 'waiting_scan');
      expect(await getBotStatus(t.app)).toMatchObject({ state: 'waiting_scan', qr: 'https://login.weixin.qq.com/l/qr-123', account: null });
      w.me = w.mocker.createContact({ name: '健康小助手' });
      const [r] = await w.rooms(1, VILLAGE_A, '自动');
      await enqueue(t.app, { key: 'loop:1', channel: 'room', payload: { roomId: String(r!.doc._id), text: '自动发送' } });
      await new Promise((res) => setTimeout(res, 300));
      expect(w.said(r!.room.id)).toEqual([]); // not logged in: nothing leaves
      w.mocker.login(w.me);
      await waitFor(() => w.said(r!.room.id).length === 1);
      expect(w.said(r!.room.id)).toEqual(['自动发送']);
      expect(await getBotStatus(t.app)).toMatchObject({ state: 'logged_in', qr: null });
      await waitFor(async () => (await Outbox(t.db).findOne({ key: 'loop:1' }).lean())?.status === 'sent');
    } finally {
      await w.close();
    }
  });

  test('when the bot runs on the configured offline mock puppet, then it reports itself logged in as the mock account, not starting for ever', async () => {
    const t = await startTestApp({ config: FAST });
    const bot = await startBot(t.app, { wechaty: await buildWechaty(t.app.config, {}), delivery: false });
    try {
      await waitFor(async () => (await getBotStatus(t.app)).state === 'logged_in');
      expect(await getBotStatus(t.app)).toMatchObject({ state: 'logged_in', account: { name: MOCK_ACCOUNT }, outage: null, qr: null });
    } finally {
      await bot.stop();
      await t.close();
    }
  });
});
