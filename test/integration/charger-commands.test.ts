/**
 * Every OCPP command by name (issue 15): the friendly HTTP routes and the MQTT configuration and
 * trigger commands, end to end against an independent strict charger (ocpp-rpc) that records
 * what it received. Each reaches the charger as exactly the OCPP request it names, and its
 * answer comes back; what chargegate refuses never reaches the charger.
 */
import { Ajv } from 'ajv';
import t, { type Test } from 'tap';
import type { CentralAction16 } from '../../src/ocpp/v16/actions.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const COMMANDER = { username: 'operator', password: 'operator-secret-pw' };
const WHEN = '2026-06-01T10:00:00.000Z';
const PROFILE = {
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 7,
    stackLevel: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
  },
};

/** The charger's answer to each action it may be sent. */
const ANSWERS: Partial<Record<CentralAction16, unknown>> = {
  GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] },
  ChangeConfiguration: { status: 'RebootRequired' },
  TriggerMessage: { status: 'Accepted' },
  ClearCache: { status: 'Accepted' },
  DataTransfer: { status: 'Accepted', data: 'pong' },
  GetLocalListVersion: { listVersion: 4 },
  SendLocalList: { status: 'Accepted' },
  ReserveNow: { status: 'Occupied' },
  CancelReservation: { status: 'Accepted' },
  GetCompositeSchedule: { status: 'Accepted', connectorId: 1, scheduleStart: WHEN, chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }] } },
  SetChargingProfile: { status: 'Accepted' },
  ClearChargingProfile: { status: 'Unknown' },
  UpdateFirmware: {},
  GetDiagnostics: { fileName: 'diag-CP1.tar.gz' },
};

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  action: CentralAction16;
  /** What the charger must receive. */
  sent: Record<string, unknown>;
}

const CASES: Case[] = [
  { method: 'GET', path: '/configuration?key=HeartbeatInterval&key=Nope', action: 'GetConfiguration', sent: { key: ['HeartbeatInterval', 'Nope'] } },
  { method: 'GET', path: '/configuration', action: 'GetConfiguration', sent: {} },
  { method: 'PUT', path: '/configuration/HeartbeatInterval', body: { value: '300' }, action: 'ChangeConfiguration', sent: { key: 'HeartbeatInterval', value: '300' } },
  { method: 'POST', path: '/trigger', body: { message: 'StatusNotification', connectorId: 1 }, action: 'TriggerMessage', sent: { requestedMessage: 'StatusNotification', connectorId: 1 } },
  { method: 'POST', path: '/trigger', body: { message: 'Heartbeat' }, action: 'TriggerMessage', sent: { requestedMessage: 'Heartbeat' } },
  { method: 'POST', path: '/clear-cache', body: {}, action: 'ClearCache', sent: {} },
  { method: 'POST', path: '/data-transfer', body: { vendorId: 'com.example', messageId: 'ping', data: '{"a":1}' }, action: 'DataTransfer', sent: { vendorId: 'com.example', messageId: 'ping', data: '{"a":1}' } },
  { method: 'GET', path: '/local-list/version', action: 'GetLocalListVersion', sent: {} },
  {
    method: 'POST', path: '/local-list', action: 'SendLocalList',
    body: { listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'TAG9', idTagInfo: { status: 'Accepted' } }] },
    sent: { listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'TAG9', idTagInfo: { status: 'Accepted' } }] },
  },
  {
    method: 'POST', path: '/connectors/1/reserve', action: 'ReserveNow',
    body: { idTag: 'TAG1', expiryDate: '2026-06-01T12:00:00+02:00', reservationId: 42, parentIdTag: 'FLEET' },
    sent: { connectorId: 1, expiryDate: WHEN, idTag: 'TAG1', parentIdTag: 'FLEET', reservationId: 42 },
  },
  { method: 'DELETE', path: '/reservations/42', action: 'CancelReservation', sent: { reservationId: 42 } },
  { method: 'GET', path: '/connectors/0/composite-schedule?duration=3600&unit=W', action: 'GetCompositeSchedule', sent: { connectorId: 0, duration: 3600, chargingRateUnit: 'W' } },
  { method: 'POST', path: '/charging-profiles', body: PROFILE, action: 'SetChargingProfile', sent: PROFILE },
  { method: 'DELETE', path: '/charging-profiles?id=7&connectorId=1&purpose=TxDefaultProfile&stackLevel=1', action: 'ClearChargingProfile', sent: { id: 7, connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 } },
  { method: 'DELETE', path: '/charging-profiles', action: 'ClearChargingProfile', sent: {} },
  {
    method: 'POST', path: '/firmware', action: 'UpdateFirmware',
    body: { location: 'https://fw.example.com/v2.bin', retrieveDate: WHEN, retries: 3, retryInterval: 60 },
    sent: { location: 'https://fw.example.com/v2.bin', retrieveDate: WHEN, retries: 3, retryInterval: 60 },
  },
];

/** The charger answers every action in ANSWERS and records what it got. */
function recording(cp: RpcClient): [string, unknown][] {
  const received: [string, unknown][] = [];
  for (const [action, answer] of Object.entries(ANSWERS)) {
    cp.handle(action, ({ params }) => {
      received.push([action, params]);
      return answer;
    });
  }
  return received;
}

async function booted(t: Test, url: string): Promise<RpcClient> {
  const cp = await rpcCharger(t, url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  return cp;
}

t.test('the commands by name over HTTP', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      // The firmware URL goes to the charger as given (with proxy on, chargegate would fetch it
      // first: tested in firmware.test.ts).
      c.firmware = { ...c.firmware, proxy: false };
    },
  });
  const cp = await booted(t, gw.url);
  const received = recording(cp);
  const failures: unknown[] = [];
  cp.on('strictValidationFailure', (f) => failures.push(f));
  const call = (c: { method: string; path: string; body?: unknown }, token: string = TOKENS.full, charger = 'CP1') =>
    api(gw.httpUrl, `/api/chargers/${charger}${c.path}`, { token, method: c.method, ...(c.body !== undefined ? { body: c.body } : {}) });

  t.test('each reaches the charger as exactly its OCPP request, and the charger\'s answer comes back', async (t) => {
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ $id: 'openapi', components: (await api(gw.httpUrl, '/api/openapi.json')).json.components });
    const fitsSchema = ajv.getSchema('openapi#/components/schemas/OcppCommandResult')!;
    for (const c of CASES) {
      const res = await call(c);
      const what = `${c.method} ${c.path}`;
      t.equal(res.status, 200, what);
      t.ok(fitsSchema(res.json), `${what}: the answer fits the OpenAPI schema ${ajv.errorsText(fitsSchema.errors)}`);
      t.same(res.json, { action: c.action, answer: ANSWERS[c.action], answeredBy: 'charger', ...(c.action === 'ReserveNow' ? { reservationId: 42 } : {}) }, `${what}: the charger's answer`);
      t.same(received.at(-1), [c.action, c.sent], `${what}: the charger got ${c.action} as named`);
    }
    t.equal(received.length, CASES.length, 'one OCPP call per request');
  });

  t.test('GetDiagnostics: the charger uploads to chargegate, which forwards to the location given', async (t) => {
    const res = await call({ method: 'POST', path: '/diagnostics', body: { location: 'ftp://logs.example.com/up/', startTime: '2026-05-31', stopTime: WHEN, retries: 1 } });
    t.equal(res.status, 200);
    t.match(res.json, { action: 'GetDiagnostics', answer: ANSWERS.GetDiagnostics, answeredBy: 'charger', reason: /forwards it to the location given/ });
    t.match(received.at(-1), ['GetDiagnostics', { location: new RegExp(`^${gw.httpUrl}/uploads/[^/]+/$`), startTime: '2026-05-31T00:00:00.000Z', stopTime: WHEN, retries: 1 }]);
  });

  t.test('a reservation without an id gets one chosen by chargegate, and the answer says which', async (t) => {
    const res = await call({ method: 'POST', path: '/connectors/2/reserve', body: { idTag: 'TAG2', expiryDate: WHEN } });
    t.equal(res.status, 200);
    const sent = received.at(-1)![1] as Record<string, unknown>;
    t.match(sent, { connectorId: 2, idTag: 'TAG2', expiryDate: WHEN, reservationId: Number });
    t.ok((sent.reservationId as number) > 0, 'a positive id');
    t.equal(res.json.reservationId, sent.reservationId, 'the id sent is the id answered');
  });

  t.test('UpdateFirmware without a retrieveDate: now (the OCPP field is required)', async (t) => {
    const before = Date.now();
    t.equal((await call({ method: 'POST', path: '/firmware', body: { location: 'https://fw.example.com/v3.bin' } })).status, 200);
    const sent = received.at(-1)![1] as { retrieveDate: string };
    t.ok(Date.parse(sent.retrieveDate) >= before - 1000 && Date.parse(sent.retrieveDate) <= Date.now() + 1000, sent.retrieveDate);
  });

  t.test('HEAD on a route that asks the charger is 405: a HEAD sends no command', async (t) => {
    const before = received.length;
    for (const path of ['/configuration', '/local-list/version', '/connectors/1/composite-schedule?duration=60']) {
      const res = await fetch(`${gw.httpUrl}/api/chargers/CP1${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKENS.full}` } });
      t.equal(res.status, 405, `HEAD ${path}`);
    }
    t.equal(received.length, before, 'nothing reached the charger');
    const read = await fetch(`${gw.httpUrl}/api/chargers/CP1`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKENS.read}` } });
    t.equal(read.status, 200, 'HEAD still answers where GET only reads');
  });

  t.test('invalid input is a 400 saying what is wrong, and nothing is sent', async (t) => {
    const before = received.length;
    const bad: [{ method: string; path: string; body?: unknown }, RegExp][] = [
      [{ method: 'POST', path: '/trigger', body: { message: 'Bogus' } }, /"message" must be one of BootNotification/],
      [{ method: 'POST', path: '/trigger', body: { message: 'Heartbeat', connectorId: 0 } }, /connectorId/],
      [{ method: 'PUT', path: '/configuration/HeartbeatInterval', body: { value: 'x'.repeat(501) } }, /"value" must be a string of 0 to 500/],
      [{ method: 'PUT', path: '/configuration/HeartbeatInterval', body: {} }, /"value" is required/],
      [{ method: 'GET', path: `/configuration?key=${'K'.repeat(51)}` }, /parameter "key"/],
      [{ method: 'GET', path: '/connectors/1/composite-schedule' }, /parameter "duration" is required/],
      [{ method: 'POST', path: '/connectors/1/reserve', body: { idTag: 'TAG1', expiryDate: 'tomorrow' } }, /"expiryDate" must be a date/],
      [{ method: 'POST', path: '/data-transfer', body: { data: 'x' } }, /"vendorId" is required/],
      [{ method: 'POST', path: '/local-list', body: { listVersion: 1, updateType: 'Sometimes' } }, /updateType|Sometimes/],
      [{ method: 'POST', path: '/charging-profiles', body: { connectorId: 1 } }, /csChargingProfiles/],
      [{ method: 'DELETE', path: '/charging-profiles?purpose=Everything' }, /parameter "purpose" must be one of/],
      [{ method: 'DELETE', path: '/reservations/abc' }, /parameter "reservationId"/],
    ];
    for (const [c, message] of bad) {
      const res = await call(c);
      t.equal(res.status, 400, `${c.method} ${c.path}`);
      t.match(res.json?.error?.message, message, `${c.method} ${c.path}: ${res.json?.error?.message}`);
    }
    t.equal(received.length, before, 'none reached the charger');
  });

  t.test('owned keys: AuthorizationKey and SecurityProfile are answered by chargegate with the reason, never sent', async (t) => {
    const before = received.length;
    const res = await call({ method: 'PUT', path: '/configuration/AuthorizationKey', body: { value: '00112233445566778899' } });
    t.equal(res.status, 200);
    t.match(res.json, { action: 'ChangeConfiguration', answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /chargers\.list\[\]\.password/ });
    const generic = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/ChangeConfiguration', { token: TOKENS.full, body: { key: 'securityprofile', value: '2' } });
    t.match(generic.json, { answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /securityProfile/ }, 'the generic route too, whatever the case of the key');
    t.equal(received.length, before, 'the charger got neither');
    t.same((await call({ method: 'PUT', path: '/configuration/MeterValueSampleInterval', body: { value: '0' } })).json.answeredBy, 'charger', 'without a site: section the meter keys are the user\'s');
  });

  t.test('the read token, an unknown charger, an offline one', async (t) => {
    const before = received.length;
    for (const c of CASES) t.equal((await call(c, TOKENS.read)).status, 403, `read token: ${c.method} ${c.path}`);
    const unknown = await call(CASES[2]!, TOKENS.full, 'NOPE');
    t.equal(unknown.status, 404);
    t.equal(unknown.json.error.code, 'unknown_charger');
    const offline = await call({ method: 'POST', path: '/trigger', body: { message: 'Heartbeat' } }, TOKENS.full, 'CP2');
    t.equal(offline.status, 409);
    t.match(offline.json.error, { code: 'charger_offline', message: /not connected/ });
    t.equal(received.length, before, 'nothing sent');
  });

  t.test('a local list of 500 cards (over 16 KiB) is taken, by name and as OCPP', async (t) => {
    const list = Array.from({ length: 500 }, (_, i) => ({ idTag: `CARD${String(i).padStart(6, '0')}`, idTagInfo: { status: 'Accepted', expiryDate: '2027-12-31T23:59:59.000Z', parentIdTag: 'FLEET1' } }));
    const body = { listVersion: 9, updateType: 'Full', localAuthorizationList: list };
    t.ok(JSON.stringify(body).length > 40_000);
    t.equal((await call({ method: 'POST', path: '/local-list', body })).status, 200);
    t.same(received.at(-1), ['SendLocalList', body]);
    t.equal((await api(gw.httpUrl, '/api/chargers/CP1/ocpp/SendLocalList', { token: TOKENS.full, body })).status, 200);
    t.equal((await call({ method: 'POST', path: '/clear-cache', body: { pad: 'x'.repeat(20_000) } })).status, 413, 'other commands keep the 16 KiB cap');
  });

  t.test('the OpenAPI document describes each route, its parameters and the answer', async (t) => {
    const spec = (await api(gw.httpUrl, '/api/openapi.json')).json;
    for (const c of CASES) {
      const path = `/api/chargers/{chargerId}${c.path.split('?')[0]!.replace('/1/', '/{connectorId}/').replace('/0/', '/{connectorId}/').replace('/42', '/{reservationId}').replace('/HeartbeatInterval', '/{key}')}`;
      const op = spec.paths[path]?.[c.method.toLowerCase()];
      t.ok(op, `${c.method} ${path}`);
      t.equal(op?.responses[200].content['application/json'].schema.$ref, '#/components/schemas/OcppCommandResult');
    }
    t.match(spec.paths['/api/chargers/{chargerId}/configuration'].get.parameters, [{ name: 'chargerId' }, { name: 'key', in: 'query', schema: { type: 'array' } }]);
  });

  t.same(failures, [], 'everything chargegate sent passed the charger\'s own schema check');
});

t.test('the commands over MQTT: configuration and trigger by name, a local list as OCPP', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }, { ...COMMANDER, access: 'command' }] }) });
  const cp = await booted(t, gw.url);
  const received = recording(cp);
  const url = `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  const operator = await connectClient(t, url, COMMANDER);
  await operator.subscribe(['chargegate/chargers/+/+/result', 'chargegate/chargers/+/ocpp/+/result']);
  const ask = async (topic: string, payload: unknown, id: string) => {
    await operator.publish(`chargegate/chargers/${topic}/set`, typeof payload === 'string' ? payload : JSON.stringify({ ...(payload as object), id }), { qos: 1 });
    return JSON.parse((await operator.waitFor(`chargegate/chargers/${topic}/result`, (p) => typeof payload === 'string' || JSON.parse(p).id === id)).payload);
  };

  t.test('configuration/set → ChangeConfiguration, its answer on configuration/result', async (t) => {
    t.same(await ask('CP1/configuration', { key: 'HeartbeatInterval', value: 300 }, 'c1'), { command: 'configuration', result: 'accepted', reason: 'the charger answered RebootRequired', answer: { status: 'RebootRequired' }, id: 'c1' });
    t.same(received.at(-1), ['ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' }], 'a number sent as its text');
    const owned = await ask('CP1/configuration', { key: 'AuthorizationKey', value: 'aabbccddeeff00112233' }, 'c2');
    t.match(owned, { result: 'rejected', reason: /chargegate answered Rejected: chargegate owns the charger's password/, answer: { status: 'Rejected' }, id: 'c2' });
    t.equal(received.length, 1, 'the owned key never reached the charger');
    t.match(await ask('CP1/configuration', { key: 'HeartbeatInterval' }, 'c3'), { result: 'rejected', reason: /malformed payload: value must be/ });
  });

  t.test('trigger/set → TriggerMessage, as JSON or the plain message name', async (t) => {
    t.same(await ask('CP1/trigger', { message: 'MeterValues', connectorId: 1 }, 't1'), { command: 'trigger', result: 'accepted', reason: 'the charger answered Accepted', answer: { status: 'Accepted' }, id: 't1' });
    t.same(received.at(-1), ['TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }]);
    operator.received.length = 0;
    t.match(await ask('CP1/trigger', 'StatusNotification', ''), { result: 'accepted' });
    t.same(received.at(-1), ['TriggerMessage', { requestedMessage: 'StatusNotification' }]);
    const before = received.length;
    t.match(await ask('CP1/trigger', { message: 'Bogus' }, 't3'), { result: 'rejected', reason: /expected one of BootNotification/ });
    t.match(await ask('CP2/trigger', { message: 'Heartbeat' }, 't4'), { result: 'rejected', reason: /not connected/ }, 'offline');
    t.match(await ask('NOPE/trigger', { message: 'Heartbeat' }, 't5'), { result: 'rejected', reason: /unknown charger/ });
    t.equal(received.length, before, 'none sent');
  });

  t.test('a local list of 500 cards fits the OCPP topic', async (t) => {
    const list = Array.from({ length: 500 }, (_, i) => ({ idTag: `CARD${String(i).padStart(6, '0')}`, idTagInfo: { status: 'Accepted', expiryDate: '2027-12-31T23:59:59.000Z', parentIdTag: 'FLEET1' } }));
    const request = { listVersion: 9, updateType: 'Full', localAuthorizationList: list };
    t.match(await ask('CP1/ocpp/SendLocalList', request, 'l1'), { result: 'accepted', answer: { status: 'Accepted' } });
    t.same(received.at(-1), ['SendLocalList', request]);
  });

  t.test('a read user may not send them', async (t) => {
    const viewer = await connectClient(t, url, VIEWER);
    await viewer.subscribe('chargegate/chargers/CP1/+/result');
    const before = received.length;
    await viewer.publish('chargegate/chargers/CP1/configuration/set', JSON.stringify({ key: 'HeartbeatInterval', value: '60' }), { qos: 1 }).catch(() => undefined);
    await viewer.publish('chargegate/chargers/CP1/trigger/set', 'Heartbeat', { qos: 1 }).catch(() => undefined);
    // The operator's later command is answered after anything the viewer's could have caused.
    await ask('CP1/trigger', { message: 'BootNotification' }, 'after');
    t.same(received.slice(before).map(([a, p]) => [a, p]), [['TriggerMessage', { requestedMessage: 'BootNotification' }]], 'only the operator\'s reached the charger');
  });
});
