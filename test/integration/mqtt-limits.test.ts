/**
 * The truth about limits on MQTT (issue 12): beside the planned `limit`, what the charger
 * accepted (`limitAccepted`) and what is on its way (`limitInFlight`), and per charger whether
 * chargegate controls it (`controlled`, `uncontrolledReason`), retained on the embedded broker
 * and announced to Home Assistant. The balancer's event is forged on the gateway's bus
 * (http/limits-fixture.ts), since the balancer has its own tests.
 */
import t, { type Test } from 'tap';
import { eventually, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { allocation, REFUSED } from './http/limits-fixture.js';
import { haConfig } from '../helpers/ha-discovery.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const CP1 = 'chargegate/chargers/CP1';
const CP2 = 'chargegate/chargers/CP2';

async function site(t: Test) {
  const gw = await startGateway(t, { patch: (c) => (c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] }) });
  const viewer = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await viewer.subscribe(['chargegate/#', 'homeassistant/#']);
  // The mirror has started (CP1's state is out) before the balancer's event is forged.
  await viewer.waitFor(`${CP1}/connected`);
  return { gw, viewer };
}

t.test('planned, accepted and in-flight limits and control are retained topics', async (t) => {
  const { gw, viewer } = await site(t);
  const on = (topic: string) => viewer.received.filter((m) => m.topic === topic).map((m) => m.payload);
  gw.app.events.emit('allocation.changed', allocation());

  t.equal((await viewer.waitFor(`${CP1}/connectors/1/limit`)).payload, '16', 'planned, as before');
  t.equal((await viewer.waitFor(`${CP1}/connectors/1/limitAccepted`)).payload, '10');
  t.equal((await viewer.waitFor(`${CP1}/connectors/1/limitInFlight`)).payload, '12');
  t.equal((await viewer.waitFor(`${CP1}/controlled`)).payload, 'true');
  t.equal((await viewer.waitFor(`${CP1}/uncontrolledReason`)).payload, 'none');
  t.equal((await viewer.waitFor(`${CP2}/connectors/1/limit`)).payload, '0');
  t.equal((await viewer.waitFor(`${CP2}/connectors/1/limitAccepted`)).payload, 'none', 'nothing accepted: none (an empty payload would delete the topic)');
  t.equal((await viewer.waitFor(`${CP2}/connectors/1/limitInFlight`)).payload, 'none');
  t.equal((await viewer.waitFor(`${CP2}/controlled`)).payload, 'false');
  t.equal((await viewer.waitFor(`${CP2}/uncontrolledReason`)).payload, REFUSED);
  t.match((await viewer.waitFor(`${CP2}/connectors/1/limitReason`)).payload, /^fixed: uncontrolled/);
  // A client that comes later (Home Assistant after a restart) gets them from the broker.
  const late = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await late.subscribe(['chargegate/chargers/+/controlled', 'chargegate/chargers/+/uncontrolledReason', 'chargegate/chargers/+/connectors/+/+']);
  for (const [topic, payload] of [
    [`${CP1}/connectors/1/limitAccepted`, '10'],
    [`${CP1}/connectors/1/limitInFlight`, '12'],
    [`${CP2}/connectors/1/limitAccepted`, 'none'],
    [`${CP2}/controlled`, 'false'],
    [`${CP2}/uncontrolledReason`, REFUSED],
  ] as const) {
    t.ok((await late.waitFor(topic, (p) => p === payload)).retain, `${topic} ${payload} is retained`);
  }

  // The answer arrives: only the accepted and in-flight limits change, the plan stays. They
  // must not be skipped as "unchanged" because the plan and its reason are the same.
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: undefined } }));
  await viewer.waitFor(`${CP1}/connectors/1/limitAccepted`, (p) => p === '12');
  await viewer.waitFor(`${CP1}/connectors/1/limitInFlight`, (p) => p === 'none');

  // Only the measured current changes (not mirrored: current/L1… carry it), then CP2 accepts.
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: undefined, measured: 11.9 } }));
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: undefined, measured: 11.9 }, cp2: { amps: 6, accepted: 6 }, cp2Controlled: true }));
  await viewer.waitFor(`${CP2}/controlled`, (p) => p === 'true');
  await viewer.waitFor(`${CP2}/uncontrolledReason`, (p) => p === 'none');
  await viewer.waitFor(`${CP2}/connectors/1/limitAccepted`, (p) => p === '6');
  t.same(on(`${CP1}/connectors/1/limit`), ['16'], 'the plan was published once: unchanged values are not sent again');
  t.same(on(`${CP1}/connectors/1/limitAccepted`), ['10', '12']);
  t.same(on(`${CP1}/controlled`), ['true']);

  // A new in-flight limit that goes back to an earlier value is published again.
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: 12 }, cp2: { amps: 6, accepted: 6 }, cp2Controlled: true }));
  await eventually(() => on(`${CP1}/connectors/1/limitInFlight`).length === 3, 'the in-flight limit again');
  t.same(on(`${CP1}/connectors/1/limitInFlight`), ['12', 'none', '12']);
});

t.test('Home Assistant: a problem sensor for control, a sensor for the accepted limit', async (t) => {
  const { viewer } = await site(t);
  const control = haConfig((await viewer.waitFor('homeassistant/binary_sensor/chargegate_CP1/controlled/config')).payload);
  t.match(control, { name: 'Load control', device_class: 'problem', state_topic: `${CP1}/controlled`, payload_on: 'false', payload_off: 'true', unique_id: 'chargegate_CP1_controlled' });
  t.same(control.availability_topic, 'chargegate/status', 'shown while the charger is offline too: it may still charge, uncontrolled');
  t.notOk(control.availability, 'not tied to the charger\'s connection');
  const reason = haConfig((await viewer.waitFor('homeassistant/sensor/chargegate_CP1/uncontrolled_reason/config')).payload);
  t.match(reason, { state_topic: `${CP1}/uncontrolledReason`, entity_category: 'diagnostic', value_template: "{{ 'None' if value == 'none' else value }}" });
  const accepted = haConfig((await viewer.waitFor('homeassistant/sensor/chargegate_CP1/c1_limit_accepted/config')).payload);
  t.match(accepted, {
    name: 'Accepted limit',
    state_topic: `${CP1}/connectors/1/limitAccepted`,
    device_class: 'current',
    unit_of_measurement: 'A',
    state_class: 'measurement',
    // Home Assistant's own "no value" payload is None: `none` becomes unknown, not an error.
    value_template: "{{ 'None' if value == 'none' else value }}",
    availability: [{ topic: 'chargegate/status' }, { topic: `${CP1}/connected` }],
  });
  await viewer.waitFor('homeassistant/sensor/chargegate_CP2/c1_limit_accepted/config');
});
