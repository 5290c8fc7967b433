import t from 'tap';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log.js';

function capture(format: 'json' | 'pretty') {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { logger: createLogger({ level: 'info', format }, out), text: () => text };
}

t.test('passwords, tokens and Authorization headers never reach the log', async (t) => {
  const { logger, text } = capture('json');
  logger.info({ password: 'hunter2-secret', charger: { password: 'cp-secret' }, headers: { authorization: 'Basic Q1AxOnNlY3JldA==' }, token: 'tok-123' }, 'connect');
  const line = JSON.parse(text().trim()) as Record<string, any>;
  t.equal(line.password, '[redacted]');
  t.equal(line.charger.password, '[redacted]');
  t.equal(line.headers.authorization, '[redacted]');
  t.equal(line.token, '[redacted]');
  t.notMatch(text(), /hunter2|cp-secret|Q1AxOnNlY3JldA|tok-123/);
});

t.test('a child logger per charger carries its id on every line', async (t) => {
  const { logger, text } = capture('json');
  logger.child({ chargerId: 'CP1' }).info({ connectorId: 1 }, 'connector status');
  const line = JSON.parse(text().trim()) as Record<string, unknown>;
  t.equal(line.chargerId, 'CP1');
  t.equal(line.msg, 'connector status');
  t.equal(line.level, 30);
});

t.test('pretty format is one readable line per entry, still redacted', async (t) => {
  const { logger, text } = capture('pretty');
  logger.warn({ chargerId: 'CP1', password: 'hunter2-secret' }, 'wrong password');
  t.match(text(), /^\d{2}:\d{2}:\d{2}\.\d{3} WARN  wrong password {2}chargerId=CP1 password=\[redacted\]\n$/);
});
