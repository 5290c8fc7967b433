import t from 'tap';
import { dispatch16, HANDLERS_16 } from '../../../../src/gateway/handlers/index.js';
import { CHARGER_INITIATED_16 } from '../../../../src/ocpp/v16/actions.js';
import { handlerContext } from '../../../helpers/context.js';

t.test('every charger-initiated 1.6 action has a handler', async (t) => {
  t.same(Object.keys(HANDLERS_16).sort(), [...CHARGER_INITIATED_16].sort());
});

t.test('dispatch routes by action, and refuses what it has no handler for', async (t) => {
  const ctx = handlerContext(t);
  t.same(await dispatch16(ctx, 'Heartbeat', {}), { currentTime: '2025-06-01T12:00:00.000Z' });
  t.throws(() => dispatch16(ctx, 'Reset', { type: 'Soft' }), /no handler for Reset/);
  t.throws(() => dispatch16(ctx, 'toString', {}), /no handler for toString/, 'not fooled by Object.prototype');
});
