import t from 'tap';
import { networkProfileVerdict } from '../../../src/gateway/network-profile.js';
import { validatorFor } from '../../../src/ocpp/validate.js';
import type { Requests201 } from '../../../src/ocpp/v201/types.js';

const v201 = validatorFor('ocpp2.0.1');
const profile = (securityProfile: number): Requests201['SetNetworkProfile'] => ({
  configurationSlot: 2,
  connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://gw.site:9443/ocpp', messageTimeout: 30, securityProfile, ocppInterface: 'Wired0' },
});

t.test('refused unless allowed: Rejected with the reason and the key to change', async (t) => {
  const verdict = networkProfileVerdict(profile(2), { allowed: false, securityProfile: 2 });
  t.match(verdict, { kind: 'refuse', answer: { status: 'Rejected', statusInfo: { reasonCode: 'NotEnabled', additionalInfo: /chargers\.allowSetNetworkProfile/ } }, reason: /strands the charger/ });
  if (verdict.kind === 'refuse') t.equal(v201.checkResponse('SetNetworkProfile', verdict.answer), null, 'a valid 2.0.1 answer');
});

t.test('allowed: the same profile is sent; a higher one is sent with what to change; a lower one is refused', async (t) => {
  t.same(networkProfileVerdict(profile(2), { allowed: true, securityProfile: 2 }), { kind: 'send' });
  t.match(networkProfileVerdict(profile(3), { allowed: true, securityProfile: 2 }), { kind: 'send', warning: /set chargers\.list\[\]\.securityProfile to 3/ });
  const down = networkProfileVerdict(profile(1), { allowed: true, securityProfile: 2 });
  t.match(down, { kind: 'refuse', answer: { status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityDowngrade' } }, reason: /security profile 1 is below .* 2/ });
  if (down.kind === 'refuse') t.equal(v201.checkResponse('SetNetworkProfile', down.answer), null);
  t.same(networkProfileVerdict({ configurationSlot: 1 } as never, { allowed: true, securityProfile: 1 }), { kind: 'send' }, 'an invalid payload is left to the schema check');
});
