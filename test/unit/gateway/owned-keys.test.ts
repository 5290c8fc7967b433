import t from 'tap';
import { ownedKeyVerdict, type OwnedKeyContext } from '../../../src/gateway/owned-keys.js';

const balanced: OwnedKeyContext = { balanced: true, sampleInterval: 60, upstreamProfile: 2 };
const free: OwnedKeyContext = { balanced: false, sampleInterval: 60 };

t.test('AuthorizationKey: a local user is refused, the cloud\'s key is kept for its own link', async (t) => {
  const local = ownedKeyVerdict('local', 'AuthorizationKey', '0123456789abcdef', balanced);
  t.equal(local.kind, 'answer');
  t.equal(local.kind === 'answer' && local.status, 'Rejected');
  t.match(local.kind === 'answer' && local.reason, /chargers\.list\[\]\.password/);
  t.same(ownedKeyVerdict('cloud', 'authorizationkey', 'cloud-secret-key-1', free), { kind: 'keep-upstream-key', key: 'cloud-secret-key-1' });
});

t.test('SecurityProfile: never sent; the cloud asking for the profile its link has is Accepted', async (t) => {
  t.match(ownedKeyVerdict('cloud', 'SecurityProfile', '2', balanced), { kind: 'answer', status: 'Accepted' });
  t.match(ownedKeyVerdict('cloud', 'SecurityProfile', '3', balanced), { kind: 'answer', status: 'Rejected', reason: /upstream/ });
  t.match(ownedKeyVerdict('cloud', 'SecurityProfile', '2', free), { kind: 'answer', status: 'Rejected' });
  t.match(ownedKeyVerdict('local', 'SecurityProfile', '1', balanced), { kind: 'answer', status: 'Rejected', reason: /securityProfile/ });
});

t.test('MeterValueSampleInterval: refused only where it would starve the balancer', async (t) => {
  t.same(ownedKeyVerdict('cloud', 'MeterValueSampleInterval', '30', balanced), { kind: 'forward' });
  t.same(ownedKeyVerdict('local', 'MeterValueSampleInterval', '60', balanced), { kind: 'forward' });
  t.match(ownedKeyVerdict('cloud', 'MeterValueSampleInterval', '900', balanced), { kind: 'answer', status: 'Rejected', reason: /60 s/ });
  t.match(ownedKeyVerdict('local', 'MeterValueSampleInterval', '0', balanced), { kind: 'answer', status: 'Rejected' });
  t.same(ownedKeyVerdict('cloud', 'MeterValueSampleInterval', '900', free), { kind: 'forward' }, 'no balancer: the charger decides');
  t.same(ownedKeyVerdict('cloud', 'MeterValueSampleInterval', 'soon', balanced), { kind: 'forward' }, 'not a number: the charger refuses it');
});

t.test('MeterValuesSampledData: must keep a measurand the balancer follows', async (t) => {
  t.same(ownedKeyVerdict('cloud', 'MeterValuesSampledData', 'Energy.Active.Import.Register,Current.Import', balanced), { kind: 'forward' });
  t.match(ownedKeyVerdict('cloud', 'MeterValuesSampledData', 'Power.Active.Import,Energy.Active.Import.Register', balanced), { kind: 'answer', status: 'Rejected', reason: /reads Current\.Import/ }, 'power alone: the balancer reads no current from it');
  t.same(ownedKeyVerdict('cloud', 'MeterValuesSampledData', 'current.import', balanced), { kind: 'forward' }, 'the name in any case');
  t.match(ownedKeyVerdict('cloud', 'MeterValuesSampledData', 'Energy.Active.Import.Register', balanced), { kind: 'answer', status: 'Rejected' });
  t.same(ownedKeyVerdict('cloud', 'MeterValuesSampledData', 'Energy.Active.Import.Register', free), { kind: 'forward' });
});

t.test('other keys pass through', async (t) => {
  t.same(ownedKeyVerdict('local', 'HeartbeatInterval', '300', balanced), { kind: 'forward' });
  t.same(ownedKeyVerdict('cloud', 'LocalAuthListEnabled', 'true', balanced), { kind: 'forward' });
});
