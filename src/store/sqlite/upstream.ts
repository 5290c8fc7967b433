/** The cloud upstream's durable state: outbox, dead letters, transaction map, idTag cache, virtual connectors. */
import type {
  CachedIdTag,
  ConnectorMapStore,
  DeadLetter,
  IdTagCacheStore,
  MappedTransaction,
  OutboxKind,
  OutboxMessage,
  OutboxStore,
  RemoteStart,
  RemoteStartStore,
  Reservation,
  ReservationStore,
  TransactionMapStore,
  UpstreamStore,
  VirtualConnector,
} from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

interface OutboxRow {
  seq: number;
  channel: string;
  action: string;
  kind: OutboxKind;
  payload: string;
  local_tx: number | null;
  coalesce_key: string | null;
  attempts: number;
  created_at: string;
}

interface DeadRow {
  id: number;
  seq: number;
  channel: string;
  action: string;
  payload: string;
  local_tx: number | null;
  attempts: number;
  error: string;
  created_at: string;
  dead_at: string;
}

/**
 * One upstream's view: `upstream` is '' for the primary, else a mirror's name. Its outbox, dead
 * letters and transaction map are its own; the idTag cache (the primary's answers) and the
 * virtual connector numbers (the same for every cloud) are shared.
 */
export function createUpstreamStore(db: Db, upstream = ''): UpstreamStore {
  return {
    outbox: createOutboxStore(db, upstream),
    transactions: createTransactionMapStore(db, upstream),
    remoteStarts: createRemoteStartStore(db, upstream),
    idTagCache: createIdTagCacheStore(db),
    connectors: createConnectorMapStore(db),
    reservations: createReservationStore(db),
  };
}

function createOutboxStore(db: Db, upstream: string): OutboxStore {
  const insert = db.prepare(`
    INSERT INTO upstream_outbox (upstream, channel, action, kind, payload, local_tx, coalesce_key, created_at)
    VALUES (@upstream, @channel, @action, @kind, @payload, @localTx, @coalesceKey, @createdAt)`);
  const dropCoalesced = db.prepare('DELETE FROM upstream_outbox WHERE upstream = ? AND channel = ? AND coalesce_key = ? AND seq > ?');
  const page = db.prepare<[string, string, number, number, number], OutboxRow>(
    'SELECT * FROM upstream_outbox WHERE upstream = ? AND channel = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
  );
  const removeOne = db.prepare('DELETE FROM upstream_outbox WHERE seq = ?');
  const amend = db.prepare('UPDATE upstream_outbox SET payload = ? WHERE upstream = ? AND channel = ? AND action = ? AND local_tx = ? AND seq > ?');
  const getOne = db.prepare<[number], OutboxRow>('SELECT * FROM upstream_outbox WHERE seq = ?');
  const setAttempts = db.prepare('UPDATE upstream_outbox SET attempts = ? WHERE seq = ?');
  const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM upstream_outbox WHERE upstream = ?');
  const maxSeq = db.prepare<[string], { m: number | null }>('SELECT max(seq) AS m FROM upstream_outbox WHERE upstream = ?');
  const evictable = db.prepare<[string], { seq: number; kind: OutboxKind; local_tx: number | null }>(
    "SELECT seq, kind, local_tx FROM upstream_outbox WHERE upstream = ? AND kind IN ('status', 'meter') ORDER BY seq",
  );
  const insertDead = db.prepare(`
    INSERT INTO upstream_dead_letters (upstream, seq, channel, action, payload, local_tx, attempts, error, created_at, dead_at)
    VALUES (@upstream, @seq, @channel, @action, @payload, @local_tx, @attempts, @error, @created_at, @deadAt)`);
  const getDead = db.prepare<[number], DeadRow>('SELECT * FROM upstream_dead_letters WHERE id = ?');
  const countDead = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM upstream_dead_letters WHERE upstream = ?');
  const oldest = db.prepare<[string], { created_at: string }>('SELECT created_at FROM upstream_outbox WHERE upstream = ? ORDER BY seq LIMIT 1');
  const listDead = db.prepare<[string, number], DeadRow>('SELECT * FROM upstream_dead_letters WHERE upstream = ? ORDER BY id DESC LIMIT ?');

  const remove = db.transaction((seqs: readonly number[]) => {
    for (const seq of seqs) removeOne.run(seq);
  });
  const deadLetter = db.transaction((seq: number, error: string, at: string): DeadLetter | undefined => {
    const row = getOne.get(seq);
    if (!row) return undefined;
    const { lastInsertRowid } = insertDead.run({ ...row, error, deadAt: at });
    removeOne.run(seq);
    return toDeadLetter(getDead.get(Number(lastInsertRowid))!);
  });
  const add = db.transaction((m: Parameters<OutboxStore['add']>[0], at: string, sentThrough: number) => {
    const replaced = m.coalesceKey !== undefined ? dropCoalesced.run(upstream, m.channel, m.coalesceKey, sentThrough).changes : 0;
    const { lastInsertRowid } = insert.run({
      upstream,
      channel: m.channel,
      action: m.action,
      kind: m.kind,
      payload: JSON.stringify(m.payload),
      localTx: orNull(m.localTransactionId),
      coalesceKey: orNull(m.coalesceKey),
      createdAt: at,
    });
    return { seq: Number(lastInsertRowid), replaced };
  });

  return {
    add: (message, at, sentThrough = 0) => add(message, at, sentThrough),
    page: (channel, afterSeq, upToSeq, limit) => page.all(upstream, channel, afterSeq, upToSeq, limit).map(toMessage),
    remove: (seqs) => {
      if (seqs.length > 0) remove(seqs);
    },
    amend: (channel, action, localTx, payload, sentThrough) => amend.run(JSON.stringify(payload), upstream, channel, action, localTx, sentThrough).changes > 0,
    setAttempts: (seq, attempts) => void setAttempts.run(attempts, seq),
    deadLetter: (seq, error, at) => deadLetter(seq, error, at),
    count: () => count.get(upstream)!.n,
    maxSeq: () => maxSeq.get(upstream)!.m ?? 0,
    evictable: () => evictable.all(upstream).map((r) => omitEmpty({ seq: r.seq, kind: r.kind, localTransactionId: orUndefined(r.local_tx) })),
    deadLetters: (limit = 100) => listDead.all(upstream, limit).map(toDeadLetter),
    deadLetterCount: () => countDead.get(upstream)!.n,
    oldestAt: () => oldest.get(upstream)?.created_at,
  };
}

function toMessage(row: OutboxRow): OutboxMessage {
  return omitEmpty<OutboxMessage>({
    seq: row.seq,
    channel: row.channel,
    action: row.action,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    localTransactionId: orUndefined(row.local_tx),
    coalesceKey: orUndefined(row.coalesce_key),
    attempts: row.attempts,
    createdAt: row.created_at,
  });
}

function toDeadLetter(row: DeadRow): DeadLetter {
  return omitEmpty<DeadLetter>({
    id: row.id,
    seq: row.seq,
    channel: row.channel,
    action: row.action,
    payload: JSON.parse(row.payload) as unknown,
    localTransactionId: orUndefined(row.local_tx),
    attempts: row.attempts,
    error: row.error,
    createdAt: row.created_at,
    deadAt: row.dead_at,
  });
}

function createTransactionMapStore(db: Db, upstream: string): TransactionMapStore {
  const open = db.prepare('INSERT OR IGNORE INTO upstream_transactions (upstream, local_tx, channel) VALUES (?, ?, ?)');
  const setCloud = db.prepare("UPDATE upstream_transactions SET cloud_tx = ?, state = 'mapped' WHERE upstream = ? AND local_tx = ?");
  const markDead = db.prepare("UPDATE upstream_transactions SET state = 'dead' WHERE upstream = ? AND local_tx = ?");
  const get = db.prepare<[string, number], { channel: string; cloud_tx: number | null; state: MappedTransaction['state'] }>(
    'SELECT channel, cloud_tx, state FROM upstream_transactions WHERE upstream = ? AND local_tx = ?',
  );
  const localFor = db.prepare<[string, string, number], { local_tx: number }>(
    'SELECT local_tx FROM upstream_transactions WHERE upstream = ? AND channel = ? AND cloud_tx = ? ORDER BY local_tx DESC LIMIT 1',
  );
  return {
    open: (local, channel) => void open.run(upstream, local, channel),
    setCloud: (local, cloud) => void setCloud.run(cloud, upstream, local),
    markDead: (local) => void markDead.run(upstream, local),
    get(local) {
      const row = get.get(upstream, local);
      return row && omitEmpty<MappedTransaction>({ channel: row.channel, state: row.state, cloudTransactionId: orUndefined(row.cloud_tx) });
    },
    localFor: (channel, cloud) => localFor.get(upstream, channel, cloud)?.local_tx,
  };
}

function createIdTagCacheStore(db: Db): IdTagCacheStore {
  const get = db.prepare<[string], { status: string; expiry_date: string | null; parent_id_tag: string | null }>(
    'SELECT status, expiry_date, parent_id_tag FROM upstream_idtag_cache WHERE id_tag = ?',
  );
  const put = db.prepare(`
    INSERT INTO upstream_idtag_cache (id_tag, status, expiry_date, parent_id_tag, updated_at)
    VALUES (@idTag, @status, @expiryDate, @parentIdTag, @at)
    ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, expiry_date = excluded.expiry_date,
      parent_id_tag = excluded.parent_id_tag, updated_at = excluded.updated_at`);
  const clear = db.prepare('DELETE FROM upstream_idtag_cache');
  return {
    get(idTag) {
      const row = get.get(idTag);
      return row && omitEmpty<CachedIdTag>({ status: row.status, expiryDate: orUndefined(row.expiry_date), parentIdTag: orUndefined(row.parent_id_tag) });
    },
    put: (idTag, info: CachedIdTag, at) =>
      void put.run({ idTag, status: info.status, expiryDate: orNull(info.expiryDate), parentIdTag: orNull(info.parentIdTag), at }),
    clear: () => void clear.run(),
  };
}

function createConnectorMapStore(db: Db): ConnectorMapStore {
  const list = db.prepare<[], { charger_id: string; connector_id: number; virtual: number }>(
    'SELECT * FROM upstream_connectors ORDER BY virtual',
  );
  const assign = db.prepare(`
    INSERT INTO upstream_connectors (charger_id, connector_id, virtual) VALUES (@chargerId, @connectorId, @virtual)
    ON CONFLICT (charger_id, connector_id) DO UPDATE SET virtual = excluded.virtual`);
  const freeNumber = db.prepare('DELETE FROM upstream_connectors WHERE virtual = ? AND NOT (charger_id = ? AND connector_id = ?)');
  const assignOne = db.transaction((m: VirtualConnector) => {
    // A pinned number wins over an earlier automatic assignment of the same number.
    freeNumber.run(m.virtual, m.chargerId, m.connectorId);
    assign.run(m);
  });
  return {
    list: () => list.all().map((r) => ({ chargerId: r.charger_id, connectorId: r.connector_id, virtual: r.virtual })),
    assign: (m) => assignOne(m),
  };
}

function createReservationStore(db: Db): ReservationStore {
  const put = db.prepare(`
    INSERT INTO upstream_reservations (channel, reservation_id, charger_id, connector_id) VALUES (@channel, @reservationId, @chargerId, @connectorId)
    ON CONFLICT (channel, reservation_id) DO UPDATE SET charger_id = excluded.charger_id, connector_id = excluded.connector_id`);
  const get = db.prepare<[string, number], { charger_id: string; connector_id: number }>(
    'SELECT charger_id, connector_id FROM upstream_reservations WHERE channel = ? AND reservation_id = ?',
  );
  const remove = db.prepare('DELETE FROM upstream_reservations WHERE channel = ? AND reservation_id = ?');
  return {
    put: (r: Reservation) => void put.run(r),
    get(channel, reservationId) {
      const row = get.get(channel, reservationId);
      return row && { channel, reservationId, chargerId: row.charger_id, connectorId: row.connector_id };
    },
    remove: (channel, reservationId) => void remove.run(channel, reservationId),
  };
}

function createRemoteStartStore(db: Db, upstream: string): RemoteStartStore {
  const insert = db.prepare(`
    INSERT INTO upstream_remote_starts (upstream, channel, remote_start_id, id_tag, connector_id, created_at)
    VALUES (@upstream, @channel, @remoteStartId, @idTag, @connectorId, @createdAt)`);
  const list = db.prepare<[string, string, string], { id: number; remote_start_id: number; id_tag: string; connector_id: number | null; created_at: string }>(
    'SELECT id, remote_start_id, id_tag, connector_id, created_at FROM upstream_remote_starts WHERE upstream = ? AND channel = ? AND created_at >= ? ORDER BY id',
  );
  const remove = db.prepare('DELETE FROM upstream_remote_starts WHERE id = ?');
  const pruneOld = db.prepare('DELETE FROM upstream_remote_starts WHERE upstream = ? AND channel = ? AND created_at < ?');
  const pruneMany = db.prepare(
    'DELETE FROM upstream_remote_starts WHERE upstream = @upstream AND channel = @channel AND id NOT IN (SELECT id FROM upstream_remote_starts WHERE upstream = @upstream AND channel = @channel ORDER BY id DESC LIMIT @keep)',
  );
  return {
    add: (channel, start: RemoteStart) =>
      Number(insert.run({ upstream, channel, remoteStartId: start.remoteStartId, idTag: start.idTag, connectorId: orNull(start.connectorId), createdAt: start.createdAt }).lastInsertRowid),
    list: (channel, since) =>
      list.all(upstream, channel, since).map((r) => omitEmpty<RemoteStart & { id: number }>({ id: r.id, remoteStartId: r.remote_start_id, idTag: r.id_tag, connectorId: orUndefined(r.connector_id), createdAt: r.created_at })),
    remove: (id) => void remove.run(id),
    prune(channel, before, keep) {
      pruneOld.run(upstream, channel, before);
      pruneMany.run({ upstream, channel, keep });
    },
  };
}
