/**
 * A session's outbound codec (the OCPP 2.0.1 edge): the owner's CALL is translated before it is
 * checked against the connection's schemas and sent, and the peer's answer translated back.
 */
import t from 'tap';
import { OcppCallError } from '../../../src/ocpp/errors.js';
import { OcppSession, type OutboundCodec } from '../../../src/ocpp/session.js';
import { silentLogger } from '../../../src/log.js';

function session201(codec: OutboundCodec) {
  const sent: any[] = [];
  const s = new OcppSession({
    version: 'ocpp2.0.1',
    role: 'central',
    handler: () => ({}),
    logger: silentLogger(),
    callTimeoutMs: 2000,
    outboundCodec: codec,
    socket: { send: (text) => void sent.push(JSON.parse(text)), close: () => undefined },
  });
  return { s, sent };
}

t.test('translated out, checked against the 2.0.1 schemas, the answer translated back', async (t) => {
  const { s, sent } = session201({
    encode: (action, payload) => ({ action: 'Reset', payload: { type: (payload as { type: string }).type === 'Hard' ? 'Immediate' : 'OnIdle' }, decode: (a) => ({ status: (a as { status: string }).status === 'Scheduled' ? 'Accepted' : 'Rejected', was: action }) }),
  });
  const answer = s.call('Reset', { type: 'Hard' });
  await new Promise((r) => setImmediate(r));
  t.match(sent, [[2, String, 'Reset', { type: 'Immediate' }]], 'the 2.0.1 frame went out');
  s.receive(JSON.stringify([3, sent[0][1], { status: 'Scheduled' }]));
  t.same(await answer, { status: 'Accepted', was: 'Reset' });
});

t.test('answered without the charger, refused, or refused by the 2.0.1 schemas: nothing sent', async (t) => {
  const { s, sent } = session201({
    encode: (action) => {
      if (action === 'Local') return { answer: { status: 'Rejected' } };
      if (action === 'Nope') throw new OcppCallError('NotSupported', 'no translation');
      return { action: 'Reset', payload: { type: 'Sometime' }, decode: (a) => a };
    },
  });
  t.same(await s.call('Local', {}), { status: 'Rejected' });
  await t.rejects(s.call('Nope', {}), { code: 'NotSupported' });
  await t.rejects(s.call('Bad', {}), { code: 'PropertyConstraintViolation' }, 'the translated payload is checked like any other');
  t.same(sent, []);
  s.closed('gone');
  await t.rejects(s.call('Local', {}), { name: 'OcppOfflineError' }, 'a closed session answers nothing locally either');
});
