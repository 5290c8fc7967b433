/**
 * Home Assistant's device-based discovery (mqtt.homeAssistant.format: device): one config per
 * device that Home Assistant splits into exactly the entities the per-entity format gives, with
 * the same ids and the same settings, in a fraction of the bytes; and the messages that move a
 * device from one format to the other.
 */
import t from 'tap';
import { discoveryMessages, siteDiscoveryMessages, type DiscoveredCharger } from '../../../src/mqtt/discovery.js';
import { chargerDeviceMessage, chargerMigration, everyEntityOf, MIGRATE_PAYLOAD, siteDeviceMessage, siteMigration } from '../../../src/mqtt/device-discovery.js';
import { Topics } from '../../../src/mqtt/topics.js';
import { deviceComponents, discoveryProblems, haConfig } from '../../helpers/ha-discovery.js';

const topics = new Topics('chargegate');
const CHARGERS: Record<string, DiscoveredCharger> = {
  'never booted, one connector': { id: 'CP1', connectors: 1, phases: 3, maxCurrentA: 32 },
  'booted, two connectors, one phase': { id: 'garage-left', info: { vendor: 'ACME', model: 'Wallbox 11', firmwareVersion: '2.1', serialNumber: 'S1' }, connectors: 2, phases: 1, maxCurrentA: 16 },
  'every option': { id: 'CP 7/ü', info: { vendor: 'ABB', model: 'Terra AC' }, connectors: 2, phases: 3, maxCurrentA: 32, socReported: true, chargeModes: true, currency: 'EUR', phaseSwitching: true },
};
const OPTIONS = { configurationUrl: 'http://chargegate.local:8080/' };

/** The per-entity configs as Home Assistant reads them, each with its device in full (the device registry merges the linking ones into the full one). */
function perEntity(messages: { topic: string; payload: string }[]) {
  const configs = messages.map((m) => ({ topic: m.topic, config: haConfig(m.payload) }));
  const full = configs.find((c) => c.config.device.manufacturer !== undefined)!.config;
  return new Map(configs.map(({ topic, config }) => [topic, { ...config, device: full.device, origin: full.origin }]));
}

/**
 * One availability topic, said as a list of one (a device config's component cannot say
 * availability_topic next to the list it would inherit): the same to Home Assistant, whatever
 * the mode, as "all" and "any" of one topic agree.
 */
function oneAvailability(config: Record<string, any>): Record<string, any> {
  if (!Array.isArray(config.availability) || config.availability.length !== 1) return config;
  const { availability, availability_mode: _mode, ...rest } = config;
  return { ...rest, availability_topic: availability[0].topic };
}

for (const [what, charger] of Object.entries(CHARGERS)) {
  t.test(`a charger (${what}): one device config gives the same entities, ids and settings as the per-entity configs`, async (t) => {
    const device = chargerDeviceMessage(charger, topics, 'homeassistant', '0.1.0', OPTIONS);
    const { problems, components } = deviceComponents(device.topic, device.payload);
    t.strictSame(problems, [], 'Home Assistant splits it without a complaint');
    const expected = perEntity(discoveryMessages(charger, topics, 'homeassistant', '0.1.0', OPTIONS));
    t.strictSame(components.map((c) => c.topic).sort(), [...expected.keys()].sort(), 'the same entities, under the same discovery ids');
    for (const c of components) {
      t.strictSame(oneAvailability(c.config), expected.get(c.topic), `${c.object}: the same config`);
      t.strictSame(discoveryProblems(c.component, c.config), [], `${c.object}: valid for Home Assistant`);
    }
  });
}

t.test('the site: one device config gives the same entities as the per-entity configs', async (t) => {
  for (const site of [
    { maxCurrentA: 63, phases: 3 as const, gridMeter: true },
    { maxCurrentA: 40, phases: 1 as const, gridMeter: false },
  ]) {
    const device = siteDeviceMessage(site, topics, 'homeassistant', '0.1.0');
    const { problems, components } = deviceComponents(device.topic, device.payload);
    t.strictSame(problems, []);
    const expected = perEntity(siteDiscoveryMessages(site, topics, 'homeassistant', '0.1.0'));
    t.strictSame(components.map((c) => c.topic).sort(), [...expected.keys()].sort());
    for (const c of components) t.strictSame(c.config, expected.get(c.topic), `${c.object}: the same config`);
  }
});

t.test('a third smaller than the per-entity configs, and one retained message instead of one per entity (issue #19)', async (t) => {
  for (const [what, charger] of Object.entries(CHARGERS)) {
    const entity = discoveryMessages(charger, topics, 'homeassistant', '0.1.0');
    const device = chargerDeviceMessage(charger, topics, 'homeassistant', '0.1.0');
    const bytes = (ms: { topic: string; payload: string }[]) => ms.reduce((n, m) => n + Buffer.byteLength(m.topic) + Buffer.byteLength(m.payload), 0);
    const ratio = bytes([device]) / bytes(entity);
    t.comment(`${what}: ${entity.length} configs, ${bytes(entity)} bytes → 1 config, ${bytes([device])} bytes (${(ratio * 100).toFixed(0)} %)`);
    t.ok(ratio < 0.7, `${what}: ${(ratio * 100).toFixed(0)} % of the bytes`);
  }
});

t.test('moving to device configs: every per-entity topic the charger may have had is flagged, then emptied', async (t) => {
  const charger = CHARGERS['booted, two connectors, one phase']!;
  const move = chargerMigration('device', charger, topics, 'homeassistant');
  const every = discoveryMessages(everyEntityOf(charger), topics, 'homeassistant', '').map((m) => m.topic);
  t.strictSame(move.flags.map((m) => m.topic), every);
  t.ok(move.flags.every((m) => m.payload === MIGRATE_PAYLOAD), 'each with the migration request');
  t.same(JSON.parse(MIGRATE_PAYLOAD), { migr_discvry: true }, 'Home Assistant\'s short form of migrate_discovery');
  t.strictSame(move.clears, every);
  for (const topic of discoveryMessages(charger, topics, 'homeassistant', '').map((m) => m.topic)) t.ok(every.includes(topic), `${topic} is among them`);
  t.ok(every.some((topic) => topic.endsWith('/c1_current_l3/config')), 'also what a three-phase charger has: a charger configured otherwise before');
  t.ok(every.some((topic) => topic.endsWith('/c1_mode/config')) && every.some((topic) => topic.endsWith('/c1_session_cost/config')), 'and the charge mode select and the session cost, of a site that had them');

  const back = chargerMigration('entity', charger, topics, 'homeassistant');
  t.strictSame(back, { flags: [{ topic: 'homeassistant/device/chargegate_garage-left/config', payload: MIGRATE_PAYLOAD }], clears: ['homeassistant/device/chargegate_garage-left/config'] }, 'back: the device topic');
  t.strictSame(siteMigration('entity', { maxCurrentA: 63, phases: 3, gridMeter: true }, topics, 'homeassistant').clears, ['homeassistant/device/chargegate_site/config']);
  t.ok(siteMigration('device', { maxCurrentA: 63, phases: 1, gridMeter: false }, topics, 'homeassistant').clears.includes('homeassistant/sensor/chargegate_site/grid_current_l3/config'), 'the site\'s every entity');
});
