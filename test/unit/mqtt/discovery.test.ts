import t from 'tap';
import { discoveryMessages, nodeId, removalMessages, siteDiscoveryMessages, type DiscoveryMessage } from '../../../src/mqtt/discovery.js';
import { abbreviated } from '../../../src/mqtt/ha-abbreviations.js';
import { Topics } from '../../../src/mqtt/topics.js';
import { deviceProblems, haConfig } from '../../helpers/ha-discovery.js';

const topics = new Topics('chargegate');
const charger = { id: 'garage-left', info: { vendor: 'ACME', model: 'Wallbox 11', firmwareVersion: '2.1', serialNumber: 'S1' }, connectors: 2, phases: 1 as const, maxCurrentA: 16 };

t.test('one device per charger, with the entities Home Assistant needs', async (t) => {
  const messages = discoveryMessages(charger, topics, 'homeassistant', '0.1.0');
  const byTopic = new Map(messages.map((m) => [m.topic, haConfig(m.payload)]));
  const power = byTopic.get('homeassistant/sensor/chargegate_garage-left/c2_power/config');
  t.match(power, {
    name: 'Connector 2 power',
    state_topic: 'chargegate/chargers/garage-left/connectors/2/power',
    device_class: 'power',
    state_class: 'measurement',
    unit_of_measurement: 'W',
    availability_mode: 'all',
  });
  t.strictSame(power!.device, { identifiers: ['chargegate_garage-left'], name: 'garage-left' }, 'it links to the charger\'s device');
  t.notOk('origin' in power!, 'no origin: the device\'s first config says it');
  t.match(byTopic.get('homeassistant/binary_sensor/chargegate_garage-left/connected/config'), {
    device: { identifiers: ['chargegate_garage-left'], name: 'garage-left', manufacturer: 'ACME', model: 'Wallbox 11', sw_version: '2.1', serial_number: 'S1' },
    origin: { name: 'chargegate', sw_version: '0.1.0' },
  });
  t.ok(byTopic.has('homeassistant/sensor/chargegate_garage-left/c1_current_l1/config'));
  t.notOk(byTopic.has('homeassistant/sensor/chargegate_garage-left/c1_current_l2/config'), 'one phase: L1 only');
  t.match(byTopic.get('homeassistant/number/chargegate_garage-left/c1_limit/config'), { min: 0, max: 16, command_topic: 'chargegate/chargers/garage-left/connectors/1/maxcurrent/set' });
  t.match(byTopic.get('homeassistant/switch/chargegate_garage-left/available/config'), { payload_on: 'ON', payload_off: 'OFF' });
  t.match(byTopic.get('homeassistant/sensor/chargegate_garage-left/c1_session_energy/config'), { value_template: '{{ value_json.energyWh }}', state_class: 'total_increasing' });
  t.ok(byTopic.has('homeassistant/button/chargegate_garage-left/c2_start/config'));
  t.ok(byTopic.has('homeassistant/button/chargegate_garage-left/c2_stop/config'));
  t.match(byTopic.get('homeassistant/binary_sensor/chargegate_garage-left/controlled/config'), {
    name: 'Load control',
    device_class: 'problem',
    state_topic: 'chargegate/chargers/garage-left/controlled',
    payload_on: 'false',
    payload_off: 'true',
    availability_topic: 'chargegate/status',
  });
  t.match(byTopic.get('homeassistant/sensor/chargegate_garage-left/uncontrolled_reason/config'), { state_topic: 'chargegate/chargers/garage-left/uncontrolledReason', entity_category: 'diagnostic' });
  t.match(byTopic.get('homeassistant/sensor/chargegate_garage-left/c2_limit_accepted/config'), {
    name: 'Connector 2 accepted limit',
    state_topic: 'chargegate/chargers/garage-left/connectors/2/limitAccepted',
    device_class: 'current',
    unit_of_measurement: 'A',
    state_class: 'measurement',
    value_template: "{{ 'None' if value == 'none' else value }}",
  });
  const ids = messages.map((m) => haConfig(m.payload).unique_id);
  t.equal(new Set(ids).size, ids.length, 'unique ids are unique');
});

t.test('removal: the same topics, empty', async (t) => {
  const removal = removalMessages(charger, topics, 'homeassistant');
  t.strictSame(removal.map((m) => m.topic), discoveryMessages(charger, topics, 'homeassistant', 'x').map((m) => m.topic));
  t.ok(removal.every((m) => m.payload === ''));
});

t.test('node ids are valid for Home Assistant and never collide', async (t) => {
  t.equal(nodeId('CP_1'), 'chargegate_CP_1');
  t.match(nodeId('cp.1'), /^chargegate_cp_1_[0-9a-f]{8}$/);
  t.not(nodeId('cp.1'), nodeId('cp:1'));
  t.not(nodeId('cp.1'), nodeId('cp_1'));
});

t.test('the charge mode select per connector, only where charge modes run (a site: section)', async (t) => {
  const byTopic = (c: typeof charger & { chargeModes?: boolean }) => new Map(discoveryMessages(c, topics, 'homeassistant', '0.1.0').map((m) => [m.topic, haConfig(m.payload)]));
  t.notOk(byTopic(charger).has('homeassistant/select/chargegate_garage-left/c1_mode/config'), 'no site: no select');
  const withModes = byTopic({ ...charger, chargeModes: true });
  t.match(withModes.get('homeassistant/select/chargegate_garage-left/c2_mode/config'), {
    name: 'Connector 2 charge mode',
    state_topic: 'chargegate/chargers/garage-left/connectors/2/mode',
    command_topic: 'chargegate/chargers/garage-left/connectors/2/mode/set',
    options: ['off', 'now', 'minsolar', 'solar'],
    unique_id: /mode/,
  });
});

/** The configs (short form, as sent) with the full device block and the origin on every one, or on none: what the checks must catch. */
function withDevice(messages: DiscoveryMessage[], full: boolean): DiscoveryMessage[] {
  const { device, origin } = haConfig(messages[0]!.payload) as { device: Record<string, unknown>; origin: Record<string, unknown> };
  return messages.map((m) => {
    const { origin: _, ...config } = haConfig(m.payload);
    const base = (JSON.parse(m.payload) as { '~'?: string })['~'];
    return { topic: m.topic, payload: JSON.stringify(abbreviated(full ? { ...config, device, origin } : { ...config, device: { identifiers: device.identifiers, name: device.name } }, base)) };
  });
}

t.test('the device block once per device (issue #19, memory): its first config in full with the origin, the others its ids and name', async (t) => {
  const site = { maxCurrentA: 25, phases: 3 as const, gridMeter: true };
  const cases = {
    'a charger': discoveryMessages({ ...charger, chargeModes: true, currency: 'EUR', socReported: true, phaseSwitching: true }, topics, 'homeassistant', '0.1.0', { configurationUrl: 'http://10.0.0.2:8080/' }),
    'a charger never booted': discoveryMessages({ id: 'cp.2', connectors: 1, phases: 3, maxCurrentA: 32 }, topics, 'homeassistant', '0.1.0'),
    'the site': siteDiscoveryMessages(site, topics, 'homeassistant', '0.1.0', { configurationUrl: 'http://10.0.0.2:8080/' }),
  };
  for (const [what, messages] of Object.entries(cases)) {
    t.strictSame(deviceProblems(messages), [], what);
    const configs = messages.map((m) => haConfig(m.payload));
    const full = configs.filter((c) => 'manufacturer' in c.device);
    t.equal(full.length, 1, `${what}: one config carries the device`);
    t.equal(configs.filter((c) => c.origin !== undefined).length, 1, `${what}: one carries the origin`);
    t.equal(configs[0], full[0], `${what}: and it is the first`);
    t.ok(configs.slice(1).every((c) => JSON.stringify(c.device) === JSON.stringify({ identifiers: configs[0]!.device.identifiers, name: configs[0]!.device.name })), `${what}: the others carry its ids and name only`);
    // The checker catches the device block dropped everywhere or repeated everywhere.
    t.match(deviceProblems(withDevice(messages, false)), [/0 configs carry the full device/], `${what}: dropped everywhere is caught`);
    t.match(deviceProblems(withDevice(messages, true)), [new RegExp(`${messages.length} configs carry the full device`)], `${what}: repeated everywhere is caught`);
    t.match(deviceProblems([...messages.slice(1), messages[0]!]), [/not on the first config/], `${what}: the full one last is caught`);
  }
  const unbooted = haConfig(cases['a charger never booted'][0]!.payload);
  t.match(unbooted, { unique_id: /_connected$/, device: { name: 'cp.2', manufacturer: 'unknown', model: 'unknown (not booted yet)' } });
  const siteFull = haConfig(cases['the site'][0]!.payload);
  t.match(siteFull, { unique_id: 'chargegate_site_site_limit', device: { identifiers: ['chargegate_site'], name: 'chargegate site', manufacturer: 'chargegate', configuration_url: 'http://10.0.0.2:8080/' }, origin: { name: 'chargegate' } });
  t.equal(haConfig(cases['a charger'][0]!.payload).device.configuration_url, 'http://10.0.0.2:8080/', "the dashboard link on the charger's full device");
});

t.test('the configs are about a fifth smaller than with the device block on each (issue #19)', async (t) => {
  const typical = { id: 'CP-0001', info: { vendor: 'ACME', model: 'Wallbox 22', firmwareVersion: '1.4.2', serialNumber: 'SN123456' }, connectors: 1, phases: 3 as const, maxCurrentA: 32, chargeModes: true, currency: 'EUR' };
  const bytes = (messages: DiscoveryMessage[]) => messages.reduce((sum, m) => sum + Buffer.byteLength(m.payload), 0);
  for (const options of [{}, { configurationUrl: 'http://192.168.1.10:8080/' }]) {
    const messages = discoveryMessages(typical, topics, 'homeassistant', '0.1.0', options);
    const [now, before] = [bytes(messages), bytes(withDevice(messages, true))];
    t.ok(now < 0.8 * before, `${now} bytes instead of ${before} (${Math.round((100 * (before - now)) / before)} % less)${'configurationUrl' in options ? ', with a configuration URL' : ''}`);
  }
});
