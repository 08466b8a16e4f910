/** The static parts of the shell that WeChat reads: project file, app.json, and the large-type styles. */
import * as fs from 'fs';
import * as path from 'path';
import { MP_ROOT } from './helpers/wx-mock';

const read = (file: string) => fs.readFileSync(path.join(MP_ROOT, file), 'utf8');

/** The rpx value of `property` in the rule whose selector list is exactly `selector`. */
function rpx(css: string, selector: string, property: string): number {
  const rules = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^}]*)\}/g)];
  const rule = rules.find((r) => r[1]!.split(',').map((s) => s.trim()).includes(selector));
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

  test('when the app starts, then app.json registers home, me and privacy, with a text tab bar 首页 / 我的', () => {
    const app = JSON.parse(read('app.json'));

    // home first (the launch page); feature pages follow
    expect(app.pages.slice(0, 3)).toEqual(['pages/home/index', 'pages/me/index', 'pages/privacy/index']);
    expect(app.tabBar.list).toEqual([
      { pagePath: 'pages/home/index', text: '首页' },
      { pagePath: 'pages/me/index', text: '我的' },
    ]);
  });

  test.each(['home', 'me', 'privacy', 'cleft', 'insurance', 'quiz', 'quiz-answer', 'quiz-result', 'quiz-rank', 'quiz-cert'])('when %s is used as a Component page, then its four files exist and its json has usingComponents', (name) => {
    for (const ext of ['ts', 'wxml', 'wxss', 'json']) {
      expect(fs.existsSync(path.join(MP_ROOT, 'pages', name, `index.${ext}`))).toBe(true);
    }
    expect(JSON.parse(read(`pages/${name}/index.json`)).usingComponents).toEqual({});
    expect(read(`pages/${name}/index.wxml`)).toMatch(/^<view class="page \{\{elder \? 'elder' : ''\}\}">/);
  });
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
