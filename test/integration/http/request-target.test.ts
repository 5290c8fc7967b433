/**
 * Request targets that are not plain paths ("//", "//host:port") get an answer at once: they
 * were parsed outside the error handling, so the request was never answered (the socket held
 * until the client gave up) and each logged an error. Found by `npm run fuzz`.
 */
import t from 'tap';
import { connect } from 'node:net';
import { capturingLogger, startGateway } from '../../helpers/gateway.js';

function rawGet(port: number, target: string, method = 'GET'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received || 'no answer within 2 s');
    }, 2000);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  });
}

t.test('"//" and other targets that new URL reads as a host are answered 404, not left hanging', async (t) => {
  const log = capturingLogger('error');
  const gw = await startGateway(t, { logger: log.logger });
  const port = Number(new URL(gw.httpUrl).port);
  for (const target of ['//', '//a:b', '//x/api/whoami', '//[::1']) {
    const answer = await rawGet(port, target);
    t.match(answer, /^HTTP\/1\.1 404 /, `${target} → 404`);
    t.match(answer, /"code":"not_found"/);
  }
  t.match(await rawGet(port, '/api/whoami'), /^HTTP\/1\.1 200 /, 'a plain path still works');
  t.same(log.entries().map((e) => e.msg), [], 'nothing logged as an error');
});

t.test('HEAD on the live feed is answered with its head at once (found by npm run fuzz)', async (t) => {
  const gw = await startGateway(t);
  const port = Number(new URL(gw.httpUrl).port);
  const answer = await rawGet(port, '/api/events', 'HEAD');
  t.match(answer, /^HTTP\/1\.1 200 /, 'answered, not left waiting');
  t.match(answer, /content-type: text\/event-stream/i);
  t.equal(gw.app.http.live.clientCount, 0, 'no live client kept for it');
});
