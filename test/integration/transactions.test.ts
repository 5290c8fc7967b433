import t from 'tap';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const START = { connectorId: 1, idTag: 'TAG1', meterStart: 4000, timestamp: '2025-06-01T10:00:00.000Z' };

t.test('a Stop for a transaction id never issued is accepted and kept in unmatchedStops', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.same(await cp.call('StopTransaction', { transactionId: 987654, meterStop: 100, timestamp: '2025-06-01T10:00:00Z' }), {}, 'no idTag: an empty answer');
  t.same(await cp.call('StopTransaction', { transactionId: -1, meterStop: 200, timestamp: '2025-06-01T10:05:00Z', idTag: 'TAG2', reason: 'PowerLoss' }), { idTagInfo: { status: 'Accepted' } }, 'an offline start (-1), with idTag');
  t.same(gw.app.store.sessions.unmatchedStops().map((s) => [s.chargerId, s.transactionId, s.meterStop, s.reason]), [
    ['CP1', 987654, 100, undefined],
    ['CP1', -1, 200, 'PowerLoss'],
  ]);
  await cp.call('StopTransaction', { transactionId: 987654, meterStop: 100, timestamp: '2025-06-01T10:00:00Z' });
  t.equal(gw.app.store.sessions.unmatchedStops().length, 2, 'the same Stop resent is recorded once');
  t.same(gw.app.store.sessions.list(), [], 'no session invented');
});

t.test('a Stop resent for a closed session is accepted and changes nothing', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const ended: unknown[] = [];
  gw.app.events.on('session.ended', (s) => ended.push(s));
  const { transactionId } = await cp.call('StartTransaction', START);
  const stop = {
    transactionId, meterStop: 6000, timestamp: '2025-06-01T11:00:00.000Z', reason: 'Local', idTag: 'TAG1',
    transactionData: [{ timestamp: '2025-06-01T11:00:00.000Z', sampledValue: [{ value: '6000', context: 'Transaction.End' }] }],
  };
  await cp.call('StopTransaction', stop);
  const closed = gw.app.store.sessions.get(transactionId);
  t.same(await cp.call('StopTransaction', stop), { idTagInfo: { status: 'Accepted' } }, 'the resend is accepted');
  t.same(await cp.call('StopTransaction', { ...stop, meterStop: 9000, reason: 'Other' }), { idTagInfo: { status: 'Accepted' } }, 'a conflicting resend too');
  t.same(gw.app.store.sessions.get(transactionId), closed, 'the session is unchanged');
  t.equal(gw.app.store.meters.forTransaction(transactionId).length, 1, 'its transactionData is stored once');
  t.equal(ended.length, 1, 'session.ended once');
  t.same(gw.app.store.sessions.unmatchedStops(), []);
});

t.test('a StartTransaction replayed after a reconnect gets the same transactionId: one session', async (t) => {
  const gw = await startGateway(t);
  const started: unknown[] = [];
  gw.app.events.on('session.started', (s) => started.push(s));
  const first = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await first.call('BootNotification', bootPayload);
  const a = await first.call('StartTransaction', START);
  // The charger lost the answer (the link broke): it reconnects and sends the same message.
  await first.close({ code: 1006 as number, force: true }).catch(() => undefined);
  const again = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const b = await again.call('StartTransaction', START);
  t.equal(b.transactionId, a.transactionId, 'the same id');
  t.same(b.idTagInfo, { status: 'Accepted' });
  t.equal(gw.app.store.sessions.list().length, 1, 'one session');
  t.equal(started.length, 1, 'session.started once');
  const other = await again.call('StartTransaction', { ...START, meterStart: 4001 });
  t.not(other.transactionId, a.transactionId, 'a different meterStart is a different transaction');
});

t.test('a new Start on a connector whose session never got its Stop: that session waits for its own Stop', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const first = await cp.call('StartTransaction', START);
  const other = await cp.call('StartTransaction', { ...START, connectorId: 2, meterStart: 100 });
  // The charger lost power, forgot the first transaction, and starts a new one on connector 1.
  const second = await cp.call('StartTransaction', { ...START, meterStart: 5200, timestamp: '2025-06-01T12:00:00.000Z' });
  t.not(second.transactionId, first.transactionId);
  t.match(gw.app.store.sessions.get(first.transactionId), { state: 'active', supersededBy: second.transactionId }, 'not closed by guessing: superseded, waiting');
  t.same(gw.app.store.sessions.list({ state: 'active' }).map((s) => s.transactionId).sort(), [other.transactionId, second.transactionId].sort(), 'one running session per connector');
  t.equal(gw.app.store.sessions.get(other.transactionId)?.state, 'active', 'another connector is not touched');
  t.equal(gw.app.store.sessions.get(second.transactionId)?.state, 'active');
});

t.test("MeterValues naming another charger's transaction are kept, but not filed under it", async (t) => {
  const gw = await startGateway(t);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  const { transactionId } = await cp1.call('StartTransaction', START);
  const reading = (value: string) => [{ timestamp: '2025-06-01T10:30:00.000Z', sampledValue: [{ value, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }];
  await cp1.call('MeterValues', { connectorId: 1, transactionId, meterValue: reading('4500') });
  await cp2.call('MeterValues', { connectorId: 1, transactionId, meterValue: reading('99999') });
  t.same(gw.app.store.meters.forTransaction(transactionId).map((s) => [s.chargerId, s.value]), [['CP1', '4500']]);
  t.same(gw.app.store.meters.recent('CP2').map((s) => [s.value, s.transactionId]), [['99999', undefined]], "CP2's sample is kept, without the id");
});

t.test('last seen is written to the store when a charger disconnects', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('Heartbeat', {});
  await cp.close();
  const { eventually } = await import('../helpers/gateway.js');
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'CP1 offline');
  const seen = gw.app.store.chargers.get('CP1')?.lastSeenAt;
  t.ok(seen && seen >= gw.app.store.chargers.get('CP1')!.lastBootAt!, 'last seen is at or after the boot');
});
