/**
 * Every discovery payload chargegate sends, checked against Home Assistant's rules
 * (test/helpers/ha-discovery.ts), and the values its topics carry accepted by the entities.
 */
import t from 'tap';
import { discoveryMessages, siteDiscoveryMessages } from '../../../src/mqtt/discovery.js';
import { Topics } from '../../../src/mqtt/topics.js';
import { attributesOf, deviceProblems, discoveryProblems, haConfig, stateProblem } from '../../helpers/ha-discovery.js';

const topics = new Topics('chargegate');
const charger = { id: 'garage', info: { vendor: 'ACME', model: 'Wallbox 11' }, connectors: 2, phases: 3 as const, maxCurrentA: 16, socReported: true, chargeModes: true, currency: 'EUR' };
const site = { maxCurrentA: 25, phases: 3 as const, gridMeter: true };

function parsed(messages: { topic: string; payload: string }[]) {
  return messages.map((m) => ({ component: m.topic.split('/')[1]!, object: m.topic.split('/')[3]!, config: haConfig(m.payload) as Record<string, any> }));
}

const all = [...parsed(discoveryMessages(charger, topics, 'homeassistant', '1.0.0', { configurationUrl: 'http://192.168.1.10:8080/' })), ...parsed(siteDiscoveryMessages(site, topics, 'homeassistant', '1.0.0'))];
const find = (object: string) => all.find((e) => e.object === object)!;

t.test('every entity is one Home Assistant accepts', async (t) => {
  for (const e of all) t.strictSame(discoveryProblems(e.component, e.config), [], `${e.component} ${e.object}`);
  t.equal(find('connected').config.device.configuration_url, 'http://192.168.1.10:8080/', 'the device links to the dashboard');
  t.strictSame(deviceProblems([...discoveryMessages(charger, topics, 'homeassistant', '1.0.0', { configurationUrl: 'http://192.168.1.10:8080/' }), ...siteDiscoveryMessages(site, topics, 'homeassistant', '1.0.0')]), [], 'each device said in full once, first; linked by ids and name elsewhere');
});

t.test('the entities a home user expects are there', async (t) => {
  const expected = [
    'binary_sensor/c1_charging', 'binary_sensor/c1_plugged_in', 'binary_sensor/error', 'sensor/error_code', 'sensor/status', 'sensor/c1_status',
    'sensor/c1_voltage_l1', 'sensor/c1_soc', 'sensor/c1_session_energy', 'sensor/c1_session_duration', 'sensor/c1_limit_reason', 'sensor/c1_allocated',
    'number/c1_limit', 'number/site_limit', 'sensor/available_l1', 'sensor/grid_current_l3', 'button/c1_unlock', 'button/reset',
    'event/session_started', 'event/session_ended', 'event/fault',
  ];
  const have = new Set(all.map((e) => `${e.component}/${e.object}`));
  for (const name of expected) t.ok(have.has(name), name);
  t.equal(find('c1_limit').config.state_topic, 'chargegate/chargers/garage/connectors/1/cap', 'the number shows the cap');
  t.equal(find('c1_allocated').config.state_topic, 'chargegate/chargers/garage/connectors/1/limit', 'the allocation is its own sensor');
  t.equal(find('status').config.device_class, 'enum');
});

t.test('without SoC or a grid meter those sensors are not announced', async (t) => {
  const plain = parsed([...discoveryMessages({ ...charger, socReported: false }, topics, 'homeassistant', '1'), ...siteDiscoveryMessages({ ...site, gridMeter: false }, topics, 'homeassistant', '1')]);
  t.notOk(plain.some((e) => e.object.endsWith('_soc')));
  t.notOk(plain.some((e) => e.object.startsWith('grid_')));
});

t.test('what the topics carry is a state each entity accepts', async (t) => {
  const ok = (object: string, payload: string) => t.equal(stateProblem(find(object).component, find(object).config, payload), undefined, `${object} ← ${payload}`);
  const bad = (object: string, payload: string) => t.type(stateProblem(find(object).component, find(object).config, payload), 'string', `${object} refuses ${payload}`);
  for (const s of ['Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted']) {
    ok('c1_status', s);
    ok('c1_charging', s);
    ok('c1_plugged_in', s);
  }
  bad('c1_status', 'Occupied');
  ok('error', 'NoError');
  ok('error', 'GroundFailure');
  ok('c1_limit', 'none');
  ok('c1_limit', '10');
  bad('c1_limit', '40');
  ok('c1_allocated', 'none');
  ok('c1_allocated', '13.5');
  ok('c1_limit_reason', `cap: ${'x'.repeat(400)}`);
  ok('site_limit', '25');
  ok('site_limit', 'none');
  const session = { transactionId: 1, connectorId: 1, state: 'active', startedAt: '2026-01-01T10:00:00.000Z', meterStart: 0, energyWh: 1200 };
  ok('c1_session_energy', JSON.stringify(session));
  ok('c1_session_duration', JSON.stringify(session));
  t.equal(stateProblem('sensor', find('c1_session_duration').config, JSON.stringify({ ...session, stoppedAt: '2026-01-01T11:00:00.000Z' })), undefined);
  ok('session_started', JSON.stringify(session));
  ok('fault', JSON.stringify({ connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' }));
});

t.test('the validator catches what Home Assistant refuses', async (t) => {
  const base = { name: 'x', unique_id: 'x', device: { identifiers: ['x'], name: 'X' }, availability_topic: 'a', state_topic: 's' };
  // A config that links to a device needs its name too ("Sharing of device configuration").
  t.strictSame(discoveryProblems('sensor', { ...base, device: { identifiers: ['x'] } }), ['device.name missing']);
  t.match(discoveryProblems('sensor', { ...base, device_class: 'energy', unit_of_measurement: 'Wh', state_class: 'measurement' }), [/state_class measurement does not go with device_class energy/]);
  t.match(discoveryProblems('sensor', { ...base, device_class: 'current', unit_of_measurement: 'W' }), [/unit W does not go/]);
  t.match(discoveryProblems('sensor', { ...base, device_class: 'enum' }), [/needs options/]);
  t.match(discoveryProblems('binary_sensor', { ...base, device_class: 'charging' }), [/device_class charging/]);
  t.match(discoveryProblems('event', { ...base }), [/event_types/]);
  t.match(discoveryProblems('number', { ...base, command_topic: 'c', min: 5, max: 5 }), [/min must be below max/]);
  // Home Assistant's abbreviations are expanded (stat_t: state_topic); a short key it does not know is refused.
  t.match(discoveryProblems('sensor', { ...base, stat_t: 's', st_t: 's' }), [/^st_t is not a sensor option$/]);
  t.match(discoveryProblems('sensor', { ...base, value_template: '{{ value | float }}' }), [/not known to the validator/]);
  t.match(discoveryProblems('select', { ...base, command_topic: 'c' }), [/select options/]);
  t.match(discoveryProblems('select', { ...base, command_topic: 'c', options: ['a'], device_class: 'enum' }), [/no device_class/]);
  t.equal(stateProblem('select', { ...base, options: ['off', 'now'] }, 'fast'), 'fast is not one of the options');
});

t.test('the charge mode select and the session cost sensor are ones Home Assistant accepts', async (t) => {
  t.match(find('c1_mode'), { component: 'select', config: { options: ['off', 'now', 'minsolar', 'solar'] } });
  t.match(find('c1_session_cost'), { component: 'sensor', config: { device_class: 'monetary', unit_of_measurement: 'EUR' } });
});

t.test('the charging plan: its status with the plan as attributes, and the expected finish as a time (issue #18)', async (t) => {
  const planned = { chargerId: 'garage', connectorId: 1, energyKWh: 20, by: '2026-01-02T06:00:00.000Z', status: 'waiting', remainingKWh: 20, nextSlot: { from: '2026-01-02T01:00:00.000Z', to: '2026-01-02T03:00:00.000Z' }, expectedFinish: '2026-01-02T03:00:00.000Z', expectedCost: 3.1, currency: 'EUR', windows: [], reason: 'cheapest hours' };
  const plan = find('c1_plan');
  t.match(plan.config, { state_topic: 'chargegate/chargers/garage/connectors/1/plan', json_attributes_topic: 'chargegate/chargers/garage/connectors/1/plan', device_class: 'enum' });
  t.equal(stateProblem('sensor', plan.config, JSON.stringify(planned)), undefined, 'a plan: its status');
  t.equal(stateProblem('sensor', plan.config, 'none'), undefined, 'no plan: none');
  for (const status of ['charging', 'reached', 'unreachable']) t.equal(stateProblem('sensor', plan.config, JSON.stringify({ ...planned, status })), undefined, status);
  t.match(attributesOf(plan.config, JSON.stringify(planned)), { nextSlot: { from: '2026-01-02T01:00:00.000Z' }, expectedFinish: '2026-01-02T03:00:00.000Z', expectedCost: 3.1 }, 'next slot, finish and cost as attributes');
  t.same(attributesOf(plan.config, 'none'), {}, 'no plan: no attributes');
  const finish = find('c1_plan_finish');
  t.match(finish.config, { device_class: 'timestamp', state_topic: 'chargegate/chargers/garage/connectors/1/plan' });
  t.equal(stateProblem('sensor', finish.config, JSON.stringify(planned)), undefined, 'the finish is a time with a zone');
  t.equal(stateProblem('sensor', finish.config, 'none'), undefined, 'no plan: unknown');
  t.equal(stateProblem('sensor', finish.config, JSON.stringify({ ...planned, expectedFinish: null })), undefined, 'no finish expected: unknown');
  t.type(stateProblem('sensor', finish.config, JSON.stringify({ ...planned, expectedFinish: '07:00' })), 'string', 'a time without a date is refused');
});

t.test('the phases in use, only for a charger that switches phases', async (t) => {
  t.notOk(all.some((e) => e.object === 'c1_phases'), 'no phaseSwitching: no sensor');
  const switching = parsed(discoveryMessages({ ...charger, phaseSwitching: true }, topics, 'homeassistant', '1'));
  const phases = switching.find((e) => e.object === 'c2_phases')!;
  t.strictSame(discoveryProblems('sensor', phases.config), []);
  t.match(phases.config, { name: 'Connector 2 phases in use', state_topic: 'chargegate/chargers/garage/connectors/2/phases' });
  for (const payload of ['1', '3', 'none']) t.equal(stateProblem('sensor', phases.config, payload), undefined, payload);
});
