/**
 * The one door for OCPP commands from local users (src/control/ocpp-commands.ts) and the
 * owned-keys interceptor on it: what is checked before anything is sent, the order
 * interceptors decide in, answer versus rewrite.
 */
import t from 'tap';
import { answerAccepted, createOcppCommands, OcppCommandInvalid } from '../../../src/control/ocpp-commands.js';
import { localKeyContext, ownedKeysInterceptor, ownedVariablesInterceptor } from '../../../src/control/owned-keys-interceptor.js';
import { ControlRefusal } from '../../../src/control/site-commands.js';
import { silentLogger } from '../../../src/log.js';
import { validatorFor } from '../../../src/ocpp/validate.js';

function door() {
  const sent: [string, string, unknown][] = [];
  const ocpp = createOcppCommands({
    commands: { send: async (chargerId: string, action: string, payload: unknown) => (sent.push([chargerId, action, payload]), { status: 'Accepted' }) } as never,
    validator: validatorFor('ocpp1.6'),
    validator201: validatorFor('ocpp2.0.1'),
    // CP2 speaks 2.0.1.
    versionOf: (id) => (id === 'CP2' ? '2.0.1' : '1.6'),
    knowsCharger: (id) => id === 'CP1' || id === 'CP2',
    logger: silentLogger(),
  });
  return { ocpp, sent };
}

t.test('an unknown charger and an invalid payload are refused before anything is sent', async (t) => {
  const { ocpp, sent } = door();
  await t.rejects(ocpp.send('NOPE', 'ClearCache', {}, 'http'), ControlRefusal);
  await t.rejects(ocpp.send('CP1', 'TriggerMessage', { requestedMessage: 'Reboot' }, 'mqtt'), OcppCommandInvalid);
  await t.rejects(ocpp.send('CP1', 'ChangeConfiguration', { key: 'HeartbeatInterval' }, 'http'), { name: 'OcppCommandInvalid', action: 'ChangeConfiguration' });
  t.same(sent, []);
});

t.test('interceptors decide in the order registered: a rewrite passes on, an answer ends it', async (t) => {
  const { ocpp, sent } = door();
  const seen: string[] = [];
  ocpp.intercept('GetDiagnostics', (p) => (seen.push(`first ${p.location}`), { send: { ...p, location: 'http://box/upload' }, reason: 'through the box' }));
  ocpp.intercept('GetDiagnostics', (p) => (seen.push(`second ${p.location}`), undefined));
  const rewritten = await ocpp.send('CP1', 'GetDiagnostics', { location: 'ftp://far/away' }, 'http');
  t.same(seen, ['first ftp://far/away', 'second http://box/upload'], 'the second sees the first\'s rewrite');
  t.same(sent, [['CP1', 'GetDiagnostics', { location: 'http://box/upload' }]]);
  t.same(rewritten, { action: 'GetDiagnostics', answer: { status: 'Accepted' }, answeredBy: 'charger', reason: 'through the box' });

  ocpp.intercept('ClearCache', () => ({ answer: { status: 'Rejected' }, reason: 'not today' }));
  ocpp.intercept('ClearCache', () => (t.fail('never asked once an earlier one answered'), undefined));
  t.same(await ocpp.send('CP1', 'ClearCache', {}, 'mqtt'), { action: 'ClearCache', answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: 'not today' });
  t.equal(sent.length, 1, 'the answered command was not sent');
  t.same(await ocpp.send('CP1', 'Reset', { type: 'Soft' }, 'http'), { action: 'Reset', answer: { status: 'Accepted' }, answeredBy: 'charger' }, 'an action without interceptors goes straight through');
});

t.test('owned keys: a local user\'s AuthorizationKey is answered Rejected; the meter keys only where the balancer reads the charger', async (t) => {
  const site = { site: {} as never, chargers: { list: [{ id: 'CP1' }], setup: { meterValueSampleInterval: 30 } } as never };
  const { ocpp, sent } = door();
  ocpp.intercept('ChangeConfiguration', ownedKeysInterceptor(localKeyContext(site)));
  t.match(await ocpp.send('CP1', 'ChangeConfiguration', { key: 'AuthorizationKey', value: '00112233445566778899' }, 'http'), { answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /password/ });
  t.match(await ocpp.send('CP1', 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '300' }, 'http'), { answer: { status: 'Rejected' }, reason: /every 30 s/ }, 'CP1 is balanced');
  t.match(await ocpp.send('CP2', 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '300' }, 'http'), { answeredBy: 'charger' }, 'CP2 is not in the site');
  t.match(await ocpp.send('CP1', 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' }, 'http'), { answeredBy: 'charger' });
  t.same(sent.map(([id, , p]) => [id, (p as { key: string }).key]), [['CP2', 'MeterValueSampleInterval'], ['CP1', 'HeartbeatInterval']]);
  const noSite = localKeyContext({ chargers: { list: [{ id: 'CP1' }], setup: { meterValueSampleInterval: 30 } } as never });
  t.same(noSite('CP1'), { balanced: false, sampleInterval: 30 }, 'without a site: section nothing is balanced');
});

t.test('answers of success', async (t) => {
  for (const answer of [{}, { status: 'Accepted' }, { status: 'RebootRequired' }, { status: 'Scheduled' }, { status: 'Unlocked' }, { configurationKey: [] }]) t.ok(answerAccepted(answer), JSON.stringify(answer));
  for (const answer of [{ status: 'Rejected' }, { status: 'NotSupported' }, { status: 'Occupied' }, { status: 'VersionMismatch' }, { status: 'UnlockFailed' }]) t.notOk(answerAccepted(answer), JSON.stringify(answer));
});

t.test('2.0.1-only actions: to a 2.0.1 charger, checked against the 2.0.1 schema and sent as they are; refused for a 1.6 charger', async (t) => {
  const { ocpp, sent } = door();
  const get = { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
  await ocpp.send('CP2', 'GetVariables', get, 'mqtt');
  t.same(sent, [['CP2', 'GetVariables', get]]);
  await t.rejects(ocpp.send('CP1', 'GetVariables', get, 'http'), { name: 'OcppCommandInvalid', code: 'NotSupported', message: /CP1 speaks OCPP 1.6/ });
  await t.rejects(ocpp.send('CP2', 'GetBaseReport', { requestId: 1, reportBase: 'Everything' }, 'http'), { name: 'OcppCommandInvalid', action: 'GetBaseReport' }, 'the 2.0.1 enum');
  t.equal(sent.length, 1);
});

t.test('SetVariables of a variable that stands for an owned key: the same refusal, and nothing of the request is sent', async (t) => {
  const site = { site: {} as never, chargers: { list: [{ id: 'CP2' }], setup: { meterValueSampleInterval: 30 } } as never };
  const { ocpp, sent } = door();
  ocpp.intercept('SetVariables', ownedVariablesInterceptor(localKeyContext(site)));
  const set = (component: string, variable: string, attributeValue: string, instance?: string) => ({ component: { name: component }, variable: { name: variable, ...(instance ? { instance } : {}) }, attributeValue });
  const refused = await ocpp.send('CP2', 'SetVariables', { setVariableData: [set('OCPPCommCtrlr', 'HeartbeatInterval', '60'), set('SecurityCtrlr', 'BasicAuthPassword', 'x'.repeat(20))] }, 'http');
  t.match(refused, {
    answeredBy: 'chargegate',
    reason: /password/,
    answer: { setVariableResult: [{ attributeStatus: 'Rejected', statusInfo: { reasonCode: 'NotSent' } }, { attributeStatus: 'Rejected', statusInfo: { reasonCode: 'OwnedByChargegate' } }] },
  });
  t.match(await ocpp.send('CP2', 'SetVariables', { setVariableData: [set('SampledDataCtrlr', 'TxUpdatedInterval', '300')] }, 'http'), { answeredBy: 'chargegate', reason: /every 30 s/ });
  t.match(await ocpp.send('CP2', 'SetVariables', { setVariableData: [set('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register')] }, 'http'), { answeredBy: 'chargegate', reason: /Current.Import/ });
  t.match(await ocpp.send('CP2', 'SetVariables', { setVariableData: [set('SecurityCtrlr', 'SecurityProfile', '3')] }, 'http'), { answeredBy: 'chargegate', reason: /securityProfile/ });
  t.same(sent, [], 'nothing reached the charger');
  await ocpp.send('CP2', 'SetVariables', { setVariableData: [set('SampledDataCtrlr', 'TxUpdatedInterval', '15'), set('OCPPCommCtrlr', 'MessageAttempts', '5', 'TransactionEvent')] }, 'http');
  t.equal(sent.length, 1, 'values the balancer can live with go to the charger');
});
