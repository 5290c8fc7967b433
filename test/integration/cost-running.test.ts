/**
 * The running cost of a session is kept incrementally (issue #18): each MeterValues adds its own
 * span instead of the session's samples being read again, and the amount is exactly what a
 * computation from scratch gives, over time-of-use boundaries, irregular readings and one that
 * arrives out of order (the one case where the samples are read again).
 */
import t from 'tap';
import { costOf, energyReadings } from '../../src/cost/session-cost.js';
import { tariffPrices, type Tariff } from '../../src/cost/tariff.js';
import type { GatewayEvents } from '../../src/events.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const TARIFF: Tariff = { currency: 'EUR', price: 0.3, timeZone: 'Europe/Berlin', periods: [{ from: '17:00', to: '20:00', price: 0.4 }, { from: '16:20', to: '16:50', price: 0.35 }] };
const energy = (wh: number, at: number) => ({ timestamp: new Date(at).toISOString(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });

t.test('the running cost, reading by reading, equals the cost from scratch; the samples are not read again', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.tariff = { ...TARIFF, periods: TARIFF.periods.map((p) => ({ ...p })) }) });
  const costs: GatewayEvents['session.cost'][] = [];
  gw.app.events.on('session.cost', (e) => costs.push(e));
  const meters = gw.app.store.meters;
  const forTransaction = meters.forTransaction.bind(meters);
  let reads = 0;
  meters.forTransaction = (id) => (reads++, forTransaction(id));
  const fromScratch = (transactionId: number) => {
    const session = gw.app.store.sessions.get(transactionId)!;
    return costOf(energyReadings(session, forTransaction(transactionId)), tariffPrices(TARIFF, []));
  };

  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const start = Date.parse('2026-12-01T15:00:00Z');
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: new Date(start).toISOString() });

  // 40 readings at irregular steps (7 to 11 min 23 s), one or two per message, over 16:20, 16:50 and 17:00 Berlin.
  let at = start;
  let wh = 1000;
  for (let i = 0; i < 40; i++) {
    const values = [];
    for (let k = 0; k < 1 + (i % 2); k++) {
      at += 7 * 60_000 + ((i * 7919 + k * 104_729) % 263_000);
      wh += 900 + ((i * 37) % 500) + (i === 17 ? -3000 : 0); // once a register that went backwards
      values.push(energy(wh, at));
    }
    await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: values });
    const { computedAt, currency, ...running } = costs.at(-1)!.cost;
    t.strictSame(running, fromScratch(transactionId), `after reading ${i + 1}: ${running.amount} ${currency}`);
  }
  t.equal(reads, 0, 'in order: the session\'s samples were never read again');

  // A sample from before the last one (a charger's late resend of an older reading).
  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(wh - 10, at - 60_000)] });
  const { computedAt: _late, currency: _c1, ...late } = costs.at(-1)!.cost;
  t.strictSame(late, fromScratch(transactionId), 'out of order: still the cost from scratch');
  t.equal(reads, 1, 'read once for it');
  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(wh + 500, at + 600_000)] });
  const { computedAt: _next, currency: _c2, ...next } = costs.at(-1)!.cost;
  t.strictSame(next, fromScratch(transactionId), 'and the next in order goes on from there');
  t.equal(reads, 1);
  t.ok(next.amount > 5, `a cost of some size (${next.amount})`);
});
