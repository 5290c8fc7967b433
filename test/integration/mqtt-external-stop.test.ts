/**
 * chargegate stopping while its external broker is still answering the CONNECT: the socket is
 * closed by stop() (it stayed open, its DISCONNECT queued for a connection to come), and a
 * CONNACK that arrives as the gateway stops starts nothing (the mirror would read a store being
 * closed: the process died with "The database connection is not open"). The broker here is a
 * bare TCP socket that answers when the test says so.
 */
import { createServer, type Socket } from 'node:net';
import t from 'tap';
import { capturingLogger, startGateway } from '../helpers/gateway.js';

/** MQTT 5 CONNACK: session not present, reason 0 (success), no properties. */
const CONNACK_V5 = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]);

t.test('a CONNACK that arrives while the gateway stops: nothing starts, nothing crashes', async (t) => {
  let connected!: (socket: Socket) => void;
  const connect = new Promise<Socket>((resolve) => (connected = resolve));
  const server = createServer((socket) => {
    socket.once('data', (d) => {
      if (d[0] === 0x10) connected(socket); // CONNECT
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;

  const log = capturingLogger('info');
  const gw = await startGateway(t, { logger: log.logger, patch: (c) => void (c.mqtt = { url, throttle: 0 }) });
  const socket = await connect;
  socket.on('error', () => undefined); // the client may reset the connection: it is going
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const received: Buffer[] = [];
  socket.on('data', (d) => received.push(d));
  const stopping = gw.stop();
  socket.write(CONNACK_V5);
  await stopping;
  await closed; // stop() leaves no socket open; whatever the client did with the CONNACK, it has done
  t.notOk(log.entries().some((e) => e.msg === 'connected to the MQTT broker'), 'the late CONNACK is not taken as a connection');
  t.notOk(received.some((d) => (d[0]! & 0xf0) === 0x30), 'nothing published after it');
});
