/**
 * The behaviour every Store implementation must show, whatever it is built on. An
 * implementation's test file calls storeContract with a factory that opens its store in a
 * directory; reopening the same directory must see everything written before.
 * (Run on its own, tap reports this file as "no tests found": it only exports the suite.)
 */
import type { Test } from 'tap';
import type { AuthEntry, ListSource, MeterSample, NewSession, SessionFilter, Store, StopInput } from '../../../src/store/ports.js';

const CLOUD: ListSource = 'cloud:SITE';

export type MakeStore = (dir: string) => Store;

/** A store in a fresh directory, closed when the test ends; `reopen` simulates a restart. */
export function openFresh(t: Test, makeStore: MakeStore) {
  const dir = t.testdir();
  let store = makeStore(dir);
  t.teardown(() => store.close());
  return {
    dir,
    get store() {
      return store;
    },
    reopen(): Store {
      store.close();
      store = makeStore(dir);
      return store;
    },
  };
}

let startCounter = 0;

/** A valid StartTransaction; each call differs (startedAt) unless overridden. */
export function newSession(overrides: Partial<NewSession> = {}): NewSession {
  startCounter += 1;
  const second = String(startCounter % 60).padStart(2, '0');
  return {
    chargerId: 'CP-1',
    connectorId: 1,
    idTag: 'TAG-A',
    startedAt: `2024-05-01T10:00:${second}.000Z`,
    meterStart: 1000,
    authStatus: 'Accepted',
    receivedAt: '2024-05-01T10:00:00.500Z',
    ...overrides,
  };
}

export function stopFor(chargerId: string, transactionId: number, overrides: Partial<StopInput> = {}): StopInput {
  return {
    chargerId,
    transactionId,
    stoppedAt: '2024-05-01T11:00:00.000Z',
    meterStop: 8500,
    reason: 'Local',
    receivedAt: '2024-05-01T11:00:00.200Z',
    ...overrides,
  };
}

export function storeContract(t: Test, makeStore: MakeStore): void {
  t.test('chargers', async (t) => chargerContract(t, makeStore));
  t.test('sessions', async (t) => sessionContract(t, makeStore));
  t.test('meter samples', async (t) => meterContract(t, makeStore));
  t.test('authorization list', async (t) => authContract(t, makeStore));
}

function chargerContract(t: Test, makeStore: MakeStore): void {
  t.test('boot info round-trips and survives a reopen', async (t) => {
    const s = openFresh(t, makeStore);
    t.equal(s.store.chargers.get('CP-1'), undefined, 'unknown charger');
    s.store.chargers.recordBoot(
      'CP-1',
      { vendor: 'Acme', model: 'Wall 22', serialNumber: 'SN-9', firmwareVersion: '1.2.3' },
      '2024-05-01T08:00:00.000Z',
    );
    s.store.chargers.recordBoot('CP-2', { vendor: 'Other', model: 'Pole' }, '2024-05-01T08:00:01.000Z');
    s.store.chargers.touch('CP-1', '2024-05-01T08:05:00.000Z');
    s.reopen();
    t.strictSame(s.store.chargers.get('CP-1'), {
      id: 'CP-1',
      vendor: 'Acme',
      model: 'Wall 22',
      serialNumber: 'SN-9',
      firmwareVersion: '1.2.3',
      lastBootAt: '2024-05-01T08:00:00.000Z',
      lastSeenAt: '2024-05-01T08:05:00.000Z',
    });
    t.strictSame(s.store.chargers.get('CP-2'), {
      id: 'CP-2',
      vendor: 'Other',
      model: 'Pole',
      lastBootAt: '2024-05-01T08:00:01.000Z',
      lastSeenAt: '2024-05-01T08:00:01.000Z',
    }, 'absent optional fields stay absent');
    t.strictSame(s.store.chargers.list().map((c) => c.id), ['CP-1', 'CP-2']);
  });

  t.test('a new boot replaces the info (a firmware update)', async (t) => {
    const { store } = openFresh(t, makeStore);
    store.chargers.recordBoot('CP-1', { vendor: 'Acme', model: 'W', firmwareVersion: '1' }, '2024-05-01T08:00:00.000Z');
    store.chargers.recordBoot('CP-1', { vendor: 'Acme', model: 'W', firmwareVersion: '2' }, '2024-05-02T08:00:00.000Z');
    t.match(store.chargers.get('CP-1'), { firmwareVersion: '2', lastBootAt: '2024-05-02T08:00:00.000Z' });
    t.equal(store.chargers.list().length, 1);
  });

  t.test('touch of a charger never booted here creates it', async (t) => {
    const { store } = openFresh(t, makeStore);
    store.chargers.touch('CP-9', '2024-05-01T08:00:00.000Z');
    t.strictSame(store.chargers.get('CP-9'), { id: 'CP-9', lastSeenAt: '2024-05-01T08:00:00.000Z' });
  });

  t.test('connector state round-trips, last write wins, filter by charger', async (t) => {
    const s = openFresh(t, makeStore);
    const base = { status: 'Available', errorCode: 'NoError', timestamp: '2024-05-01T08:00:00.000Z' };
    s.store.chargers.recordBoot('CP-1', { vendor: 'Acme', model: 'W' }, '2024-05-01T08:00:00.000Z');
    s.store.chargers.setConnectorState({ chargerId: 'CP-1', connectorId: 2, ...base });
    s.store.chargers.setConnectorState({ chargerId: 'CP-1', connectorId: 1, ...base });
    // A StatusNotification from a charger that has not booted since the gateway started.
    s.store.chargers.setConnectorState({ chargerId: 'CP-0', connectorId: 0, ...base });
    s.store.chargers.setConnectorState({
      chargerId: 'CP-1',
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      info: 'RCD tripped',
      vendorErrorCode: 'E42',
      timestamp: '2024-05-01T09:00:00.000Z',
    });
    s.reopen();
    t.strictSame(s.store.chargers.connectors('CP-1'), [
      {
        chargerId: 'CP-1',
        connectorId: 1,
        status: 'Faulted',
        errorCode: 'GroundFailure',
        info: 'RCD tripped',
        vendorErrorCode: 'E42',
        timestamp: '2024-05-01T09:00:00.000Z',
      },
      { chargerId: 'CP-1', connectorId: 2, ...base },
    ]);
    t.strictSame(
      s.store.chargers.connectors().map((c) => `${c.chargerId}/${c.connectorId}`),
      ['CP-0/0', 'CP-1/1', 'CP-1/2'],
    );
    t.strictSame(s.store.chargers.connectors('nobody'), []);
  });
}

function sessionContract(t: Test, makeStore: MakeStore): void {
  t.test('start, stop, energy', async (t) => {
    const { store } = openFresh(t, makeStore);
    const input = newSession({ meterStart: 1200, reservationId: 7 });
    const started = store.sessions.start(input);
    t.equal(started.replayed, false);
    t.ok(Number.isInteger(started.transactionId) && started.transactionId > 0, 'a positive integer id');
    t.strictSame(store.sessions.get(started.transactionId), {
      ...input,
      transactionId: started.transactionId,
      state: 'active',
    });
    const data = [{ timestamp: '2024-05-01T10:30:00.000Z', sampledValue: [{ value: '5000' }] }];
    const outcome = store.sessions.stop(
      stopFor('CP-1', started.transactionId, { meterStop: 9700, idTag: 'TAG-A', transactionData: data }),
    );
    t.strictSame(outcome, {
      known: true,
      alreadyStopped: false,
      session: {
        ...input,
        transactionId: started.transactionId,
        state: 'completed',
        stoppedAt: '2024-05-01T11:00:00.000Z',
        meterStop: 9700,
        energyWh: 8500,
        stopReason: 'Local',
        stopIdTag: 'TAG-A',
        transactionData: data,
        closedBy: 'charger',
      },
    });
    t.strictSame(store.sessions.get(started.transactionId), outcome.known && outcome.session);
    t.equal(store.sessions.get(999_999), undefined, 'unknown id');
  });

  t.test('a replayed start returns the first id, also after the stop', async (t) => {
    const { store } = openFresh(t, makeStore);
    const input = newSession();
    const first = store.sessions.start(input);
    t.strictSame(store.sessions.start({ ...input, receivedAt: '2024-05-01T10:05:00.000Z' }), {
      transactionId: first.transactionId,
      replayed: true,
    }, 'the gateway clock differs on a replay; the charger data does not');
    store.sessions.stop(stopFor('CP-1', first.transactionId));
    t.strictSame(store.sessions.start(input), { transactionId: first.transactionId, replayed: true });
    t.equal(store.sessions.list().length, 1, 'no second session');
    const other = store.sessions.start({ ...input, meterStart: input.meterStart + 1 });
    t.equal(other.replayed, false, 'any of the five values differing is a new start');
  });

  t.test('the replay key: each of the five values differing alone makes a new start', async (t) => {
    const { store } = openFresh(t, makeStore);
    const input = newSession();
    const first = store.sessions.start(input);
    const differing: Partial<NewSession>[] = [
      { chargerId: 'CP-2' },
      { connectorId: input.connectorId + 1 },
      { idTag: 'TAG-B' },
      { startedAt: '2024-05-01T11:30:00.000Z' },
      { meterStart: input.meterStart + 1 },
    ];
    for (const change of differing) {
      const other = store.sessions.start({ ...input, ...change });
      t.equal(other.replayed, false, `${Object.keys(change)[0]} differs: not a replay`);
      t.not(other.transactionId, first.transactionId, `${Object.keys(change)[0]} differs: a session of its own`);
    }
    t.equal(store.sessions.list().length, 1 + differing.length);
  });

  t.test('distinct starts get distinct increasing int32 ids', async (t) => {
    const { store } = openFresh(t, makeStore);
    const ids = Array.from({ length: 25 }, (_, i) =>
      store.sessions.start(newSession({ connectorId: (i % 3) + 1, meterStart: i })).transactionId,
    );
    t.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `increasing: ${ids.join(',')}`);
    t.ok(ids.every((id) => id <= 2 ** 31 - 1), 'within int32');
  });

  t.test('ids are not reused after a restart', async (t) => {
    const s = openFresh(t, makeStore);
    const before = [1, 2, 3].map((i) => s.store.sessions.start(newSession({ meterStart: i })).transactionId);
    s.reopen();
    const after = s.store.sessions.start(newSession({ meterStart: 4 })).transactionId;
    t.ok(after > Math.max(...before), `${after} > ${before.join(',')}`);
  });

  t.test('an active session survives a restart and a later stop closes it', async (t) => {
    const s = openFresh(t, makeStore);
    const { transactionId } = s.store.sessions.start(newSession({ meterStart: 100 }));
    s.reopen();
    t.match(s.store.sessions.get(transactionId), { state: 'active', meterStart: 100 });
    const outcome = s.store.sessions.stop(stopFor('CP-1', transactionId, { meterStop: 600 }));
    t.match(outcome, { known: true, alreadyStopped: false, session: { state: 'completed', energyWh: 500 } });
    s.reopen();
    t.match(s.store.sessions.get(transactionId), { state: 'completed', energyWh: 500 });
  });

  t.test('a stop for an id never issued is kept apart, once per resend', async (t) => {
    const s = openFresh(t, makeStore);
    const unknown = stopFor('CP-1', 424_242, { idTag: 'TAG-X', transactionData: [{ note: 'kept' }] });
    const offline = stopFor('CP-2', -1, { reason: undefined });
    t.strictSame(s.store.sessions.stop(unknown), { known: false });
    t.strictSame(s.store.sessions.stop(unknown), { known: false }, 'resent: still not rejected');
    t.strictSame(s.store.sessions.stop(offline), { known: false });
    s.reopen();
    const { reason: _absent, ...offlineWithoutReason } = offline;
    t.strictSame(s.store.sessions.unmatchedStops(), [unknown, offlineWithoutReason]);
    t.strictSame(s.store.sessions.list(), [], 'no session was made up');
  });

  t.test("a stop naming another charger's transaction does not close it", async (t) => {
    const { store } = openFresh(t, makeStore);
    const { transactionId } = store.sessions.start(newSession({ chargerId: 'CP-1' }));
    t.strictSame(store.sessions.stop(stopFor('CP-2', transactionId)), { known: false });
    t.match(store.sessions.get(transactionId), { state: 'active' });
    t.match(store.sessions.unmatchedStops(), [{ chargerId: 'CP-2', transactionId }]);
  });

  t.test('a second stop changes nothing', async (t) => {
    const { store } = openFresh(t, makeStore);
    const { transactionId } = store.sessions.start(newSession({ meterStart: 0 }));
    const first = store.sessions.stop(stopFor('CP-1', transactionId, { meterStop: 300 }));
    const again = store.sessions.stop(
      stopFor('CP-1', transactionId, { meterStop: 999, stoppedAt: '2024-05-01T12:00:00.000Z', reason: 'Other' }),
    );
    t.strictSame(again, { known: true, alreadyStopped: true, session: first.known && first.session });
    t.match(store.sessions.get(transactionId), { meterStop: 300, energyWh: 300, stopReason: 'Local' });
    t.strictSame(store.sessions.unmatchedStops(), []);
  });

  t.test('list filters and orders by start time', async (t) => {
    const { store } = openFresh(t, makeStore);
    const at = (hour: number) => `2024-05-01T${String(hour).padStart(2, '0')}:00:00.000Z`;
    // Inserted out of start order: the list orders by startedAt, not by id.
    const id = (chargerId: string, hour: number) =>
      store.sessions.start(newSession({ chargerId, startedAt: at(hour) })).transactionId;
    const b9 = id('CP-B', 9);
    const a11 = id('CP-A', 11);
    const a8 = id('CP-A', 8);
    const b10 = id('CP-B', 10);
    const a12 = id('CP-A', 12);
    store.sessions.stop(stopFor('CP-A', a8));
    store.sessions.stop(stopFor('CP-B', b10));
    const ids = (filter?: SessionFilter) =>
      store.sessions.list(filter).map((s) => s.transactionId);

    t.strictSame(ids(), [a8, b9, b10, a11, a12], 'all, by start time');
    t.strictSame(ids({ chargerId: 'CP-A' }), [a8, a11, a12]);
    t.strictSame(ids({ from: at(10) }), [b10, a11, a12], 'from is inclusive');
    t.strictSame(ids({ to: at(10) }), [a8, b9], 'to is exclusive');
    t.strictSame(ids({ from: at(9), to: at(12) }), [b9, b10, a11]);
    t.strictSame(ids({ state: 'active' }), [b9, a11, a12]);
    t.strictSame(ids({ state: 'completed' }), [a8, b10]);
    t.strictSame(ids({ limit: 2 }), [a8, b9]);
    // The same filters with and without a limit are separate statements (a bound LIMIT costs
    // SQLite more than the query): each answers by its own filter, in either order.
    t.strictSame(ids({ state: 'active', limit: 2 }), [b9, a11], 'a limit on a filter');
    t.strictSame(ids({ state: 'active' }), [b9, a11, a12], 'the same filter without it, after it');
    t.strictSame(ids({ chargerId: 'CP-A', state: 'active', limit: 1 }), [a11]);
    t.strictSame(ids({ chargerId: 'CP-B', state: 'active', from: at(9), to: at(23), limit: 5 }), [b9]);
    t.strictSame(ids({ chargerId: 'nobody' }), []);
  });
}

function meterContract(t: Test, makeStore: MakeStore): void {
  const sample = (overrides: Partial<MeterSample>): MeterSample => ({
    chargerId: 'CP-1',
    connectorId: 1,
    timestamp: '2024-05-01T10:00:00.000Z',
    value: '0',
    measurand: 'Energy.Active.Import.Register',
    ...overrides,
  });

  t.test('append, forTransaction, recent', async (t) => {
    const s = openFresh(t, makeStore);
    const full = sample({
      transactionId: 7,
      value: '16.1',
      measurand: 'Current.Import',
      phase: 'L1',
      unit: 'A',
      context: 'Sample.Periodic',
      location: 'Outlet',
      format: 'Raw',
    });
    const batch = [
      full,
      sample({ transactionId: 7, value: '1500', unit: 'Wh' }),
      sample({ transactionId: 8, connectorId: 2, value: '10' }),
      sample({ value: '230.1', measurand: 'Voltage' }), // outside a transaction
      sample({ chargerId: 'CP-2', transactionId: 9, value: '1' }),
    ];
    s.store.meters.append(batch);
    s.store.meters.append([]);
    s.store.meters.append([sample({ transactionId: 7, value: '1600', unit: 'Wh' })]);
    s.reopen();

    t.strictSame(s.store.meters.forTransaction(7).map((m) => m.value), ['16.1', '1500', '1600'], 'in arrival order');
    t.strictSame(s.store.meters.forTransaction(7)[0], full, 'every field round-trips');
    t.strictSame(s.store.meters.forTransaction(404), []);
    t.strictSame(
      s.store.meters.recent('CP-1').map((m) => m.value),
      ['1600', '230.1', '10', '1500', '16.1'],
      'most recent first',
    );
    t.strictSame(s.store.meters.recent('CP-1', 2).map((m) => m.value), ['10']);
    t.strictSame(s.store.meters.recent('CP-1', 1, 2).map((m) => m.value), ['1600', '230.1']);
    t.strictSame(s.store.meters.recent('CP-1', undefined, 1).map((m) => m.value), ['1600']);
    t.notOk('transactionId' in s.store.meters.recent('CP-1', 1, 2)[1]!, 'no transaction: no key');
  });
}

function authContract(t: Test, makeStore: MakeStore): void {
  t.test('replaceAll, upsert, remove, version', async (t) => {
    const s = openFresh(t, makeStore);
    t.equal(s.store.auth.version(CLOUD), 0, 'a list never set has version 0');
    t.strictSame(s.store.auth.list(CLOUD), []);
    s.store.auth.replaceAll(
      CLOUD,
      [
        { idTag: 'B', status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
        { idTag: 'A', status: 'Blocked' },
        { idTag: 'C', status: 'Accepted' },
      ],
      3,
    );
    t.equal(s.store.auth.version(CLOUD), 3);
    t.strictSame(s.store.auth.get(CLOUD, 'B'), {
      idTag: 'B',
      status: 'Accepted',
      expiryDate: '2030-01-01T00:00:00.000Z',
      parentIdTag: 'FLEET',
    });
    t.strictSame(s.store.auth.get(CLOUD, 'A'), { idTag: 'A', status: 'Blocked' });
    t.equal(s.store.auth.get(CLOUD, 'Z'), undefined);
    t.strictSame(s.store.auth.get(CLOUD, 'a'), { idTag: 'A', status: 'Blocked' }, 'idTags are CiString20: found whatever their case');

    s.store.auth.upsert(CLOUD, [{ idTag: 'B', status: 'Expired' }, { idTag: 'D', status: 'Invalid' }], 4);
    t.strictSame(s.store.auth.get(CLOUD, 'B'), { idTag: 'B', status: 'Expired' }, 'an upsert replaces the whole entry');
    s.store.auth.remove(CLOUD, ['C', 'not-there'], 5);
    s.reopen();
    t.equal(s.store.auth.version(CLOUD), 5);
    t.strictSame(s.store.auth.list(CLOUD).map((e) => `${e.idTag}:${e.status}`), ['A:Blocked', 'B:Expired', 'D:Invalid']);

    s.store.auth.replaceAll(CLOUD, [{ idTag: 'E', status: 'Accepted' }], 6);
    t.strictSame(s.store.auth.list(CLOUD), [{ idTag: 'E', status: 'Accepted' }], 'replaceAll drops what is not listed');
    t.equal(s.store.auth.version(CLOUD), 6);
  });

  t.test('each source is its own list with its own version; every change moves the generation', async (t) => {
    const s = openFresh(t, makeStore);
    const other: ListSource = 'cloud:CP2';
    s.store.auth.replaceAll(CLOUD, [{ idTag: 'A', status: 'Accepted' }], 4);
    const g = s.store.auth.generation();
    s.store.auth.replaceAll('config', [{ idTag: 'A', status: 'Blocked' }, { idTag: 'H', status: 'Accepted' }], 0);
    s.store.auth.upsert(other, [{ idTag: 'B', status: 'Accepted' }], 2);
    t.ok(s.store.auth.generation() > g, 'the generation went up');
    s.reopen();
    t.equal(s.store.auth.version(CLOUD), 4, 'the config written after it left the cloud\'s version alone');
    t.strictSame(s.store.auth.list(CLOUD), [{ idTag: 'A', status: 'Accepted' }], 'and its entries');
    t.strictSame(s.store.auth.get('config', 'a'), { idTag: 'A', status: 'Blocked' });
    t.equal(s.store.auth.version(other), 2);
    t.equal(s.store.auth.get(other, 'A'), undefined, 'one channel\'s list is not another\'s');
    t.equal(s.store.auth.version('cloud:never'), 0);
  });

  t.test('an update that fails half-way leaves the old list and version (one transaction)', async (t) => {
    const s = openFresh(t, makeStore);
    s.store.auth.replaceAll(CLOUD, [{ idTag: 'A', status: 'Accepted' }, { idTag: 'B', status: 'Accepted' }], 3);
    // A status the table refuses, after a valid one: the write throws in the middle.
    const broken = [{ idTag: 'C', status: 'Accepted' }, { idTag: 'D', status: 'Nonsense' }] as unknown as AuthEntry[];
    t.throws(() => s.store.auth.replaceAll(CLOUD, broken, 4));
    t.throws(() => s.store.auth.upsert(CLOUD, broken, 4));
    s.reopen();
    t.equal(s.store.auth.version(CLOUD), 3);
    t.strictSame(s.store.auth.list(CLOUD).map((e) => e.idTag), ['A', 'B'], 'nothing of the failed update');
  });
}
