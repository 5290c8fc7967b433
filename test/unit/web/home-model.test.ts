import t from 'tap';
import { capRange, connectorPower, nextTimeOfDay, plainStatus, planByValue, planWords, sitePower, startOfDay, stopReasonWords, todayTotals, userCap } from '../../../src/web/app/home-model.js';
import type { Charger, Connector, Plan, Session } from '../../../src/web/app/types.js';

const connector = (over: Partial<Connector>): Connector => ({ connectorId: 1, status: 'Available', powerW: null, currentA: null, session: null, limit: null, ...over });
const charger = (id: string, online: boolean, connectors: Connector[]): Charger => ({ id, online, status: 'Available', controlled: null, connectors });

t.test('a connector\'s state in plain words, no OCPP names', async (t) => {
  const say = (online: boolean, k: Partial<Connector>) => plainStatus(online, connector(k)).text;
  t.equal(say(true, { status: 'Available' }), 'Ready');
  t.equal(say(true, { status: 'Preparing' }), 'Car plugged in, waiting');
  t.equal(say(true, { status: 'Charging', powerW: 7400 }), 'Charging at 7.4 kW');
  t.equal(say(true, { status: 'Charging', currentA: [16, 0, 0] }), 'Charging at ≈3.7 kW', 'currents only: estimated at 230 V, marked');
  t.equal(say(true, { status: 'Charging' }), 'Charging', 'nothing measured yet');
  t.equal(say(true, { status: 'SuspendedEVSE' }), 'Car plugged in, paused by the limit');
  t.equal(say(true, { status: 'SuspendedEV' }), 'Car plugged in, the car paused');
  t.equal(say(true, { status: 'Finishing' }), 'Finished, unplug the car');
  t.equal(say(true, { status: 'Faulted', errorCode: 'GroundFailure' }), 'Fault: earth fault');
  t.equal(say(true, { status: 'Faulted', errorCode: 'VendorThing' }), 'Fault: unknown error');
  t.equal(say(false, { status: 'Charging', powerW: 7400 }), 'Offline', 'offline wins over the last status');
  for (const status of ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved', 'Unavailable', 'Faulted', 'Never connected']) {
    t.notMatch(say(true, { status, errorCode: 'EVCommunicationError' }), /EV[A-Z]|Suspended|Preparing|Available|Unavailable|Faulted|idTag/, `${status}: no OCPP word`);
  }
});

t.test('power now: reported where it is, estimated where only currents are; offline chargers count nothing', async (t) => {
  t.same(connectorPower(connector({ powerW: 0, currentA: [16, 16, 16] })), { w: 0, estimated: false }, 'a reported 0 W is 0 W');
  t.same(sitePower([charger('A', true, [connector({ powerW: 7400 })]), charger('B', true, [connector({ currentA: [10, 10, 10] })]), charger('C', false, [connector({ powerW: 11000 })])]), { w: 7400 + 6900, estimated: true });
  t.same(sitePower([charger('A', true, [connector({ powerW: 7400 })])]), { w: 7400, estimated: false });
});

t.test('today: sessions since local midnight, the running one at its live reading, cost where priced', async (t) => {
  const midnight = startOfDay(new Date(2026, 11, 3, 15, 30));
  t.equal(midnight.getHours(), 0);
  const at = (h: number) => new Date(2026, 11, 3, h).toISOString();
  const sessions: Session[] = [
    { transactionId: 1, chargerId: 'A', connectorId: 1, idTag: 'T', state: 'completed', startedAt: new Date(2026, 11, 2, 23).toISOString(), energyWh: 9000, cost: { currency: 'EUR', amount: 3 } },
    { transactionId: 2, chargerId: 'A', connectorId: 1, idTag: 'T', state: 'completed', startedAt: at(8), energyWh: 5000, cost: { currency: 'EUR', amount: 1.5 } },
    { transactionId: 3, chargerId: 'A', connectorId: 1, idTag: 'T', state: 'active', startedAt: at(14), energyWh: 1000, cost: { currency: 'EUR', amount: 0.3 } },
  ];
  const live = [charger('A', true, [connector({ session: { transactionId: 3, idTag: 'T', startedAt: at(14), energyWh: 2500 } })])];
  t.same(todayTotals(sessions, live, midnight), { energyWh: 7500, cost: { amount: 1.8, currency: 'EUR' } }, 'yesterday\'s session is not today\'s');
  t.same(todayTotals(sessions.map(({ cost: _c, ...s }) => s), [], midnight), { energyWh: 6000, cost: null }, 'no tariff: no cost');
});

t.test('the slider: 6 A to the charger\'s maximum; the cap a local user set', async (t) => {
  t.same(capRange(16), { min: 6, max: 16 });
  t.same(capRange(undefined), { min: 6, max: 32 });
  t.same(capRange(4), { min: 6, max: 6 });
  t.equal(userCap([]), null);
  t.equal(userCap([{ source: 'http', amps: 10 }, { source: 'mqtt', amps: 12 }, { source: 'cloud', amps: 8 }, { connectorId: 1, source: 'http', amps: 6 }]), 10, 'the whole charger\'s, by a local user');
});

t.test('why a session ended, in words', async (t) => {
  t.equal(stopReasonWords('EVDisconnected'), 'car unplugged');
  t.equal(stopReasonWords('Remote'), 'stopped from the app');
  t.equal(stopReasonWords(undefined), '');
  t.equal(stopReasonWords('VendorSpecific'), 'VendorSpecific', 'an unknown reason as sent');
});

t.test('a charging plan in plain words (issue #18)', async (t) => {
  const utc = (iso: string) => iso.slice(11, 16);
  const plan: Plan = {
    chargerId: 'CP1', connectorId: 1, energyKWh: 20, by: '2026-01-02T07:00:00.000Z', status: 'waiting', expectedCost: 3.1, currency: 'EUR',
    windows: [{ from: '2026-01-02T02:00:00.000Z', to: '2026-01-02T04:00:00.000Z' }],
  };
  t.equal(planWords(plan, utc), '20 kWh by 07:00 — charging 02:00–04:00, ≈ 3.10 EUR');
  t.equal(planWords({ ...plan, expectedCost: null, currency: null }, utc), '20 kWh by 07:00 — charging 02:00–04:00', 'no tariff: no cost');
  t.equal(planWords({ ...plan, energyKWh: undefined, soc: 80, windows: [...plan.windows, { from: '2026-01-01T22:00:00.000Z', to: '2026-01-01T22:40:00.000Z' }] }, utc), '80 % by 07:00 — charging 02:00–04:00, 22:00–22:40, ≈ 3.10 EUR');
  t.equal(planWords({ ...plan, status: 'reached', windows: [] }, utc), '20 kWh by 07:00 — done');
  t.equal(planWords({ ...plan, status: 'unreachable' }, utc), '20 kWh by 07:00 — not reachable in time: charging now, ≈ 3.10 EUR');
  t.equal(planByValue(plan, utc), '07:00');
  t.equal(planByValue(undefined, utc), '07:00', 'no plan: the form offers the morning');
});

t.test('the plan form\'s time is the next such time of the browser\'s day', async (t) => {
  const now = new Date(2026, 0, 1, 18, 30);
  t.equal(nextTimeOfDay('07:00', now), new Date(2026, 0, 2, 7, 0).toISOString(), 'tomorrow morning');
  t.equal(nextTimeOfDay('22:15', now), new Date(2026, 0, 1, 22, 15).toISOString(), 'later today');
  t.equal(nextTimeOfDay('18:30', now), new Date(2026, 0, 2, 18, 30).toISOString(), 'now is tomorrow\'s');
});
