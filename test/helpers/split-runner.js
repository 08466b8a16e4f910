/**
 * Jest runner for the whole run: the server, race and console files one after another in the main process
 * (they share one database server and a 2-core machine), while the jsdom mini-program files run at the same time
 * in one worker process. With --runInBand everything runs in the main process as before.
 */
const { default: TestRunner } = require('jest-runner');

const SIDE = 'miniprogram';
const isSide = (test) => test.context.config.displayName?.name === SIDE;

class SplitRunner {
  constructor(globalConfig, context) {
    this.supportsEventEmitters = true;
    this.isSerial = false;
    this.main = new TestRunner(globalConfig, context);
    this.side = new TestRunner({ ...globalConfig, maxWorkers: 1 }, context);
  }

  on(eventName, listener) {
    const off = [this.main.on(eventName, listener), this.side.on(eventName, listener)];
    return () => off.forEach((f) => f());
  }

  async runTests(tests, watcher, options) {
    const side = tests.filter(isSide);
    const main = tests.filter((t) => !isSide(t));
    if (options.serial || !side.length || !main.length) return this.main.runTests(tests, watcher, { serial: true });
    await Promise.all([this.main.runTests(main, watcher, { serial: true }), this.side.runTests(side, watcher, { serial: false })]);
  }
}

module.exports = SplitRunner;
