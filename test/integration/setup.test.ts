/**
 * Automatic setup after boot (src/setup) against independent chargers (ocpp-rpc, strict) that
 * keep configuration keys: a small GetConfigurationMaxKeys, read-only keys, a charger that
 * rejects changes, one that reboots after a change. Calls are counted at the charger.
 */
import t from 'tap';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { configCharger, type ChangeAnswer } from '../helpers/config-charger.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const auto = (c: Record<string, any>) => {
  c.chargers.setup = { mode: 'auto' };
};

const KEYS = {
  GetConfigurationMaxKeys: { value: '2', readonly: true },
  SupportedFeatureProfiles: { value: 'Core,SmartCharging,RemoteTrigger', readonly: true },
  ChargeProfileMaxStackLevel: { value: '8', readonly: true },
  ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power', readonly: true },
  MaxChargingProfilesInstalled: { value: '4', readonly: true },
  MeterValuesSampledData: { value: 'Energy.Active.Import.Register' },
  MeterValueSampleInterval: { value: '300' },
  NumberOfConnectors: { value: '1', readonly: true },
};
const WANTED = 'Current.Import,Power.Active.Import,Energy.Active.Import.Register';

function cp1(t: Parameters<typeof configCharger>[0], url: string, change?: (key: string, value: string) => ChangeAnswer, keys: Record<string, { value: string; readonly?: boolean }> = KEYS) {
  return configCharger(t, { url, id: 'CP1', password: PASSWORDS.CP1, keys, maxKeys: 2, ...(change ? { change } : {}) });
}

t.test('the sequence: GetConfigurationMaxKeys first, keys two at a time, then one change per key; a second boot changes nothing', async (t) => {
  const gw = await startGateway(t, { patch: auto });
  const charger = await cp1(t, gw.url);
  const view = () => gw.app.setup.view('CP1');
  await eventually(() => view().state === 'done', 'setup to finish');

  const gets = charger.calls.filter((c) => c.action === 'GetConfiguration');
  t.same(gets[0]!.params, { key: ['GetConfigurationMaxKeys'] }, 'the limit is asked first, alone');
  t.ok(gets.every((c) => c.params.key.length <= 2), 'never more keys than GetConfigurationMaxKeys');
  t.equal(charger.violations, 0);
  t.equal(gets.length, 5, '1 + 8 keys two by two');
  t.same(
    charger.calls.filter((c) => c.action === 'ChangeConfiguration').map((c) => c.params),
    [
      { key: 'MeterValuesSampledData', value: WANTED },
      { key: 'MeterValueSampleInterval', value: '60' },
    ],
    'per-phase current, power and energy, every 60 s',
  );
  t.equal(charger.values().MeterValuesSampledData, WANTED);
  t.ok(charger.calls.findIndex((c) => c.action === 'ChangeConfiguration') > charger.calls.findLastIndex((c) => c.action === 'GetConfiguration'), 'changes only after everything was read');

  const shown = (await api(gw.httpUrl, '/api/chargers/CP1')).json.setup;
  t.match(shown, {
    mode: 'auto',
    state: 'done',
    profile: null,
    learnt: { MaxChargingProfilesInstalled: { value: '4', readonly: true }, SupportedFeatureProfiles: { value: 'Core,SmartCharging,RemoteTrigger' }, MeterValueSampleInterval: { value: '60', readonly: false } },
    unknownKeys: ['MeterValuesSampledDataMaxLength'],
    changes: { MeterValuesSampledData: { value: WANTED, result: 'Accepted' }, MeterValueSampleInterval: { value: '60', result: 'Accepted' } },
    quirks: { wattsOnly: { value: false, source: 'learnt', detail: 'ChargingScheduleAllowedChargingRateUnit = Current,Power' }, noTxProfile: { value: false, source: 'default' } },
  });

  // Boots again: everything read again, nothing changed (the values fit now).
  const firstAt = view().at;
  await charger.client().call('BootNotification', { chargePointVendor: 'TestVendor', chargePointModel: 'TestModel' });
  await eventually(() => view().state === 'done' && view().at !== firstAt && charger.count('GetConfiguration') === 10, 'the second run to finish');
  t.equal(charger.count('ChangeConfiguration'), 2, 'no change at the second boot');
});

t.test('a charger that rejects the changes: remembered, not retried after it reconnects', async (t) => {
  const gw = await startGateway(t, { patch: auto });
  const charger = await cp1(t, gw.url, () => 'Rejected');
  const view = () => gw.app.setup.view('CP1');
  await eventually(() => view().state === 'done', 'setup to finish');
  t.equal(charger.count('ChangeConfiguration'), 2, 'each key tried once');
  t.match(view().changes, { MeterValuesSampledData: { result: 'Rejected' }, MeterValueSampleInterval: { result: 'Rejected' } });

  const reads = charger.count('GetConfiguration');
  const firstAt = view().at;
  await charger.reboot();
  await eventually(() => view().state === 'done' && view().at !== firstAt && charger.count('GetConfiguration') === 2 * reads, 'the run after the reconnect to finish');
  t.equal(charger.count('ChangeConfiguration'), 2, 'the refused changes are not sent again');
});

t.test('a charger that reboots right after answering a change (its values do not stick): no key is changed twice', async (t) => {
  const gw = await startGateway(t, { patch: auto });
  const charger = await cp1(t, gw.url, () => 'reboot');
  const view = () => gw.app.setup.view('CP1');
  const received = () => charger.calls.filter((c) => c.action === 'ChangeConfiguration').map((c) => c.params.key as string);
  await eventually(() => charger.boots >= 2 && view().state !== 'pending' && Object.keys(view().changes).length === 2, 'both keys tried and the run after the reboot over');
  t.same(received().slice(0, 1), ['MeterValuesSampledData']);
  t.equal(new Set(received()).size, received().length, 'no key received two ChangeConfigurations');
  // The next change went out while the charger was going down: unanswered, so remembered as
  // Failed and not repeated within 24 h either (it may have been applied).
  t.match(view().changes, { MeterValuesSampledData: { result: 'Accepted' }, MeterValueSampleInterval: { value: '60' } });
  const before = received();
  for (let n = 0; n < 2; n++) {
    const at = view().at;
    await charger.reboot();
    await eventually(() => view().at !== at && view().state !== 'pending', `the run after reboot ${n + 1}`);
  }
  t.same(received(), before, 'more boots, no more changes');
  t.equal(charger.values().MeterValuesSampledData, 'Energy.Active.Import.Register', 'its value did not stick, and it is left so');
});

t.test('a charger allowing only W: learnt, and its next profile is in W (no restart)', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      auto(c);
      c.site = { supply: { maxCurrent: 32, phases: 3, voltage: 230 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });
  const charger = await configCharger(t, {
    url: gw.url,
    id: 'CP1',
    password: PASSWORDS.CP1,
    keys: { ...KEYS, ChargingScheduleAllowedChargingRateUnit: { value: 'Power', readonly: true } },
    maxKeys: 2,
    // A real W-only charger refuses a schedule in A.
    profile: (p) => (p.chargingSchedule.chargingRateUnit === 'W' ? 'Accepted' : 'Rejected'),
  });
  await eventually(() => charger.profiles.some((p) => p.chargingSchedule.chargingRateUnit === 'W'), 'a profile in W', 10_000);
  const w = charger.profiles.find((p) => p.chargingSchedule.chargingRateUnit === 'W')!;
  t.equal(w.chargingSchedule.chargingSchedulePeriod[0].limit, 16 * 230 * w.chargingSchedule.chargingSchedulePeriod[0].numberPhases, 'its 16 A standing share in W');
  t.match(gw.app.setup.view('CP1').quirks.wattsOnly, { value: true, source: 'learnt', detail: 'ChargingScheduleAllowedChargingRateUnit = Power' });
  await eventually(() => gw.app.balancer!.control().find((c) => c.chargerId === 'CP1')?.controlled === true, 'the charger controlled');
});

t.test('vendor profiles: matched on the boot, a config entry overrides one, setup off sends nothing', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      auto(c);
      c.chargers.list[0].setup = 'off';
      c.chargers.list[1].quirks = { noSmartCharging: false };
      c.site = { supply: { maxCurrent: 64, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });
  // CP1 first (setup off), then CP2 (auto): once CP2's setup is done, CP1's would have begun.
  const one = await configCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, keys: KEYS, maxKeys: 2, boot: { chargePointVendor: 'ZAPTEC', chargePointModel: 'Go 2' } });
  const two = await configCharger(t, { url: gw.url, id: 'CP2', password: PASSWORDS.CP2, keys: KEYS, maxKeys: 2, boot: { chargePointVendor: 'Zaptec', chargePointModel: 'Go' } });
  await eventually(() => gw.app.setup.view('CP2').state === 'done' && two.profiles.length > 0, 'CP2 set up and given a limit');
  t.equal(one.calls.filter((c) => c.action === 'GetConfiguration' || c.action === 'ChangeConfiguration').length, 0, 'setup off: no GetConfiguration, no ChangeConfiguration');
  t.equal(one.count('SetChargingProfile'), 0, 'the Zaptec Go profile: no smart charging, no profile ever sent');

  const cp1 = (await api(gw.httpUrl, '/api/chargers/CP1')).json;
  t.match(cp1.setup, { mode: 'off', state: 'off', profile: { id: 'zaptec-go', name: 'Zaptec Go / Go 2' }, quirks: { noSmartCharging: { value: true, source: 'profile', detail: 'Zaptec Go / Go 2' } } });
  t.match(cp1.setup.profile.sources, ['FACTS.md: The field (Zaptec Go 2: no charging profiles)', 'https://github.com/evcc-io/evcc/issues/27499']);
  t.match(cp1, { controlled: false, uncontrolledWhy: /no smart charging \(profile: Zaptec Go/ });
  const cp2 = (await api(gw.httpUrl, '/api/chargers/CP2')).json;
  t.match(cp2.setup, { profile: { id: 'zaptec-go' }, quirks: { noSmartCharging: { value: false, source: 'config' } } }, 'the config entry overrides the profile');
});

t.test('on MQTT: the setup state, the profile and the effective quirks; a profile\'s setup override (Vestel: one key per call)', async (t) => {
  const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
  const gw = await startGateway(t, {
    patch: (c) => {
      auto(c);
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] };
    },
  });
  const viewer = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await viewer.subscribe(['chargegate/chargers/CP1/#']);
  const charger = await configCharger(t, {
    url: gw.url,
    id: 'CP1',
    password: PASSWORDS.CP1,
    keys: { ...KEYS, ChargingScheduleAllowedChargingRateUnit: { value: 'Power', readonly: true } },
    maxKeys: 2,
    boot: { chargePointVendor: 'Vestel', chargePointModel: 'EVC04-AC22SW' },
  });
  await eventually(() => viewer.received.some((m) => m.topic === 'chargegate/chargers/CP1/setup' && m.payload === 'done'), 'setup done on MQTT');
  const last = (leaf: string) => viewer.received.filter((m) => m.topic === `chargegate/chargers/CP1/${leaf}`).at(-1)?.payload;
  t.equal(last('profile'), 'Vestel EVC04');
  t.equal(last('quirks'), 'wattsOnly');
  const gets = charger.calls.filter((c) => c.action === 'GetConfiguration');
  t.notOk(gets.some((c) => c.params.key.includes('GetConfigurationMaxKeys')), 'the profile knows GetConfigurationMaxKeys: not asked');
  t.ok(gets.every((c) => c.params.key.length === 1), 'one key per call, as the profile says');
});

t.test('after a restart: the refused changes are still remembered (SQLite), and the profile applies before the charger boots again', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir, patch: auto });
  const before = await configCharger(t, { url: first.url, id: 'CP1', password: PASSWORDS.CP1, keys: KEYS, maxKeys: 2, change: () => 'Rejected', boot: { chargePointVendor: 'Zaptec', chargePointModel: 'Go 2' } });
  await eventually(() => first.app.setup.view('CP1').state === 'done', 'setup to finish');
  t.equal(before.count('ChangeConfiguration'), 2);
  await before.client().close({ force: true });
  await first.stop();

  const second = await startGateway(t, { dir, patch: auto });
  t.match(second.app.setup.view('CP1'), { state: 'done', profile: { id: 'zaptec-go' }, quirks: { noSmartCharging: { value: true, source: 'profile' } } }, 'known from the last boot, before any connection');
  const doneAt = second.app.setup.view('CP1').at;
  const after = await configCharger(t, { url: second.url, id: 'CP1', password: PASSWORDS.CP1, keys: KEYS, maxKeys: 2, change: () => 'Rejected', boot: { chargePointVendor: 'Zaptec', chargePointModel: 'Go 2' } });
  await eventually(() => second.app.setup.view('CP1').at !== doneAt && second.app.setup.view('CP1').state === 'done', 'the run after the restart to finish');
  t.equal(after.count('GetConfiguration'), 5, 'everything read again');
  t.equal(after.count('ChangeConfiguration'), 0, 'nothing refused before is sent again');
});

t.test('a charger without GetConfiguration (NotImplemented): setup failed, with the reason, and nothing else sent', async (t) => {
  const gw = await startGateway(t, { patch: auto });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  let changes = 0;
  cp.handle('ChangeConfiguration', () => {
    changes++;
    return { status: 'Accepted' };
  });
  await cp.call('BootNotification', bootPayload);
  await eventually(() => gw.app.setup.view('CP1').state === 'failed', 'setup to fail');
  t.match(gw.app.setup.view('CP1').reason, /^GetConfiguration failed: /);
  t.equal(changes, 0, 'nothing changed blindly');
  t.same((await api(gw.httpUrl, '/api/chargers/CP1')).json.setup.state, 'failed');
});

t.test('the matched profile is logged once per charger, not at every boot', async (t) => {
  const captured = capturingLogger('info');
  const gw = await startGateway(t, { patch: auto, logger: captured.logger });
  const charger = await configCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, keys: KEYS, maxKeys: 2, boot: { chargePointVendor: 'Easee', chargePointModel: 'Home' } });
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
  const at = gw.app.setup.view('CP1').at;
  await charger.client().call('BootNotification', { chargePointVendor: 'Easee', chargePointModel: 'Home' });
  await eventually(() => gw.app.setup.view('CP1').at !== at && gw.app.setup.view('CP1').state === 'done', 'the second run');
  const matched = captured.entries().filter((e) => e.msg === 'vendor profile matched');
  t.equal(matched.length, 1);
  t.match(matched[0], { chargerId: 'CP1', profile: 'easee', name: 'Easee', vendor: 'Easee', model: 'Home' });
  t.match(gw.app.setup.view('CP1').changes, { MeterValueSampleInterval: { value: '60' } }, 'the Easee profile allows 60 s (at least 30 s)');
});
