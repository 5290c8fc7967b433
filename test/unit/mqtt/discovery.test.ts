import t from 'tap';
import { discoveryMessages, nodeId, removalMessages } from '../../../src/mqtt/discovery.js';
import { Topics } from '../../../src/mqtt/topics.js';
import { haConfig } from '../../helpers/ha-discovery.js';

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
    device: { identifiers: ['chargegate_garage-left'], manufacturer: 'ACME', model: 'Wallbox 11', sw_version: '2.1', serial_number: 'S1' },
    origin: { name: 'chargegate', sw_version: '0.1.0' },
    availability_mode: 'all',
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
