import t from 'tap';
import { mergeVariableResults, networkPriorityPlan, networkProfileVerdict } from '../../../src/gateway/network-profile.js';
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

const variable = (component: string, name: string, attributeValue: string) => ({ component: { name: component }, variable: { name }, attributeValue });

t.test('SetVariables: NetworkConfigurationPriority is held back unless allowed; the other variables go', async (t) => {
  const req = { setVariableData: [variable('OCPPCommCtrlr', 'HeartbeatInterval', '300'), { ...variable('ocppcommctrlr', 'NetworkConfigurationPriority', '2,1'), attributeType: 'Actual' as const }] };
  t.same(networkPriorityPlan(req as never, { allowed: true }), { kind: 'send' }, 'allowed: sent as it is');
  t.same(networkPriorityPlan({ setVariableData: [req.setVariableData[0]!] } as never, { allowed: false }), { kind: 'send' }, 'no priority in it: sent as it is');
  const plan = networkPriorityPlan(req as never, { allowed: false });
  if (plan.kind !== 'split') return void t.fail('not split');
  t.same(plan.keep, [req.setVariableData[0]], 'the heartbeat interval is sent');
  t.match(plan.reason, /NetworkConfigurationPriority: a wrong network profile strands the charger/);
  const refused = plan.refused.get(1)!;
  t.match(refused, { attributeType: 'Actual', attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'NotEnabled' }, component: { name: 'ocppcommctrlr' }, variable: { name: 'NetworkConfigurationPriority' } });
  const charger = { attributeStatus: 'Accepted' as const, component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
  const merged = mergeVariableResults([charger], plan.refused, 2);
  t.same(merged, [charger, refused], 'one result per variable, in the order asked');
  t.equal(v201.checkResponse('SetVariables', { setVariableResult: merged }), null, 'a valid 2.0.1 answer');
  t.same(mergeVariableResults([], plan.refused, 2), [refused], 'nothing sent: only the refusal');
});
