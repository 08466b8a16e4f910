/** npm run staff:create -- --username U --password P --role district_admin --area 370303 [--name 显示名] [--wechat wxid] */
import { STAFF_ROLES, type StaffRole } from '../src/access';
import { createStaff } from '../src/modules/staff';
import { flag, withRuntime } from './cli';

const args = process.argv.slice(2);
const username = flag(args, 'username');
const password = flag(args, 'password');
const role = flag(args, 'role') as StaffRole | undefined;
const areaCode = flag(args, 'area');
if (!username || !password || !role || !areaCode || !STAFF_ROLES.includes(role) || password.length < 10) {
  console.error(`usage: npm run staff:create -- --username U --password P(≥10 chars) --role ${STAFF_ROLES.join('|')} --area CODE`);
  process.exit(2);
}

withRuntime(async ({ app }) => {
  const s = await createStaff(app, { username, password, role, areaCode, displayName: flag(args, 'name'), wechatId: flag(args, 'wechat') });
  console.log(`created ${s.role} ${s.username} for ${s.areaCode} (id ${s.id})`);
}).catch((err) => {
  console.error(err.message);
  process.exit(1);
});
