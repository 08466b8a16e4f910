import { Writable } from 'node:stream';
import { createLogger, requestContext } from '../../src/logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  };
}

describe('logger', () => {
  test('when secrets and personal data are logged, then they are redacted, and the request id is attached', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    requestContext.run({ requestId: 'req-12345678' }, () => {
      logger.info({ token: 't0k3n', phone: '13812345678', user: { password: 'pw', idCard: '370303199001011234' }, event: 'x' }, 'hello');
    });
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      reqId: 'req-12345678',
      token: '[redacted]',
      phone: '[redacted]',
      user: { password: '[redacted]', idCard: '[redacted]' },
      event: 'x',
    });
    expect(lines[0]).not.toMatch(/t0k3n|13812345678|370303199001011234/);
  });
});
