/**
 * Issue 13: one client on the LAN holding many idle sockets must not starve the API. Its
 * connections over http.maxConnectionsPerAddress are closed at once, while another address is
 * still served; over http.maxConnections every address is; and slots free up when sockets close.
 * Addresses: every 127.x.y.z is this machine, so a socket bound to 127.0.0.2 is "another client".
 */
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { capturingLogger, startGateway } from '../../helpers/gateway.js';

interface Held {
  socket: Socket;
  /** Resolves true when the server closed it before answering anything. */
  closedUnanswered: Promise<boolean>;
}

/** Opens a socket from `localAddress` and sends nothing (an idle client holding a slot). */
function hold(port: number, localAddress: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    const closedUnanswered = new Promise<boolean>((r) => socket.on('close', () => r(received === '')));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closedUnanswered }));
    socket.once('error', reject);
  });
}

/** `promise`, or `otherwise` after `ms`: only a failing run waits that long. */
function within<T>(promise: Promise<T>, ms: number, otherwise: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((r) => setTimeout(() => r(otherwise), ms).unref())]);
}

/** A whole GET on its own connection from `localAddress`: the status line, or 'closed'. */
function get(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let received = '';
    socket.on('connect', () => socket.write(`GET /api/whoami HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received === '' ? 'closed' : received.split('\r\n')[0]!));
  });
}

t.test('connections over the per-address and total caps are closed; others are served', async (t) => {
  const log = capturingLogger('warn');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => (c.http = { port: 0, host: '127.0.0.1', headersTimeout: 60, requestTimeout: 60, maxConnections: 6, maxConnectionsPerAddress: 3 }),
  });
  const port = Number(new URL(gw.httpUrl).port);
  const held: Held[] = [];
  t.teardown(() => held.forEach((h) => h.socket.destroy()));

  // The attacker at 127.0.0.1 fills its three slots with idle sockets.
  for (let i = 0; i < 3; i++) held.push(await hold(port, '127.0.0.1'));
  const fourth = await hold(port, '127.0.0.1');
  t.equal(await within(fourth.closedUnanswered, 10_000, false), true, 'a fourth idle socket from the same address is closed at once');
  t.equal(await within(get(port, '127.0.0.1'), 10_000, 'still open'), 'closed', 'so is a real request from that address while its slots are held');
  t.equal(await get(port, '127.0.0.2'), 'HTTP/1.1 200 OK', 'another address is served meanwhile');

  // Two more addresses take the total to its cap of six.
  held.push(await hold(port, '127.0.0.3'), await hold(port, '127.0.0.3'), await hold(port, '127.0.0.4'));
  t.equal(await within(get(port, '127.0.0.5'), 10_000, 'still open'), 'closed', 'over http.maxConnections every new address is closed');

  // Slots are given back when sockets close.
  const freed = held.shift()!;
  freed.socket.destroy();
  await freed.closedUnanswered;
  let status = 'closed';
  // The server hears of the close an instant after the client: ask until it has (no fixed sleep).
  for (let i = 0; i < 200 && status === 'closed'; i++) status = await get(port, '127.0.0.5');
  t.equal(status, 'HTTP/1.1 200 OK', 'a freed slot serves a new client');

  const lines = log.entries().filter((e) => /HTTP connection closed/.test(String(e.msg)));
  t.ok(lines.some((e) => /maxConnectionsPerAddress \(3\)/.test(String(e.msg))), 'the log names the per-address cap');
  t.ok(lines.some((e) => /maxConnections \(6\)/.test(String(e.msg))), 'the log names the total cap');
  t.ok(lines.length <= 3 * 5, `the refusals are rate-limited in the log (${lines.length} lines)`);
});
