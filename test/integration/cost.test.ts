/**
 * Tariff and cost as a home user sees them: a real gateway with a time-of-use tariff, a strict
 * ocpp-rpc charger whose session runs over the start of the evening peak (timestamps in its
 * MeterValues), and the cost in the API, the CSV report, the monthly report and on MQTT.
 */
import t from 'tap';
import { PASSWORDS, eventually, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { mosquittoPath, startMosquitto } from '../helpers/mosquitto.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { haConfig } from '../helpers/ha-discovery.js';

const COMMANDER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const C1 = 'chargegate/chargers/CP1/connectors/1';

const energy = (wh: number, timestamp: string) => ({ timestamp, sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });

t.test('a session over a time-of-use boundary costs the right amount in the API, the reports and MQTT', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0, users: [{ ...COMMANDER, access: 'command' }] };
      // Berlin: 0.30 per kWh, 0.40 from 17:00 to 20:00 (16:00–19:00 UTC in December).
      c.tariff = { currency: 'EUR', price: 0.3, timeZone: 'Europe/Berlin', periods: [{ from: '17:00', to: '20:00', price: 0.4 }], feed: {} };
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, COMMANDER);
  await mqtt.subscribe(['chargegate/#', 'homeassistant/#']);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);

  const discovery = haConfig((await mqtt.waitFor('homeassistant/sensor/chargegate_CP1/c1_session_cost/config')).payload);
  t.match(discovery, { state_topic: `${C1}/session/cost`, device_class: 'monetary', unit_of_measurement: 'EUR', state_class: 'total' }, 'a Home Assistant cost sensor in the currency');

  // 16:30 to 17:30 Berlin, 11 kWh evenly: 5.5 kWh at 0.30 and 5.5 kWh at 0.40 = 3.85.
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: '2026-12-01T15:30:00Z' });
  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(3750, '2026-12-01T15:45:00Z'), energy(6500, '2026-12-01T16:00:00Z')] });
  await mqtt.waitFor(`${C1}/session/cost`, (p) => p === '1.65');
  const running = await api(gw.httpUrl, `/api/sessions/${transactionId}`);
  t.match(running.json, { state: 'active', cost: { currency: 'EUR', amount: 1.65, energyWh: 5500 } }, 'the running cost so far');

  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(9250, '2026-12-01T16:15:00Z')] });
  await cp.call('StopTransaction', { transactionId, meterStop: 12000, timestamp: '2026-12-01T16:30:00Z', reason: 'EVDisconnected' });
  await mqtt.waitFor(`${C1}/session/cost`, (p) => p === '3.85');

  let list: any;
  await eventually(async () => {
    list = (await api(gw.httpUrl, '/api/sessions')).json;
    return list.sessions[0]?.cost?.amount === 3.85;
  }, 'the final cost in /api/sessions');
  t.match(list.sessions[0], { transactionId, energyWh: 11000, cost: { currency: 'EUR', amount: 3.85, energyWh: 11000, unpricedWh: 0 } });
  const csv = await api(gw.httpUrl, '/api/sessions?format=csv');
  t.match(csv.text.split('\r\n')[1], /,11,EVDisconnected,3\.85,EUR$/, 'the CSV has the cost and currency');
  const month = await api(gw.httpUrl, '/api/reports/cost?month=2026-12');
  t.strictSame(month.json, { month: '2026-12', timeZone: 'Europe/Berlin', currency: 'EUR', sessions: 1, energyKWh: 11, amount: 3.85, unpricedKWh: 0, chargers: [{ chargerId: 'CP1', sessions: 1, energyKWh: 11, amount: 3.85 }] });
  t.equal((await api(gw.httpUrl, '/api/reports/cost?month=2026-11')).json.sessions, 0, 'another month: nothing');
  t.equal((await api(gw.httpUrl, '/api/reports/cost?month=2026-13')).status, 400);

  // The stored cost holds across a restart, whatever prices come later.
  t.equal(gw.app.store.costs.get(transactionId)?.amount, 3.85, 'stored with the session');
});

t.test('the dynamic price feed over MQTT and HTTP: checked, taken, the price now mirrored', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0, users: [{ ...COMMANDER, access: 'command' }] };
      c.tariff = { currency: 'CHF', price: 0.25, feed: { validity: 600 } };
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, COMMANDER);
  await mqtt.subscribe(['chargegate/#']);
  await mqtt.waitFor('chargegate/tariff/price', (p) => p === '0.25');

  await mqtt.publish('chargegate/tariff/prices/set', JSON.stringify([{ from: new Date(Date.now() - 60_000).toISOString(), price: 0.12 }]), { qos: 1 });
  t.match(JSON.parse((await mqtt.waitFor('chargegate/tariff/prices/result')).payload), { result: 'accepted', reason: '1 prices' });
  await mqtt.waitFor('chargegate/tariff/price', (p) => p === '0.12');

  await mqtt.publish('chargegate/tariff/prices/set', JSON.stringify([{ from: 'tomorrow', price: 1 }]), { qos: 1 });
  const refused = await mqtt.waitFor('chargegate/tariff/prices/result', (p) => JSON.parse(p).result === 'rejected');
  t.match(JSON.parse(refused.payload).reason, /prices\[0\]\.from must be a date-time with a zone/);

  const put = await api(gw.httpUrl, '/api/tariff/prices', { method: 'PUT', body: { prices: [{ from: new Date(Date.now() - 1000).toISOString(), price: 0.5 }] } });
  t.equal(put.status, 200, put.text);
  await mqtt.waitFor('chargegate/tariff/price', (p) => p === '0.5');
  const tariff = await api(gw.httpUrl, '/api/tariff');
  t.match(tariff.json, { currency: 'CHF', priceNow: 0.5, price: 0.25 });
  t.equal(tariff.json.feed.length, 2, 'the earlier feed price kept for the minute it held');
  t.equal((await api(gw.httpUrl, '/api/tariff/prices', { method: 'PUT', body: { prices: [{ from: 'x', price: 1 }] } })).status, 400);
});

t.test("site.prices follows the tariff's price: a feed price above the threshold lowers the site limit", async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { recheckInterval: 0.2 }, prices: { threshold: 0.35, maxCurrent: 10 } };
      c.tariff = { currency: 'EUR', price: 0.3, feed: {} };
    },
  });
  let site: any;
  await eventually(async () => (site = (await api(gw.httpUrl, '/api/site')).json).allocatedAt !== null, 'a first allocation');
  t.match(site.limit, { amps: 32, source: 'supply' }, 'the fixed price is below the threshold');
  const put = await api(gw.httpUrl, '/api/tariff/prices', { method: 'PUT', body: { prices: [{ from: new Date(Date.now() - 1000).toISOString(), price: 0.5 }] } });
  t.equal(put.status, 200, put.text);
  await eventually(async () => (site = (await api(gw.httpUrl, '/api/site')).json).limit?.amps === 10, 'the price limit');
  t.match(site.limit, { amps: 10, source: 'price 0.5 above 0.35' });
});

const mosquitto = mosquittoPath();

t.test('the price feed over Mosquitto: chargegate subscribes to it and answers', { skip: mosquitto ? false : 'mosquitto is not installed (apt-get install mosquitto)' }, async (t) => {
  const broker = await startMosquitto(t, mosquitto!);
  await startGateway(t, { patch: (c) => {
    c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 };
    c.tariff = { currency: 'EUR', price: 0.3, feed: {} };
  } });
  const user = await connectClient(t, broker.url);
  await user.subscribe(['chargegate/#']);
  await user.waitFor('chargegate/tariff/price', (p) => p === '0.3');
  await user.publish('chargegate/tariff/prices/set', JSON.stringify([{ from: new Date(Date.now() - 1000).toISOString(), price: 0.2 }]), { qos: 1 });
  t.match(JSON.parse((await user.waitFor('chargegate/tariff/prices/result')).payload), { result: 'accepted' });
  await user.waitFor('chargegate/tariff/price', (p) => p === '0.2');
  t.pass('the published price is the price now');
});
