/**
 * Which discovery format a start publishes (discovery-format.ts): the config's when set; else
 * the one the install published before, so an upgrade changes nothing in Home Assistant; else,
 * for a new install, one config per device. A new install on a broker that keeps retained
 * messages sweeps the other format's topics; on the embedded broker, which starts empty, not.
 */
import t from 'tap';
import { chooseDiscoveryFormat, NEW_INSTALL_FORMAT } from '../../../src/mqtt/discovery-format.js';
import { formatLine } from '../../../src/mqtt/announcer.js';

t.test('set in the config: that format, moved from a different one published before', async (t) => {
  t.strictSame(chooseDiscoveryFormat('entity', 'device', false), { format: 'entity', source: 'config', moveFrom: 'device', previous: 'device' });
  t.strictSame(chooseDiscoveryFormat('device', 'entity', true), { format: 'device', source: 'config', moveFrom: 'entity', previous: 'entity' });
  t.strictSame(chooseDiscoveryFormat('device', 'device', true), { format: 'device', source: 'config', moveFrom: undefined, previous: 'device' }, 'the same as before: nothing moves');
});

t.test('not set: an install keeps what it published, nothing moves', async (t) => {
  for (const previous of ['entity', 'device'] as const) {
    for (const external of [false, true]) {
      t.strictSame(chooseDiscoveryFormat(undefined, previous, external), { format: previous, source: 'kept', moveFrom: undefined, previous }, `${previous}, ${external ? 'external' : 'embedded'} broker`);
    }
  }
});

t.test('a new install: per device; the other format swept only on a broker that keeps retained messages', async (t) => {
  t.equal(NEW_INSTALL_FORMAT, 'device');
  t.strictSame(chooseDiscoveryFormat(undefined, undefined, false), { format: 'device', source: 'new', moveFrom: undefined, previous: undefined }, 'embedded: nothing can be left on it');
  t.strictSame(chooseDiscoveryFormat(undefined, undefined, true), { format: 'device', source: 'new', moveFrom: 'entity', previous: undefined }, 'external: per-entity configs of a wiped install are swept');
  t.strictSame(chooseDiscoveryFormat('entity', undefined, true), { format: 'entity', source: 'config', moveFrom: 'device', previous: undefined }, 'set to entity on a new install: a device config left is swept');
  t.strictSame(chooseDiscoveryFormat('entity', undefined, false), { format: 'entity', source: 'config', moveFrom: undefined, previous: undefined });
});

t.test('the start log line names the format, why, and the way back for an older Home Assistant', async (t) => {
  t.match(formatLine({ format: 'device', source: 'new' }), /one config per charger .*2024\.11.*mqtt\.homeAssistant\.format: entity.*a new install/);
  t.match(formatLine({ format: 'device', source: 'kept' }), /one config per charger.*as this install published before/);
  t.match(formatLine({ format: 'entity', source: 'config' }), /one config per entity, as mqtt\.homeAssistant\.format says/);
});
