import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { z } from 'zod';
import { parseDailyWindow } from './lib/shanghai';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const hexKey = z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)');

/** Every environment variable the service reads, described once. `.env.example` mirrors this list. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('development | test | production'),
  RESPONSE_CHECKS: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .describe("check every JSON reply against its route's response schema (a broken contract answers 500); auto = only when NODE_ENV=test"),
  ROLES: z.string().default('api,worker,bot').describe('comma list of roles this process runs: api, worker, bot'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port of the api role'),
  HOST: z.string().default('0.0.0.0').describe('HTTP bind address'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  MONGODB_URI: z.string().url().optional().describe('MongoDB URI; unset = embedded database (mongodb-memory-server, else FerretDB)'),
  DATA_DIR: z.string().default('./data').describe('where the embedded database and generated dev keys live'),
  FERRETDB_BIN: z.string().optional().describe('path of the ferretdb binary (default: our patched build in .tools/bin, then PATH)'),
  FERRETDB_POSTGRESQL_URL: z.string().optional().describe('PostgreSQL URL the embedded FerretDB stores its data in (default: its SQLite files under DATA_DIR)'),
  MONGOMS_DISABLE: bool.default('false').describe('true = never use mongodb-memory-server: without MONGODB_URI the embedded database is FerretDB'),
  PII_KEY: hexKey.optional().describe('AES-256 key for personal data, 64 hex chars; required in production'),
  PII_KEY_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,16}$/)
    .default('k1')
    .describe('id stored with each ciphertext, for key rotation'),
  PII_OLD_KEYS: z.string().default('').describe('retired keys still readable: "id:hex,id:hex"'),
  BLIND_INDEX_KEY: hexKey.optional().describe('HMAC key for exact-match lookups of encrypted fields; required in production'),
  BLIND_INDEX_OLD_KEY: hexKey
    .optional()
    .describe('the previous BLIND_INDEX_KEY while `npm run rotate-keys` rebuilds lookup indexes: lookups try both; unset it when the rotation reports done'),
  BACKUP_KEY: hexKey
    .optional()
    .describe('AES-256 key backups are encrypted with, 64 hex chars, kept apart from PII_KEY; required in production for the worker role'),
  BACKUP_DIR: z.string().default('./backups').describe('folder the nightly backup writes to (and `npm run backup` by default)'),
  BACKUP_COPY_DIR: z.string().default('').describe('second folder each nightly backup is copied to (a mounted disk or network share); unset = none'),
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).max(366).default(7).describe('nightly backups kept: the newest of each of this many days'),
  BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(4).describe('also kept: the newest of each of this many weeks'),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).max(240).default(6).describe('also kept: the newest of each of this many months'),
  BACKUP_MAX_AGE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(36)
    .describe('district admins see an alert in the console when the last good backup is older than this (or the last one failed)'),
  TOKEN_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7)
    .describe('resident session lifetime'),
  STAFF_TOKEN_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(12)
    .describe('staff session lifetime'),
  WECHAT_APPID: z.string().default('').describe('mini-program AppID; empty = local fake WeChat server'),
  WECHAT_SECRET: z.string().default('').describe('mini-program AppSecret; required in production'),
  WECHAT_API_BASE: z.string().url().optional().describe('WeChat API base URL (default https://api.weixin.qq.com, or the local fake when no AppID)'),
  WECHAT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000).describe('timeout of each WeChat API call'),
  WECHAT_SUBSCRIBE_TEMPLATES: z
    .string()
    .default('{}')
    .describe(
      'JSON map of subscribe-message template keys to WeChat template ids, e.g. {"talk_reminder":"abc…"}; unmapped keys use the key itself (fake server)',
    ),
  WECHAT_MINIPROGRAM_STATE: z.enum(['developer', 'trial', 'formal']).default('formal').describe('miniprogram_state of subscribe messages'),
  POLICY_VERSION: z.string().default('2026-11').describe('current privacy policy version residents consent to'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5).describe('staff failed logins before lockout'),
  LOGIN_LOCK_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15)
    .describe('staff lockout duration'),
  BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10240).default(64).describe('JSON body size limit'),
  TRUST_PROXY: bool.default('false').describe('trust X-Forwarded-* headers (behind a load balancer)'),
  ATTENDANCE_OPENS_BEFORE_MIN: z.coerce
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(60)
    .describe('minutes before a talk starts that staff may mark attendance and register walk-ins at the door'),
  WALKIN_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(180)
    .describe(
      'days the name and phone of a person registered at the door of a health talk (a walk-in) are kept after the day they came; the count stays for the figures',
    ),
  REFERRAL_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(365)
    .describe(
      'days personal data of withdrawn or finished cleft-lip/palate referrals, and of families taken off the care registry, is kept before scheduled jobs erase it',
    ),
  SCREENING_CONTACT_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .describe('days after an abnormal or needs-review screening result is entered within which the village worker should first contact the resident'),
  SCREENING_REFERRAL_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(180)
    .default(30)
    .describe('days after an abnormal or needs-review screening result within which the resident should be referred (or the case closed)'),
  SCREENING_ESCALATE_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .describe('days a follow-up case may stay past its due date before the town admin is told by the bot'),
  SCREENING_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(30)
    .max(3650)
    .default(1095)
    .describe(
      'days screening results and follow-up notes are kept after the case closed (or after entry when no follow-up was needed); counts stay for the figures',
    ),
  INSURANCE_RENEWAL_NOTICE_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(180)
    .default(30)
    .describe('days before a policy period ends that renewal reminders are queued'),
  CONSULT_ANSWER_WORKING_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30)
    .default(2)
    .describe('working days (Monday to Friday) an expert has to answer a question before it goes to the next expert of its topic'),
  REQUEST_ANSWER_WORKING_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30)
    .default(5)
    .describe("working days a village has to answer a resident's request before it is escalated to the town"),
  PUBLIC_BASE_URL: z.string().url().optional().describe('https address of this service as WeChat reaches it: the image content check fetches photos from here'),
  WECHAT_PUSH_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{3,32}$/)
    .optional()
    .describe('token of the mini-program message push (plain-text JSON mode); unset = content-check results are not accepted'),
  WECHATY_PUPPET: z
    .string()
    .default('wechaty-puppet-mock')
    .describe(
      'Wechaty puppet module of the bot role: wechaty-puppet-service (with a token), wechaty-puppet-wechat4u; wechaty-puppet-mock = offline mock, logged in as a mock account (refused in production)',
    ),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional().describe('token of wechaty-puppet-service (PadLocal / WorkPro)'),
  WECHATY_PUPPET_SERVICE_ENDPOINT: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/)
    .optional()
    .describe('host:port of a wechaty-puppet-service server (a self-hosted gateway); unset = found from the token'),
  WECHATY_NAME: z
    .string()
    .regex(/^[\w.-]{1,40}$/)
    .default('zdhealth-bot')
    .describe('bot name: the login is kept in <name>.memory-card.json and this names the account in the send ledger'),
  BOT_GAP_MIN_MS: z.coerce.number().int().min(0).max(600_000).default(4000).describe('rate governor: minimum gap between two bot sends'),
  BOT_GAP_MAX_MS: z.coerce.number().int().min(0).max(600_000).default(9000).describe('rate governor: maximum gap (the gap is random between min and max)'),
  BOT_HOURLY_CAP: z.coerce.number().int().min(1).max(100_000).default(200).describe('rate governor: most sends in any rolling hour'),
  BOT_DAILY_CAP: z.coerce.number().int().min(1).max(1_000_000).default(1200).describe('rate governor: most sends per Asia/Shanghai calendar day'),
  BOT_QUIET_HOURS: z
    .string()
    .regex(/^(\d{2}:\d{2}-\d{2}:\d{2})?$/)
    .default('21:00-07:30')
    .describe('no bot sends in this Asia/Shanghai window (HH:MM-HH:MM, may wrap midnight; empty = none); items wait'),
  BOT_KEYWORD_COOLDOWN_SEC: z.coerce.number().int().min(0).max(86_400).default(300).describe('per-room cool-down of a keyword reply'),
  BOT_SEND_CARDS: bool.default('false').describe('the puppet can send mini-program cards (pad/WorkPro); false = text with a link'),
  BOT_MINIPROGRAM_USERNAME: z.string().default('').describe('gh_ id of the mini-program, for cards'),
  BOT_WATCHDOG_SEC: z.coerce.number().int().min(1).max(3600).default(60).describe('the puppet is reconnected when it sends no heartbeat for this long'),
  BOT_RECONNECT_MIN_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .default(1000)
    .describe('first reconnect delay after the bot loses its puppet; doubles each try, with jitter'),
  BOT_RECONNECT_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(300_000).describe('longest delay between two reconnect tries'),
  BOT_OFFLINE_ALERT_MIN: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(10)
    .describe('a bot offline this long alerts the district admins (console banner, error log)'),
  BOT_DELIVERY_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000).describe('how often the bot looks for due group messages'),
  TALKS_FAST_LANE: bool
    .default('true')
    .describe('a sign-up on a calm session (nobody waiting, seats left) takes its seat without the talk lease; off: every sign-up goes through the batch walk'),
  SCHEDULER_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(60_000)
    .describe('length of a scheduler leader lease slot; a dead leader is replaced within one slot'),
  SCHEDULER_GRACE_MIN: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(120)
    .describe('missed campaign occurrences younger than this are fired on start; older ones are recorded as skipped'),
});

export type Config = Readonly<z.infer<typeof configSchema>> & {
  readonly piiKey: Buffer;
  readonly blindIndexKey: Buffer;
  /** BLIND_INDEX_OLD_KEY, while lookup indexes are rebuilt under the new key. */
  readonly oldBlindIndexKey: Buffer | null;
  readonly backupKey: Buffer;
  readonly oldPiiKeys: ReadonlyMap<string, Buffer>;
  readonly roles: ReadonlySet<'api' | 'worker' | 'bot'>;
  readonly subscribeTemplates: Readonly<Record<string, string>>;
  /** BOT_QUIET_HOURS as minutes of the Asia/Shanghai day, or null for none. */
  readonly quietHours: { startMin: number; endMin: number } | null;
};

export class ConfigError extends Error {}

function devKey(dataDir: string, name: string, warn: (msg: string) => void): Buffer {
  const file = path.join(dataDir, `${name}.key`);
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  warn(`${name} not set: generated a development key in ${file}. Set it explicitly in production.`);
  return key;
}

function parseOldKeys(spec: string): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [id, hex] = part.split(':');
    if (!id || !hex || !/^[0-9a-f]{64}$/i.test(hex)) throw new ConfigError(`PII_OLD_KEYS: bad entry "${id ?? part}"`);
    map.set(id, Buffer.from(hex, 'hex'));
  }
  return map;
}

function parseQuietHours(spec: string): { startMin: number; endMin: number } | null {
  if (!spec) return null;
  const w = parseDailyWindow(spec);
  if (!w) throw new ConfigError('Invalid configuration:\n  BOT_QUIET_HOURS: times must be 00:00–23:59');
  return w.startMin === w.endMin ? null : w;
}

/**
 * Variables whose description gives an empty value a meaning of its own (`empty = none`): for them `X=` is that
 * value. Every other empty variable means unset, i.e. its default (`.env.example` writes `X=` for those).
 * The README table is generated from the same descriptions, so what it says is what an empty value does.
 */
export const EMPTY_HAS_MEANING: ReadonlySet<string> = new Set(
  Object.entries(configSchema.shape)
    .filter(([, t]) => /\bempty = /.test(t.description ?? ''))
    .map(([k]) => k),
);

/** Parse the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, warn: (msg: string) => void = console.warn): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' || EMPTY_HAS_MEANING.has(k)));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production') {
    const missing = (['PII_KEY', 'BLIND_INDEX_KEY', 'WECHAT_APPID', 'WECHAT_SECRET'] as const).filter((k) => !c[k]);
    if (!c.MONGODB_URI) missing.push('MONGODB_URI' as never);
    if (c.ROLES.includes('worker') && !c.BACKUP_KEY) missing.push('BACKUP_KEY' as never);
    if (c.ROLES.includes('bot') && c.WECHATY_PUPPET === 'wechaty-puppet-mock') missing.push('WECHATY_PUPPET' as never);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.map((k) => `  ${k}: required in production`).join('\n')}`);
  }
  let templates: Record<string, string>;
  try {
    templates = JSON.parse(c.WECHAT_SUBSCRIBE_TEMPLATES);
    if (typeof templates !== 'object' || templates === null || Object.values(templates).some((v) => typeof v !== 'string')) throw new Error();
  } catch {
    throw new ConfigError('Invalid configuration:\n  WECHAT_SUBSCRIBE_TEMPLATES: must be a JSON object of strings');
  }
  const roles = new Set(
    c.ROLES.split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  );
  for (const r of roles) if (!['api', 'worker', 'bot'].includes(r)) throw new ConfigError(`Invalid configuration:\n  ROLES: unknown role "${r}"`);
  const config: Config = {
    ...c,
    piiKey: c.PII_KEY ? Buffer.from(c.PII_KEY, 'hex') : devKey(c.DATA_DIR, 'PII_KEY', warn),
    blindIndexKey: c.BLIND_INDEX_KEY ? Buffer.from(c.BLIND_INDEX_KEY, 'hex') : devKey(c.DATA_DIR, 'BLIND_INDEX_KEY', warn),
    oldBlindIndexKey: c.BLIND_INDEX_OLD_KEY ? Buffer.from(c.BLIND_INDEX_OLD_KEY, 'hex') : null,
    backupKey: c.BACKUP_KEY ? Buffer.from(c.BACKUP_KEY, 'hex') : devKey(c.DATA_DIR, 'BACKUP_KEY', warn),
    oldPiiKeys: parseOldKeys(c.PII_OLD_KEYS),
    roles: roles as Set<'api' | 'worker' | 'bot'>,
    subscribeTemplates: Object.freeze(templates),
    quietHours: parseQuietHours(c.BOT_QUIET_HOURS),
  };
  if (c.BOT_RECONNECT_MIN_MS > c.BOT_RECONNECT_MAX_MS)
    throw new ConfigError('Invalid configuration:\n  BOT_RECONNECT_MIN_MS: must not exceed BOT_RECONNECT_MAX_MS');
  if (c.BOT_GAP_MIN_MS > c.BOT_GAP_MAX_MS) throw new ConfigError('Invalid configuration:\n  BOT_GAP_MIN_MS: must not exceed BOT_GAP_MAX_MS');
  return Object.freeze(config);
}
