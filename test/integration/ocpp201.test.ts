/**
 * OCPP 2.0.1 chargers (issue 16) against strict ocpp-rpc peers speaking ocpp2.0.1: every frame
 * chargegate sends them is checked against ocpp-rpc's own copy of the OCA 2.0.1 schemas.
 */
import t from 'tap';
import { api, TOKENS } from '../helpers/http.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { rawCharger } from '../helpers/raw.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201 } from '../helpers/rpc-charger.js';

/** CP1 as a strict 2.0.1 charger, its BootNotification accepted. */
async function booted201(t: Parameters<typeof rpcCharger201>[0], url: string) {
  const cp = await rpcCharger201(t, url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  return cp;
}

const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const T0 = '2025-06-01T10:00:00.000Z';
const energy = (wh: number, context: string, timestamp: string) => [{ timestamp, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
const event = (eventType: string, seqNo: number, extra: Record<string, unknown> = {}) => ({
  eventType,
  timestamp: T0,
  triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
  seqNo,
  transactionInfo: { transactionId: 'a1b2c3-tx-0001', ...(extra.transactionInfo as object) },
  ...extra,
});
/** Started (10.00, 4000 Wh), Updated (10.30, 7000 Wh, 3 phases at 16 A), Ended (11.00, 12000 Wh): one session of 8 kWh. */
function sessionEvents(offline = false) {
  const o = offline ? { offline: true } : {};
  return [
    event('Started', 0, { ...o, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' }, transactionInfo: { transactionId: 'a1b2c3-tx-0001', chargingState: 'Charging' }, meterValue: energy(4000, 'Transaction.Begin', T0) }),
    event('Updated', 1, {
      ...o,
      timestamp: '2025-06-01T10:30:00.000Z',
      meterValue: [
        {
          timestamp: '2025-06-01T10:30:00.000Z',
          sampledValue: [
            { value: 7, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } },
            ...['L1', 'L2', 'L3'].map((phase) => ({ value: 16, context: 'Sample.Periodic', measurand: 'Current.Import', phase, unitOfMeasure: { unit: 'A' } })),
          ],
        },
      ],
    }),
    event('Ended', 2, { ...o, timestamp: '2025-06-01T11:00:00.000Z', idToken: { idToken: 'TAG1', type: 'ISO14443' }, transactionInfo: { transactionId: 'a1b2c3-tx-0001', stoppedReason: 'EVDisconnected' }, meterValue: energy(12000, 'Transaction.End', '2025-06-01T11:00:00.000Z') }),
  ];
}

t.test('a 2.0.1-only charger boots: Accepted with the interval; the API and MQTT show it speaks 2.0.1', async (t) => {
  const viewer = { username: 'viewer', password: 'viewer-secret-pw' };
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = HTTP;
      c.mqtt = { port: 0, throttle: 0, users: [{ ...viewer, access: 'read' }] };
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, viewer);
  await mqtt.subscribe('chargegate/chargers/CP1/info');
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  const answer = await cp.call('BootNotification', boot201);
  t.match(answer, { status: 'Accepted', interval: 300, currentTime: String });
  t.match(await cp.call('Heartbeat', {}), { currentTime: String });
  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(view, { ocpp: '2.0.1', protocol: 'ocpp2.0.1', online: true, booted: true, vendor: 'EVBox', model: 'Livo', serialNumber: 'LIVO-1', firmwareVersion: '2.4.1' });
  t.match(gw.app.store.chargers.get('CP1'), { vendor: 'EVBox', model: 'Livo' }, 'stored like a 1.6 boot');
  const info = await mqtt.waitFor('chargegate/chargers/CP1/info');
  t.match(JSON.parse(info.payload), { vendor: 'EVBox', model: 'Livo', ocpp: '2.0.1' }, 'the retained info topic names the version');
});

t.test('negotiation: both offered → the config decides (default the newest); one offered → that one; none we speak → 400', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.chargers.list[1].ocpp = '1.6') });
  const both = ['ocpp1.6', 'ocpp2.0.1'];
  t.equal((await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, protocols: both })).ws.protocol, 'ocpp2.0.1', 'no ocpp key: 2.0.1');
  t.equal((await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2, protocols: both })).ws.protocol, 'ocpp1.6', 'ocpp: "1.6" in its entry');
  t.equal(gw.app.gateway.registry.get('CP2')?.protocol, 'ocpp1.6');
  const only201 = await rpcCharger201(t, gw.url, 'CP2', PASSWORDS.CP2);
  t.match(await only201.call('BootNotification', boot201), { status: 'Accepted' }, 'a 1.6-preferring entry still takes a 2.0.1-only charger');
  t.equal(gw.app.gateway.registry.get('CP2')?.protocol, 'ocpp2.0.1');
  const only16 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.match(await only16.call('BootNotification', bootPayload), { status: 'Accepted' }, 'only 1.6 → 1.6');
  t.equal(gw.app.gateway.registry.get('CP1')?.protocol, 'ocpp1.6');
  await t.rejects(rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1, { protocols: ['ocpp2.1'] }), 'an unknown version is refused at the upgrade');
});

t.test('a full session online: Started, Updated, Ended → one session with its energy, the charger\'s transactionId kept', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const cp = await booted201(t, gw.url);
  const [started, updated, ended] = sessionEvents();
  t.same(await cp.call('TransactionEvent', started), { idTokenInfo: { status: 'Accepted' } }, 'Started: the idToken is Accepted (the local list)');
  const running = gw.app.store.sessions.byReference('CP1', 'a1b2c3-tx-0001');
  t.match(running, { state: 'active', connectorId: 1, idTag: 'TAG1', meterStart: 4000, reference: 'a1b2c3-tx-0001' });
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'Charging', 'chargingState Charging is the connector\'s status');
  t.same(await cp.call('TransactionEvent', updated), {}, 'Updated: no idToken, nothing to say');
  t.same(await cp.call('TransactionEvent', ended), { idTokenInfo: { status: 'Accepted' } });
  const sessions = (await api(gw.httpUrl, '/api/sessions', { token: TOKENS.read })).json;
  t.equal(sessions.total, 1);
  t.match(sessions.sessions[0], { transactionId: running!.transactionId, reference: 'a1b2c3-tx-0001', chargerId: 'CP1', connectorId: 1, state: 'completed', meterStart: 4000, meterStop: 12000, energyWh: 8000, stopReason: 'EVDisconnected' });
  const samples = gw.app.store.meters.forTransaction(running!.transactionId);
  t.ok(samples.some((s) => s.measurand === 'Energy.Active.Import.Register' && s.value === '7' && s.unit === 'kWh'), 'the Updated reading stored in its unit (kWh)');
  t.equal(samples.filter((s) => s.measurand === 'Current.Import').length, 3, 'the phase currents are the session\'s samples');
});

t.test('the same session sent offline, replayed after a restart (same data dir): stored once', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir });
  const a = await booted201(t, first.url);
  const events = sessionEvents(true);
  await a.call('TransactionEvent', events[0]);
  await a.call('TransactionEvent', events[1]);
  // The answer to the Ended event is lost with the gateway: the charger keeps all three queued.
  await a.call('TransactionEvent', events[2]);
  await a.close({ force: true });
  await first.stop();
  const second = await startGateway(t, { dir, patch: (c) => (c.http = HTTP) });
  const b = await booted201(t, second.url);
  const ended: unknown[] = [];
  second.app.events.on('session.ended', (s) => ended.push(s));
  t.same(await b.call('TransactionEvent', events[0]), { idTokenInfo: { status: 'Accepted' } }, 'a replayed Started is answered as before');
  t.same(await b.call('TransactionEvent', events[1]), {});
  t.same(await b.call('TransactionEvent', events[2]), { idTokenInfo: { status: 'Accepted' } });
  const sessions = (await api(second.httpUrl, '/api/sessions', { token: TOKENS.read })).json;
  t.equal(sessions.total, 1, 'one session');
  t.match(sessions.sessions[0], { reference: 'a1b2c3-tx-0001', energyWh: 8000, state: 'completed' });
  const id = sessions.sessions[0].transactionId;
  t.equal(second.app.store.meters.forTransaction(id).filter((s) => s.measurand === 'Current.Import').length, 3, 'samples stored once');
  t.equal(ended.length, 0, 'no second session.ended');
});

t.test('a charger that lost chargegate after its Started: the queued events, the Started again among them, after a restart: one session', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir });
  const a = await booted201(t, first.url);
  const events = sessionEvents(true);
  await a.call('TransactionEvent', events[0]);
  await a.close({ force: true });
  await first.stop();
  // Offline, the charger queued Updated and Ended; it never saw the Started's answer, so it sends that again first.
  const second = await startGateway(t, { dir, patch: (c) => (c.http = HTTP) });
  const b = await booted201(t, second.url);
  for (const e of events) await b.call('TransactionEvent', e);
  const sessions = (await api(second.httpUrl, '/api/sessions', { token: TOKENS.read })).json;
  t.equal(sessions.total, 1, 'one session');
  t.match(sessions.sessions[0], { reference: 'a1b2c3-tx-0001', meterStart: 4000, meterStop: 12000, energyWh: 8000, state: 'completed' });
});

t.test('after a reconnect, Occupied on an EVSE whose session runs is Charging (its share kept), not Preparing', async (t) => {
  const gw = await startGateway(t);
  const first = await booted201(t, gw.url);
  await first.call('TransactionEvent', { ...sessionEvents()[0], transactionInfo: { transactionId: 'a1b2c3-tx-0001', chargingState: 'SuspendedEVSE' } });
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'SuspendedEVSE');
  await first.close({ force: true });
  const again = await booted201(t, gw.url);
  await again.call('StatusNotification', { timestamp: T0, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'Charging');
});

t.test('an Ended without an energy reading ends at the session\'s last one (here 7 kWh from its Updated): its energy is not lost', async (t) => {
  const gw = await startGateway(t);
  const cp = await booted201(t, gw.url);
  const [started, updated, ended] = sessionEvents();
  // Reading the session's stored samples is for the Ended alone: on every Updated it made each
  // event slower than the last (a charging car sends hundreds; the bench's ocpp201 part).
  const meters = gw.app.store.meters;
  const read = meters.forTransaction.bind(meters);
  let reads = 0;
  meters.forTransaction = (id) => (reads++, read(id));
  await cp.call('TransactionEvent', started);
  await cp.call('TransactionEvent', updated);
  await cp.call('TransactionEvent', { ...updated, seqNo: 2 });
  t.equal(reads, 0, 'Started and Updated do not read the session\'s samples');
  await cp.call('TransactionEvent', { ...ended, seqNo: 3, meterValue: undefined });
  t.match(gw.app.store.sessions.byReference('CP1', 'a1b2c3-tx-0001'), { state: 'completed', meterStart: 4000, meterStop: 7000, energyWh: 3000 });
});

t.test('strict: invalid 2.0.1 frames get the 2.0.1 CALLERROR and the connection stays up; unknown actions NotImplemented, unsupported ones NotSupported', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.chargers.list[0].validation = 'strict') });
  const loose = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1, { strictMode: false });
  await loose.call('BootNotification', boot201);
  const code = (p: Promise<unknown>) => p.then(() => 'answered', (e: { rpcErrorCode?: string }) => e.rpcErrorCode);
  t.equal(await code(loose.call('BootNotification', { reason: 'PowerUp' })), 'OccurrenceConstraintViolation', 'a required field missing: 2.0.1 spelling');
  t.equal(await code(loose.call('BootNotification', { ...boot201, colour: 'red' })), 'FormatViolation', 'an unknown property: FormatViolation, not FormationViolation');
  t.equal(await code(loose.call('StatusNotification', { timestamp: T0, connectorStatus: 'Sleeping', evseId: 1, connectorId: 1 })), 'PropertyConstraintViolation');
  t.equal(await code(loose.call('TransactionEvent', { ...event('Started', 0), seqNo: 'zero' })), 'TypeConstraintViolation');
  t.equal(gw.app.store.rawFrames.list().filter((f) => f.action === 'TransactionEvent').length, 1, 'the refused TransactionEvent is kept raw');
  t.equal(await code(loose.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: T0 })), 'NotImplemented', 'a 1.6 action is not a 2.0.1 one');
  t.equal(await code(loose.call('Dance', {})), 'NotImplemented');
  t.equal(await code(loose.call('NotifyDisplayMessages', { requestId: 1 })), 'NotSupported', 'known to 2.0.1, not handled yet');
  t.equal(await code(loose.call('RequestStartTransaction', { remoteStartId: 1, idToken: { idToken: 'TAG1', type: 'ISO14443' } })), 'NotSupported', 'a CSMS action from a charger');
  t.match(await loose.call('Heartbeat', {}), { currentTime: String }, 'still connected');
});

t.test('the other notifications are taken: Authorize, StatusNotification, MeterValues, NotifyReport, SecurityEvent, Firmware, Log, DataTransfer', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger, patch: (c) => (c.http = HTTP) });
  const cp = await booted201(t, gw.url);
  t.same(await cp.call('Authorize', { idToken: { idToken: 'BLOCKED1', type: 'ISO14443' } }), { idTokenInfo: { status: 'Blocked' } });
  t.same(await cp.call('Authorize', { idToken: { idToken: 'NOBODY', type: 'ISO14443' } }), { idTokenInfo: { status: 'Invalid' } });
  t.same(await cp.call('StatusNotification', { timestamp: T0, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }), {});
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'Preparing', 'Occupied without a transaction: Preparing');
  t.same(await cp.call('StatusNotification', { timestamp: T0, connectorStatus: 'Faulted', evseId: 1, connectorId: 1 }), {});
  t.match(gw.app.gateway.registry.get('CP1')?.connectors.get(1), { status: 'Faulted', errorCode: 'OtherError' });
  t.same(await cp.call('StatusNotification', { timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 2 }), {});
  t.equal(gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status, 'Available', 'connector 2 of EVSE 1 is reported on EVSE 1');
  t.match(log.entries().filter((e) => e.kind === 'translation-mapped'), [{ action: 'StatusNotification', detail: /connector 2 of EVSE 1/, msg: /OCPP 2.0.1 message not carried over whole/ }], 'logged once, with the kind that /metrics counts');
  t.same(await cp.call('MeterValues', { evseId: 1, meterValue: [{ timestamp: T0, sampledValue: [{ value: 2.5, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } }] }] }), {});
  t.match(gw.app.store.meters.recent('CP1', 1), [{ measurand: 'Power.Active.Import', value: '2500', unit: 'W' }], 'the multiplier applied');
  t.same(await cp.call('NotifyReport', { requestId: 1, generatedAt: T0, seqNo: 0, reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value: '300' }] }] }), {});
  t.same(await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: T0 }), {});
  t.same(await cp.call('FirmwareStatusNotification', { status: 'InstallRebooting', requestId: 3 }), {});
  t.same(await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: 4 }), {});
  t.same(await cp.call('DataTransfer', { vendorId: 'com.example', data: { a: 1 } }), { status: 'UnknownVendorId' });
  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(view, { firmwareStatus: 'InstallRebooting', logStatus: { status: 'Uploaded', requestId: 4 }, lastSecurityEvent: { type: 'TamperDetectionActivated' } });
});

t.test('commands reach a 2.0.1 charger in 2.0.1: the HTTP start is a RequestStartTransaction, stop a RequestStopTransaction', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  const got: { method: string; params: any }[] = [];
  for (const method of ['RequestStartTransaction', 'RequestStopTransaction', 'UnlockConnector', 'Reset', 'ChangeAvailability']) {
    cp.handle(method, ({ params }) => {
      got.push({ method, params });
      return method === 'RequestStartTransaction' ? { status: 'Accepted' } : method === 'UnlockConnector' ? { status: 'Unlocked' } : { status: 'Accepted' };
    });
  }
  await cp.call('BootNotification', boot201);
  await cp.call('StatusNotification', { timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  const start = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/start', { token: TOKENS.full, body: { idTag: 'TAG1' } });
  t.match(start, { status: 200, json: { accepted: true } });
  t.match(got[0], { method: 'RequestStartTransaction', params: { evseId: 1, idToken: { idToken: 'TAG1', type: 'ISO14443' }, remoteStartId: Number } });
  await cp.call('TransactionEvent', sessionEvents()[0]);
  t.match(await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/stop', { token: TOKENS.full, body: {} }), { status: 200, json: { accepted: true } });
  t.match(got[1], { method: 'RequestStopTransaction', params: { transactionId: 'a1b2c3-tx-0001' } }, 'chargegate\'s session id → the charger\'s transactionId');
  t.match(await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/unlock', { token: TOKENS.full, body: {} }), { status: 200, json: { accepted: true } });
  t.match(got[2], { method: 'UnlockConnector', params: { evseId: 1, connectorId: 1 } });
  t.match(await api(gw.httpUrl, '/api/chargers/CP1/reset', { token: TOKENS.full, body: { type: 'hard' } }), { status: 200, json: { accepted: true } });
  t.match(got[3], { method: 'Reset', params: { type: 'Immediate' } });
  await eventually(() => got.length === 4, 'four commands');
});

t.test('automatic setup reaches a 2.0.1 charger through the key map: GetVariables to read, SetVariables to set the meter values', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.chargers.setup = { mode: 'auto' }) });
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  const model: Record<string, string> = { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register', 'SampledDataCtrlr.TxUpdatedInterval': '300', 'SmartChargingCtrlr.ProfileStackLevel': '8', 'SmartChargingCtrlr.RateUnit': 'A,W' };
  const sets: unknown[] = [];
  const result = (d: { component: { name: string }; variable: { name: string } }, attributeStatus: string, attributeValue?: string) => ({ attributeStatus, component: d.component, variable: d.variable, ...(attributeValue !== undefined ? { attributeValue } : {}) });
  cp.handle('GetVariables', ({ params }) => ({
    getVariableResult: params.getVariableData.map((d: any) => {
      const value = model[`${d.component.name}.${d.variable.name}`];
      return value !== undefined ? result(d, 'Accepted', value) : result(d, 'UnknownVariable');
    }),
  }));
  cp.handle('SetVariables', ({ params }) => {
    for (const d of params.setVariableData) {
      sets.push([d.component.name, d.variable.name, d.attributeValue]);
      model[`${d.component.name}.${d.variable.name}`] = d.attributeValue;
    }
    return { setVariableResult: params.setVariableData.map((d: any) => result(d, 'Accepted')) };
  });
  await cp.call('BootNotification', boot201);
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
  t.same(sets, [
    ['SampledDataCtrlr', 'TxUpdatedMeasurands', 'Current.Import,Power.Active.Import,Energy.Active.Import.Register'],
    ['SampledDataCtrlr', 'TxUpdatedInterval', '60'],
  ], 'the balancer\'s measurands and interval, as 2.0.1 variables');
  t.match(gw.app.setup.view('CP1'), {
    learnt: { ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power' }, ChargeProfileMaxStackLevel: { value: '8' } },
    quirks: { wattsOnly: { value: false, source: 'learnt' }, stackLevelZeroOnly: { value: false, source: 'learnt' }, noSmartCharging: { value: false } },
  }, 'quirks learnt from the device model; a 1.6 key with no 2.0.1 variable is unknown, not a missing feature');
});
