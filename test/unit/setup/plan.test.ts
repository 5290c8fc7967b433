/** Automatic setup's pure decisions (src/setup/plan.ts, learn.ts, quirks.ts). */
import t from 'tap';
import { learntQuirks } from '../../../src/setup/learn.js';
import { EMPTY_MEMORY, afterChange, afterRead, mayStart, nextStep, type RunProgress, type SetupMemory, type SetupRules } from '../../../src/setup/plan.js';
import { effectiveQuirks, quirkValues } from '../../../src/setup/quirks.js';

const H = 3600_000;
const RULES: SetupRules = { measurands: ['Current.Import', 'Power.Active.Import', 'Energy.Active.Import.Register'], sampleInterval: 60, skipChange: [], repeatAfterMs: 24 * H };
const START: RunProgress = { asked: [], settled: [] };
const kv = (key: string, value: string, readonly = false) => ({ key, value, readonly });

/** Runs the reads of a plan against a charger with these keys; returns memory and progress once reading is over. */
function readAll(keys: { key: string; value: string; readonly: boolean }[], maxKeys: number, rules = RULES, memory: SetupMemory = EMPTY_MEMORY) {
  let m = memory;
  let run = START;
  const calls: string[][] = [];
  for (let step = nextStep(m, run, rules, 0); step.kind === 'read'; step = nextStep(m, run, rules, 0)) {
    calls.push(step.keys);
    t.ok(step.keys.length <= maxKeys, `asks at most ${maxKeys} keys`);
    const answer = { configurationKey: keys.filter((k) => step.keys.includes(k.key)).slice(0, maxKeys), unknownKey: step.keys.filter((k) => !keys.some((x) => x.key === k)) };
    ({ memory: m, run } = afterRead(m, run, step.keys, answer, 0));
  }
  return { memory: m, run, calls };
}

const CHARGER = [
  kv('GetConfigurationMaxKeys', '2', true),
  kv('SupportedFeatureProfiles', 'Core,SmartCharging', true),
  kv('ChargingScheduleAllowedChargingRateUnit', 'Power', true),
  kv('ChargeProfileMaxStackLevel', '0', true),
  kv('MeterValuesSampledData', 'Energy.Active.Import.Register'),
  kv('MeterValueSampleInterval', '0'),
  kv('NumberOfConnectors', '1', true),
];

t.test('reads GetConfigurationMaxKeys first, then the keys in calls of at most that many', async (t) => {
  const { memory, calls } = readAll(CHARGER, 2);
  t.same(calls[0], ['GetConfigurationMaxKeys']);
  t.equal(calls.length, 1 + 4, '8 keys, 2 per call');
  t.same(memory.unknownKeys, ['MaxChargingProfilesInstalled', 'MeterValuesSampledDataMaxLength']);
  t.same(learntQuirks(memory.keys), {
    wattsOnly: { value: true, from: 'ChargingScheduleAllowedChargingRateUnit = Power' },
    stackLevelZeroOnly: { value: true, from: 'ChargeProfileMaxStackLevel = 0' },
    noSmartCharging: { value: false, from: 'SupportedFeatureProfiles = Core,SmartCharging' },
  });
  const known = readAll(CHARGER, 1, { ...RULES, maxKeys: 1 });
  t.notOk(known.calls.some((c) => c.includes('GetConfigurationMaxKeys')), 'a profile that knows it: not asked');
  t.ok(known.calls.every((c) => c.length === 1));
  const none = readAll(CHARGER.filter((k) => k.key !== 'GetConfigurationMaxKeys'), 1);
  t.ok(none.calls.slice(1).every((c) => c.length === 1), 'a charger without the key: one key per call');
});

t.test('then one change at a time, only what is missing; never the same change twice', async (t) => {
  let { memory, run } = readAll(CHARGER, 2);
  let step = nextStep(memory, run, RULES, 1000);
  t.same(step, { kind: 'change', key: 'MeterValuesSampledData', value: 'Current.Import,Power.Active.Import,Energy.Active.Import.Register', why: 'MeterValues lack Current.Import, Power.Active.Import' });
  ({ memory, run } = afterChange(memory, run, 'MeterValuesSampledData', 'Current.Import,Power.Active.Import,Energy.Active.Import.Register', 'Accepted', 1000));
  step = nextStep(memory, run, RULES, 1000);
  t.match(step, { kind: 'change', key: 'MeterValueSampleInterval', value: '60', why: 'sampling is off (0)' });
  ({ memory, run } = afterChange(memory, run, 'MeterValueSampleInterval', '60', 'RebootRequired', 1000));
  t.match(nextStep(memory, run, RULES, 1000), { kind: 'done' });

  // The charger rebooted and reads back its old values: within 24 h nothing is changed again.
  const again = readAll(CHARGER, 2, RULES, { ...memory, keys: {} });
  const next = nextStep(again.memory, again.run, RULES, 1000 + 23 * H);
  t.match(next, { kind: 'done', kept: [{ key: 'MeterValuesSampledData', why: /was changed to .* not again within 24 h/ }, { key: 'MeterValueSampleInterval' }] });
  t.match(nextStep(again.memory, again.run, RULES, 1000 + 25 * H), { kind: 'change', key: 'MeterValuesSampledData' }, 'after 24 h, once more');
});

t.test('refused, read-only, skipped, unknown, already fitting: left alone', async (t) => {
  const { memory, run } = readAll(CHARGER, 2);
  const rejected = afterChange(memory, run, 'MeterValuesSampledData', 'Current.Import,Power.Active.Import,Energy.Active.Import.Register', 'Rejected', 0).memory;
  const notSupported = afterChange(rejected, run, 'MeterValueSampleInterval', '60', 'NotSupported', 0).memory;
  t.match(nextStep(notSupported, run, RULES, 1000 * H), { kind: 'done', kept: [{ why: /rejected .* not tried again/ }, { why: /NotSupported .* not tried again/ }] }, 'a refusal is never retried, even days later');

  const ro = readAll(CHARGER.map((k) => (k.key.startsWith('MeterValue') ? { ...k, readonly: true } : k)), 2);
  t.match(nextStep(ro.memory, ro.run, RULES, 0), { kind: 'done', kept: [{ why: 'MeterValuesSampledData is read-only on this charger' }, { why: 'MeterValueSampleInterval is read-only on this charger' }] });
  t.match(nextStep(memory, run, { ...RULES, skipChange: ['MeterValuesSampledData'] }, 0), { kind: 'change', key: 'MeterValueSampleInterval' }, 'a profile skips a key');
  const missing = readAll(CHARGER.filter((k) => !k.key.startsWith('MeterValue')), 2);
  t.match(nextStep(missing.memory, missing.run, RULES, 0), { kind: 'done' });
  const fits = readAll(CHARGER.map((k) => (k.key === 'MeterValueSampleInterval' ? kv(k.key, '10') : k.key === 'MeterValuesSampledData' ? kv(k.key, 'current.import,Power.Active.Import,Energy.Active.Import.Register,Voltage') : k)), 2);
  t.match(nextStep(fits.memory, fits.run, RULES, 0), { kind: 'done', kept: [{ why: /already samples/ }, { why: 'samples every 10 s already (wanted at most 60 s)' }] });
  t.match(nextStep(fits.memory, fits.run, { ...RULES, minSampleInterval: 30 }, 0), { kind: 'change', key: 'MeterValueSampleInterval', value: '60', why: "10 s is below this model's 30 s" });
});

t.test('a measurand list within MeterValuesSampledDataMaxLength', async (t) => {
  const { memory, run } = readAll([...CHARGER.map((k) => (k.key === 'MeterValuesSampledData' ? kv(k.key, 'Voltage,SoC') : k)), kv('MeterValuesSampledDataMaxLength', '4', true)], 2);
  t.match(nextStep(memory, run, RULES, 0), { kind: 'change', value: 'Current.Import,Power.Active.Import,Energy.Active.Import.Register,Voltage' });
});

t.test('runs cut short twice within 24 h: no third start until the window passed', async (t) => {
  const m = { ...EMPTY_MEMORY, interrupted: [0, 60_000] };
  t.match(mayStart(m, RULES, 120_000), { ok: false, reason: /cut short 2 times/ });
  t.same(mayStart({ ...m, interrupted: [0] }, RULES, 120_000), { ok: true });
  t.same(mayStart(m, RULES, 24 * H + 1), { ok: true }, 'one has left the window');
});

t.test('effective quirks: config, then profile, then learnt, then false', async (t) => {
  const learnt = { wattsOnly: { value: true, from: 'k' }, stackLevelZeroOnly: { value: true, from: 'k' }, noSmartCharging: { value: true, from: 'k' } };
  const o = effectiveQuirks({ config: { wattsOnly: false }, profile: { name: 'P', quirks: { noZeroAmps: true, noSmartCharging: false } }, learnt });
  t.same(quirkValues(o), { stackLevelZeroOnly: true, wattsOnly: false, noTxProfile: false, noZeroAmps: true, noSmartCharging: false });
  t.match(o, { wattsOnly: { source: 'config' }, stackLevelZeroOnly: { source: 'learnt' }, noZeroAmps: { source: 'profile', detail: 'P' }, noSmartCharging: { source: 'profile' }, noTxProfile: { source: 'default' } });
  t.same(learntQuirks({ ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power', readonly: true }, ChargeProfileMaxStackLevel: { value: '3', readonly: true }, SupportedFeatureProfiles: { value: 'Core, SmartCharging', readonly: true } }), {
    wattsOnly: { value: false, from: 'ChargingScheduleAllowedChargingRateUnit = Current,Power' },
    stackLevelZeroOnly: { value: false, from: 'ChargeProfileMaxStackLevel = 3' },
    noSmartCharging: { value: false, from: 'SupportedFeatureProfiles = Core, SmartCharging' },
  });
  t.same(learntQuirks({ ChargingScheduleAllowedChargingRateUnit: { readonly: true }, ChargeProfileMaxStackLevel: { value: 'x', readonly: true } }), {}, 'no value, nothing learnt');
});
