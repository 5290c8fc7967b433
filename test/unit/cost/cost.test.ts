import t from 'tap';
import { externalLimits } from '../../../src/balancer/external.js';
import { costOf, energyReadings, type EnergyReading } from '../../../src/cost/session-cost.js';
import { mergeFeed, parseFeed, tariffPrices, type Tariff } from '../../../src/cost/tariff.js';
import type { MeterSample, SessionRecord } from '../../../src/store/ports.js';
import { monthlyCost, monthRange, type CostedSession } from '../../../src/report/cost.js';

// Night 0.20, evening peak 0.40, else 0.30, in Berlin (UTC+1 in winter, +2 in summer).
const TOU: Tariff = {
  currency: 'EUR',
  price: 0.3,
  timeZone: 'Europe/Berlin',
  periods: [
    { from: '22:00', to: '06:00', price: 0.2 },
    { from: '17:00', to: '20:00', price: 0.4 },
  ],
};

/** Readings every `stepMin` minutes at a constant power, from `startIso`. */
function steady(startIso: string, hours: number, kw: number, stepMin = 15): EnergyReading[] {
  const start = Date.parse(startIso);
  const out: EnergyReading[] = [];
  for (let m = 0; m <= hours * 60; m += stepMin) out.push({ at: start + m * 60_000, wh: 10_000 + (kw * 1000 * m) / 60 });
  return out;
}

t.test('a fixed price: energy × price', async (t) => {
  const price = tariffPrices({ currency: 'EUR', price: 0.3, periods: [], timeZone: 'UTC' }, []);
  t.strictSame(costOf(steady('2026-12-03T08:00:00Z', 2, 5), price), { amount: 3, energyWh: 10_000, unpricedWh: 0 });
});

t.test('a simulated day at 3.6 kW over the time-of-use periods', async (t) => {
  // 8 h of night, 3 h of peak, 13 h of day (local Berlin midnight to midnight, winter).
  const cost = costOf(steady('2026-12-02T23:00:00Z', 24, 3.6), tariffPrices(TOU, []));
  t.equal(cost.energyWh, 86_400);
  t.equal(cost.amount, 3.6 * (8 * 0.2 + 3 * 0.4 + 13 * 0.3));
});

t.test('one reading gap over a period boundary is split where the price changes', async (t) => {
  // 16:30 to 17:30 local, 11 kWh, one interval: half at 0.30, half at 0.40.
  const readings = [{ at: Date.parse('2026-12-03T15:30:00Z'), wh: 0 }, { at: Date.parse('2026-12-03T16:30:00Z'), wh: 11_000 }];
  t.equal(costOf(readings, tariffPrices(TOU, [])).amount, 5.5 * 0.3 + 5.5 * 0.4);
});

t.test('a feed price in the middle of a session beats the period, then the period holds again', async (t) => {
  const feed = parseFeed([{ from: '2026-12-03T17:30:00+01:00', to: '2026-12-03T18:00:00+01:00', price: 0.05 }], 3600);
  if (!('prices' in feed)) throw new Error(feed.problem);
  // 16:30 to 18:30 local at 11 kW: 30 min each at 0.30, 0.40, 0.05 (feed), 0.40.
  const cost = costOf(steady('2026-12-03T15:30:00Z', 2, 11, 10), tariffPrices(TOU, feed.prices));
  t.equal(cost.amount, Math.round(5.5 * (0.3 + 0.4 + 0.05 + 0.4) * 1e4) / 1e4);
});

t.test('daylight saving time: periods follow the local clock', async (t) => {
  // 29 March 2026, Berlin springs forward at 02:00 local (01:00 UTC). 03:00–04:00 UTC is
  // 05:00–06:00 CEST (night, 0.20), 04:00–05:00 UTC is 06:00–07:00 (day, 0.30).
  t.equal(costOf(steady('2026-03-29T03:00:00Z', 2, 1), tariffPrices(TOU, [])).amount, 0.5, 'spring: 1 kWh at 0.20 + 1 kWh at 0.30');
  // 25 October 2026, Berlin falls back at 03:00 CEST to 02:00 CET: 01:00–03:00 local lasts three hours.
  const cheapHours: Tariff = { currency: 'EUR', price: 0.3, timeZone: 'Europe/Berlin', periods: [{ from: '01:00', to: '03:00', price: 0.1 }] };
  const cost = costOf(steady('2026-10-24T23:00:00Z', 4, 1), tariffPrices(cheapHours, []));
  t.equal(cost.amount, 0.6, 'autumn: three hours at 0.10 (the repeated hour too), then one at 0.30');
});

t.test('weekdays: a period only on its days', async (t) => {
  const weekend: Tariff = { currency: 'EUR', price: 0.3, timeZone: 'UTC', periods: [{ from: '00:00', to: '23:59', days: ['sat', 'sun'], price: 0.1 }] };
  const price = tariffPrices(weekend, []);
  t.equal(price(Date.parse('2026-12-05T12:00:00Z')), 0.1, 'Saturday');
  t.equal(price(Date.parse('2026-12-07T12:00:00Z')), 0.3, 'Monday');
});

t.test('energy at instants without a price is counted apart', async (t) => {
  const onlyNights: Tariff = { currency: 'EUR', timeZone: 'UTC', periods: [{ from: '22:00', to: '06:00', price: 0.2 }] };
  const cost = costOf(steady('2026-12-03T05:00:00Z', 2, 1), tariffPrices(onlyNights, []));
  t.strictSame(cost, { amount: 0.2, energyWh: 2000, unpricedWh: 1000 });
});

t.test('the feed: validity of the last price, next entry, checks', async (t) => {
  const ok = parseFeed({ prices: [{ from: '2026-12-03T11:00:00Z', price: 0.1 }, { from: '2026-12-03T10:00:00Z', price: -0.02 }] }, 1800);
  t.strictSame(ok, {
    prices: [
      { from: Date.parse('2026-12-03T10:00:00Z'), to: Date.parse('2026-12-03T11:00:00Z'), price: -0.02 },
      { from: Date.parse('2026-12-03T11:00:00Z'), to: Date.parse('2026-12-03T11:30:00Z'), price: 0.1 },
    ],
  }, 'sorted; each holds until the next, the last for the validity; negative prices allowed');
  const price = tariffPrices({ currency: 'EUR', price: 0.3, periods: [], timeZone: 'UTC' }, 'prices' in ok ? ok.prices : []);
  t.equal(price(Date.parse('2026-12-03T11:29:59Z')), 0.1);
  t.equal(price(Date.parse('2026-12-03T11:30:00Z')), 0.3, 'expired: the fixed price again');
  t.match(parseFeed({ price: 1 }, 60), { problem: /JSON array/ });
  t.match(parseFeed([{ from: '2026-12-03 10:00', price: 1 }], 60), { problem: /prices\[0\]\.from must be a date-time with a zone/ });
  t.match(parseFeed([{ from: '2026-12-03T10:00:00Z', price: '0.3' }], 60), { problem: /prices\[0\]\.price must be a number/ });
  t.match(parseFeed([{ from: '2026-12-03T10:00:00Z', to: '2026-12-03T09:00:00Z', price: 1 }], 60), { problem: /prices\[0\]\.to must be .* after from/ });
  t.match(parseFeed([{ from: '2026-12-03T10:00:00Z', price: 1, unit: 'ct' }], 60), { problem: /unknown key "unit"/ });
});

t.test("a session's readings: start, the register samples in the session, stop", async (t) => {
  const session = { transactionId: 1, chargerId: 'CP1', connectorId: 1, idTag: 'A', startedAt: '2026-12-03T10:00:00Z', meterStart: 1000, state: 'completed', stoppedAt: '2026-12-03T11:00:00Z', meterStop: 4000 } as SessionRecord;
  const sample = (timestamp: string, value: string, extra: Partial<MeterSample> = {}): MeterSample => ({ chargerId: 'CP1', connectorId: 1, transactionId: 1, timestamp, value, measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...extra });
  const readings = energyReadings(session, [
    sample('2026-12-03T10:30:00Z', '2.5', { unit: 'kWh' }),
    sample('2026-12-03T10:30:00Z', '800', { phase: 'L1' }),
    sample('2026-12-03T10:40:00Z', '2000'),
    sample('2026-12-03T10:45:00Z', '9', { measurand: 'Current.Import' }),
    sample('2026-12-03T12:00:00Z', '9000'),
  ]);
  t.strictSame(readings, [
    { at: Date.parse('2026-12-03T10:00:00Z'), wh: 1000 },
    { at: Date.parse('2026-12-03T10:30:00Z'), wh: 2500 },
    { at: Date.parse('2026-12-03T11:00:00Z'), wh: 4000 },
  ], 'per-phase, other measurands, a register gone backwards and samples after the stop are left out');
});

t.test('a new feed publication replaces the future, keeps the past, forgets after a week', async (t) => {
  const h = (n: number) => Date.parse('2026-12-03T00:00:00Z') + n * 3600_000;
  const known = [{ from: h(0), to: h(2), price: 0.1 }, { from: h(2), to: h(4), price: 0.2 }, { from: h(-200), to: h(-199), price: 9 }];
  t.strictSame(mergeFeed(known, [{ from: h(1), to: h(3), price: 0.5 }], h(1)), [
    { from: h(0), to: h(1), price: 0.1 },
    { from: h(1), to: h(3), price: 0.5 },
  ]);
});

t.test("site.prices compares the tariff's price with its threshold when there is a tariff", async (t) => {
  const price = tariffPrices(TOU, []);
  const limits = (iso: string) => externalLimits({ schedule: [], timeZone: 'UTC', prices: { threshold: 0.35, maxCurrent: 10, table: [] }, tariffPrice: price, runtime: new Map(), now: Date.parse(iso) });
  t.strictSame(limits('2026-12-03T16:30:00Z'), [{ source: 'price 0.4 above 0.35', amps: 10 }], 'the evening peak (17:30 in Berlin) lowers the site limit');
  t.strictSame(limits('2026-12-03T12:00:00Z'), [], 'the day price does not');
});

t.test('a month counts the finished sessions that started in it, in the time zone', async (t) => {
  const session = (id: number, startedAt: string, chargerId: string, amount: number, state: 'active' | 'completed' = 'completed') =>
    ({ transactionId: id, chargerId, connectorId: 1, idTag: 'A', startedAt, meterStart: 0, state, cost: { currency: 'EUR', amount, energyWh: 1000 * amount, unpricedWh: 0, computedAt: startedAt } }) as CostedSession;
  const sessions = [
    session(1, '2026-11-30T23:30:00Z', 'CP1', 1), // 00:30 on 1 December in Berlin
    session(2, '2026-12-31T22:30:00Z', 'CP2', 2), // 23:30 on 31 December
    session(3, '2026-12-31T23:30:00Z', 'CP1', 4), // January in Berlin
    session(4, '2026-12-10T10:00:00Z', 'CP1', 8, 'active'), // still charging: not final
  ];
  t.strictSame(monthlyCost(sessions, '2026-12', 'Europe/Berlin'), {
    month: '2026-12', timeZone: 'Europe/Berlin', currency: 'EUR', sessions: 2, energyKWh: 3, amount: 3, unpricedKWh: 0,
    chargers: [{ chargerId: 'CP1', sessions: 1, energyKWh: 1, amount: 1 }, { chargerId: 'CP2', sessions: 1, energyKWh: 2, amount: 2 }],
  });
  t.equal(monthlyCost(sessions, '2026-12', 'UTC').amount, 6, 'in UTC the first is November, the third December');
  t.strictSame(monthRange('2026-12'), { from: new Date('2026-11-30T00:00:00Z'), to: new Date('2027-01-02T00:00:00Z') });
});
