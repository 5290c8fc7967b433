/**
 * The one door for OCPP commands from local users (src/control/ocpp-commands.ts) and the
 * owned-keys interceptor on it: what is checked before anything is sent, the order
 * interceptors decide in, answer versus rewrite.
 */
import t from 'tap';
import { answerAccepted, createOcppCommands, OcppCommandInvalid } from '../../../src/control/ocpp-commands.js';
import { localKeyContext, ownedKeysInterceptor } from '../../../src/control/owned-keys-interceptor.js';
import { ControlRefusal } from '../../../src/control/site-commands.js';
import { silentLogger } from '../../../src/log.js';
import { validatorFor } from '../../../src/ocpp/validate.js';

function door() {
  const sent: [string, string, unknown][] = [];
  const ocpp = createOcppCommands({
    commands: { send: async (chargerId: string, action: string, payload: unknown) => (sent.push([chargerId, action, payload]), { status: 'Accepted' }) } as never,
    validator: validatorFor('ocpp1.6'),
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
