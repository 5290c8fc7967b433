import t from 'tap';
import { encodeCall, encodeCallError, encodeCallResult, MAX_FRAME_DEPTH, MAX_MESSAGE_ID_LENGTH, nestsDeeperThan, parseFrame, salvageId, type FrameProblem } from '../../../src/ocpp/frame.js';

function problemOf(text: string): FrameProblem {
  const r = parseFrame(text);
  if (r.ok) throw new Error(`expected ${text} to be refused`);
  return r.problem;
}

t.test('the three well-formed message types parse', async (t) => {
  t.same(parseFrame('[2,"m1","Heartbeat",{}]'), { ok: true, frame: { type: 2, id: 'm1', action: 'Heartbeat', payload: {} } });
  t.same(parseFrame('[3,"m1",{"currentTime":"2024-01-01T00:00:00Z"}]'), { ok: true, frame: { type: 3, id: 'm1', payload: { currentTime: '2024-01-01T00:00:00Z' } } });
  t.same(parseFrame('[4,"m1","NotSupported","nope",{"a":1}]'), {
    ok: true,
    frame: { type: 4, id: 'm1', code: 'NotSupported', description: 'nope', details: { a: 1 } },
  });
  t.same(parseFrame(' [ 2 , "m2" , "Heartbeat" , { } ] '), { ok: true, frame: { type: 2, id: 'm2', action: 'Heartbeat', payload: {} } }, 'whitespace is fine');
});

t.test('a CALLERROR missing its description or details still parses', async (t) => {
  t.same(parseFrame('[4,"m1","GenericError"]'), { ok: true, frame: { type: 4, id: 'm1', code: 'GenericError', description: '', details: {} } });
  t.same(parseFrame('[4,"m1","GenericError",7,null]'), { ok: true, frame: { type: 4, id: 'm1', code: 'GenericError', description: '', details: {} } });
});

t.test('not JSON: FormationViolation, with the id salvaged when the start is readable', async (t) => {
  t.same(problemOf('[2,"abc-1","Heartbeat",{'), { id: 'abc-1', wasCall: true, code: 'FormationViolation', description: 'frame is not valid JSON', code201: 'RpcFrameworkError' });
  t.same(problemOf('  [ 3 , "r9", {oops}]').id, 'r9');
  t.equal(problemOf('hello').id, null);
  t.equal(problemOf('').id, null, 'an empty frame');
  t.equal(problemOf('[2,123,"Heartbeat",').id, null, 'a numeric id is not salvaged from broken text');
  t.equal(problemOf('[2,"' + 'x'.repeat(37) + '","Heartbeat",').id, null, 'an id over 36 characters is not salvaged');
  t.equal(problemOf('[2,"' + 'x'.repeat(36) + '","Heartbeat",').id, 'x'.repeat(36));
  t.equal(problemOf('[7,"id","Heartbeat",').id, null, 'only message types 2, 3 and 4 are salvaged');
});

t.test('JSON that is not an array, or an empty array: FormationViolation, no id', async (t) => {
  for (const text of ['{}', '{"id":"m1"}', '"[2]"', '42', 'null', 'true']) {
    t.same(problemOf(text), { id: null, wasCall: true, code: 'FormationViolation', description: 'frame is not a JSON array', code201: 'RpcFrameworkError' }, text);
  }
  t.same(problemOf('[]'), { id: null, wasCall: true, code: 'FormationViolation', description: 'frame is an empty array', code201: 'RpcFrameworkError' });
});

t.test('an unknown message type: ProtocolError, answered with the id when it has one', async (t) => {
  const p = problemOf('[5,"m1","Heartbeat",{}]');
  t.equal(p.code, 'ProtocolError');
  t.equal(p.id, 'm1');
  t.equal(p.wasCall, true);
  t.match(p.description, /message type 5 is not 2/);
  t.equal(problemOf('["2","m1","Heartbeat",{}]').code, 'ProtocolError', 'the type must be a number, not a string');
  t.equal(problemOf('[5,7]').id, '7', 'a numeric id is kept as text');
  t.equal(problemOf('[5]').id, null);
});

t.test('OCPP-J 2.0.1 §4.3 codes beside the 1.6 ones: MessageTypeNotSupported for an unknown type number, RpcFrameworkError for no RPC frame', async (t) => {
  t.equal(problemOf('[5,"m1","Heartbeat",{}]').code201, 'MessageTypeNotSupported');
  t.equal(problemOf('["2","m1","Heartbeat",{}]').code201, 'RpcFrameworkError', 'a type that is no number');
  t.equal(problemOf('[2,7,"Heartbeat",{}]').code201, 'RpcFrameworkError', 'an id that is no string');
  t.equal(problemOf('[2,"m1",7,{}]').code201, 'RpcFrameworkError', 'an action that is no string');
  t.equal(problemOf('[2,"m1","Heartbeat",[]]').code201, undefined, 'a payload that is no object: FormatViolation (2.0.1 spelling of FormationViolation)');
});

t.test('a deeply nested message type is refused, not thrown (found by npm run fuzz)', async (t) => {
  // JSON.parse reads 20,000 levels; JSON.stringify of them for the description overflowed the stack.
  const deep = '['.repeat(20000) + ']'.repeat(20000);
  const p = problemOf(`[${deep},"m1","Heartbeat",{}]`);
  t.equal(p.code, 'FormationViolation', 'refused by its depth');
  t.equal(p.id, 'm1', 'its id read');
  t.equal(p.wasCall, true, 'not an answer: answered');
  t.match(p.description, /nested deeper than 64 levels/);
  t.equal(problemOf(`${deep}`).code, 'FormationViolation', 'the whole frame nested');
  const shallow = '['.repeat(10) + ']'.repeat(10);
  t.match(problemOf(`[${shallow},"m1","Heartbeat",{}]`).description, /message type an array is not 2/, 'a nested type within the limit: described in a few words');
  t.ok(problemOf(`["${'x'.repeat(5000)}"]`).description.length < 200, 'a long string type is described in a few characters');
  t.match(problemOf(`[{"a":[]},"m1"]`).description, /message type an object is not 2/);
  t.match(problemOf(`[null,"m1"]`).description, /message type null is not 2/);
});

t.test('the message id: a string of 1 to 36 characters (OCPP-J 1.6 §4.1.3)', async (t) => {
  t.equal(MAX_MESSAGE_ID_LENGTH, 36);
  const longest = 'a'.repeat(36);
  t.ok(parseFrame(`[2,"${longest}","Heartbeat",{}]`).ok, '36 characters are fine');
  const tooLong = problemOf(`[2,"${'a'.repeat(37)}","Heartbeat",{}]`);
  t.same(tooLong, { id: 'a'.repeat(37), wasCall: true, code: 'FormationViolation', description: 'message id must be 1 to 36 characters', code201: 'RpcFrameworkError' });
  t.equal(problemOf('[2,"","Heartbeat",{}]').code, 'FormationViolation', 'an empty id');
  const numeric = problemOf('[2,42,"Heartbeat",{}]');
  t.same([numeric.code, numeric.id, numeric.description], ['FormationViolation', '42', 'message id must be a string']);
  t.equal(problemOf('[2,null,"Heartbeat",{}]').id, null);
  t.equal(problemOf('[3,42,{}]').wasCall, false, 'a broken CALLRESULT is not answered');
});

t.test('a CALL must have an action and an object payload', async (t) => {
  t.same(problemOf('[2,"m1","Heartbeat"]'), { id: 'm1', wasCall: true, code: 'ProtocolError', description: 'CALL must have 4 elements: [2, id, action, payload]', code201: 'RpcFrameworkError' });
  t.equal(problemOf('[2,"m1",5,{}]').code, 'FormationViolation');
  t.equal(problemOf('[2,"m1","",{}]').code, 'FormationViolation', 'an empty action');
  for (const payload of ['[]', 'null', '"x"', '3']) {
    t.same(problemOf(`[2,"m1","Heartbeat",${payload}]`), { id: 'm1', wasCall: true, code: 'FormationViolation', description: 'payload must be a JSON object' }, payload);
  }
});

t.test('broken answers are not CALLs: never answered with a CALLERROR', async (t) => {
  t.same(problemOf('[3,"m1"]'), { id: 'm1', wasCall: false, code: 'ProtocolError', description: 'CALLRESULT must have 3 elements: [3, id, payload]', answer: 3 });
  t.same(problemOf('[4,"m1",5,"x",{}]'), { id: 'm1', wasCall: false, code: 'FormationViolation', description: 'CALLERROR code must be a string', answer: 4 });
  t.same(problemOf('[4,"m1"]'), { id: 'm1', wasCall: false, code: 'FormationViolation', description: 'CALLERROR code must be a string', answer: 4 }, 'a CALLERROR cut short after its id (mobilityhouse/ocpp #436)');
  // Not JSON, but it starts as an answer (Grizzl-E's broken GetConfiguration answer): no CALLERROR back, its id kept to fail the call.
  t.same(problemOf('[3,"m2",{"configurationKey":[{"key":"A","value":"1"'), { id: 'm2', wasCall: false, code: 'FormationViolation', description: 'frame is not valid JSON', code201: 'RpcFrameworkError', answer: 3 });
  t.same(problemOf('[ 4 , "m3", "Internal'), { id: 'm3', wasCall: false, code: 'FormationViolation', description: 'frame is not valid JSON', code201: 'RpcFrameworkError', answer: 4 });
});

t.test('encoding gives the OCPP-J arrays back', async (t) => {
  t.equal(encodeCall('m1', 'Reset', { type: 'Soft' }), '[2,"m1","Reset",{"type":"Soft"}]');
  t.equal(encodeCallResult('m1', { status: 'Accepted' }), '[3,"m1",{"status":"Accepted"}]');
  t.equal(encodeCallError('m1', 'NotSupported', 'no'), '[4,"m1","NotSupported","no",{}]');
  t.equal(encodeCallError('-1', 'FormationViolation', 'bad', { at: 1 }), '[4,"-1","FormationViolation","bad",{"at":1}]');
  const round = parseFrame(encodeCall('id "quoted"', 'DataTransfer', { vendorId: 'v', data: 'ä\n' }));
  t.same(round, { ok: true, frame: { type: 2, id: 'id "quoted"', action: 'DataTransfer', payload: { vendorId: 'v', data: 'ä\n' } } });
});

t.test('salvageId reads only a quoted id after a valid message type', async (t) => {
  t.equal(salvageId('[2,"a"'), 'a');
  t.equal(salvageId('[4 ,  "id-4"'), 'id-4');
  t.equal(salvageId('[2,"a\\"b",'), null, 'an escaped quote is not guessed at');
  t.equal(salvageId('x[2,"a",'), null);
});

t.test('a frame nested deeper than MAX_FRAME_DEPTH (64) is refused before anything handles it', async (t) => {
  t.equal(MAX_FRAME_DEPTH, 64);
  const nest = (n: number): string => (n === 0 ? '1' : `[${nest(n - 1)}]`);
  // The frame's own array is the first level, the payload object the second.
  const at = (levels: number) => `[2,"d1","DataTransfer",{"vendorId":"v","data":${nest(levels - 2)}}]`;
  t.equal(parseFrame(at(64)).ok, true, '64 levels in all: parsed');
  t.same(problemOf(at(65)), { id: 'd1', wasCall: true, code: 'FormationViolation', description: 'frame nested deeper than 64 levels' }, '65: refused, with its id');
  t.equal(problemOf(`[2,"d1","DataTransfer",{"vendorId":"v","data":${nest(100)}`).description, 'frame is not valid JSON', 'deep and broken: not JSON, as before');
  t.equal(problemOf(`[3,"r1",${nest(100)}]`).wasCall, false, 'an answer nested too deep is no CALL: not answered');
  t.equal(problemOf(`[4,"e1","GenericError","",${nest(100)}]`).wasCall, false, 'nor a CALLERROR');
  t.same(problemOf(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`), { id: null, wasCall: true, code: 'FormationViolation', description: 'frame nested deeper than 64 levels' }, 'what cannot be read as an answer is answered, with "-1" (found by npm run fuzz)');
  const brackets = '['.repeat(200) + '{'.repeat(200);
  t.equal(parseFrame(`[2,"s1","DataTransfer",{"vendorId":"v","data":${JSON.stringify(brackets)}}]`).ok, true, 'brackets inside a string do not count');
  t.equal(parseFrame(`[2,"s2","DataTransfer",{"vendorId":"v","data":${JSON.stringify('"' + brackets + '\\')}}]`).ok, true, 'nor after escaped quotes and backslashes');
  t.equal(nestsDeeperThan('[[[]]]', 3), false);
  t.equal(nestsDeeperThan('[[[[]]]]', 3), true);
  t.equal(nestsDeeperThan('[{"a":{"b":[1]}}]', 3), true, 'objects and arrays alike');
  t.equal(nestsDeeperThan('[[],[],[],[],[]]', 2), false, 'siblings are not depth');
});
