import t from 'tap';
import { connectorFlows, inSession, type ReadingLookup } from '../../../src/gateway/live-flows.js';
import type { MeterSample } from '../../../src/store/ports.js';

const T1 = '2026-01-01T10:00:00Z';
const T2 = '2026-01-01T10:01:00.000Z';

function lookup(samples: Partial<MeterSample>[]): ReadingLookup {
  const byKey = new Map(samples.map((s) => [`${s.measurand}/${s.phase ?? ''}`, { chargerId: 'CP1', connectorId: 1, timestamp: T1, value: '0', ...s } as MeterSample]));
  return (measurand, phase) => byKey.get(`${measurand}/${phase ?? ''}`);
}

t.test('offline, or no session and nothing reported: 0 W and 0 A', async (t) => {
  const charging = lookup([{ measurand: 'Power.Active.Import', value: '8970' }, { measurand: 'Current.Import', phase: 'L1', value: '13' }]);
  t.strictSame(connectorFlows(charging, { online: false, running: true }), { powerW: 0, currentA: [0, 0, 0] }, 'offline: its last readings do not hold');
  t.strictSame(connectorFlows(lookup([]), { online: true, running: false }), { powerW: 0, currentA: [0, 0, 0] });
  t.strictSame(connectorFlows(lookup([]), { online: true, running: true }), { powerW: null, currentA: null }, 'a session the charger has not reported yet: unknown');
});

t.test('phases the newest current reading does not name are 0 A', async (t) => {
  const read = lookup([
    { measurand: 'Current.Import', phase: 'L1', value: '16', timestamp: T2 },
    { measurand: 'Current.Import', phase: 'L2', value: '16', timestamp: T1 },
    { measurand: 'Current.Import', phase: 'L3', value: '16', timestamp: T1 },
    { measurand: 'Power.Active.Import', value: '3.7', unit: 'kW', timestamp: T2 },
  ]);
  t.strictSame(connectorFlows(read, { online: true, running: true }), { powerW: 3700, currentA: [16, 0, 0] });
  const phaseless = lookup([{ measurand: 'Current.Import', value: '10' }]);
  t.strictSame(connectorFlows(phaseless, { online: true, running: true }).currentA, [10, 0, 0], 'a phase-less current is L1');
  const perPhasePower = lookup([
    { measurand: 'Power.Active.Import', phase: 'L1-N', value: '1000' },
    { measurand: 'Power.Active.Import', phase: 'L2-N', value: '1100' },
  ]);
  t.equal(connectorFlows(perPhasePower, { online: true, running: true }).powerW, 2100, 'power per phase only: their sum');
});

t.test('inSession: a reading speaks of a running session only when one runs on its connector and it names none or that one', async (t) => {
  t.equal(inSession(undefined, undefined), false, 'idle, connector-level');
  t.equal(inSession(undefined, 7), false, 'a late reading of an ended session');
  t.equal(inSession({ transactionId: 8 }, 7), false, 'names an earlier session while another runs');
  t.equal(inSession({ transactionId: 8 }, 8), true);
  t.equal(inSession({ transactionId: 8 }, undefined), true, 'connector-level while a session runs');
});
