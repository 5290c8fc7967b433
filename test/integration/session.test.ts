import t from 'tap';
import type { GatewayEvents } from '../../src/events.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

t.test('a full session: boot, status, authorize, start, meter values, stop', async (t) => {
  const clock = '2025-06-01T10:30:00.000Z';
  const gw = await startGateway(t, { now: () => new Date(clock) });
  const { app } = gw;
  const seen: { name: string; payload: unknown }[] = [];
  for (const name of ['charger.connected', 'charger.boot', 'connector.status', 'meter.values', 'session.started', 'session.ended'] as const) {
    app.events.on(name, (payload: GatewayEvents[typeof name]) => seen.push({ name, payload }));
  }
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);

  const boot = await cp.call('BootNotification', bootPayload);
  t.equal(boot.status, 'Accepted');
  t.equal(boot.interval, 300, 'the configured heartbeat interval');
  t.equal(boot.currentTime, clock, "the gateway's clock");
  t.match(app.store.chargers.get('CP1'), { vendor: 'TestVendor', model: 'TestModel', serialNumber: 'SN-1', firmwareVersion: '1.2.3' });

  t.same(await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: at(0) }), {});
  t.same(await cp.call('Authorize', { idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 12_000, timestamp: at(1) });
  t.same(start.idTagInfo, { status: 'Accepted' });
  const id: number = start.transactionId;
  t.ok(Number.isInteger(id) && id > 0, 'an integer transaction id');
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(1) });

  const sampledValue = [
    { value: '13500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
    { value: '11040', measurand: 'Power.Active.Import', unit: 'W' },
    { value: '16.1', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
    { value: '15.9', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
    { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
  ];
  t.same(await cp.call('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: at(10), sampledValue }] }), {});
  t.equal(app.gateway.registry.latestValue('CP1', 1, 'Energy.Active.Import.Register'), 13_500);
  t.equal(app.gateway.registry.latestValue('CP1', 1, 'Power.Active.Import'), 11_040);
  t.same(['L1', 'L2', 'L3'].map((p) => app.gateway.registry.latestValue('CP1', 1, 'Current.Import', p)), [16.1, 15.9, 16]);

  const transactionData = [
    { timestamp: at(1), sampledValue: [{ value: '12000', context: 'Transaction.Begin', unit: 'Wh' }] },
    { timestamp: at(20), sampledValue: [{ value: '15250', context: 'Transaction.End', unit: 'Wh' }] },
  ];
  const stop = await cp.call('StopTransaction', { transactionId: id, meterStop: 15_250, timestamp: at(20), reason: 'EVDisconnected', idTag: 'TAG1', transactionData });
  t.same(stop, { idTagInfo: { status: 'Accepted' } });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Finishing', errorCode: 'NoError', timestamp: at(20) });

  const session = app.store.sessions.get(id);
  t.match(session, {
    transactionId: id, chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', state: 'completed',
    startedAt: at(1), stoppedAt: at(20), meterStart: 12_000, meterStop: 15_250, energyWh: 3250,
    stopReason: 'EVDisconnected', stopIdTag: 'TAG1', authStatus: 'Accepted', receivedAt: clock,
  });
  t.same(app.store.sessions.list({ chargerId: 'CP1' }).map((s) => s.transactionId), [id], 'one session');

  const samples = app.store.meters.forTransaction(id).map((s) => [s.timestamp, s.measurand, s.phase ?? '-', s.value, s.unit, s.context]);
  t.same(samples, [
    [at(10), 'Energy.Active.Import.Register', '-', '13500', 'Wh', 'Sample.Periodic'],
    [at(10), 'Power.Active.Import', '-', '11040', 'W', 'Sample.Periodic'],
    [at(10), 'Current.Import', 'L1', '16.1', 'A', 'Sample.Periodic'],
    [at(10), 'Current.Import', 'L2', '15.9', 'A', 'Sample.Periodic'],
    [at(10), 'Current.Import', 'L3', '16.0', 'A', 'Sample.Periodic'],
    [at(1), 'Energy.Active.Import.Register', '-', '12000', 'Wh', 'Transaction.Begin'],
    [at(20), 'Energy.Active.Import.Register', '-', '15250', 'Wh', 'Transaction.End'],
  ]);
  t.equal(app.gateway.registry.latestValue('CP1', 1, 'Energy.Active.Import.Register'), 15_250, 'the meter reading at the stop is the latest');
  t.equal(app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'Finishing');

  t.same(seen.map((e) => e.name), [
    'charger.connected', 'charger.boot', 'connector.status', 'session.started', 'connector.status', 'meter.values', 'session.ended', 'connector.status',
  ]);
  const started = seen.find((e) => e.name === 'session.started')!.payload;
  const ended = seen.find((e) => e.name === 'session.ended')!.payload;
  t.match(started, { transactionId: id, chargerId: 'CP1', state: 'active', meterStart: 12_000 });
  t.match(ended, { transactionId: id, state: 'completed', energyWh: 3250, stopReason: 'EVDisconnected' });
});

t.test('two chargers charge at once, each with its own session', async (t) => {
  const gw = await startGateway(t);
  const [cp1, cp2] = await Promise.all([rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1), rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2)]);
  await Promise.all([cp1.call('BootNotification', bootPayload), cp2.call('BootNotification', { ...bootPayload, chargePointSerialNumber: 'SN-2' })]);
  const [s1, s2] = await Promise.all([
    cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: at(1) }),
    cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 5000, timestamp: at(1) }),
  ]);
  t.not(s1.transactionId, s2.transactionId, 'distinct transaction ids');
  t.same(gw.app.store.sessions.list({ state: 'active' }).map((s) => [s.chargerId, s.transactionId]).sort(), [['CP1', s1.transactionId], ['CP2', s2.transactionId]].sort());
  t.same([...gw.app.gateway.server.connections.keys()].sort(), ['CP1', 'CP2']);
  t.same(gw.app.gateway.registry.list().map((c) => [c.id, c.online, c.boot?.serialNumber]), [['CP1', true, 'SN-1'], ['CP2', true, 'SN-2']]);

  await Promise.all([
    cp1.call('StopTransaction', { transactionId: s1.transactionId, meterStop: 1100, timestamp: at(30) }),
    cp2.call('StopTransaction', { transactionId: s2.transactionId, meterStop: 7000, timestamp: at(31), reason: 'Local' }),
  ]);
  t.match(gw.app.store.sessions.get(s1.transactionId), { chargerId: 'CP1', energyWh: 1000, state: 'completed' });
  t.match(gw.app.store.sessions.get(s2.transactionId), { chargerId: 'CP2', energyWh: 2000, state: 'completed', stopReason: 'Local' });
});

t.test('chargegate restarts mid-session: the charger reconnects and its Stop closes the session', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir });
  // The charger keeps its URL and reconnects by itself, as a real one does.
  const cp = await rpcCharger(t, first.url, 'CP1', PASSWORDS.CP1, {
    reconnect: true,
    backoff: { initialDelay: 20, maxDelay: 100, factor: 1.5, randomisationFactor: 0 },
  });
  let connects = 0;
  cp.on('open', () => connects++);
  await cp.call('BootNotification', bootPayload);
  const before = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 500, timestamp: '2025-06-01T10:00:00Z' });

  await first.stop();
  t.notOk(first.app.gateway.server.connections.has('CP1'), 'the old gateway let go of the charger');
  const second = await startGateway(t, { dir, patch: (c) => (c.ocpp.port = first.port) });
  t.equal(second.port, first.port, 'same address');
  t.equal(second.app.gateway.registry.get('CP1')?.online, false, 'known from the store, offline until it reconnects');
  t.equal(second.app.gateway.registry.get('CP1')?.boot?.vendor, 'TestVendor', 'boot info survived');
  t.equal(second.app.store.sessions.get(before.transactionId)?.state, 'active', 'the session survived');

  // The gateway counts the charger online at the upgrade, a moment before the charger's own
  // 'open' fires: wait for both.
  await eventually(() => second.app.gateway.registry.get('CP1')?.online === true && connects > 0, 'the charger to reconnect');
  t.equal(connects, 1, 'one reconnect (the first open happened before the listener)');
  const stop = await cp.call('StopTransaction', { transactionId: before.transactionId, meterStop: 2500, timestamp: '2025-06-01T11:00:00Z', reason: 'Local', idTag: 'TAG1' });
  t.same(stop, { idTagInfo: { status: 'Accepted' } });
  t.match(second.app.store.sessions.get(before.transactionId), { state: 'completed', energyWh: 2000, stopReason: 'Local' });
  t.same(second.app.store.sessions.unmatchedStops(), [], 'matched, not kept apart');

  const after = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 2500, timestamp: '2025-06-01T12:00:00Z' });
  t.ok(after.transactionId > before.transactionId, `transaction ids keep increasing across the restart (${before.transactionId} then ${after.transactionId})`);
});
