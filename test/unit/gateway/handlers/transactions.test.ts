import t from 'tap';
import { authorize, meterValues, startTransaction, stopTransaction, toSamples } from '../../../../src/gateway/handlers/transactions.js';
import { handlerContext, type TestContext } from '../../../helpers/context.js';

function seed(ctx: TestContext): void {
  ctx.store.auth.replaceAll(
    'config',
    [
      { idTag: 'TAG1', status: 'Accepted' },
      { idTag: 'BLOCKED1', status: 'Blocked' },
      { idTag: 'OLD1', status: 'Accepted', expiryDate: '2020-01-01T00:00:00Z' },
      { idTag: 'KID1', status: 'Accepted', parentIdTag: 'FAMILY' },
      { idTag: 'FAMILY', status: 'Blocked' },
    ],
    1,
  );
}

const START = { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: '2025-06-01T11:00:00Z' };

t.test('Authorize answers from the local list, parent included', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  t.same(await authorize(ctx, { idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  t.same(await authorize(ctx, { idTag: 'tag1' }), { idTagInfo: { status: 'Accepted' } }, 'idTags are CiString: case-insensitive');
  t.same(await authorize(ctx, { idTag: 'NOPE' }), { idTagInfo: { status: 'Invalid' } });
  t.same(await authorize(ctx, { idTag: 'BLOCKED1' }), { idTagInfo: { status: 'Blocked' } });
  t.same(await authorize(ctx, { idTag: 'OLD1' }), { idTagInfo: { status: 'Expired', expiryDate: '2020-01-01T00:00:00Z' } });
  t.same(await authorize(ctx, { idTag: 'KID1' }), { idTagInfo: { status: 'Blocked', parentIdTag: 'FAMILY' } });
});

t.test('Authorize in accept-all mode: strangers in, Blocked still out', async (t) => {
  const ctx = handlerContext(t, { mode: 'accept-all' });
  seed(ctx);
  t.same(await authorize(ctx, { idTag: 'NOPE' }), { idTagInfo: { status: 'Accepted' } });
  t.same(await authorize(ctx, { idTag: 'BLOCKED1' }), { idTagInfo: { status: 'Blocked' } });
});

t.test('StartTransaction opens a session, emits it, and a replay gets the same id', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  const first = await startTransaction(ctx, START);
  t.same(first.idTagInfo, { status: 'Accepted' });
  t.ok(Number.isInteger(first.transactionId) && first.transactionId > 0);
  const session = ctx.store.sessions.get(first.transactionId);
  t.match(session, { chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', meterStart: 1000, startedAt: START.timestamp, authStatus: 'Accepted', state: 'active', receivedAt: '2025-06-01T12:00:00.000Z' });
  t.same(ctx.emitted, [{ name: 'session.started', payload: session }]);
  const again = await startTransaction(ctx, START);
  t.equal(again.transactionId, first.transactionId, 'replayed');
  t.equal(ctx.emitted.length, 1, 'a replay is not a second session.started');
  t.equal(ctx.store.sessions.list().length, 1);
  const other = await startTransaction(ctx, { ...START, connectorId: 2 });
  t.ok(other.transactionId > first.transactionId, 'another connector is another session');
});

t.test('StartTransaction: session.starting while it is written; a write that never reaches the disk is taken back', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  const seen: string[] = [];
  ctx.events.on('session.starting', (s) => seen.push(`starting ${s.transactionId}`));
  ctx.events.on('session.startFailed', (s) => seen.push(`failed ${s.transactionId}`));
  const first = await startTransaction(ctx, START);
  t.same(seen, [`starting ${first.transactionId}`], 'announced before the answer, once');
  // The disk fails (an fsync error cannot be made here): durably runs the work, then rejects.
  const real = ctx.store.durably.bind(ctx.store);
  ctx.store.durably = (work) => real(work).then(() => Promise.reject(new Error('EIO: fsync failed')));
  seen.length = 0;
  ctx.emitted.length = 0;
  await t.rejects(async () => startTransaction(ctx, { ...START, connectorId: 2 }), /EIO/, 'the charger gets an error, not a transactionId');
  t.match(seen, [/^starting \d+$/, /^failed \d+$/], 'the balancer hears it is not a session after all');
  t.same(ctx.emitted.filter((e) => e.name === 'session.started'), [], 'no session.started');

  // Written, then the cloud's different verdict cannot be written: no answer either.
  ctx.store.durably = real;
  ctx.upstream = {
    transactionStarted: () => ({ cloudIdTagInfo: async () => ({ status: 'Blocked' }) }),
    cachedIdTag: () => undefined,
    listChannel: () => undefined,
    unknownIdTagOffline: 'reject',
  } as unknown as NonNullable<TestContext['upstream']>;
  let writes = 0;
  ctx.store.durably = (work) => (++writes === 2 ? Promise.reject(new Error('EIO: disk full')) : real(work));
  seen.length = 0;
  await t.rejects(async () => startTransaction(ctx, { ...START, connectorId: 3 }), /disk full/);
  t.match(seen, [/^starting \d+$/, /^failed \d+$/], 'a start that fails after its write is taken back too');
  t.same(ctx.emitted.filter((e) => e.name === 'session.started'), []);
});

t.test('StartTransaction for a refused tag still gets a transactionId (1.6 §4.10)', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  const answer = await startTransaction(ctx, { ...START, idTag: 'NOPE' });
  t.equal(answer.idTagInfo.status, 'Invalid');
  t.ok(answer.transactionId > 0);
  t.equal(ctx.store.sessions.get(answer.transactionId)?.authStatus, 'Invalid');
});

t.test('MeterValues: samples stored with the 1.6 defaults, latest values in the registry', async (t) => {
  const ctx = handlerContext(t);
  const { transactionId: tx } = await startTransaction(ctx, { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T11:00:00Z' });
  ctx.emitted.length = 0;
  const answer = await meterValues(ctx, {
    connectorId: 1,
    transactionId: tx,
    meterValue: [
      { timestamp: '2025-06-01T11:10:00Z', sampledValue: [{ value: '1500' }, { value: '7200', measurand: 'Power.Active.Import', unit: 'W' }] },
      { timestamp: '2025-06-01T11:11:00Z', sampledValue: [{ value: '10.5', measurand: 'Current.Import', phase: 'L1' }, { value: '231', measurand: 'Voltage', phase: 'L1-N', context: 'Sample.Clock', location: 'Outlet', format: 'Raw' }] },
    ],
  });
  t.same(answer, {});
  const samples = ctx.store.meters.forTransaction(tx);
  t.same(samples, [
    { chargerId: 'CP1', connectorId: 1, transactionId: tx, timestamp: '2025-06-01T11:10:00Z', value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
    { chargerId: 'CP1', connectorId: 1, transactionId: tx, timestamp: '2025-06-01T11:10:00Z', value: '7200', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
    { chargerId: 'CP1', connectorId: 1, transactionId: tx, timestamp: '2025-06-01T11:11:00Z', value: '10.5', measurand: 'Current.Import', unit: 'A', context: 'Sample.Periodic', phase: 'L1' },
    { chargerId: 'CP1', connectorId: 1, transactionId: tx, timestamp: '2025-06-01T11:11:00Z', value: '231', measurand: 'Voltage', unit: 'V', context: 'Sample.Clock', phase: 'L1-N', location: 'Outlet', format: 'Raw' },
  ]);
  t.equal(ctx.registry.latestValue('CP1', 1, 'Energy.Active.Import.Register'), 1500);
  t.equal(ctx.registry.latestValue('CP1', 1, 'Current.Import', 'L1'), 10.5);
  t.equal(ctx.registry.latestValue('CP1', 1, 'Current.Import'), undefined, 'a phase value is not the total');
  t.same(ctx.emitted.map((e) => e.name), ['meter.values']);
  t.same((ctx.emitted[0]!.payload as { samples: unknown[] }).samples, samples);

  await meterValues(ctx, { connectorId: 1, meterValue: [{ timestamp: '2025-06-01T11:05:00Z', sampledValue: [{ value: '1400' }] }] });
  t.equal(ctx.registry.latestValue('CP1', 1, 'Energy.Active.Import.Register'), 1500, 'an older sample arriving late does not replace the latest');
  t.equal(ctx.store.meters.recent('CP1', 1, 1)[0]?.value, '1400', 'but it is stored');
});

t.test('MeterValues reads the sessions only inside its durable write (a read outside one starts a WAL read transaction of its own)', async (t) => {
  const ctx = handlerContext(t);
  const { transactionId: tx } = await startTransaction(ctx, { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T11:00:00Z' });
  const { sessions } = ctx.store;
  let writing = false;
  const outside: string[] = [];
  const watched = { ...sessions };
  for (const name of ['get', 'list', 'placeOf', 'runningOn'] as const) {
    const read = sessions[name] as (...args: unknown[]) => unknown;
    (watched as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (!writing) outside.push(name);
      return read(...args);
    };
  }
  const durably = ctx.store.durably.bind(ctx.store);
  const watching: TestContext = {
    ...ctx,
    store: {
      ...ctx.store,
      sessions: watched,
      durably: (work) => durably(() => {
        writing = true;
        try {
          return work();
        } finally {
          writing = false;
        }
      }),
    },
  };
  await meterValues(watching, { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: '2025-06-01T11:10:00Z', sampledValue: [{ value: '1500' }, { value: '7200', measurand: 'Power.Active.Import', unit: 'W' }] }] });
  await meterValues(watching, { connectorId: 1, meterValue: [{ timestamp: '2025-06-01T11:11:00Z', sampledValue: [{ value: '7100', measurand: 'Power.Active.Import', unit: 'W' }] }] });
  t.same(outside, [], 'no session read outside the durable write');
  t.equal(ctx.registry.latestValue('CP1', 1, 'Power.Active.Import'), 7100, 'the readings of the running session are live flows, named or not');
  t.same(ctx.store.meters.forTransaction(tx).map((s) => s.value), ['1500', '7200'], 'filed under the transaction it named');
});

t.test('MeterValues naming a transaction: live flows only while it runs on that connector; another charger\'s is not filed under it', async (t) => {
  const ctx = handlerContext(t);
  const { transactionId: tx } = await startTransaction(ctx, { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T11:00:00Z' });
  const power = (w: string, minute: number, connectorId = 1, transactionId: number | undefined = tx) =>
    ({ connectorId, ...(transactionId !== undefined ? { transactionId } : {}), meterValue: [{ timestamp: `2025-06-01T11:${String(minute).padStart(2, '0')}:00Z`, sampledValue: [{ value: w, measurand: 'Power.Active.Import' as const, unit: 'W' as const }] }] });
  const outside = () => (ctx.emitted.at(-1)!.payload as { outsideSession?: boolean }).outsideSession === true;

  await meterValues(ctx, power('7000', 10));
  t.equal(ctx.registry.latestValue('CP1', 1, 'Power.Active.Import'), 7000, 'its running connector: a live flow');
  t.notOk(outside(), 'in its session');
  await meterValues(ctx, power('6000', 11, 2));
  t.equal(ctx.registry.latestValue('CP1', 2, 'Power.Active.Import'), undefined, 'named on a connector it does not run on: no flow there');
  t.ok(outside(), 'outside a session');
  await stopTransaction(ctx, { transactionId: tx, meterStop: 100, timestamp: '2025-06-01T11:20:00Z' });
  await meterValues(ctx, power('5000', 21));
  t.ok(outside(), 'a late reading of the ended session is outside a session');

  const { transactionId: mine } = await startTransaction(ctx, { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T11:30:00Z' });
  await meterValues({ ...ctx, chargerId: 'CP2' }, power('3000', 31, 1, mine));
  t.same(ctx.store.meters.forTransaction(mine), [], "another charger's transaction: the sample is not filed under it");
  t.same(ctx.store.meters.recent('CP2', 1, 1).map((s) => [s.value, s.transactionId]), [['3000', undefined]], 'but kept without it');
});

t.test('toSamples: no unit invented for measurands without one', async (t) => {
  const [s] = toSamples('CP1', 2, undefined, [{ timestamp: '2025-06-01T11:00:00Z', sampledValue: [{ value: '20', measurand: 'Temperature' }] }]);
  t.strictSame(s, { chargerId: 'CP1', connectorId: 2, timestamp: '2025-06-01T11:00:00Z', value: '20', measurand: 'Temperature', context: 'Sample.Periodic' }, 'no unit at all');
  const [soc] = toSamples('CP1', 2, undefined, [{ timestamp: '2025-06-01T11:00:00Z', sampledValue: [{ value: '80', measurand: 'SoC' }] }]);
  t.equal(soc?.unit, 'Percent');
});

t.test('StopTransaction closes the session with energy, reason and transactionData samples', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  const { transactionId } = await startTransaction(ctx, START);
  ctx.clock.now = new Date('2025-06-01T13:00:00.000Z');
  const transactionData = [{ timestamp: '2025-06-01T12:59:00Z', sampledValue: [{ value: '3400', context: 'Transaction.End' as const }] }];
  const answer = await stopTransaction(ctx, { transactionId, meterStop: 3500, timestamp: '2025-06-01T12:59:30Z', reason: 'EVDisconnected', idTag: 'TAG1', transactionData });
  t.same(answer, { idTagInfo: { status: 'Accepted' } });
  t.match(ctx.store.sessions.get(transactionId), { state: 'completed', meterStop: 3500, energyWh: 2500, stopReason: 'EVDisconnected', stopIdTag: 'TAG1', stoppedAt: '2025-06-01T12:59:30Z', transactionData });
  t.same(ctx.store.meters.forTransaction(transactionId).map((s) => [s.value, s.context]), [['3400', 'Transaction.End']]);
  t.same(ctx.emitted.map((e) => e.name), ['session.started', 'session.ended']);
  t.equal((ctx.emitted[1]!.payload as { energyWh: number }).energyWh, 2500);
});

t.test('a resent Stop changes nothing: no second event, no duplicate samples', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  const { transactionId } = await startTransaction(ctx, START);
  const stop = { transactionId, meterStop: 2000, timestamp: '2025-06-01T12:30:00Z', transactionData: [{ timestamp: '2025-06-01T12:30:00Z', sampledValue: [{ value: '2000' }] }] };
  await stopTransaction(ctx, stop);
  const before = ctx.store.sessions.get(transactionId);
  t.same(await stopTransaction(ctx, { ...stop, meterStop: 9999, reason: 'Other' }), {}, 'accepted');
  t.same(ctx.store.sessions.get(transactionId), before, 'the session is unchanged');
  t.equal(ctx.store.meters.forTransaction(transactionId).length, 1, 'transactionData recorded once');
  t.same(ctx.emitted.map((e) => e.name), ['session.started', 'session.ended']);
});

t.test('a Stop for an unknown id, or another charger\'s id, is accepted and kept apart', async (t) => {
  const ctx = handlerContext(t);
  seed(ctx);
  t.same(await stopTransaction(ctx, { transactionId: 424242, meterStop: 10, timestamp: '2025-06-01T12:00:00Z', idTag: 'BLOCKED1' }), { idTagInfo: { status: 'Blocked' } });
  const cp2 = { ...ctx, chargerId: 'CP2' };
  const { transactionId } = await startTransaction(cp2, START);
  t.same(await stopTransaction(ctx, { transactionId, meterStop: 10, timestamp: '2025-06-01T12:00:00Z' }), {});
  t.equal(ctx.store.sessions.get(transactionId)?.state, 'active', "CP1 cannot close CP2's session");
  t.same(ctx.store.sessions.unmatchedStops().map((s) => [s.chargerId, s.transactionId]), [['CP1', 424242], ['CP1', transactionId]]);
  t.notOk(ctx.emitted.some((e) => e.name === 'session.ended'));
});

