/**
 * The balancer's limits as a Home Assistant user sees them on MQTT: a real chargegate with its
 * embedded broker and a 20 A site, two chargers that follow their profiles (independent
 * "physical" chargers on ocpp-rpc, test/helpers/physical-charger.ts), and an MQTT.js client
 * reading chargegate/chargers/<id>/connectors/1/limit, .../limitReason and
 * .../limitAccepted as sessions start and stop. A limit that goes back to an earlier value is
 * published again.
 */
import t from 'tap';
import { PASSWORDS, eventually, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { physicalCharger } from '../helpers/physical-charger.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const topic = (id: string, leaf: string) => `chargegate/chargers/${id}/connectors/1/${leaf}`;

t.test('each connector\'s limit and its reason follow the sessions on MQTT', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] };
      c.chargers.list[1].phaseRotation = 'L1';
      c.site = { supply: { maxCurrent: 20, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2 } };
    },
  });
  const viewer = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await viewer.subscribe(['chargegate/chargers/#']);
  // Booted on return.
  const charger = (identity: 'CP1' | 'CP2', phases: 1 | 3, maxCurrentA: number) => physicalCharger(t, { url: gw.url, identity, password: PASSWORDS[identity], phases, maxCurrentA });
  const cp1 = await charger('CP1', 3, 16);
  const cp2 = await charger('CP2', 1, 32);
  const limitOf = (id: string) => viewer.latest(topic(id, 'limit'));
  const seen = (id: string) => viewer.received.filter((m) => m.topic === topic(id, 'limit')).map((m) => m.payload);

  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  // Its standing limit may already be 16 A: wait for the session's limit, with its reason.
  const reasonOf = (id: string) => viewer.latest(topic(id, 'limitReason')) ?? '';
  await eventually(() => limitOf('CP1') === '16' && /^max: at the charger's maximum 16 A/.test(reasonOf('CP1')), 'CP1 alone: its maximum, 16 A');
  // The charger accepts its profiles: what it accepted follows the plan, nothing waits.
  await eventually(() => viewer.latest(topic('CP1', 'limitAccepted')) === '16' && viewer.latest(topic('CP1', 'limitInFlight')) === 'none', 'CP1 accepted 16 A');
  await eventually(() => viewer.latest('chargegate/chargers/CP1/controlled') === 'true', 'CP1 controlled');
  // Published after controlled, in the same turn (src/mqtt/mirror.ts): wait for it, not only for controlled.
  await eventually(() => viewer.latest('chargegate/chargers/CP1/uncontrolledReason') === 'none', 'no reason why not once controlled');
  t.equal(viewer.latest('chargegate/chargers/CP1/uncontrolledReason'), 'none');

  cp2.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp2.startTransaction(1, 'TAG2');
  await eventually(() => limitOf('CP1') === '10' && limitOf('CP2') === '10', 'both on L1: 10 A each');
  await eventually(() => viewer.latest(topic('CP1', 'limitAccepted')) === '10' && viewer.latest(topic('CP2', 'limitAccepted')) === '10', 'both accepted 10 A');
  t.same([cp1.limitA(1), cp2.limitA(1)], [10, 10], 'and both chargers read 10 A from the profiles they hold');
  t.match(viewer.latest(topic('CP2', 'limitReason')), /^fair-share: fair share of the supply on L1/);

  await cp1.stopTransaction(1);
  await eventually(() => limitOf('CP2') === '20', 'CP2 alone: the whole of L1');
  await cp1.startTransaction(1, 'TAG1');
  // Both limits change in one allocation, published one after the other: wait for both.
  await eventually(() => limitOf('CP1') === '10' && limitOf('CP2') === '10', 'CP1 back to 10 A: published again, not skipped as already seen');
  t.same(seen('CP2').filter((v, i, all) => v !== all[i - 1]).slice(-3), ['10', '20', '10'], 'CP2 went 10 → 20 → 10 A, each published');
  t.same([...cp1.validationFailures, ...cp2.validationFailures], [], 'every frame chargegate sent passed ocpp-rpc\'s schema check');
});
