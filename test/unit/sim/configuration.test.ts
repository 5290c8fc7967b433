import t from 'tap';
import { Configuration } from '../../../src/sim/configuration.js';
import { LocalAuthorization } from '../../../src/sim/local-auth.js';

t.test('GetConfiguration / ChangeConfiguration rules', async (t) => {
  const c = new Configuration({ connectors: 2, heartbeatIntervalS: 300, meterValueSampleIntervalS: 60 }, { TransactionMessageRetryInterval: '0.1', Unknown: 'x' });
  t.equal(c.number('TransactionMessageRetryInterval'), 0.1, 'overrides are not checked');
  t.equal(c.get('Unknown'), undefined, 'unknown overrides ignored');
  t.same(c.read(['NumberOfConnectors', 'X']), { configurationKey: [{ key: 'NumberOfConnectors', readonly: true, value: '2' }], unknownKey: ['X'] });
  t.ok((c.read(undefined).configurationKey ?? []).length > 25);
  t.equal(c.change('X', '1'), 'NotSupported');
  t.equal(c.change('ChargeProfileMaxStackLevel', '3'), 'Rejected', 'read-only');
  t.equal(c.change('HeartbeatInterval', '-5'), 'Rejected');
  t.equal(c.change('AuthorizeRemoteTxRequests', 'yes'), 'Rejected');
  t.equal(c.change('AuthorizeRemoteTxRequests', 'true'), 'Accepted');
  t.equal(c.bool('AuthorizeRemoteTxRequests'), true);
  t.equal(c.change('MeterValuesSampledData', 'Voltage,SoC'), 'Rejected', 'SoC is not measured by an AC charger');
  t.equal(c.change('MeterValuesSampledData', 'Energy.Active.Import.Register, Voltage'), 'Accepted');
});

t.test('local list beats cache; unknown ids offline per AllowOfflineTxForUnknownId', async (t) => {
  const a = new LocalAuthorization();
  const opts = { useList: true, useCache: true, allowUnknown: false };
  t.equal(a.offlineStatus('A', opts), 'Invalid');
  t.equal(a.offlineStatus('A', { ...opts, allowUnknown: true }), 'Accepted');
  a.remember('A', { status: 'Blocked' });
  t.equal(a.offlineStatus('A', opts), 'Blocked');
  t.equal(a.update({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }, { idTag: 'B' }] }, 10), 'Accepted');
  t.equal(a.size, 1, 'an entry without idTagInfo is not kept');
  t.equal(a.offlineStatus('A', opts), 'Accepted', 'list beats cache');
  t.equal(a.update({ listVersion: 1, updateType: 'Differential', localAuthorizationList: [] }, 10), 'VersionMismatch');
  t.equal(a.update({ listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A' }] }, 10), 'Accepted');
  t.equal(a.offlineStatus('A', opts), 'Blocked', 'removed from the list, the cache answers');
  a.clearCache();
  t.equal(a.offlineStatus('A', opts), 'Invalid');
  t.equal(a.update({ listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A' }, { idTag: 'B' }] }, 1), 'Failed');
  t.equal(a.version, 2);
});
