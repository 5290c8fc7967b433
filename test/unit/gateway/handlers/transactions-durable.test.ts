/**
 * Durable before answering: a StopTransaction's answer waits for the store to say the close is
 * on disk (the group commit's fsync), so a power cut cannot undo what the charger was told.
 * Real SQLite; the store's "durable" is held back by a gate. Kills stop-answered-before-durable.
 */
import t from 'tap';
import { startTransaction, stopTransaction } from '../../../../src/gateway/handlers/transactions.js';
import { handlerContext } from '../../../helpers/context.js';

t.test('StopTransaction is answered only once the store says its close is durable', async (t) => {
  const ctx = handlerContext(t);
  const { transactionId } = await startTransaction(ctx, { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: '2025-06-01T11:00:00Z' });

  const real = ctx.store.durably.bind(ctx.store);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  ctx.store.durably = (work) => {
    held++;
    return real(work).then(async (value) => {
      await gate;
      return value;
    });
  };
  let answered = false;
  const answer = Promise.resolve(stopTransaction(ctx, { transactionId, meterStop: 2500, timestamp: '2025-06-01T12:00:00Z', reason: 'Local' })).then((a) => {
    answered = true;
    return a;
  });
  // A later write's fsync covers ours: by then only the gate holds the answer back.
  await real(() => undefined);
  t.equal(held, 1, 'the Stop went through the store\'s durable write');
  t.equal(ctx.store.sessions.get(transactionId)?.state, 'completed', 'the close is written (and committed)');
  t.equal(answered, false, 'but not answered before the store said it is durable');
  release();
  t.same(await answer, {}, 'answered once it is');
  t.ok(ctx.emitted.some((e) => e.name === 'session.ended'), 'and the session ended');
});
