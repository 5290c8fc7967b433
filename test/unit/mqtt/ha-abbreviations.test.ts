/**
 * Discovery configs go out in Home Assistant's short form (src/mqtt/ha-abbreviations.ts): each
 * one, read back as Home Assistant reads it (test/helpers/ha-discovery.ts haConfig, written from
 * Home Assistant's own abbreviation tables), is the long-form config it stands for, and is
 * smaller by far.
 */
import t from 'tap';
import { abbreviated } from '../../../src/mqtt/ha-abbreviations.js';
import { discoveryMessages, siteDiscoveryMessages } from '../../../src/mqtt/discovery.js';
import { Topics } from '../../../src/mqtt/topics.js';
import { discoveryProblems, haConfig } from '../../helpers/ha-discovery.js';

const topics = new Topics('chargegate');
const charger = { id: 'garage', info: { vendor: 'ACME', model: 'Wallbox 11', firmwareVersion: '2.1', serialNumber: 'S1' }, connectors: 2, phases: 3 as const, maxCurrentA: 16, socReported: true, chargeModes: true, currency: 'EUR', phaseSwitching: true };

t.test('a long config and its short form read the same to Home Assistant', async (t) => {
  const long = {
    name: 'Power',
    state_topic: 'chargegate/chargers/garage/connectors/1/power',
    command_topic: 'chargegate/chargers/garage/connectors/1/maxcurrent/set',
    json_attributes_topic: 'chargegate/chargers/garage/connectors/1/session',
    device_class: 'power',
    unit_of_measurement: 'W',
    state_class: 'measurement',
    unique_id: 'chargegate_garage_c1_power',
    availability: [{ topic: 'chargegate/status' }, { topic: 'chargegate/chargers/garage/connected' }],
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    device: { identifiers: ['chargegate_garage'], name: 'garage', manufacturer: 'ACME', model: 'W', sw_version: '2.1', serial_number: 'S1', configuration_url: 'http://10.0.0.2:8080/' },
    origin: { name: 'chargegate', sw_version: '1.0.0' },
  };
  const short = abbreviated(long, topics.chargerBase('garage'));
  t.equal(short['~'], 'chargegate/chargers/garage', 'the charger level said once');
  t.equal(short.stat_t, '~/connectors/1/power');
  t.strictSame(short.avty, [{ t: 'chargegate/status' }, { t: '~/connected' }], 'the gateway status keeps its full topic');
  t.notOk('pl_avail' in short || 'payload_available' in short, "Home Assistant's default availability payloads are not sent");
  t.strictSame(haConfig(JSON.stringify(short)), long, 'expanded as Home Assistant expands it: the long config');
  t.ok(JSON.stringify(short).length < 0.7 * JSON.stringify(long).length, `${JSON.stringify(short).length} bytes instead of ${JSON.stringify(long).length}`);
});

t.test('a topic outside the charger level, or a config without topics, gets no base', async (t) => {
  const short = abbreviated({ name: 'Site limit', state_topic: 'chargegate/site/limit', availability_topic: 'chargegate/status' }, topics.chargerBase('garage'));
  t.strictSame(short, { name: 'Site limit', stat_t: 'chargegate/site/limit', avty_t: 'chargegate/status' });
});

t.test('every config chargegate sends is short, known to Home Assistant and accepted by it', async (t) => {
  const messages = [...discoveryMessages(charger, topics, 'homeassistant', '1.0.0', { configurationUrl: 'http://10.0.0.2:8080/' }), ...siteDiscoveryMessages({ maxCurrentA: 25, phases: 3, gridMeter: true }, topics, 'homeassistant', '1.0.0')];
  const longKeys = /"(state_topic|command_topic|unique_id|device|device_class|unit_of_measurement|state_class|value_template|availability|identifiers|manufacturer|payload_available)"/;
  for (const m of messages) {
    t.notMatch(m.payload, longKeys, `${m.topic}: abbreviated`);
    t.strictSame(discoveryProblems(m.topic.split('/')[1]!, JSON.parse(m.payload)), [], m.topic);
  }
  const power = haConfig(messages.find((m) => m.topic.endsWith('/c1_power/config'))!.payload);
  t.match(power, { state_topic: 'chargegate/chargers/garage/connectors/1/power' });
  t.strictSame(power.device, { identifiers: ['chargegate_garage'], name: 'garage' }, 'a linking config: the device by its ids and name');
  const connected = haConfig(messages.find((m) => m.topic.endsWith('/connected/config'))!.payload);
  t.match(connected, { device: { identifiers: ['chargegate_garage'], manufacturer: 'ACME', serial_number: 'S1', configuration_url: 'http://10.0.0.2:8080/' }, origin: { sw_version: '1.0.0' } }, 'the full device, short keys expanded');
  const short = messages.reduce((sum, m) => sum + m.payload.length, 0);
  const long = messages.reduce((sum, m) => sum + JSON.stringify(haConfig(m.payload)).length, 0);
  t.ok(short < 0.75 * long, `${short} bytes instead of ${long} in long form (${Math.round((100 * short) / long)} %)`);
});
