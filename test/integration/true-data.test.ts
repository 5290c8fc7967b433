/**
 * Issue #18, true data: what a home user reads in Home Assistant (retained MQTT topics, read by
 * a fresh subscriber as Home Assistant does after its restart), in the API and on the live feed
 * is what the charger draws now. 0 W / 0 A once a session ends or the charger goes offline
 * (energy, a total, stays); a 1-phase session after a 3-phase one shows 0 A on L2 and L3; and
 * the charger's status is its connectors' rolled up. Over the embedded broker and Mosquitto.
 */
import t, { type Test } from 'tap';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { mosquittoPath, startMosquitto } from '../helpers/mosquitto.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const binary = mosquittoPath();
const CP1 = 'chargegate/chargers/CP1';
const C1 = `${CP1}/connectors/1`;
const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };

interface Broker {
  name: string;
  skip: string | false;
  /** The gateway's mqtt: section, and the URL a user's client connects to. */
  start(t: Test): Promise<{ mqtt: Record<string, unknown>; url(gw: RunningGateway): string }>;
}

const BROKERS: Broker[] = [
  { name: 'the embedded broker', skip: false, start: async () => ({ mqtt: { port: 0, throttle: 0 }, url: (gw) => `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}` }) },
  {
    name: 'Mosquitto',
    skip: binary ? false : 'mosquitto is not installed',
    start: async (t) => {
      const broker = await startMosquitto(t, binary!);
      return { mqtt: { url: broker.url, throttle: 0 }, url: () => broker.url };
    },
  },
];

/** Resolves when `client` gets `payload` on `topic` after the messages it already has. */
function next(client: TestClient, topic: string, payload: string): Promise<void> {
  const seen = client.received.length;
  return eventually(() => client.received.slice(seen).some((m) => m.topic === topic && m.payload === payload), `${payload} on ${topic}`);
}

/** What a fresh subscriber (Home Assistant after a restart) reads: the retained message of each topic. */
async function retained(t: Test, url: string, topics: string[]): Promise<Record<string, string>> {
  const fresh = await connectClient(t, url);
  await fresh.subscribe(`${CP1}/#`);
  const out: Record<string, string> = {};
  for (const topic of topics) {
    const m = await fresh.waitFor(topic);
    t.ok(m.retain, `${topic} is retained`);
    out[topic] = m.payload;
  }
  await fresh.end();
  return out;
}

const sampled = (timestamp: string, values: { measurand: string; value: string; phase?: string; unit?: string }[]) => [{ timestamp, sampledValue: values.map((v) => ({ context: 'Sample.Periodic', ...v })) }];
const threePhase = (timestamp: string) =>
  sampled(timestamp, [
    { measurand: 'Power.Active.Import', value: '8970', unit: 'W' },
    { measurand: 'Energy.Active.Import.Register', value: '1000', unit: 'Wh' },
    ...['L1', 'L2', 'L3'].map((phase) => ({ measurand: 'Current.Import', value: '13', phase, unit: 'A' })),
  ]);
const onePhase = (timestamp: string) =>
  sampled(timestamp, [
    { measurand: 'Power.Active.Import', value: '3680', unit: 'W' },
    { measurand: 'Current.Import', value: '16', phase: 'L1', unit: 'A' },
  ]);

async function connectorView(gw: RunningGateway) {
  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  return { status: view.status as string, c1: view.connectors[0] as { powerW: number | null; currentA: number[] | null; status: string } };
}

for (const broker of BROKERS) {
  t.test(`over ${broker.name}`, { skip: broker.skip }, async (t) => {
    t.test('0 W / 0 A after a session ends and offline; a 1-phase session after a 3-phase one; the status rolled up', async (t) => {
      const { mqtt, url } = await broker.start(t);
      const gw = await startGateway(t, { patch: (c) => ((c.mqtt = mqtt), (c.http = HTTP)) });
      const live = await connectClient(t, url(gw));
      await live.subscribe(`${CP1}/#`);
      const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
      await cp.call('BootNotification', bootPayload);
      await cp.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' });
      await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });

      // A 3-phase session at 8,970 W.
      const first = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
      await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
      await cp.call('MeterValues', { connectorId: 1, transactionId: first.transactionId, meterValue: threePhase(new Date().toISOString()) });
      await live.waitFor(`${C1}/current/L3`, (p) => p === '13');
      await live.waitFor(`${CP1}/status`, (p) => p === 'Charging');
      t.same(await retained(t, url(gw), [`${C1}/power`, `${C1}/current/L2`, `${CP1}/status`]), { [`${C1}/power`]: '8970', [`${C1}/current/L2`]: '13', [`${CP1}/status`]: 'Charging' }, 'Charging while connector 0 says Available');
      t.match(await connectorView(gw), { status: 'Charging', c1: { powerW: 8970, currentA: [13, 13, 13] } }, 'the API says the same');

      // It ends: 0 W and 0 A, the energy register kept.
      await cp.call('StopTransaction', { transactionId: first.transactionId, meterStop: 1000, timestamp: new Date().toISOString() });
      await cp.call('StatusNotification', { connectorId: 1, status: 'Finishing', errorCode: 'NoError' });
      await live.waitFor(`${C1}/power`, (p) => p === '0');
      await live.waitFor(`${CP1}/status`, (p) => p === 'Finishing');
      t.same(
        await retained(t, url(gw), [`${C1}/power`, `${C1}/current/L1`, `${C1}/current/L2`, `${C1}/current/L3`, `${C1}/energy`]),
        { [`${C1}/power`]: '0', [`${C1}/current/L1`]: '0', [`${C1}/current/L2`]: '0', [`${C1}/current/L3`]: '0', [`${C1}/energy`]: '1000' },
        'a fresh subscriber reads 0 W and 0 A; the energy register stays',
      );
      t.match(await connectorView(gw), { status: 'Finishing', c1: { powerW: 0, currentA: [0, 0, 0] } }, 'the API says 0, not null');

      // A 1-phase session: L2 and L3 at 0 A, not the last session's 13 A.
      await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
      const second = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: new Date().toISOString() });
      t.match((await connectorView(gw)).c1, { powerW: null, currentA: null }, 'a new session not reported yet: unknown, not the last session\'s values');
      await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
      await cp.call('MeterValues', { connectorId: 1, transactionId: second.transactionId, meterValue: onePhase(new Date().toISOString()) });
      await live.waitFor(`${C1}/current/L1`, (p) => p === '16');
      t.same(await retained(t, url(gw), [`${C1}/current/L1`, `${C1}/current/L2`, `${C1}/current/L3`]), { [`${C1}/current/L1`]: '16', [`${C1}/current/L2`]: '0', [`${C1}/current/L3`]: '0' });
      t.match(await connectorView(gw), { status: 'Charging', c1: { powerW: 3680, currentA: [16, 0, 0] } });
      gw.app.http.sampleLoad();
      t.same(gw.app.http.history.latest()?.chargersA, [16, 0, 0], 'the chart\'s load: L1 only');

      // Offline while charging: 0 W and 0 A.
      const zero = next(live, `${C1}/power`, '0');
      await cp.close();
      await live.waitFor(`${CP1}/connected`, (p) => p === 'offline');
      await zero;
      t.same(await retained(t, url(gw), [`${C1}/power`, `${C1}/current/L1`]), { [`${C1}/power`]: '0', [`${C1}/current/L1`]: '0' }, 'offline: 0 W, 0 A');
      t.match(await connectorView(gw), { status: 'Offline', c1: { powerW: 0, currentA: [0, 0, 0] } });
    });
  });
}

t.test('a 2.0.1 charger (no connector 0): Charging rolls up; TransactionEvent Ended says 0 W / 0 A', async (t) => {
  const gw = await startGateway(t, { patch: (c) => ((c.mqtt = { port: 0, throttle: 0 }), (c.http = HTTP)) });
  const url = `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  const live: TestClient = await connectClient(t, url);
  await live.subscribe(`${CP1}/#`);
  const cp: RpcClient = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  const at = new Date().toISOString();
  await cp.call('StatusNotification', { timestamp: at, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  const tx = { transactionId: 'tx-home-1' };
  const meter = (timestamp: string) => [
    {
      timestamp,
      sampledValue: [
        { value: 7400, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
        { value: 2000, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
        ...['L1', 'L2', 'L3'].map((phase) => ({ value: 10.7, measurand: 'Current.Import', phase, unitOfMeasure: { unit: 'A' } })),
      ],
    },
  ];
  await cp.call('TransactionEvent', { eventType: 'Started', timestamp: at, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { ...tx, chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' } });
  await cp.call('TransactionEvent', { eventType: 'Updated', timestamp: at, triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: tx, meterValue: meter(at) });
  await live.waitFor(`${C1}/power`, (p) => p === '7400');
  await live.waitFor(`${CP1}/status`, (p) => p === 'Charging');
  t.match(await connectorView(gw), { status: 'Charging', c1: { powerW: 7400, currentA: [10.7, 10.7, 10.7] } });

  const end = new Date().toISOString();
  await cp.call('TransactionEvent', { eventType: 'Ended', timestamp: end, triggerReason: 'EVCommunicationLost', seqNo: 2, transactionInfo: { ...tx, stoppedReason: 'EVDisconnected' } });
  await live.waitFor(`${C1}/power`, (p) => p === '0');
  t.same(await retained(t, url, [`${C1}/power`, `${C1}/current/L3`, `${C1}/energy`]), { [`${C1}/power`]: '0', [`${C1}/current/L3`]: '0', [`${C1}/energy`]: '2000' });
  t.match((await connectorView(gw)).c1, { powerW: 0, currentA: [0, 0, 0] });
});
