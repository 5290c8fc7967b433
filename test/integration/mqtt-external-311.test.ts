/**
 * An external broker that speaks only MQTT 3.1.1 (aedes, as some embedded brokers): chargegate
 * asks for MQTT 5 (to see a retained command's flag, docs/mqtt.md), is refused with CONNACK
 * 0x01, says so once, and connects with 3.1.1; state and commands work as before, and a retained
 * command is still refused when the broker replays it.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import t from 'tap';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const CP1 = 'chargegate/chargers/CP1';

t.test('a broker without MQTT 5 gets MQTT 3.1.1 and a warning', async (t) => {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;

  const writer = await connectClient(t, url);
  // Published before chargegate connects: replayed from the retained store, with the flag.
  await writer.publish(`${CP1}/reset/set`, 'hard', { retain: true });
  await writer.subscribe([`${CP1}/reset/result`, 'chargegate/status']);

  const { logger, entries } = capturingLogger('info');
  const gw = await startGateway(t, { logger, patch: (c) => void (c.mqtt = { url, throttle: 0 }) });
  const calls: string[] = [];
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  cp.handle('Reset', ({ method }) => (calls.push(method), { status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);

  t.equal((await writer.waitFor('chargegate/status', (p) => p === 'online')).payload, 'online', 'connected over 3.1.1');
  t.match(JSON.parse((await writer.waitFor(`${CP1}/reset/result`)).payload), { result: 'rejected', reason: /retained command ignored/ });
  await writer.publish(`${CP1}/reset/set`, '{"type":"soft","id":2}');
  t.match(JSON.parse((await writer.waitFor(`${CP1}/reset/result`, (p) => p.includes('"id":2'))).payload), { result: 'accepted' });
  t.strictSame(calls, ['Reset'], 'only the command sent without the retain flag reached the charger');
  await eventually(() => entries().some((e) => /does not speak MQTT 5/.test(e.msg)), 'the warning is logged');
  t.equal(entries().filter((e) => /does not speak MQTT 5/.test(e.msg)).length, 1, 'once');
});
