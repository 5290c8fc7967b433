import t, { type Test } from 'tap';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger, type RawCharger } from '../helpers/raw.js';

/** The connection is still up and serving: a Heartbeat gets its answer. */
async function stillServing(t: Test, cp: RawCharger, id: string): Promise<void> {
  const answer = await cp.call(id, 'Heartbeat', {});
  t.match(answer, [3, id, { currentTime: String }], 'a Heartbeat afterwards still works');
}

const START = { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' };

// Strict mode (ocpp.validation: strict) answers every schema violation with its CALLERROR; the
// lenient default repairs some of them (the test after this one, and field-tolerance.test.ts).
t.test('strict: each malformed frame gets the right CALLERROR and the connection stays up', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.ocpp.maxFrameBytes = 1024;
      c.ocpp.validation = 'strict';
    },
  });
  const errors: { code: string; description: string }[] = [];
  gw.app.events.on('ocpp.error', (e) => errors.push(e));
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });

  const cases: [string, string | unknown[], string, string, RegExp][] = [
    ['not JSON, id readable', '[2,"nj1","Heartbeat",{', 'nj1', 'FormationViolation', /not valid JSON/],
    ['not JSON at all', 'hello there', '-1', 'FormationViolation', /not valid JSON/],
    ['an empty text frame', '', '-1', 'FormationViolation', /not valid JSON/],
    ['not an array', '{"messageId":"x"}', '-1', 'FormationViolation', /not a JSON array/],
    ['an empty array', '[]', '-1', 'FormationViolation', /empty array/],
    ['message type 5', [5, 'mt5', 'Heartbeat', {}], 'mt5', 'ProtocolError', /message type 5/],
    ['a CALL without payload', [2, 'np1', 'Heartbeat'], 'np1', 'ProtocolError', /4 elements/],
    ['a payload that is an array', [2, 'pa1', 'Heartbeat', []], 'pa1', 'FormationViolation', /payload must be a JSON object/],
    ['an id of 37 characters', [2, 'i'.repeat(37), 'Heartbeat', {}], 'i'.repeat(37), 'FormationViolation', /1 to 36 characters/],
    ['an unknown action', [2, 'ua1', 'Teleport', {}], 'ua1', 'NotImplemented', /action Teleport is not an ocpp1\.6 action/],
    ['a central-system action from a charger', [2, 'rs1', 'RemoteStartTransaction', { idTag: 'TAG1' }], 'rs1', 'NotSupported', /not initiated by the charge point/],
    ['a missing required field', [2, 'rq1', 'StartTransaction', { connectorId: 1, meterStart: 0, timestamp: START.timestamp }], 'rq1', 'OccurenceConstraintViolation', /idTag is required/],
    ['a wrong field type', [2, 'ty1', 'StartTransaction', { ...START, connectorId: 'one' }], 'ty1', 'TypeConstraintViolation', /connectorId must be integer/],
    ['a value outside the enum', [2, 'en1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }], 'en1', 'PropertyConstraintViolation', /status must be one of/],
    ['an idTag over 20 characters', [2, 'ml1', 'Authorize', { idTag: 'T'.repeat(21) }], 'ml1', 'PropertyConstraintViolation', /idTag/],
    ['an extra field', [2, 'ex1', 'Heartbeat', { mood: 'fine' }], 'ex1', 'FormationViolation', /does not allow: mood/],
    ['a frame over maxFrameBytes', [2, 'big1', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(2000) }], 'big1', 'FormationViolation', /larger than 1024 bytes/],
    ['an oversize frame with no readable id', JSON.stringify({ junk: 'x'.repeat(2000) }), '-1', 'FormationViolation', /larger than 1024 bytes/],
  ];
  for (const [name, frame, id, code, description] of cases) {
    const before = cp.received.length;
    cp.send(frame);
    const answer = (await cp.next()) as unknown[];
    t.equal(cp.received.length, before + 1, `${name}: one answer`);
    t.match(answer, [4, id, code, description, {}], name);
  }
  await stillServing(t, cp, 'hb-end');
  t.equal(gw.app.gateway.server.connections.get('CP1')?.session.isOpen, true);
  t.equal(errors.length, cases.length, 'every refusal is reported as an ocpp.error event');
  t.same(gw.app.store.sessions.list(), [], 'nothing invalid was recorded');
  t.same(gw.app.store.rawFrames.list().map((r) => [r.messageId, r.outcome]), [['ty1', 'refused'], ['rq1', 'refused']], 'the refused Starts are kept as received');
});

t.test('lenient (the default): the schema violations it can repair are answered; frame errors and the unrepairable still get their CALLERROR', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.maxFrameBytes = 1024) });
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  t.match(await cp.call('en1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }), [3, 'en1', {}], 'an unknown status is read as Unavailable');
  t.match(gw.app.store.chargers.connectors('CP1'), [{ status: 'Unavailable', info: 'status Sleeping' }]);
  t.match(await cp.call('ml1', 'Authorize', { idTag: 'T'.repeat(21) }), [3, 'ml1', { idTagInfo: { status: 'Invalid' } }], 'an idTag over 20 characters is kept (and is not in the list)');
  t.match(await cp.call('ex1', 'Heartbeat', { mood: 'fine' }), [3, 'ex1', { currentTime: String }], 'an extra field is ignored');
  t.match(await cp.call('ty1', 'StartTransaction', { ...START, connectorId: 'one' }), [4, 'ty1', 'TypeConstraintViolation', /connectorId must be integer/], 'a connectorId that is no number cannot be repaired');
  t.match(await cp.call('rq1', 'StartTransaction', { connectorId: 1, meterStart: 0, timestamp: START.timestamp }), [4, 'rq1', 'OccurenceConstraintViolation', /idTag is required/]);
  t.match(await cp.call('pa1', 'Heartbeat', []), [4, 'pa1', 'FormationViolation', /payload must be a JSON object/], 'frame errors are not schema errors: still refused');
  t.same(gw.app.store.sessions.list(), [], 'no session from the refused Starts');
  t.same(gw.app.store.rawFrames.list().map((r) => r.messageId).sort(), ['rq1', 'ty1'], 'but their frames are kept');
  await stillServing(t, cp, 'hb-end');
});

t.test('a frame nested deeper than 64 levels: FormationViolation with its id before anything handles it; the connection stays up', async (t) => {
  // Until 6 December a MeterValues, Start or Stop nested about 5,000 levels deep got an
  // InternalError: writing it back for raw_frames overflowed the stack (1.6 and 2.0.1 alike).
  const gw = await startGateway(t, {});
  const errors: { code: string; description: string }[] = [];
  gw.app.events.on('ocpp.error', (e) => errors.push(e));
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  const refusals: [string, string][] = [
    ['mv1', `[2,"mv1","MeterValues",{"connectorId":1,"meterValue":${deep(5000)}}]`],
    ['st1', `[2,"st1","StartTransaction",{"connectorId":1,"idTag":${'{"a":'.repeat(70)}1${'}'.repeat(70)},"meterStart":0,"timestamp":"${START.timestamp}"}]`],
    ['sp1', `[2,"sp1","StopTransaction",{"transactionId":1,"meterStop":0,"timestamp":"${START.timestamp}","transactionData":${deep(64)}}]`],
  ];
  for (const [id, frame] of refusals) {
    cp.send(frame);
    t.match(await cp.answerTo(id), [4, id, 'FormationViolation', /nested deeper than 64 levels/, {}], `${id}: refused as too deep`);
  }
  t.match(await cp.call('sp2', 'StopTransaction', { transactionId: 1, meterStop: 0, timestamp: START.timestamp, transactionData: JSON.parse(deep(62)) }), [3, 'sp2', {}], 'a Stop 64 levels deep in all is read (and kept raw: its transactionData is no list of meter values)');
  cp.send(`[3,"nobody",${deep(5000)}]`);
  await stillServing(t, cp, 'hb-16');
  t.equal(cp.received.filter((f) => Array.isArray(f) && f[1] === 'nobody').length, 0, 'a deep answer to nothing is not answered');
  t.equal(errors.filter((e) => /nested deeper/.test(e.description)).length, 4, 'each is an ocpp.error event');
  t.same(gw.app.store.sessions.list(), [], 'no session from the refused Start');

  const cp201 = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2, protocols: ['ocpp2.0.1'] });
  cp201.send(`[2,"dt1","DataTransfer",{"vendorId":"v","data":${deep(5000)}}]`);
  t.match(await cp201.answerTo('dt1'), [4, 'dt1', 'FormatViolation', /nested deeper than 64 levels/, {}], '2.0.1: FormatViolation, its spelling of the code');
  t.match(await cp201.call('dt2', 'DataTransfer', { vendorId: 'v', data: JSON.parse(deep(20)) }), [3, 'dt2', { status: String }], '2.0.1: vendor data 20 levels deep is answered');
  t.match(await cp201.call('hb-201', 'Heartbeat', {}), [3, 'hb-201', { currentTime: String }], 'the 2.0.1 connection still serves');
});

t.test('answers to calls never made are ignored, not answered', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  cp.send([3, 'never-asked', { status: 'Accepted' }]);
  cp.send([4, 'never-asked-2', 'GenericError', 'x', {}]);
  cp.send([3, 'short']);
  // The session handles frames in order: anything said about those three would come first.
  t.match(await cp.call('hb', 'Heartbeat', {}), [3, 'hb', {}]);
  t.equal(cp.received.length, 1, 'only the Heartbeat was answered');
});

t.test('strict: a schema-invalid StopTransaction that names its transaction is accepted and recorded (1.6 §3.7)', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.validation = 'strict') });
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  const start = (await cp.call('s1', 'StartTransaction', START))[2] as { transactionId: number };
  const stop = { transactionId: start.transactionId, meterStop: 750, timestamp: '2025-06-01T11:00:00Z', reason: 'BatteryFull', vendorField: 1 };
  t.same(await cp.call('st1', 'StopTransaction', stop), [3, 'st1', {}], 'accepted, not refused');
  t.match(gw.app.store.sessions.get(start.transactionId), { state: 'completed', meterStop: 750, energyWh: 750 });
  t.equal(gw.app.store.sessions.get(start.transactionId)?.stopReason, undefined, 'BatteryFull is no 1.6 reason: only the valid part is stored (the frame is kept raw)');
  const hopeless = { transactionId: 'abc', meterStop: 1, timestamp: '2025-06-01T11:00:00Z' };
  t.match(await cp.call('st2', 'StopTransaction', hopeless), [4, 'st2', 'TypeConstraintViolation'], 'a Stop without a usable transactionId cannot be kept');
  t.same(gw.app.store.rawFrames.list().map((r) => [r.messageId, r.outcome]), [['st2', 'unsalvageable'], ['st1', 'salvaged']], 'both frames kept as received');
  await stillServing(t, cp, 'hb');
});

t.test('lenient: the same Stops are both answered; the hopeless one is kept raw', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  const start = (await cp.call('s1', 'StartTransaction', START))[2] as { transactionId: number };
  const stop = { transactionId: start.transactionId, meterStop: 750, timestamp: '2025-06-01T11:00:00Z', reason: 'BatteryFull', vendorField: 1 };
  t.same(await cp.call('st1', 'StopTransaction', stop), [3, 'st1', {}]);
  t.match(gw.app.store.sessions.get(start.transactionId), { state: 'completed', meterStop: 750, energyWh: 750, stopReason: 'Other' }, 'BatteryFull is no 1.6 reason: read as Other');
  const hopeless = { transactionId: 'abc', meterStop: 1, timestamp: '2025-06-01T11:00:00Z' };
  t.same(await cp.call('st2', 'StopTransaction', hopeless), [3, 'st2', {}], 'never a CALLERROR for a Stop');
  t.same(gw.app.store.rawFrames.list().map((r) => [r.messageId, r.outcome]), [['st2', 'unsalvageable'], ['st1', 'repaired']], 'the unknown property dropped from st1 is kept in its raw frame');
  await stillServing(t, cp, 'hb');
});

t.test('a frame far over the limit closes the connection (1009)', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.ocpp.maxFrameBytes = 1024) });
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  cp.send([2, 'huge', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(2 << 20) }]);
  const closed = await cp.closed;
  t.equal(closed.code, 1009, 'message too big');
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'the gateway to see the charger go');
  t.notOk(gw.app.gateway.server.connections.has('CP1'));
});

t.test('two CALLs sent at once on one connection are both answered (some chargers do this)', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  // One write, two frames back to back: no waiting for the first answer.
  cp.send([2, 'c1', 'StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' }]);
  cp.send([2, 'c2', 'StartTransaction', { connectorId: 2, idTag: 'TAG2', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' }]);
  cp.send([2, 'c3', 'Heartbeat', {}]);
  const [a, b, c] = await Promise.all([cp.answerTo('c1'), cp.answerTo('c2'), cp.answerTo('c3')]);
  t.match(a, [3, 'c1', { transactionId: Number, idTagInfo: { status: 'Accepted' } }]);
  t.match(b, [3, 'c2', { transactionId: Number, idTagInfo: { status: 'Accepted' } }]);
  t.match(c, [3, 'c3', { currentTime: String }]);
  t.not((a[2] as { transactionId: number }).transactionId, (b[2] as { transactionId: number }).transactionId);
  t.equal(gw.app.store.sessions.list({ state: 'active' }).length, 2);
  t.equal(cp.received.length, 3, 'exactly one answer each');
});

t.test('the same message id twice in a row: each CALL is answered', async (t) => {
  const gw = await startGateway(t);
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  t.match(await cp.call('same', 'Heartbeat', {}), [3, 'same', {}]);
  const before = cp.received.length;
  cp.send([2, 'same', 'Heartbeat', {}]);
  await cp.next();
  t.equal(cp.received.length, before + 1, 'a later CALL may reuse an id once the first was answered');
});
