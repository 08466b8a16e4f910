import type { ProvisionedDatabase } from './db/provision';

export interface StartupFacts {
  roles: string[];
  database: Pick<ProvisionedDatabase, 'kind' | 'uri' | 'dataDir'>;
  /** Base URL of the API, when this process runs the api role. */
  apiUrl?: string;
  /** Whether GET /admin/ answered (the staff console is built and served). */
  consoleServed: boolean;
  fakeWeChat: boolean;
  mockPuppet: boolean;
  staffAccounts: number;
}

/** A URI without its user and password. */
function withoutCredentials(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//');
}

function describeDatabase(db: StartupFacts['database']): string {
  const where = db.dataDir ? `, files in ${db.dataDir}` : '';
  if (db.kind === 'ferretdb') return `embedded FerretDB${where} (${db.uri})`;
  if (db.kind === 'mongodb-memory-server') return `embedded MongoDB (mongodb-memory-server${where}) (${db.uri})`;
  return `MongoDB at ${withoutCredentials(db.uri)}`;
}

/** What a newcomer needs after `npm start`: what runs where, and the next step. Plain text for the terminal. */
export function startupBanner(f: StartupFacts): string {
  const lines = [`张店区家庭健康行动 · 数字平台 is running (${f.roles.join(', ')})`, `  database  ${describeDatabase(f.database)}`];
  if (f.apiUrl) {
    lines.push(`  API       ${f.apiUrl}/api/v1 (residents), ${f.apiUrl}/api/admin/v1 (staff); ${f.apiUrl}/api/openapi.json describes them`);
    if (f.consoleServed) lines.push(`  console   ${f.apiUrl}/admin/ (staff web console)`);
  }
  if (f.fakeWeChat) lines.push('  WeChat    local fake WeChat server (WECHAT_APPID not set)');
  if (f.roles.includes('bot') && f.mockPuppet) lines.push('  bot       offline mock puppet (set WECHATY_PUPPET to log a real account in)');
  if (f.staffAccounts === 0) {
    lines.push(
      '',
      'No staff account yet. Create the first one (a district admin) in another terminal:',
      "  npm run staff:create -- --username admin --password '<your own password>' --role district_admin --area 370303",
      '  (at least 10 characters; common passwords, such as ones printed in guides, are refused)',
    );
  }
  return `\n${lines.join('\n')}\n`;
}
