/**
 * The questions chargegate collects answers to (src/gateway/charger-queries.ts), with a fake
 * command port and the real event bus: reports that come before the answer, a report that never
 * ends, a question a charger's protocol does not have.
 */
import t from 'tap';
import { EventBus, type ReportedProfile } from '../../../src/events.js';
import { createChargerQueries } from '../../../src/gateway/charger-queries.js';
import { silentLogger } from '../../../src/log.js';
import { OcppCallError } from '../../../src/ocpp/errors.js';
import type { SessionRecord } from '../../../src/store/ports.js';

const profile: ReportedProfile['profile'] = { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } };

function setup(answer: (action: string, payload: any, events: EventBus) => unknown, sessions: Partial<SessionRecord>[] = []) {
  const events = new EventBus();
  const sent: { action: string; payload: any }[] = [];
  const queries = createChargerQueries({
    commands: { send: (async (_id: string, action: string, payload: unknown) => (sent.push({ action, payload }), answer(action, payload, events))) as never },
    store: { sessions: { get: (id: number) => sessions.find((s) => s.transactionId === id), list: () => sessions } as never },
    events,
    logger: silentLogger(),
    now: () => new Date('2025-06-01T10:00:00.000Z'),
    reportTimeoutMs: 30,
  });
  queries.start();
  t.teardown(() => queries.stop());
  return { events, sent, queries };
}

t.test('a report that comes before the answer is kept; one that never ends is given as incomplete', async (t) => {
  const { queries } = setup((_action, payload, events) => {
    // The charger reports at once, before its answer is read (the first frame only: tbc).
    events.emit('charger.profilesReported', { chargerId: 'CP1', requestId: payload.requestId, tbc: true, connectorId: 1, source: 'CSO', profiles: [{ profile }] });
    return { status: 'Accepted' };
  });
  const got = await queries.installedProfiles('CP1', 1);
  t.match(got, { status: 'Accepted', complete: false, profiles: [{ connectorId: 1, source: 'CSO', profile }] });
});

t.test('a charger whose protocol has no such question: its refusal is the answer', async (t) => {
  const { queries } = setup(() => {
    throw new OcppCallError('NotImplemented', 'action GetChargingProfiles is not an ocpp1.6 action');
  });
  await t.rejects(queries.installedProfiles('CP1'), { code: 'NotImplemented' });
  await t.rejects(queries.transactionStatus('CP1'), { code: 'NotImplemented' });
});

t.test('transaction status: by the charger\'s own transactionId; a session without one is not asked about', async (t) => {
  const { queries, sent } = setup(() => ({ messagesInQueue: true }), [
    { transactionId: 5, chargerId: 'CP1', reference: 'tx-5', state: 'active' },
    { transactionId: 6, chargerId: 'CP1', state: 'active' },
    { transactionId: 7, chargerId: 'CP2', reference: 'tx-7', state: 'active' },
  ]);
  t.same(await queries.transactionStatus('CP1', 5), { transactionId: 5, messagesInQueue: true, at: '2025-06-01T10:00:00.000Z' });
  t.same(sent, [{ action: 'GetTransactionStatus', payload: { transactionId: 'tx-5' } }]);
  await t.rejects(queries.transactionStatus('CP1', 6), /no id of the charger's own/);
  await t.rejects(queries.transactionStatus('CP1', 7), /no transaction 7 on charger CP1/);
  t.same(queries.queues('CP1'), [{ transactionId: 5, messagesInQueue: true, at: '2025-06-01T10:00:00.000Z' }]);
});
