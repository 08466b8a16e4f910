import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { configRows, envExample } from '../../src/config-doc';

describe('config', () => {
  test('when .env.example is compared with the schema, then they match (npm run env:example regenerates it)', () => {
    expect(fs.readFileSync(path.join(__dirname, '../../.env.example'), 'utf8')).toBe(envExample());
  });

  test('when the README configuration table is read, then it lists every variable of the schema', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const missing = configRows().filter((r) => !readme.includes(`| \`${r.key}\` |`)).map((r) => r.key);
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
      for (const k of ['PII_KEY', 'BLIND_INDEX_KEY', 'WECHAT_APPID', 'WECHAT_SECRET', 'MONGODB_URI']) expect((err as Error).message).toContain(k);
    }
  });

  test('when development has no key, then one is generated into the data dir with a warning, and reused', () => {
    const dir = fs.mkdtempSync('/tmp/cfg-');
    const warnings: string[] = [];
    const a = loadConfig({ DATA_DIR: dir }, (m) => warnings.push(m));
    const b = loadConfig({ DATA_DIR: dir }, (m) => warnings.push(m));
    expect(a.piiKey.equals(b.piiKey)).toBe(true);
    expect(warnings).toHaveLength(2); // PII_KEY and BLIND_INDEX_KEY, once each
    expect(Object.isFrozen(a)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  test('when ROLES names an unknown role, then it is refused', () => {
    expect(() => loadConfig({ ROLES: 'api,cook', PII_KEY: 'a'.repeat(64), BLIND_INDEX_KEY: 'b'.repeat(64) })).toThrow(/ROLES/);
  });
});
