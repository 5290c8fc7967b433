import t from 'tap';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger, refusedUpgrade } from '../helpers/raw.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

t.test('a second connection with the same identity replaces the first', async (t) => {
  const gw = await startGateway(t);
  const events: string[] = [];
  gw.app.events.on('charger.connected', (e) => events.push(`connected ${e.chargerId}`));
  gw.app.events.on('charger.disconnected', (e) => events.push(`disconnected ${e.chargerId}: ${e.reason}`));

  const old = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  // Booted on the first connection: the replacement (no reboot) gets commands at once.
  await old.call('BootNotification', bootPayload);
  const oldClosed = new Promise<{ code: number; reason: string }>((resolve) => old.once('close', resolve));
  const oldGot: string[] = [];
  old.handle('Reset', () => {
    oldGot.push('Reset');
    return { status: 'Accepted' };
  });
  const firstConnection = gw.app.gateway.server.connections.get('CP1');

  const fresh = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const freshGot: string[] = [];
  fresh.handle('Reset', () => {
    freshGot.push('Reset');
    return { status: 'Rejected' };
  });
  t.match(await oldClosed, { code: 1000, reason: 'replaced by a new connection' }, 'the first is closed, saying why');
  await eventually(() => firstConnection?.session.isOpen === false, 'the old session to end');

  const live = gw.app.gateway.registry.get('CP1')!;
  t.equal(live.online, true, 'online through the new connection');
  t.not(live.connection, firstConnection);
  t.equal(live.connection, gw.app.gateway.server.connections.get('CP1'));
  t.equal(gw.app.gateway.server.connections.size, 1);
  t.same(await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }), { status: 'Rejected' }, 'commands go to the new one');
  t.same([oldGot, freshGot], [[], ['Reset']]);
  t.equal((await fresh.call('BootNotification', bootPayload)).status, 'Accepted', 'the new one is served');
  t.same(events, ['connected CP1', 'disconnected CP1: replaced by a new connection', 'connected CP1'], 'the old one is announced gone before the new one');

  await fresh.close();
  await eventually(() => live.online === false, 'CP1 to go offline when the new one closes');
  t.same(events.at(-1), 'disconnected CP1: ', 'its own close is reported');
});

t.test('a peer that does not answer pings is terminated; one that does stays', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.pingInterval = 1) });
  const mute = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, ws: { autoPong: false } });
  const polite = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2 });
  let pings = 0;
  mute.ws.on('ping', () => pings++);
  const closed = await mute.closed;
  t.equal(closed.code, 1006, 'terminated (no close frame)');
  t.ok(pings >= 1, 'it was pinged first');
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'CP1 to be offline');
  t.notOk(gw.app.gateway.server.connections.has('CP1'));
  // Both were pinged on the same ticks: the one that answered survived the same check.
  t.equal(polite.ws.readyState, polite.ws.OPEN, 'the peer that answers pings is still connected');
  t.equal(gw.app.gateway.registry.get('CP2')?.online, true);
});

t.test('with pingInterval 0 there are no pings', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.pingInterval = 0) });
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, ws: { autoPong: false } });
  let pings = 0;
  cp.ws.on('ping', () => pings++);
  // Three heartbeats round-trip; the socket stays open and unpinged (interval 0 is "off").
  for (const id of ['a', 'b', 'c']) await cp.call(id, 'Heartbeat', {});
  t.equal(pings, 0);
  t.equal(gw.app.gateway.server.connections.has('CP1'), true);
});

t.test('a refused connection with the same identity does not replace the charger', async (t) => {
  const gw = await startGateway(t);
  const real = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await real.call('BootNotification', bootPayload);
  real.handle('Reset', () => ({ status: 'Accepted' }));
  const connection = gw.app.gateway.server.connections.get('CP1');
  t.equal((await refusedUpgrade(gw.url, 'CP1', { password: 'guessing' })).status, 401);
  t.equal(gw.app.gateway.server.connections.get('CP1'), connection, 'the real charger keeps its connection');
  t.same(await gw.app.gateway.commands.Reset('CP1', { type: 'Soft' }), { status: 'Accepted' });
});
