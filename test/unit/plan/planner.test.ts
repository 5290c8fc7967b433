/**
 * The planner over a simulated night with a time-of-use table (UTC): 0.40 in the evening, 0.30
 * until 02:00, 0.15 from 02:00 to 05:00, 0.35 from 05:00. A car at 11.04 kW (3 × 230 V × 16 A).
 */
import t from 'tap';
import { plan, SLOT_MS } from '../../../src/plan/planner.js';
import { tariffPrices, type FeedPrice, type Tariff } from '../../../src/cost/tariff.js';

const at = (hhmm: string, day = 3) => Date.parse(`2026-12-0${day}T${hhmm}:00Z`);
const TARIFF: Tariff = {
  currency: 'EUR',
  price: 0.35,
  timeZone: 'UTC',
  periods: [
    { from: '17:00', to: '22:00', price: 0.4 },
    { from: '22:00', to: '02:00', price: 0.3 },
    { from: '02:00', to: '05:00', price: 0.15 },
  ],
};
const POWER_W = 3 * 230 * 16;
const prices = (feed: FeedPrice[] = []) => tariffPrices(TARIFF, feed);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

t.test('the cheapest slots that deliver the energy by the deadline', async (t) => {
  // 22.08 kWh = exactly two hours at full power: 02:00 to 04:00.
  const p = plan({ now: at('18:07'), deadline: at('07:00', 4), neededWh: 2 * POWER_W, powerW: POWER_W, priceAt: prices() });
  t.equal(p.status, 'waiting');
  t.equal(p.chargeNow, false, 'not now: the evening is dear');
  t.same(p.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-04T02:00:00.000Z', '2026-12-04T04:00:00.000Z']], 'the first two hours of the cheap window');
  t.equal(iso(p.finishAt), '2026-12-04T04:00:00.000Z');
  t.equal(p.cost, Math.round(22.08 * 0.15 * 10_000) / 10_000, 'priced at 0.15');
  t.match(p.reason, /next from 02:00/);

  // In the window: charge now.
  const inside = plan({ now: at('02:30', 4), deadline: at('07:00', 4), neededWh: 1.5 * POWER_W, powerW: POWER_W, priceAt: prices() });
  t.equal(inside.status, 'charging');
  t.equal(inside.chargeNow, true);
  t.same(inside.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-04T02:30:00.000Z', '2026-12-04T04:00:00.000Z']]);
});

t.test('more than the cheap window holds: the next cheapest slots, the last one partly', async (t) => {
  // 4 h needed: 3 h at 0.15 and 1 h at 0.30 (the latest hour before 02:00 and the earliest are the same price: the earlier wins).
  const p = plan({ now: at('21:00'), deadline: at('07:00', 4), neededWh: 3.5 * POWER_W, powerW: POWER_W, priceAt: prices() });
  t.same(p.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-03T22:00:00.000Z', '2026-12-03T22:30:00.000Z'], ['2026-12-04T02:00:00.000Z', '2026-12-04T05:00:00.000Z']]);
  t.equal(iso(p.finishAt), '2026-12-04T05:00:00.000Z');
  t.equal(p.cost, Math.round((0.5 * 0.3 + 3 * 0.15) * (POWER_W / 1000) * 10_000) / 10_000);

  // A need that ends mid-slot: the slot is chosen whole, the finish is where the energy is in.
  const part = plan({ now: at('21:00'), deadline: at('07:00', 4), neededWh: POWER_W / 6, powerW: POWER_W, priceAt: prices() });
  t.same(part.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-04T02:00:00.000Z', '2026-12-04T02:15:00.000Z']]);
  t.equal(iso(part.finishAt), '2026-12-04T02:10:00.000Z');
});

t.test('a deadline that cannot be met: charge now and say so', async (t) => {
  const p = plan({ now: at('05:00', 4), deadline: at('07:00', 4), neededWh: 3 * POWER_W, powerW: POWER_W, priceAt: prices() });
  t.equal(p.status, 'unreachable');
  t.equal(p.chargeNow, true);
  t.match(p.reason, /33.1 kWh cannot be charged by the deadline at 11 kW \(at most 22.1 kWh\): charging now/);
  t.equal(iso(p.finishAt), '2026-12-04T08:00:00.000Z', 'three hours from now');
  const late = plan({ now: at('08:00', 4), deadline: at('07:00', 4), neededWh: 1000, powerW: POWER_W, priceAt: prices() });
  t.equal(late.chargeNow, true);
  t.match(late.reason, /the deadline has passed/);
  const none = plan({ now: at('05:00', 4), deadline: at('07:00', 4), neededWh: 1000, powerW: 0, priceAt: prices() });
  t.match(none, { status: 'unreachable', chargeNow: true });
});

t.test('the energy in the car: nothing to do', async (t) => {
  t.match(plan({ now: at('01:00', 4), deadline: at('07:00', 4), neededWh: 0, powerW: POWER_W, priceAt: prices() }), { status: 'reached', chargeNow: false, windows: [] });
});

t.test('prices change mid-plan: the next call re-plans with what is left', async (t) => {
  const first = plan({ now: at('21:00'), deadline: at('07:00', 4), neededWh: POWER_W, powerW: POWER_W, priceAt: prices() });
  t.same(first.windows.map((w) => iso(w.from)), ['2026-12-04T02:00:00.000Z']);
  // A day-ahead feed says 23:00 to 00:00 costs 0.05 (wind at night).
  const feed = [{ from: at('23:00'), to: at('00:00', 4), price: 0.05 }];
  const replanned = plan({ now: at('21:30'), deadline: at('07:00', 4), neededWh: POWER_W, powerW: POWER_W, priceAt: prices(feed) });
  t.same(replanned.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-03T23:00:00.000Z', '2026-12-04T00:00:00.000Z']], 'moved to the cheaper hour');
  t.equal(replanned.cost, Math.round(POWER_W / 1000 * 0.05 * 10_000) / 10_000);
  // Half way through that hour with half the energy in: the rest of the hour, nothing else.
  const midway = plan({ now: at('23:30'), deadline: at('07:00', 4), neededWh: POWER_W / 2, powerW: POWER_W, priceAt: prices(feed) });
  t.match(midway, { status: 'charging', chargeNow: true });
  t.same(midway.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-03T23:30:00.000Z', '2026-12-04T00:00:00.000Z']]);
  // The car took less than planned (it charged slower): the plan adds the cheapest slot left.
  const slower = plan({ now: at('00:00', 4), deadline: at('07:00', 4), neededWh: POWER_W / 4, powerW: POWER_W, priceAt: prices(feed) });
  t.same(slower.windows.map((w) => iso(w.from)), ['2026-12-04T02:00:00.000Z']);
});

t.test('a simulated night, minute by minute: the car charges only in the cheap window and is full by the deadline', async (t) => {
  let needed = 2.5 * POWER_W;
  const charged: number[] = [];
  for (let now = at('18:00'); now < at('07:00', 4); now += 60_000) {
    const p = plan({ now, deadline: at('07:00', 4), neededWh: needed, powerW: POWER_W, priceAt: prices() });
    if (p.chargeNow) {
      charged.push(now);
      needed -= POWER_W / 60;
    }
  }
  t.ok(needed <= 1e-6, `all the energy delivered (left ${needed} Wh)`);
  t.equal(charged.length, 150, 'two and a half hours of charging');
  t.ok(charged.every((m) => m >= at('02:00', 4) && m < at('05:00', 4)), 'every charging minute at 0.15');
});

t.test('unpriced slots come last, and the slots start on quarter hours', async (t) => {
  const p = plan({ now: at('10:05'), deadline: at('11:00'), neededWh: POWER_W / 4, powerW: POWER_W, priceAt: (ms) => (ms >= at('10:30') ? 0.2 : undefined) });
  t.same(p.windows.map((w) => [iso(w.from), iso(w.to)]), [['2026-12-03T10:30:00.000Z', '2026-12-03T10:45:00.000Z']]);
  t.equal(SLOT_MS, 900_000);
  const none = plan({ now: at('10:05'), deadline: at('10:35'), neededWh: POWER_W / 4, powerW: POWER_W, priceAt: () => undefined });
  t.equal(none.chargeNow, true, 'no price at all: the earliest slots');
  t.equal(none.cost, undefined);
  t.equal(none.unpricedWh, Math.round(POWER_W / 4));
});
