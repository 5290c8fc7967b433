/**
 * The 2.0.1 handler matrix (issue 16): every charger-initiated 2.0.1 action chargegate handles
 * (gateway/edge201/inbound.ts), one valid input and invalid ones, sent by raw ws peers (frames a
 * strict OCPP library would refuse to send) to a real gateway: CP1 `validation: strict`, CP2
 * lenient (the default). Each invalid frame gets the CALLERROR OCPP-J 2.0.1 §4.3 names, or in
 * lenient mode its repair is handled; either way the connection stays up. Then the RPC frame
 * itself: malformed JSON, an unknown message type, unknown and unsupported actions.
 */
import t, { type Test } from 'tap';
import { api, parsePrometheus } from '../helpers/http.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger, type RawCharger } from '../helpers/raw.js';
import { boot201 } from '../helpers/rpc-charger.js';

const T0 = '2025-06-01T10:00:00.000Z';
const HTTP = { port: 0, host: '127.0.0.1' };
const tag = { idToken: 'TAG1', type: 'ISO14443' };
const sampled = (sv: Record<string, unknown>) => [{ timestamp: T0, sampledValue: [{ value: 1200, measurand: 'Energy.Active.Import.Register', ...sv }] }];
/** A Started of its own transaction (tx-<seqNo>) at its own minute: two sessions on one connector at the same instant with the same meter reading are one to the store. */
const event = (seqNo: unknown, extra: Record<string, unknown> = {}) => ({ eventType: 'Started', timestamp: `2025-06-01T10:0${String(seqNo)}:00.000Z`, triggerReason: 'Authorized', seqNo, transactionInfo: { transactionId: `tx-${String(seqNo)}` }, evse: { id: 1, connectorId: 1 }, idToken: tag, ...extra });
const report = (value: string, extra: Record<string, unknown> = {}) => ({ requestId: 1, generatedAt: T0, seqNo: 0, reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ value }] }], ...extra });
const { chargingStation } = boot201;

/** What an invalid input gets: its CALLERROR code in strict mode, and in lenient mode either a CALLRESULT ('answered') or the same code. */
type Invalid = { name: string; payload: unknown; strict: string; lenient: 'answered' | string };
const MATRIX: { action: string; valid: unknown; invalid: Invalid[] }[] = [
  {
    action: 'BootNotification',
    valid: boot201,
    invalid: [
      { name: 'no chargingStation', payload: { reason: 'PowerUp' }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
      { name: 'an extra property', payload: { ...boot201, wifiStrength: -61 }, strict: 'FormatViolation', lenient: 'answered' },
      { name: 'a 33-character serialNumber', payload: { ...boot201, chargingStation: { ...chargingStation, serialNumber: 'S'.repeat(33) } }, strict: 'PropertyConstraintViolation', lenient: 'answered' },
    ],
  },
  { action: 'Heartbeat', valid: {}, invalid: [{ name: 'an extra property', payload: { beat: 1 }, strict: 'FormatViolation', lenient: 'answered' }] },
  {
    action: 'StatusNotification',
    valid: { timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 1 },
    invalid: [
      { name: 'a 1.6 status (Charging)', payload: { timestamp: T0, connectorStatus: 'Charging', evseId: 1, connectorId: 1 }, strict: 'PropertyConstraintViolation', lenient: 'answered' },
      { name: 'evseId as a word', payload: { timestamp: T0, connectorStatus: 'Available', evseId: 'one', connectorId: 1 }, strict: 'TypeConstraintViolation', lenient: 'TypeConstraintViolation' },
      { name: 'no connectorId', payload: { timestamp: T0, connectorStatus: 'Available', evseId: 1 }, strict: 'OccurrenceConstraintViolation', lenient: 'answered' },
    ],
  },
  {
    action: 'Authorize',
    valid: { idToken: tag },
    invalid: [
      { name: 'no idToken', payload: {}, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
      { name: 'an idToken type 2.0.1 does not have', payload: { idToken: { idToken: 'TAG1', type: 'RFID' } }, strict: 'PropertyConstraintViolation', lenient: 'PropertyConstraintViolation' },
    ],
  },
  {
    action: 'TransactionEvent',
    valid: event(0),
    invalid: [
      { name: 'seqNo as text', payload: event('1'), strict: 'TypeConstraintViolation', lenient: 'answered' },
      { name: 'a triggerReason 2.0.1 does not have', payload: event(2, { triggerReason: 'CarLeft' }), strict: 'PropertyConstraintViolation', lenient: 'PropertyConstraintViolation' },
      { name: 'no transactionInfo', payload: { ...event(3), transactionInfo: undefined }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
      { name: 'a sampled value that is no number', payload: event(4, { meterValue: sampled({ value: 'n/a' }) }), strict: 'TypeConstraintViolation', lenient: 'answered' },
      { name: 'a measurand 2.0.1 does not have', payload: event(5, { meterValue: [{ timestamp: T0, sampledValue: [{ value: 1200, measurand: 'Energy.Active.Import.Register' }, { value: 5, measurand: 'Energy.Magic' }] }] }), strict: 'PropertyConstraintViolation', lenient: 'answered' },
    ],
  },
  {
    action: 'MeterValues',
    valid: { evseId: 1, meterValue: sampled({}) },
    invalid: [
      { name: 'a sampled value as text', payload: { evseId: 1, meterValue: sampled({ value: '1300' }) }, strict: 'TypeConstraintViolation', lenient: 'answered' },
      { name: 'a lowercase measurand', payload: { evseId: 1, meterValue: sampled({ measurand: 'energy.active.import.register' }) }, strict: 'PropertyConstraintViolation', lenient: 'answered' },
      { name: 'no meter value', payload: { evseId: 1, meterValue: [] }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
    ],
  },
  {
    action: 'NotifyReport',
    valid: report('300'),
    invalid: [
      { name: 'a value over 2500 characters', payload: report('v'.repeat(2600)), strict: 'PropertyConstraintViolation', lenient: 'answered' },
      { name: 'no generatedAt', payload: { ...report('300'), generatedAt: undefined }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
    ],
  },
  {
    action: 'SecurityEventNotification',
    valid: { type: 'SettingSystemTime', timestamp: T0 },
    invalid: [
      { name: 'techInfo as a number', payload: { type: 'SettingSystemTime', timestamp: T0, techInfo: 42 }, strict: 'TypeConstraintViolation', lenient: 'answered' },
      { name: 'no type', payload: { timestamp: T0 }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
    ],
  },
  {
    action: 'FirmwareStatusNotification',
    valid: { status: 'Downloading', requestId: 1 },
    invalid: [{ name: 'a status 2.0.1 does not have', payload: { status: 'Flashing' }, strict: 'PropertyConstraintViolation', lenient: 'PropertyConstraintViolation' }],
  },
  {
    action: 'LogStatusNotification',
    valid: { status: 'Uploading', requestId: 2 },
    invalid: [{ name: 'a status 2.0.1 does not have', payload: { status: 'Sent' }, strict: 'PropertyConstraintViolation', lenient: 'PropertyConstraintViolation' }],
  },
  {
    action: 'DataTransfer',
    valid: { vendorId: 'com.example' },
    invalid: [
      { name: 'no vendorId', payload: { messageId: 'x' }, strict: 'OccurrenceConstraintViolation', lenient: 'OccurrenceConstraintViolation' },
      { name: 'a vendorId over 255 characters', payload: { vendorId: 'v'.repeat(300) }, strict: 'PropertyConstraintViolation', lenient: 'answered' },
    ],
  },
];

/** The answer's kind: 'answered' for a CALLRESULT, else the CALLERROR's code. */
const outcome = (frame: unknown[]) => (frame[0] === 3 ? 'answered' : String(frame[2]));

async function stillUp(t: Test, cp: RawCharger, id: string) {
  t.match(await cp.call(id, 'Heartbeat', {}), [3, id, { currentTime: String }], 'the connection is still up');
}

t.test('every handled 2.0.1 action: valid → answered; invalid → the 2.0.1 CALLERROR (strict) or repaired (lenient); the connection stays up', async (t) => {
  const log = capturingLogger('info');
  const gw = await startGateway(t, { logger: log.logger, patch: (c) => { c.http = HTTP; c.chargers.list[0].validation = 'strict'; } });
  const strict = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1, protocols: ['ocpp2.0.1'] });
  const lenient = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2, protocols: ['ocpp2.0.1'] });
  t.equal(outcome(await strict.call('boot-s', 'BootNotification', boot201)), 'answered');
  t.equal(outcome(await lenient.call('boot-l', 'BootNotification', boot201)), 'answered');
  let n = 0;
  for (const row of MATRIX) {
    for (const [name, cp] of [['strict', strict], ['lenient', lenient]] as const) {
      t.equal(outcome(await cp.call(`v${++n}`, row.action, row.valid)), 'answered', `${name}: a valid ${row.action} is answered`);
    }
    for (const bad of row.invalid) {
      const s = await strict.call(`s${++n}`, row.action, bad.payload);
      t.equal(outcome(s), bad.strict, `strict: ${row.action} with ${bad.name} → ${bad.strict}`);
      const l = await lenient.call(`l${n}`, row.action, bad.payload);
      t.equal(outcome(l), bad.lenient, `lenient: ${row.action} with ${bad.name} → ${bad.lenient}`);
    }
    await stillUp(t, strict, `up-s-${row.action}`);
    await stillUp(t, lenient, `up-l-${row.action}`);
  }

  // What the lenient repairs stored (the strict charger's refusals stored nothing of theirs).
  const store = gw.app.store;
  t.equal(store.chargers.get('CP2')?.serialNumber, 'S'.repeat(33), 'the long serial number kept whole');
  t.same(store.sessions.list({ chargerId: 'CP2' }).map((s) => s.reference).sort(), ['tx-0', 'tx-1', 'tx-4', 'tx-5'], 'seqNo "1" opened its session; so did the events with a bad meter value, without it');
  t.same(store.sessions.list({ chargerId: 'CP1' }).map((s) => s.reference), ['tx-0'], 'strict: only the valid one');
  t.ok(store.meters.recent('CP2', 1).some((m) => m.value === '1300'), 'the sampled value sent as text stored');
  const raw = store.rawFrames.list().filter((f) => f.action === 'TransactionEvent');
  t.same(
    raw.map((f) => [f.chargerId, f.outcome]).sort(),
    [...Array(5).fill(['CP1', 'refused']), ['CP2', 'refused'], ['CP2', 'refused'], ['CP2', 'repaired'], ['CP2', 'salvaged']].sort(),
    'every refused TransactionEvent is kept raw, in both modes, and so is one a repair or salvage took something from',
  );

  // Counted in /metrics, logged once per charger and kind, named for 2.0.1.
  const m = parsePrometheus((await api(gw.httpUrl, '/metrics')).text);
  const counted = (kind: string) => m.get(`chargegate_ocpp_leniencies_total{charger="CP2",kind="${kind}"}`);
  t.equal(counted('long-string'), 3, 'serialNumber, the report value, the vendorId');
  t.equal(counted('number-string'), 2, 'seqNo and the sampled value');
  t.equal(counted('enum-mapped'), 2, 'the 1.6 status and the lowercase measurand');
  t.equal(counted('unknown-property'), 2);
  t.equal(counted('filled-in'), 1);
  t.equal(counted('salvaged'), 1, 'the TransactionEvent kept without its meter value that is no number');
  t.equal(counted('sample-dropped'), 1, 'the sampled value of an unknown measurand');
  const strictKinds = [...m.keys()].filter((k) => k.startsWith('chargegate_ocpp_leniencies_total{charger="CP1"') && !k.includes('kind="translation-'));
  t.same(strictKinds, [], 'strict: nothing tolerated (what 2.0.1 → core translation loses is counted in both modes)');
  const lines = log.entries().filter((e) => typeof e.msg === 'string' && e.msg.startsWith('tolerated a deviation from OCPP 2.0.1'));
  t.same(lines.map((e) => e.kind).sort(), ['enum-mapped', 'filled-in', 'long-string', 'number-string', 'salvaged', 'sample-dropped', 'string-number', 'unknown-property'], 'one line per kind');
  t.match(lines.find((e) => e.kind === 'enum-mapped'), { chargerId: 'CP2', action: 'StatusNotification', detail: /connectorStatus "Charging" is not an OCPP 2.0.1 value: read as Occupied/ });
});

t.test('the RPC frame: malformed JSON → RpcFrameworkError, an unknown message type → MessageTypeNotSupported, unknown actions → NotImplemented, a CSMS action → NotSupported', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2, protocols: ['ocpp2.0.1'] });
  await cp.call('b', 'BootNotification', boot201);
  cp.send('[2,"broken-1","Heartbeat",{');
  t.match(await cp.answerTo('broken-1'), [4, 'broken-1', 'RpcFrameworkError'], 'not JSON, its id still readable');
  cp.send('hello');
  await eventually(() => cp.received.some((f) => Array.isArray(f) && f[1] === '-1'), 'the answer to an unreadable frame');
  t.match(cp.received.find((f) => Array.isArray(f) && f[1] === '-1'), [4, '-1', 'RpcFrameworkError'], '"-1" when the message id cannot be read (2.0.1 §4.2.3)');
  cp.send([7, 'type-7', 'Heartbeat', {}]);
  t.match(await cp.answerTo('type-7'), [4, 'type-7', 'MessageTypeNotSupported']);
  cp.send([2, 'no-payload', 'Heartbeat', 'nothing']);
  t.match(await cp.answerTo('no-payload'), [4, 'no-payload', 'FormatViolation'], 'a payload that is no object');
  t.match(await cp.call('dance', 'Dance', {}), [4, 'dance', 'NotImplemented']);
  t.match(await cp.call('v16', 'StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: T0 }), [4, 'v16', 'NotImplemented'], 'a 1.6 action is no 2.0.1 one');
  t.match(await cp.call('csms', 'RequestStartTransaction', { remoteStartId: 1, idToken: tag }), [4, 'csms', 'NotSupported'], 'a CSMS action from a charger');
  await stillUp(t, cp, 'alive');
});
