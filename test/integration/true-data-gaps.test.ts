/**
 * Issue #18, true data, the smaller gaps: voltage goes to unknown when a session ends or the
 * charger goes offline (as power and current go to 0), and readings outside a session (a late
 * MeterValues of an ended transaction, a connector-level one while idle) set the energy
 * register only: they do not bring power, current or voltage back. What a fresh subscriber
 * (Home Assistant after its restart) reads, and what the API says, over the embedded broker.
 * The grid meter's power is shown (W, Home Assistant's power sensor), not only its currents.
 */
import t, { type Test } from 'tap';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { discoveryProblems, haConfig, stateProblem } from '../helpers/ha-discovery.js';
import { startBareAedes } from '../../src/mqtt/broker.js';

const CP1 = 'chargegate/chargers/CP1';
const C1 = `${CP1}/connectors/1`;
const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const PHASES = ['L1', 'L2', 'L3'];

const reading = (timestamp: string, wh: number) => [
  {
    timestamp,
    sampledValue: [
      { measurand: 'Power.Active.Import', value: '7000', unit: 'W' },
      { measurand: 'Energy.Active.Import.Register', value: String(wh), unit: 'Wh' },
      ...PHASES.map((phase) => ({ measurand: 'Current.Import', value: '10', phase, unit: 'A' })),
      ...PHASES.map((phase) => ({ measurand: 'Voltage', value: '231', phase: `${phase}-N`, unit: 'V' })),
    ].map((v) => ({ context: 'Sample.Periodic', ...v })),
  },
];

async function retained(t: Test, url: string, topics: string[]): Promise<Record<string, string>> {
  const fresh = await connectClient(t, url);
  await fresh.subscribe(`${CP1}/#`);
  const out: Record<string, string> = {};
  for (const topic of topics) out[topic] = (await fresh.waitFor(topic)).payload;
  await fresh.end();
  return out;
}

async function c1(gw: RunningGateway): Promise<{ powerW: number | null; currentA: number[] | null }> {
  return (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.connectors[0];
}

const voltages = Object.fromEntries(PHASES.map((p) => [`${C1}/voltage/${p}`, 'none']));

t.test('voltage is unknown after a session and offline; late and idle readings set the register only', async (t) => {
  const gw = await startGateway(t, { patch: (c) => ((c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0 }), (c.http = HTTP)) });
  const url = `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  const live: TestClient = await connectClient(t, url);
  await live.subscribe(`${CP1}/#`);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });

  const first = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await cp.call('MeterValues', { connectorId: 1, transactionId: first.transactionId, meterValue: reading(new Date().toISOString(), 1000) });
  await live.waitFor(`${C1}/voltage/L3`, (p) => p === '231');
  t.match(await c1(gw), { powerW: 7000, currentA: [10, 10, 10] });

  // The session ends: 0 W, 0 A, voltage unknown.
  await cp.call('StopTransaction', { transactionId: first.transactionId, meterStop: 1000, timestamp: new Date().toISOString() });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  await live.waitFor(`${C1}/voltage/L1`, (p) => p === 'none');
  t.same(await retained(t, url, Object.keys(voltages)), voltages, 'a fresh subscriber reads no voltage once the session ended');

  // A late MeterValues of the ended transaction, then a connector-level one while idle.
  const seen = live.received.length;
  await cp.call('MeterValues', { connectorId: 1, transactionId: first.transactionId, meterValue: reading(new Date().toISOString(), 1100) });
  await cp.call('MeterValues', { connectorId: 1, meterValue: reading(new Date().toISOString(), 1200) });
  await live.waitFor(`${C1}/energy`, (p) => p === '1200');
  const after = live.received.slice(seen).filter((m) => /\/(power|current\/L\d|voltage\/L\d|soc)$/.test(m.topic));
  t.same(after, [], 'no power, current or voltage published from readings outside a session');
  t.same(
    await retained(t, url, [`${C1}/power`, `${C1}/current/L1`, `${C1}/voltage/L2`, `${C1}/energy`]),
    { [`${C1}/power`]: '0', [`${C1}/current/L1`]: '0', [`${C1}/voltage/L2`]: 'none', [`${C1}/energy`]: '1200' },
    'the register moved; power, current and voltage still say no session',
  );
  t.match(await c1(gw), { powerW: 0, currentA: [0, 0, 0] }, 'the API too');
  gw.app.http.sampleLoad();
  t.same(gw.app.http.history.latest()?.chargersA, [0, 0, 0], 'and the chart\'s load');

  // A new session's voltage, then the charger goes offline: unknown again.
  const second = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1200, timestamp: new Date().toISOString() });
  await cp.call('MeterValues', { connectorId: 1, transactionId: second.transactionId, meterValue: reading(new Date().toISOString(), 1300) });
  await live.waitFor(`${C1}/power`, (p) => p === '7000');
  await eventually(() => live.latest(`${C1}/voltage/L1`) === '231', 'voltage during the second session');
  await cp.close();
  await live.waitFor(`${CP1}/connected`, (p) => p === 'offline');
  await eventually(() => live.latest(`${C1}/voltage/L1`) === 'none', 'voltage unknown once offline');
  t.same(await retained(t, url, Object.keys(voltages)), voltages, 'offline: no voltage');
});

/** A site with an MQTT grid meter on a broker of its own (the user's), HA discovery on the embedded one. */
async function siteWithMeter(t: Test, meter: Record<string, unknown>) {
  const meterBroker = await startBareAedes();
  t.teardown(() => meterBroker.close());
  const meterUrl = `mqtt://127.0.0.1:${meterBroker.port}`;
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0 };
      c.http = HTTP;
      c.site = { supply: { maxCurrent: 32, phases: 3, voltage: 230 }, meter: { type: 'mqtt', url: meterUrl, ...meter } };
    },
  });
  const url = `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  const home = await connectClient(t, url);
  await home.subscribe(['chargegate/site/#', 'homeassistant/#']);
  const meterClient = await connectClient(t, meterUrl);
  return { gw, home, meterClient };
}

/** The Grid power sensor's discovery config, awaited: it and the meter's first reading race to the subscriber. */
async function gridPowerEntity(t: Test, home: TestClient): Promise<void> {
  const m = await home.waitFor('homeassistant/sensor/chargegate_site/grid_power/config');
  const config = haConfig(m.payload);
  t.match(config, { state_topic: 'chargegate/site/grid/power', device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement' });
  t.strictSame(discoveryProblems('sensor', config), [], 'Home Assistant\'s rules');
  for (const v of home.received.filter((r) => r.topic === config.state_topic)) t.equal(stateProblem('sensor', config, v.payload), undefined, `takes ${v.payload}`);
}

t.test('grid power: A × the supply voltage per phase from a meter of currents', async (t) => {
  const { home, meterClient } = await siteWithMeter(t, { topic: 'home/grid', fields: ['l1', 'l2', 'l3'] });
  await home.waitFor('homeassistant/sensor/chargegate_site/grid_power/config');
  // Export on L3 (negative): the power is the signed sum, 10×230 + 2×230 − 4×230.
  await eventually(async () => {
    await meterClient.publish('home/grid', JSON.stringify({ l1: 10, l2: 2, l3: -4 }));
    return home.latest('chargegate/site/grid/power') !== undefined;
  }, 'the grid power published');
  t.equal(home.latest('chargegate/site/grid/power'), '1840');
  t.equal((await home.waitFor('chargegate/site/grid/current/L1')).payload, '10', 'the currents beside it');
  await gridPowerEntity(t, home);
});

t.test('grid power: a meter of W gives its own power', async (t) => {
  const { gw, home, meterClient } = await siteWithMeter(t, { topic: 'home/grid', fields: ['p1', 'p2', 'p3'], quantity: 'power' });
  await eventually(async () => {
    await meterClient.publish('home/grid', JSON.stringify({ p1: 1234, p2: 100, p3: 0 }));
    return home.latest('chargegate/site/grid/power') !== undefined;
  }, 'the grid power published');
  t.equal(home.latest('chargegate/site/grid/power'), '1334');
  t.match((await api(gw.httpUrl, '/api/site', { token: TOKENS.read })).json, { grid: { powerW: 1334 } }, 'the API says the same');
  await gridPowerEntity(t, home);
});
