import { startupBanner, type StartupFacts } from '../../src/startup-banner';

const facts: StartupFacts = {
  roles: ['api', 'worker', 'bot'],
  database: { kind: 'ferretdb', uri: 'mongodb://127.0.0.1:40000/', dataDir: 'data/ferretdb' },
  apiUrl: 'http://localhost:3000',
  consoleServed: false,
  fakeWeChat: true,
  mockPuppet: true,
  staffAccounts: 0,
};

describe('start-up banner', () => {
  test('when a first start runs on the embedded database, then it names the database, the addresses and how to create the first staff account', () => {
    const text = startupBanner(facts);
    expect(text).toContain('database  embedded FerretDB, files in data/ferretdb (mongodb://127.0.0.1:40000/)');
    expect(text).toContain('API       http://localhost:3000/api/v1 (residents), http://localhost:3000/api/admin/v1 (staff)');
    expect(text).toContain("npm run staff:create -- --username admin --password '<your own password>' --role district_admin --area 370303");
    expect(text).toContain('local fake WeChat server');
    expect(text).not.toContain('/admin/ (staff web console)');
  });

  test('when the console is served and staff exist, then the console address is shown and the account hint is not', () => {
    const text = startupBanner({ ...facts, consoleServed: true, staffAccounts: 3 });
    expect(text).toContain('console   http://localhost:3000/admin/ (staff web console)');
    expect(text).not.toContain('staff:create');
  });

  test('when an external MongoDB is used, then its address is shown without the password', () => {
    const text = startupBanner({
      ...facts,
      roles: ['worker'],
      apiUrl: undefined,
      database: { kind: 'external', uri: 'mongodb://app:s3cret@db1:27017/?replicaSet=rs0' },
    });
    expect(text).toContain('database  MongoDB at mongodb://db1:27017/?replicaSet=rs0');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('API ');
  });
});
