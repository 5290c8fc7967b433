/**
 * corkPerTurn (src/mqtt/cork-per-turn.ts) on a real TCP connection on 127.0.0.1: what a turn
 * writes in many ticks leaves in one system call, in order, and nothing is held past the turn.
 */
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { corkPerTurn } from '../../../src/mqtt/cork-per-turn.js';

/** A connected pair: the server's socket (the broker's side) and a client that collects what arrives. */
async function pair(t: Test) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = new Socket();
  client.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = await accepted;
  let received = '';
  client.on('data', (d: Buffer) => (received += d.toString()));
  t.teardown(() => {
    client.destroy();
    socket.destroy();
    server.close();
  });
  // The stream's own calls into the socket's handle: one per system call's worth of data.
  const calls = { count: 0 };
  const s = socket as unknown as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
  for (const name of ['_write', '_writev'] as const) {
    const original = s[name].bind(socket);
    s[name] = (...a: unknown[]) => (calls.count++, original(...a));
  }
  return { socket, calls, received: () => received };
}

/** Writes `n` packets in one turn, each after a tick of its own (as aedes delivers publishes). */
async function writeAcrossTicks(socket: Socket, n: number): Promise<string> {
  let expected = '';
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    await new Promise<void>((r) => process.nextTick(r));
    const packet = `p${i};`;
    expected += packet;
    socket.write(packet);
  }
  return expected;
}

const afterTurn = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

t.test('a turn written in 50 ticks leaves in one write, in order', async (t) => {
  const { socket, calls, received } = await pair(t);
  corkPerTurn(socket);
  const expected = await writeAcrossTicks(socket, 50);
  await afterTurn();
  t.equal(calls.count, 1, 'one write to the socket for the turn');
  const deadline = Date.now() + 30_000;
  while (received() !== expected && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  t.equal(received(), expected, 'every packet arrived, in the order written');
});

t.test('without it, the same turn takes a write per tick (what it saves)', async (t) => {
  const { socket, calls } = await pair(t);
  await writeAcrossTicks(socket, 50);
  await afterTurn();
  t.ok(calls.count > 10, `${calls.count} writes`);
});

t.test('the next turn is corked again, and a socket closed in a corked turn is left alone', async (t) => {
  const { socket, calls } = await pair(t);
  corkPerTurn(socket);
  await writeAcrossTicks(socket, 5);
  await afterTurn();
  await writeAcrossTicks(socket, 5);
  await afterTurn();
  t.equal(calls.count, 2, 'one write per turn');
  socket.write('last;');
  socket.destroy();
  await afterTurn();
  t.ok(socket.destroyed, 'closed without an error from the uncork');
});
