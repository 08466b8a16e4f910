/** The static parts of the shell that WeChat reads: project file, app.json, and the large-type styles. */
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { MP_ROOT } from './helpers/wx-mock';

const read = (file: string) => fs.readFileSync(path.join(MP_ROOT, file), 'utf8');

/** The rpx value of `property` in the rule whose selector list is exactly `selector`. */
function rpx(css: string, selector: string, property: string): number {
  const rules = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^}]*)\}/g)];
  const rule = rules.find((r) =>
    r[1]!
      .split(',')
      .map((s) => s.trim())
      .includes(selector),
  );
  const value = rule && new RegExp(`(?:^|;|\\s)${property}\\s*:\\s*(\\d+)rpx`).exec(rule[2]!);
  if (!value) throw new Error(`no ${property} in rpx for ${selector}`);
  return Number(value[1]);
}

describe('project files', () => {
  test('when WeChat DevTools opens the repo, then project.config.json points at miniprogram/ with the TypeScript plugin', () => {
    const config = JSON.parse(fs.readFileSync(path.join(MP_ROOT, '..', 'project.config.json'), 'utf8'));

    expect(config).toMatchObject({
      appid: 'touristappid',
      compileType: 'miniprogram',
      miniprogramRoot: 'miniprogram/',
      srcMiniprogramRoot: 'miniprogram/',
      setting: { useCompilerPlugins: ['typescript'] },
    });
    expect(config.libVersion).toMatch(/^3\.\d+\.\d+$/);
  });

  test('when the app starts, then app.json registers home, me and privacy, with a tab bar 首页 / 健康知识 / 我的 with icons', () => {
    const app = JSON.parse(read('app.json'));

    // home first (the launch page); feature pages follow
    expect(app.pages.slice(0, 2)).toEqual(['pages/home/index', 'pages/me/index']);
    expect(app.pages).toEqual(expect.arrayContaining(['pages/privacy/index', 'pages/profile/index']));
    expect(app.tabBar.list).toEqual([
      { pagePath: 'pages/home/index', text: '首页', iconPath: 'images/tab-home.png', selectedIconPath: 'images/tab-home-on.png' },
      { pagePath: 'pages/content/index', text: '健康知识', iconPath: 'images/tab-content.png', selectedIconPath: 'images/tab-content-on.png' },
      { pagePath: 'pages/me/index', text: '我的', iconPath: 'images/tab-me.png', selectedIconPath: 'images/tab-me-on.png' },
    ]);
  });

  test('when the tab icons are read, then each is an 81 × 81 PNG under 40 KB with a visible shape, the selected one in the theme blue', () => {
    const app = JSON.parse(read('app.json')) as { tabBar: { list: { iconPath: string; selectedIconPath: string }[] } };
    for (const tab of app.tabBar.list) {
      for (const [file, blue] of [
        [tab.iconPath, false],
        [tab.selectedIconPath, true],
      ] as const) {
        const bytes = fs.readFileSync(path.join(MP_ROOT, file));
        expect(bytes.length).toBeLessThan(40 * 1024);
        const png = PNG.sync.read(bytes);
        expect([png.width, png.height]).toEqual([81, 81]);
        let opaque = 0;
        let blueish = 0;
        for (let i = 0; i < png.data.length; i += 4) {
          if (png.data[i + 3]! > 200) {
            opaque += 1;
            if (png.data[i + 2]! > png.data[i]! + 60) blueish += 1;
          }
        }
        // a shape, not an empty or a filled square
        expect(opaque).toBeGreaterThan(81 * 81 * 0.2);
        expect(opaque).toBeLessThan(81 * 81 * 0.8);
        expect(blueish > 0).toBe(blue);
      }
    }
  });

  test('when any page is read, then no button is size="mini" and no style sets text under 36rpx', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (/\.(wxml|wxss)$/.test(e.name)) files.push(path.join(dir, e.name));
      }
    };
    walk(MP_ROOT);
    const mini = files.filter((f) => f.endsWith('.wxml') && /size=["']mini["']/.test(fs.readFileSync(f, 'utf8')));
    expect(mini).toEqual([]);
    const small = files
      .filter((f) => f.endsWith('.wxss'))
      .flatMap((f) =>
        [...fs.readFileSync(f, 'utf8').matchAll(/font-size:\s*(\d+)rpx/g)].filter((m) => Number(m[1]) < 36).map((m) => `${path.relative(MP_ROOT, f)}: ${m[0]}`),
      );
    expect(small).toEqual([]);
  });

  test.each(['home', 'me', 'profile', 'privacy', 'cleft', 'insurance', 'quiz', 'quiz-answer', 'quiz-result', 'quiz-rank', 'quiz-cert'])(
    'when %s is used as a Component page, then its four files exist and its json has usingComponents',
    (name) => {
      for (const ext of ['ts', 'wxml', 'wxss', 'json']) {
        expect(fs.existsSync(path.join(MP_ROOT, 'pages', name, `index.${ext}`))).toBe(true);
      }
      expect(JSON.parse(read(`pages/${name}/index.json`)).usingComponents).toEqual({});
      expect(read(`pages/${name}/index.wxml`)).toMatch(/^<view class="page \{\{elder \? 'elder' : ''\}\}">/);
    },
  );
});

describe('large type', () => {
  const css = read('app.wxss');

  test('when elderly mode is off, then body text is at least 34rpx, headings 48rpx and buttons 100rpx tall', () => {
    expect(rpx(css, '.page', 'font-size')).toBeGreaterThanOrEqual(34);
    expect(rpx(css, '.title', 'font-size')).toBeGreaterThanOrEqual(48);
    expect(rpx(css, '.section-title', 'font-size')).toBeGreaterThanOrEqual(48);
    expect(rpx(css, "button.btn:not([size='mini'])", 'min-height')).toBeGreaterThanOrEqual(100);
  });

  test('when elderly mode is on, then body text is at least 40rpx, headings 48rpx and buttons 110rpx tall', () => {
    expect(rpx(css, '.elder', 'font-size')).toBeGreaterThanOrEqual(40);
    expect(rpx(css, '.elder .title', 'font-size')).toBeGreaterThanOrEqual(48);
    expect(rpx(css, '.elder .section-title', 'font-size')).toBeGreaterThanOrEqual(48);
    expect(rpx(css, ".elder button.btn:not([size='mini'])", 'min-height')).toBeGreaterThanOrEqual(110);
    expect(rpx(css, '.elder .field', 'height')).toBeGreaterThanOrEqual(110);
  });
});
