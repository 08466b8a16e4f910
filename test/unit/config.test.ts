import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, EMPTY_HAS_MEANING, loadConfig } from '../../src/config';
import { configRows, envExample } from '../../src/config-doc';

describe('config', () => {
  test('when .env.example is compared with the schema, then they match (npm run env:example regenerates it)', () => {
    expect(fs.readFileSync(path.join(__dirname, '../../.env.example'), 'utf8')).toBe(envExample());
  });

  test('when the README configuration table is read, then it lists every variable of the schema', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const missing = configRows()
      .filter((r) => !readme.includes(`| \`${r.key}\` |`))
      .map((r) => r.key);
    expect(missing).toEqual([]);
  });

  test('when variables are invalid, then the error names each of them', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', PII_KEY: 'short', BLIND_INDEX_KEY: 'b'.repeat(64) }, () => undefined)).toThrow(
      /PORT[\s\S]*LOG_LEVEL[\s\S]*PII_KEY/,
    );
  });

  test('when production lacks secrets, then it refuses to start naming them', () => {
    try {
      loadConfig({ NODE_ENV: 'production' }, () => undefined);
      throw new Error('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      for (const k of ['PII_KEY', 'BLIND_INDEX_KEY', 'BACKUP_KEY', 'WECHAT_APPID', 'WECHAT_SECRET', 'MONGODB_URI']) expect((err as Error).message).toContain(k);
    }
  });

  test('when development has no key, then one is generated into the data dir with a warning, and reused', () => {
    const dir = fs.mkdtempSync('/tmp/cfg-');
    const warnings: string[] = [];
    const a = loadConfig({ DATA_DIR: dir }, (m) => warnings.push(m));
    const b = loadConfig({ DATA_DIR: dir }, (m) => warnings.push(m));
    expect(a.piiKey.equals(b.piiKey)).toBe(true);
    expect(warnings).toHaveLength(3); // PII_KEY, BLIND_INDEX_KEY and BACKUP_KEY, once each
    expect(Object.isFrozen(a)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  test('when ROLES names an unknown role, then it is refused', () => {
    expect(() => loadConfig({ ROLES: 'api,cook', PII_KEY: 'a'.repeat(64), BLIND_INDEX_KEY: 'b'.repeat(64) })).toThrow(/ROLES/);
  });

  test('when the reconnect delays are out of order or the puppet-service endpoint is not host:port, then they are refused', () => {
    const keys = { PII_KEY: 'a'.repeat(64), BLIND_INDEX_KEY: 'b'.repeat(64) };
    expect(() => loadConfig({ ...keys, BOT_RECONNECT_MIN_MS: '5000', BOT_RECONNECT_MAX_MS: '1000' })).toThrow(
      /BOT_RECONNECT_MIN_MS: must not exceed BOT_RECONNECT_MAX_MS/,
    );
    expect(() => loadConfig({ ...keys, WECHATY_PUPPET_SERVICE_ENDPOINT: 'http://gateway' })).toThrow(/WECHATY_PUPPET_SERVICE_ENDPOINT/);
    expect(loadConfig({ ...keys, WECHATY_PUPPET_SERVICE_ENDPOINT: 'gateway.local:8788' })).toMatchObject({
      BOT_RECONNECT_MIN_MS: 1000,
      BOT_RECONNECT_MAX_MS: 300_000,
      BOT_WATCHDOG_SEC: 60,
      BOT_OFFLINE_ALERT_MIN: 10,
    });
  });
});

describe('empty values mean what the configuration table says', () => {
  const dir = fs.mkdtempSync('/tmp/cfg-empty-');
  const base = { DATA_DIR: dir, PII_KEY: 'a'.repeat(64), BLIND_INDEX_KEY: 'b'.repeat(64) };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, () => undefined);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('when BOT_QUIET_HOURS is empty, then there are no quiet hours (unset keeps 21:00-07:30)', () => {
    expect(load({ BOT_QUIET_HOURS: '' }).quietHours).toBeNull();
    expect(load({}).quietHours).toEqual({ startMin: 21 * 60, endMin: 7 * 60 + 30 });
  });

  test('when WECHAT_APPID is empty, then the local fake WeChat server is meant, and production refuses it', () => {
    expect(load({ WECHAT_APPID: '' }).WECHAT_APPID).toBe('');
    expect(() => load({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x', WECHAT_SECRET: 's', WECHAT_APPID: '', ROLES: 'api' })).toThrow(
      /WECHAT_APPID: required in production/,
    );
  });

  test('when a variable whose description gives empty a meaning is added, then it has its own test above', () => {
    expect([...EMPTY_HAS_MEANING].sort()).toEqual(['BOT_QUIET_HOURS', 'WECHAT_APPID']);
  });

  test('when any other variable is empty, then it means unset: its default, or none (MONGODB_URI= is the embedded database)', () => {
    const defaults = load({});
    for (const { key } of configRows().filter((r) => !EMPTY_HAS_MEANING.has(r.key) && !(r.key in base))) {
      expect([key, load({ [key]: '' })[key as keyof typeof defaults]]).toEqual([key, defaults[key as keyof typeof defaults]]);
    }
    expect(load({ MONGODB_URI: '' }).MONGODB_URI).toBeUndefined();
  });

  test('when .env.example is used as it is, then every variable has its default', () => {
    const env = Object.fromEntries(
      envExample()
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const fromExample = loadConfig({ ...env, ...base }, () => undefined);
    const defaults = load({});
    for (const { key } of configRows()) expect([key, fromExample[key as keyof typeof defaults]]).toEqual([key, defaults[key as keyof typeof defaults]]);
  });
});
