/**
 * The cloud upstream in transparent mode (the Local Controller of OCPP 1.6 §3.13.4): one
 * upstream connection per charger, with its own identity and credentials.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

t.test('each charger is its own charge point at the cloud; commands come back to it', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set('CLOUD-CP1', 'cloud-pw-cp1');
  cloud.passwords.set('CP2', 'cloud-pw-cp2');
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.chargers.list[0].upstream = { identity: 'CLOUD-CP1', password: 'cloud-pw-cp1' };
      c.chargers.list[0].connectors = 2;
      c.chargers.list[1].upstream = { password: 'cloud-pw-cp2' };
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'both links up');
  t.same([...cloud.clients.keys()].sort(), ['CLOUD-CP1', 'CP2'], 'one connection per charger, with its cloud identity');

  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const remote: unknown[] = [];
  cp1.handle('RemoteStartTransaction', ({ params }) => (remote.push(['start', params]), { status: 'Accepted' }));
  cp1.handle('RemoteStopTransaction', ({ params }) => (remote.push(['stop', params]), { status: 'Accepted' }));
  cp1.handle('GetConfiguration', () => ({ configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '60' }] }));
  await cp1.call('BootNotification', bootPayload);
  await cloud.waitFor((c) => c.identity === 'CLOUD-CP1' && c.action === 'BootNotification' && c.params.chargePointVendor === 'TestVendor', 'the charger\'s boot mirrored');

  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 10, timestamp: at(1) });
  await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(2), sampledValue: [{ value: '20' }] }] });
  await eventually(() => cloud.sessions.size === 1 && [...cloud.sessions.values()][0]!.meterValues === 1, 'Start and MeterValues at the cloud');
  const [cloudId, session] = [...cloud.sessions.entries()][0]!;
  t.match(session, { identity: 'CLOUD-CP1', connectorId: 1, meterStart: 10 }, 'connector numbers unchanged');

  const link = cloud.clients.get('CLOUD-CP1')!;
  t.same(await link.call('GetConfiguration', {}), { configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '60' }] }, 'relayed from the charger');
  // Connector 1 charges (a remote start there is refused: gateway/remote-start.ts); connector 2 is free.
  t.same(await link.call('RemoteStartTransaction', { connectorId: 2, idTag: 'TAG1' }), { status: 'Accepted' });
  t.same(await link.call('RemoteStopTransaction', { transactionId: cloudId }), { status: 'Accepted' });
  t.same(remote, [['start', { connectorId: 2, idTag: 'TAG1' }], ['stop', { transactionId: start.transactionId }]], 'the right charger, with chargegate\'s transactionId');
  t.same(await cloud.clients.get('CP2')!.call('Reset', { type: 'Soft' }), { status: 'Rejected' }, 'CP2 is not connected: refused at once, not a timeout');

  await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 50, timestamp: at(9) });
  await eventually(() => session.meterStop === 50, 'the Stop at the cloud');
  t.same(cloud.validationFailures, [], 'everything passed ocpp-rpc\'s schema check');
});

t.test('a charger that never booted: its channel opens at its first boot, with its own identity (never "unknown")', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP2'],
    patch: (c) => {
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'CP2\'s link up');
  t.same([...cloud.clients.keys()], ['CP2'], 'CP1 has no channel yet: the cloud would learn nothing true of it');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.match(await cp1.call('BootNotification', { ...bootPayload, chargePointVendor: 'RealVendor', chargePointModel: 'RealModel' }), { status: 'Accepted' });
  const boot = await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'CP1\'s channel to boot');
  t.match(boot.params, { chargePointVendor: 'RealVendor', chargePointModel: 'RealModel', chargePointSerialNumber: 'SN-1', firmwareVersion: '1.2.3' });
  await eventually(() => gw.app.upstream!.online(), 'both links up');
  t.notOk(cloud.calls.some((c) => c.action === 'BootNotification' && c.params.chargePointVendor === 'unknown'), 'never "unknown"');
  t.same(cloud.validationFailures, []);
});
