/**
 * Our FerretDB build pushes top-level equality filters down to SQLite (scripts/ferretdb/*.patch). A pushdown may
 * only narrow the rows the server reads, never the answer: every query here has its answer computed in the test
 * from the documents it inserted, and runs on whatever server the suite uses (the patched FerretDB by default).
 * The explain checks run only on FerretDB with SQLite, where they fail when a lookup stops using its index.
 */
import crypto from 'node:crypto';
import { MongoClient, ObjectId, type Collection, type Db, type Document, type Filter } from 'mongodb';

type Doc = Document & { _id: string | ObjectId };

const oid1 = new ObjectId('65a1b2c3d4e5f60718293a4b');
const oid2 = new ObjectId('65a1b2c3d4e5f60718293a4c');
const oidA = new ObjectId('65a1b2c3d4e5f60718293a01');
const oidB = new ObjectId('65a1b2c3d4e5f60718293a02');

const DOCS: Doc[] = [
  { _id: 'a', name: 'alice', tags: ['x', 'y'], kind: 'k1', ref: oid1, n: 1 },
  { _id: 'b', name: 'bob', tags: 'x', kind: 'k2', ref: oid2, n: 2 },
  { _id: oidA, name: '[', kind: 'k1', n: 3 },
  { _id: oidB, name: '\\', kind: 'k1' },
  { _id: 'c', name: '张三', kind: 'k2', tags: [] },
  { _id: 'd', name: 'quote"inside', kind: 'k3' },
  { _id: 'e', name: '<tag>&amp;', kind: 'k3' },
  { _id: 'f', name: 'line\u2028sep' },
  { _id: 'g', name: ['alice', 'carol'], kind: 'k1' },
  { _id: 'h', name: { first: 'alice' } },
  { _id: 'i', name: null },
  { _id: 'j' },
  { _id: 'k', name: 'alice', kind: 'k2', ref: oid1, n: 1 },
  { _id: 'l', name: oid1, kind: 'k1' },
  { _id: 'm', name: oid1.toHexString() },
  { _id: 'n', name: [{ first: 'alice' }] },
  { _id: 'o', name: 'Alice' },
  { _id: 'p', name: 'alice ' },
  { _id: 'q', name: '' },
  { _id: 'r', name: '[abc' },
  { _id: 's', name: 5 },
  { _id: 't', name: true },
  { _id: 'u', kind: 'k1', dotted: { inner: 'alice' } },
  { _id: 'v', name: 'tab\tnewline\n' },
  { _id: 'w', name: '😀 表情' },
  { _id: 'x', name: ']' },
  { _id: 'y', name: ['[', '\\'] },
  { _id: 'z', name: "it's", kind: "k'1" },
  { _id: 'aa', refs: [oid1, oid2], tags: ['q"t', '\\', '张三', 'x y'] },
  { _id: 'ab', refs: [oid2.toHexString()], tags: [{ a: 1 }, '{"a":1}x'] },
  { _id: 'ac', areaPath: ['370303', '370303-JD-MS', '370303-JD-MS-va'] },
  { _id: 'ad', areaPath: ['370303', '370303-JD-MS'] },
  { _id: 'ae', areaPath: ['370303', '370303-Z-ND', '370303-Z-ND-vc'] },
];

const ids = (...xs: Array<string | ObjectId>): string[] => xs.map(String).sort();
const idsOf = (docs: Doc[]): string[] => docs.map((d) => String(d._id)).sort();
const all = DOCS.map((d) => String(d._id));
const except = (...xs: string[]): string[] => all.filter((x) => !xs.includes(x)).sort();

/** Each filter with the ids of the documents it must match, worked out by hand from DOCS. */
const FINDS: Array<[string, Filter<Doc>, string[]]> = [
  ['string equality matches the value and arrays holding it', { name: 'alice' }, ids('a', 'g', 'k')],
  ['$eq is the same as plain equality', { name: { $eq: 'alice' } }, ids('a', 'g', 'k')],
  ['_id string', { _id: 'a' }, ids('a')],
  ['_id ObjectId', { _id: oidA }, ids(oidA)],
  ['_id $eq', { _id: { $eq: 'b' } }, ids('b')],
  ['_id absent', { _id: 'zz' }, []],
  ['the value "[" (lower edge of the array range)', { name: '[' }, ids(oidA, 'y')],
  ['the value "\\" (upper edge of the array range)', { name: '\\' }, ids(oidB, 'y')],
  ['the value "]"', { name: ']' }, ids('x')],
  ['a string starting with "["', { name: '[abc' }, ids('r')],
  ['Chinese text', { name: '张三' }, ids('c')],
  ['a double quote', { name: 'quote"inside' }, ids('d')],
  ['a single quote in value and in a second field', { name: "it's", kind: "k'1" }, ids('z')],
  ['HTML characters', { name: '<tag>&amp;' }, ids('e')],
  ['a line separator', { name: 'line\u2028sep' }, ids('f')],
  ['tab and newline', { name: 'tab\tnewline\n' }, ids('v')],
  ['emoji', { name: '😀 表情' }, ids('w')],
  ['case matters', { name: 'Alice' }, ids('o')],
  ['trailing space matters', { name: 'alice ' }, ids('p')],
  ['empty string', { name: '' }, ids('q')],
  ['an ObjectId does not match its hex string', { name: oid1 }, ids('l')],
  ['a hex string does not match the ObjectId', { name: oid1.toHexString() }, ids('m')],
  ['ObjectId field', { ref: oid1 }, ids('a', 'k')],
  ['array field holding the value', { tags: 'x' }, ids('a', 'b')],
  ['array field, second element', { tags: 'y' }, ids('a')],
  ['two pushed-down fields', { name: 'alice', kind: 'k2' }, ids('k')],
  ['two pushed-down fields, array side', { name: 'alice', kind: 'k1' }, ids('a', 'g')],
  ['equality with a number left to the handler', { name: 'alice', n: 1 }, ids('a', 'k')],
  ['$in', { name: { $in: ['alice', 'bob'] } }, ids('a', 'b', 'g', 'k')],
  ['$ne', { name: { $ne: 'alice' } }, except('a', 'g', 'k')],
  ['$eq with a second operator', { name: { $eq: 'alice', $ne: 'bob' } }, ids('a', 'g', 'k')],
  ['$or', { $or: [{ name: 'alice' }, { kind: 'k3' }] }, ids('a', 'd', 'e', 'g', 'k')],
  ['equality beside $or', { name: 'alice', $or: [{ kind: 'k2' }, { n: 1 }] }, ids('a', 'k')],
  ['$and of equalities', { $and: [{ name: 'alice' }, { kind: 'k2' }] }, ids('k')],
  ['a dotted path', { 'dotted.inner': 'alice' }, ids('u')],
  ['null matches null and missing', { name: null }, ids('i', 'j', 'u', 'aa', 'ab', 'ac', 'ad', 'ae')],
  ['a number', { name: 5 }, ids('s')],
  ['a boolean', { name: true }, ids('t')],
  ['a whole document', { name: { first: 'alice' } }, ids('h')],
  ['a whole array', { name: ['alice', 'carol'] }, ids('g')],
  ['$exists beside equality', { kind: 'k1', name: { $exists: true } }, ids('a', oidA, oidB, 'g', 'l')],
  ['no match', { kind: { $eq: 'k9' } }, []],
  ['$regex', { name: { $regex: '^ali' } }, ids('a', 'g', 'k', 'p')],
  ['_id $in', { _id: { $in: ['a', 'b', oidA] } }, ids('a', 'b', oidA)],
  ['_id and a contradicting field', { _id: 'a', name: 'bob' }, []],
  ['array field and a string field', { kind: 'k1', tags: 'x' }, ids('a')],
  ['an ObjectId element of an array', { refs: oid2 }, ids('aa')],
  ['a hex string does not match an ObjectId element', { refs: oid2.toHexString() }, ids('ab')],
  ['an element with a double quote', { tags: 'q"t' }, ids('aa')],
  ['an element that is a backslash', { tags: '\\' }, ids('aa')],
  ['a Chinese element', { tags: '张三' }, ids('aa')],
  ['an element with a space', { tags: 'x y' }, ids('aa')],
  ["a string equal to a document element's JSON text", { tags: '{"a":1}' }, []],
  ['an area code in a path (district)', { areaPath: '370303' }, ids('ac', 'ad', 'ae')],
  ['an area code in a path (town)', { areaPath: '370303-JD-MS' }, ids('ac', 'ad')],
  ['an area code in a path (village)', { areaPath: '370303-JD-MS-va' }, ids('ac')],
  ['a prefix of an area code matches nothing', { areaPath: '370303-JD' }, []],
  ['a path element and a scalar together', { areaPath: '370303-Z-ND', tags: 'x' }, []],
  ['$in of a string and an ObjectId', { name: { $in: ['alice', oid1] } }, ids('a', 'g', 'k', 'l')],
  ['$in on array elements', { tags: { $in: ['y', 'q"t'] } }, ids('a', 'aa')],
  ['$in of one ObjectId element', { refs: { $in: [oid1] } }, ids('aa')],
  ['$in with a number left to the handler', { name: { $in: ['alice', 5] } }, ids('a', 'g', 'k', 's')],
  ['$in with null left to the handler', { name: { $in: [null, 'bob'] } }, ids('b', 'i', 'j', 'u', 'aa', 'ab', 'ac', 'ad', 'ae')],
  ['$in of nothing', { _id: { $in: [] } }, []],
  ['$in of area codes', { areaPath: { $in: ['370303-JD-MS-va', '370303-Z-ND'] } }, ids('ac', 'ae')],
  ['$in of the edge values', { name: { $in: ['[', '\\'] } }, ids(oidA, oidB, 'y')],
  ['_id $in of ObjectIds and a missing id', { _id: { $in: [oidA, oidB, 'zz'] } }, ids(oidA, oidB)],
  ['_id $in longer than is pushed down', { _id: { $in: ['a', ...Array.from({ length: 1500 }, (_, i) => `none-${i}`)] } }, ids('a')],
  ['_id $in beside a field $in', { _id: { $in: ['a', 'b', 'k'] }, name: { $in: ['alice'] } }, ids('a', 'k')],
  ['empty filter', {}, all.slice().sort()],
];

describe('FerretDB equality pushdown gives the same answers', () => {
  let client: MongoClient;
  let db: Db;
  let col: Collection<Doc>;

  beforeAll(async () => {
    client = await MongoClient.connect(process.env.TEST_MONGODB_URI!);
    db = client.db(`t_${crypto.randomBytes(6).toString('hex')}`);
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });
  beforeEach(async () => {
    col = db.collection<Doc>(`c_${crypto.randomBytes(4).toString('hex')}`);
    await col.createIndexes([
      { key: { name: 1 } },
      { key: { kind: 1, name: 1 } },
      { key: { ref: 1 } },
      { key: { tags: 1 } },
      { key: { areaPath: 1, _id: -1 } },
    ]);
    await col.insertMany(DOCS.map((d) => ({ ...d })));
  });

  test.each(FINDS)('find: %s', async (_name, filter, expected) => {
    expect(idsOf(await col.find(filter).toArray())).toEqual(expected);
    expect(await col.countDocuments(filter)).toBe(expected.length);
  });

  test('sorts and limits after an equality', async () => {
    const names = async (sort: Document, limit = 0): Promise<unknown[]> =>
      (await col.find({ kind: 'k2' }).sort(sort).limit(limit).toArray()).map((d) => d.name);
    expect(await names({ name: 1 })).toEqual(['alice', 'bob', '张三']);
    expect(await names({ name: -1 })).toEqual(['张三', 'bob', 'alice']);
    expect(await names({ name: 1 }, 2)).toEqual(['alice', 'bob']);
    expect((await col.findOne({ name: 'alice' }, { sort: { _id: -1 } }))?._id).toBe('k');
  });

  test('aggregate $match on an equality', async () => {
    const out = await col.aggregate([{ $match: { name: 'alice' } }, { $group: { _id: '$kind', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    expect(out).toEqual([
      { _id: 'k1', n: 2 },
      { _id: 'k2', n: 1 },
    ]);
  });

  test('updateMany, updateOne and findOneAndUpdate change exactly the matching documents', async () => {
    expect(await col.updateMany({ name: 'alice' }, { $set: { hit: true } })).toMatchObject({ matchedCount: 3, modifiedCount: 3 });
    expect(idsOf(await col.find({ hit: true }).toArray())).toEqual(ids('a', 'g', 'k'));
    expect(await col.updateOne({ _id: 'b' }, { $inc: { n: 5 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect((await col.findOne({ _id: 'b' }))?.n).toBe(7);
    expect(await col.updateOne({ _id: oidA }, { $set: { x: 1 } })).toMatchObject({ matchedCount: 1 });
    expect((await col.findOne({ _id: oidA }))?.x).toBe(1);
    expect(await col.updateOne({ name: '\\' }, { $set: { y: 2 } })).toMatchObject({ matchedCount: 1 });
    expect(idsOf(await col.find({ y: 2 }).toArray())).toHaveLength(1);
    const found = await col.findOneAndUpdate({ _id: 'd' }, { $set: { name: 'dora' } }, { returnDocument: 'after' });
    expect(found).toMatchObject({ _id: 'd', name: 'dora' });
    expect(idsOf(await col.find({ name: 'dora' }).toArray())).toEqual(['d']);
    expect(await col.find({ name: 'quote"inside' }).toArray()).toEqual([]);
  });

  test('replaceOne by _id and by an indexed field', async () => {
    await col.replaceOne({ _id: 'e' }, { name: 'eve', kind: 'k4' });
    expect(await col.findOne({ _id: 'e' })).toEqual({ _id: 'e', name: 'eve', kind: 'k4' });
    await col.replaceOne({ name: 'eve' }, { name: 'eva' });
    expect(await col.findOne({ name: 'eva' })).toEqual({ _id: 'e', name: 'eva' });
  });

  test('deleteMany and deleteOne remove exactly the matching documents', async () => {
    expect(await col.deleteMany({ tags: 'x' })).toMatchObject({ deletedCount: 2 });
    expect(idsOf(await col.find({}).toArray())).toEqual(except('a', 'b'));
    expect(await col.deleteOne({ _id: 'c' })).toMatchObject({ deletedCount: 1 });
    expect(await col.deleteOne({ _id: oidB })).toMatchObject({ deletedCount: 1 });
    expect(await col.deleteMany({ name: 'alice' })).toMatchObject({ deletedCount: 2 });
    expect(idsOf(await col.find({}).toArray())).toEqual(except('a', 'b', 'c', String(oidB), 'g', 'k'));
  });

  test('an upsert inserts once and then matches what it inserted', async () => {
    const first = await col.updateOne({ name: 'nobody' }, { $set: { kind: 'k9' } }, { upsert: true });
    expect(first).toMatchObject({ matchedCount: 0, upsertedCount: 1 });
    const second = await col.updateOne({ name: 'nobody' }, { $set: { kind: 'k8' } }, { upsert: true });
    expect(second).toMatchObject({ matchedCount: 1, upsertedCount: 0 });
    expect(await col.find({ name: 'nobody' }).project({ _id: 0 }).toArray()).toEqual([{ name: 'nobody', kind: 'k8' }]);
    const byId = await col.updateOne({ _id: 'new-id' }, { $set: { name: 'nid' } }, { upsert: true });
    expect(byId).toMatchObject({ upsertedCount: 1, upsertedId: 'new-id' });
    expect(await col.updateOne({ _id: 'new-id' }, { $set: { name: 'nid2' } }, { upsert: true })).toMatchObject({ matchedCount: 1, upsertedCount: 0 });
    expect(await col.countDocuments({ _id: 'new-id' })).toBe(1);
  });

  test('a unique index still decides duplicates by equality', async () => {
    const uniq = db.collection<Doc>(`u_${crypto.randomBytes(4).toString('hex')}`);
    await uniq.createIndex({ code: 1 }, { unique: true });
    await uniq.insertOne({ _id: 'u1', code: 'X' });
    await expect(uniq.insertOne({ _id: 'u2', code: 'X' })).rejects.toMatchObject({ code: 11000 });
    await uniq.insertOne({ _id: 'u3', code: 'Y' });
    // MongoDB answers E11000; FerretDB 1.24 refuses the update with a generic error. Either way nothing changes.
    await expect(uniq.updateOne({ _id: 'u3' }, { $set: { code: 'X' } })).rejects.toThrow();
    expect(idsOf(await uniq.find({ code: 'X' }).toArray())).toEqual(['u1']);
    expect(idsOf(await uniq.find({ code: 'Y' }).toArray())).toEqual(['u3']);
  });
});

const onSqliteFerret = process.env.TEST_DB_KIND === 'ferretdb' && !process.env.FERRETDB_POSTGRESQL_URL;

(onSqliteFerret ? describe : describe.skip)('FerretDB on SQLite answers equality from an index', () => {
  let client: MongoClient;
  let db: Db;
  const plan = async (filter: Document, coll = 'people'): Promise<{ pushdown: boolean; plan: string }> => {
    const out = await db.command({ explain: { find: coll, filter } });
    return { pushdown: out.filterPushdown === true, plan: (out.queryPlanner?.Plan ?? []).join('\n') };
  };

  beforeAll(async () => {
    client = await MongoClient.connect(process.env.TEST_MONGODB_URI!);
    db = client.db(`t_${crypto.randomBytes(6).toString('hex')}`);
    const people = db.collection('people');
    await people.createIndexes([
      { key: { openid: 1 }, unique: true },
      { key: { areaCode: 1, createdAt: -1 } },
      { key: { talkId: 1 } },
      { key: { areaPath: 1, _id: -1 } },
    ]);
    await people.insertMany(
      Array.from({ length: 50 }, (_, i) => ({
        openid: `o${i}`,
        areaCode: `A${i % 5}`,
        areaPath: ['A', `A${i % 5}`],
        talkId: new ObjectId(),
        createdAt: new Date(),
      })),
    );
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  test.each([
    ['_id string', { _id: 'x' }, /SEARCH \S+ USING INDEX \S+__id_/],
    ['_id ObjectId', { _id: new ObjectId() }, /SEARCH \S+ USING INDEX \S+__id_/],
    ['a unique field', { openid: 'o7' }, /SEARCH \S+ USING INDEX \S+_openid_1/],
    ['$eq on a unique field', { openid: { $eq: 'o7' } }, /SEARCH \S+ USING INDEX \S+_openid_1/],
    ['the first field of a compound index', { areaCode: 'A1' }, /SEARCH \S+ USING INDEX \S+_areaCode_1_createdAt_-1/],
    ['an ObjectId field', { talkId: new ObjectId() }, /SEARCH \S+ USING INDEX \S+_talkId_1/],
    [
      'an element of an indexed array (an area path)',
      { areaPath: 'A1' },
      /SEARCH \S+ USING INDEX \S+_areaPath_1__id_-1 \(<expr>>\? AND <expr><\?\)[\s\S]*json_each|json_each[\s\S]*SEARCH \S+ USING INDEX \S+_areaPath_1__id_-1/,
    ],
    ['_id $in', { _id: { $in: ['x', new ObjectId()] } }, /SEARCH \S+ USING INDEX \S+__id_/],
    ['$in on a unique field', { openid: { $in: ['o1', 'o2'] } }, /SEARCH \S+ USING INDEX \S+_openid_1/],
    ['an indexed field beside an unindexed condition', { openid: 'o7', createdAt: { $gt: new Date(0) } }, /SEARCH \S+ USING INDEX \S+_openid_1/],
  ])('%s', async (_name, filter, expected) => {
    const { pushdown, plan: text } = await plan(filter);
    expect(pushdown).toBe(true);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/detail=SCAN (?!json_each)/);
  });

  test('a filter with nothing to push down scans, and says so', async () => {
    const { pushdown, plan: text } = await plan({ createdAt: { $gt: new Date(0) } });
    expect(pushdown).toBe(false);
    expect(text).toMatch(/SCAN/);
  });
});
