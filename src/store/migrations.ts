/**
 * The database schema as an ordered list of migrations. Migration N brings a database from
 * `PRAGMA user_version = N-1` to N; each runs in its own transaction together with the
 * user_version bump, so a crash leaves the database at a whole version. Never edit a
 * migration that has shipped: append a new one.
 *
 * Pure data and one pure planning function: the driver that applies them lives in sqlite.ts.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE chargers (
        id               TEXT PRIMARY KEY,
        vendor           TEXT,
        model            TEXT,
        serial_number    TEXT,
        firmware_version TEXT,
        last_boot_at     TEXT,
        last_seen_at     TEXT
      );

      CREATE TABLE connector_state (
        charger_id        TEXT NOT NULL REFERENCES chargers(id),
        connector_id      INTEGER NOT NULL,
        status            TEXT NOT NULL,
        error_code        TEXT NOT NULL,
        info              TEXT,
        vendor_error_code TEXT,
        timestamp         TEXT NOT NULL,
        PRIMARY KEY (charger_id, connector_id)
      );

      -- AUTOINCREMENT (not a plain rowid) so an id is never handed out twice, even after
      -- the highest row was deleted: a charger may still hold the old id.
      CREATE TABLE sessions (
        transaction_id   INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id       TEXT NOT NULL REFERENCES chargers(id),
        connector_id     INTEGER NOT NULL,
        id_tag           TEXT NOT NULL,
        started_at       TEXT NOT NULL,
        meter_start      INTEGER NOT NULL,
        reservation_id   INTEGER,
        auth_status      TEXT NOT NULL,
        received_at      TEXT NOT NULL,
        state            TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'completed')),
        stopped_at       TEXT,
        meter_stop       INTEGER,
        energy_wh        INTEGER,
        stop_reason      TEXT,
        stop_id_tag      TEXT,
        transaction_data TEXT,            -- JSON, as the charger sent it
        stop_received_at TEXT
      );
      -- A StartTransaction resent after a reconnect carries the same five values: the
      -- unique index is what lets start() hand back the first id instead of a second session.
      CREATE UNIQUE INDEX sessions_replay
        ON sessions (charger_id, connector_id, id_tag, started_at, meter_start);
      CREATE INDEX sessions_started_at ON sessions (started_at);
      CREATE INDEX sessions_charger ON sessions (charger_id, started_at);

      -- Stops for ids this gateway never issued (a previous CSMS, an offline start with -1).
      -- Kept out of sessions: such an id may equal one AUTOINCREMENT hands out later.
      CREATE TABLE unmatched_stops (
        id               INTEGER PRIMARY KEY,
        charger_id       TEXT NOT NULL,
        transaction_id   INTEGER NOT NULL,
        stopped_at       TEXT NOT NULL,
        meter_stop       INTEGER NOT NULL,
        reason           TEXT,
        id_tag           TEXT,
        transaction_data TEXT,
        received_at      TEXT NOT NULL
      );
      -- The same Stop resent by the charger is recorded once.
      CREATE UNIQUE INDEX unmatched_stops_resend
        ON unmatched_stops (charger_id, transaction_id, stopped_at, meter_stop);

      -- No foreign keys here on purpose: samples are a log and must be kept even when they
      -- name a transaction or charger the gateway has no row for.
      CREATE TABLE meter_samples (
        id             INTEGER PRIMARY KEY,
        charger_id     TEXT NOT NULL,
        connector_id   INTEGER NOT NULL,
        transaction_id INTEGER,
        timestamp      TEXT NOT NULL,
        value          TEXT NOT NULL,
        measurand      TEXT NOT NULL,
        phase          TEXT,
        unit           TEXT,
        context        TEXT,
        location       TEXT,
        format         TEXT
      );
      CREATE INDEX meter_samples_transaction ON meter_samples (transaction_id);
      CREATE INDEX meter_samples_connector ON meter_samples (charger_id, connector_id, id);

      CREATE TABLE auth_list (
        -- idTags are CiString20 (OCPP 1.6 §7.25): compared without regard to case.
        id_tag        TEXT PRIMARY KEY COLLATE NOCASE,
        status        TEXT NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')),
        expiry_date   TEXT,
        parent_id_tag TEXT
      );

      -- Small named values (the local authorization list version, ...).
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'upstream outbox, transaction map, idTag cache, virtual connectors',
    sql: `
      -- Every message bound for the cloud CSMS, committed before the charger hears its answer.
      -- seq is the delivery order; channel is the upstream connection (the aggregate identity,
      -- or the charger id in transparent mode). payload is JSON in the cloud's terms (virtual
      -- connector numbers), except transactionId, filled from upstream_transactions when sent.
      CREATE TABLE upstream_outbox (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        channel      TEXT NOT NULL,
        action       TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('start', 'meter', 'stop', 'status', 'other')),
        payload      TEXT NOT NULL,
        local_tx     INTEGER,
        -- Rows with the same key replace each other while unsent (the latest status per connector).
        coalesce_key TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT NOT NULL
      );
      CREATE INDEX upstream_outbox_channel ON upstream_outbox (channel, seq);
      CREATE INDEX upstream_outbox_coalesce ON upstream_outbox (channel, coalesce_key) WHERE coalesce_key IS NOT NULL;

      -- Messages the cloud refused for good (or that could not be mapped): never dropped silently.
      CREATE TABLE upstream_dead_letters (
        id         INTEGER PRIMARY KEY,
        seq        INTEGER NOT NULL,
        channel    TEXT NOT NULL,
        action     TEXT NOT NULL,
        payload    TEXT NOT NULL,
        local_tx   INTEGER,
        attempts   INTEGER NOT NULL,
        error      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        dead_at    TEXT NOT NULL
      );

      -- chargegate's transactionId ↔ the cloud's, per upstream connection.
      CREATE TABLE upstream_transactions (
        local_tx  INTEGER PRIMARY KEY,
        channel   TEXT NOT NULL,
        cloud_tx  INTEGER,
        state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'mapped', 'dead'))
      );
      CREATE INDEX upstream_transactions_cloud ON upstream_transactions (channel, cloud_tx);

      -- The cloud's earlier idTagInfo answers, for offline authorization (1.6 §3.5.2).
      CREATE TABLE upstream_idtag_cache (
        id_tag        TEXT PRIMARY KEY COLLATE NOCASE,
        status        TEXT NOT NULL,
        expiry_date   TEXT,
        parent_id_tag TEXT,
        updated_at    TEXT NOT NULL
      );

      -- Aggregate mode: charger + connector ↔ the connector number the cloud sees.
      CREATE TABLE upstream_connectors (
        charger_id   TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        virtual      INTEGER NOT NULL UNIQUE,
        PRIMARY KEY (charger_id, connector_id)
      );
    `,
  },
  {
    version: 3,
    name: 'raw frames kept when a transaction message could not be fully understood',
    sql: `
      -- A StartTransaction, StopTransaction or MeterValues that schema validation could not
      -- take whole (issue 14): what could be understood went to sessions and meter_samples,
      -- the frame itself is kept here, as received, so nothing the charger sent is lost.
      CREATE TABLE raw_frames (
        id          INTEGER PRIMARY KEY,
        charger_id  TEXT NOT NULL,
        action      TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        frame       TEXT NOT NULL,
        problem     TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('repaired', 'salvaged', 'unsalvageable', 'refused')),
        received_at TEXT NOT NULL
      );
      CREATE INDEX raw_frames_charger ON raw_frames (charger_id, id);
    `,
  },
  {
    version: 4,
    name: 'security events',
    sql: `
      -- SecurityEventNotification.req from chargers (OCPP 1.6 security whitepaper, ed. 3, use case A04),
      -- and the events chargegate raises for them (InvalidCsr). id is the arrival order.
      CREATE TABLE security_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id  TEXT NOT NULL,
        type        TEXT NOT NULL,
        timestamp   TEXT NOT NULL,
        tech_info   TEXT,
        received_at TEXT NOT NULL
      );
      CREATE INDEX security_events_charger ON security_events (charger_id, id);
    `,
  },
  {
    version: 5,
    name: 'sessions awaiting their own Stop, gateway-closed sessions; MeterValues stored once',
    sql: `
      -- A later StartTransaction on the same connector marks a session superseded: it waits
      -- for its own Stop for a grace period before chargegate closes it by estimate.
      ALTER TABLE sessions ADD COLUMN superseded_by INTEGER;
      ALTER TABLE sessions ADD COLUMN superseded_at TEXT;
      -- 'charger' (its StopTransaction) or 'gateway' (closed by estimate, corrected by a late Stop).
      ALTER TABLE sessions ADD COLUMN closed_by TEXT;
      ALTER TABLE sessions ADD COLUMN corrected_at TEXT;
      CREATE INDEX sessions_superseded ON sessions (superseded_at) WHERE superseded_by IS NOT NULL;

      -- A MeterValues resent after a crash (its answer was lost) is the same sample again
      -- (the value too: two readings that differ at one timestamp are both kept):
      -- what an existing database holds twice is dropped (the first copy stays), then the
      -- unique index makes INSERT OR IGNORE keep one. IFNULL: NULLs never collide in an index.
      DELETE FROM meter_samples WHERE id NOT IN (
        SELECT min(id) FROM meter_samples
        GROUP BY charger_id, connector_id, IFNULL(transaction_id, -1), timestamp, measurand,
                 IFNULL(phase, ''), IFNULL(location, ''), IFNULL(context, ''), value);
      CREATE UNIQUE INDEX meter_samples_resend ON meter_samples (
        charger_id, connector_id, IFNULL(transaction_id, -1), timestamp, measurand,
        IFNULL(phase, ''), IFNULL(location, ''), IFNULL(context, ''), value);
    `,
  },
  {
    version: 6,
    name: 'status history',
    sql: `
      -- Every StatusNotification (OCPP 1.6 §4.9) and each connect and disconnect of a charger,
      -- in arrival order (id), for the dashboard's charger page. Kept: the newest
      -- STATUS_HISTORY_KEPT per charger (store/sqlite/status-history.ts). No foreign key: a
      -- charger connects before its BootNotification makes it a row of chargers.
      -- kind: 'status' | 'connected' | 'disconnected'; connector_id, status and error_code
      -- only for a status.
      CREATE TABLE status_history (
        id                INTEGER PRIMARY KEY,
        charger_id        TEXT NOT NULL,
        kind              TEXT NOT NULL,
        connector_id      INTEGER,
        status            TEXT,
        error_code        TEXT,
        info              TEXT,
        vendor_error_code TEXT,
        timestamp         TEXT NOT NULL,
        received_at       TEXT NOT NULL
      );
      CREATE INDEX status_history_charger ON status_history (charger_id, id);
    `,
  },
  {
    version: 7,
    name: 'one outbox, dead-letter list and transaction map per upstream (the primary and its mirrors)',
    sql: `
      -- Which upstream a row belongs to: '' is the primary (every row so far), else a mirror's
      -- name (upstream.mirrors[].name). Each upstream delivers, counts and gives up its own.
      ALTER TABLE upstream_outbox ADD COLUMN upstream TEXT NOT NULL DEFAULT '';
      DROP INDEX upstream_outbox_channel;
      DROP INDEX upstream_outbox_coalesce;
      CREATE INDEX upstream_outbox_channel ON upstream_outbox (upstream, channel, seq);
      CREATE INDEX upstream_outbox_coalesce ON upstream_outbox (upstream, channel, coalesce_key) WHERE coalesce_key IS NOT NULL;
      ALTER TABLE upstream_dead_letters ADD COLUMN upstream TEXT NOT NULL DEFAULT '';

      -- Each cloud assigns its own transactionId to the same local transaction (1.6 §4.8).
      CREATE TABLE upstream_transactions_per_upstream (
        upstream  TEXT NOT NULL DEFAULT '',
        local_tx  INTEGER NOT NULL,
        channel   TEXT NOT NULL,
        cloud_tx  INTEGER,
        state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'mapped', 'dead')),
        PRIMARY KEY (upstream, local_tx)
      );
      INSERT INTO upstream_transactions_per_upstream (upstream, local_tx, channel, cloud_tx, state)
        SELECT '', local_tx, channel, cloud_tx, state FROM upstream_transactions;
      DROP TABLE upstream_transactions;
      ALTER TABLE upstream_transactions_per_upstream RENAME TO upstream_transactions;
      CREATE INDEX upstream_transactions_cloud ON upstream_transactions (upstream, channel, cloud_tx);
    `,
  },
  {
    version: 8,
    name: 'local lists per source (the config, the cloud per channel); the cloud\'s reservations',
    sql: `
      -- Each authorization list by its source: 'config' (authorization.list, re-read at each
      -- start) or 'cloud:<channel>' (the cloud's SendLocalList on one upstream connection, 1.6 §5.15).
      CREATE TABLE local_lists (
        source        TEXT NOT NULL,
        -- idTags are CiString20 (OCPP 1.6 §7.25): compared without regard to case.
        id_tag        TEXT NOT NULL COLLATE NOCASE,
        status        TEXT NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')),
        expiry_date   TEXT,
        parent_id_tag TEXT,
        PRIMARY KEY (source, id_tag)
      );
      -- The version of each list (GetLocalListVersion), written in the same transaction as it.
      CREATE TABLE local_list_versions (
        source  TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      );
      -- The one list of before: the cloud's when the cloud ever set a version (its rows then
      -- held the cloud's entries), kept as 'cloud:*', which every channel reads until the cloud
      -- writes that channel's own list. A list never set by the cloud was the config's seed:
      -- the config is re-read at start, so nothing of it is lost.
      INSERT INTO local_list_versions (source, version)
        SELECT 'cloud:*', CAST(value AS INTEGER) FROM meta WHERE key = 'auth_list_version' AND CAST(value AS INTEGER) <> 0;
      INSERT INTO local_lists (source, id_tag, status, expiry_date, parent_id_tag)
        SELECT 'cloud:*', id_tag, status, expiry_date, parent_id_tag FROM auth_list
        WHERE EXISTS (SELECT 1 FROM local_list_versions WHERE source = 'cloud:*');
      DROP TABLE auth_list;
      DELETE FROM meta WHERE key = 'auth_list_version';

      -- The cloud's ReserveNow that a charger accepted: CancelReservation after a restart
      -- still reaches it (1.6 §5.1, §5.13). The reservationId is the cloud's, per channel.
      CREATE TABLE upstream_reservations (
        channel        TEXT NOT NULL,
        reservation_id INTEGER NOT NULL,
        charger_id     TEXT NOT NULL,
        connector_id   INTEGER NOT NULL,
        PRIMARY KEY (channel, reservation_id)
      );
    `,
  },
  {
    version: 9,
    name: 'firmware files served to chargers, diagnostics uploads received, firmware and diagnostics status',
    sql: `
      -- A firmware file in <storage.dir>/firmware/<name>; token: the capability a charger's
      -- download URL carries (chargers send no bearer token), 128 random bits.
      CREATE TABLE firmware_files (
        name       TEXT PRIMARY KEY,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        source_url TEXT,
        token      TEXT NOT NULL,
        added_at   TEXT NOT NULL
      );

      -- An upload URL handed to a charger with GetDiagnostics (a token per request, expiring).
      -- forward_to: where the file goes next (the cloud's or the user's location), if anywhere.
      CREATE TABLE diagnostics_uploads (
        token      TEXT PRIMARY KEY,
        charger_id TEXT NOT NULL,
        forward_to TEXT,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      -- A diagnostics file a charger uploaded, kept in <storage.dir>/diagnostics/<id>-<name>.
      CREATE TABLE diagnostics_files (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id     TEXT NOT NULL,
        file_name      TEXT NOT NULL,
        size           INTEGER NOT NULL,
        sha256         TEXT NOT NULL,
        received_at    TEXT NOT NULL,
        forward_to     TEXT,
        forward_result TEXT,
        forwarded_at   TEXT
      );
      CREATE INDEX diagnostics_files_charger ON diagnostics_files (charger_id, id);

      -- FirmwareStatusNotification / DiagnosticsStatusNotification: a short history per charger.
      CREATE TABLE transfer_status (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('firmware', 'diagnostics')),
        status     TEXT NOT NULL,
        at         TEXT NOT NULL
      );
      CREATE INDEX transfer_status_charger ON transfer_status (charger_id, kind, id);
    `,
  },
  {
    version: 10,
    name: 'the charger\'s own transaction id (OCPP 2.0.1) beside the session id; TransactionEvents seen',
    sql: `
      -- A 2.0.1 charger names its transactions itself (a string): kept with the session,
      -- whose integer id stays chargegate's own, and unique per charger so a replayed
      -- TransactionEvent finds its session after a restart.
      ALTER TABLE sessions ADD COLUMN transaction_ref TEXT;
      CREATE UNIQUE INDEX sessions_transaction_ref ON sessions (charger_id, transaction_ref)
        WHERE transaction_ref IS NOT NULL;

      -- Each TransactionEvent handled, by its transaction and seqNo (OCPP 2.0.1 E01-E15): a
      -- replay of one (an offline queue resent after a lost answer) is answered, not redone.
      CREATE TABLE transaction_events (
        charger_id      TEXT NOT NULL,
        transaction_ref TEXT NOT NULL,
        seq_no          INTEGER NOT NULL,
        event_type      TEXT NOT NULL,
        offline         INTEGER NOT NULL,
        timestamp       TEXT NOT NULL,
        received_at     TEXT NOT NULL,
        PRIMARY KEY (charger_id, transaction_ref, seq_no)
      );
    `,
  },
  {
    version: 11,
    name: 'the OCPP version a charger last spoke; the idToken type a 2.0.1 session started with',
    sql: `
      -- The subprotocol of the charger's last connection (ocpp1.6, ocpp2.0.1): shown while it
      -- is offline and after a restart, as its boot info is.
      ALTER TABLE chargers ADD COLUMN protocol TEXT;
      -- An OCPP 2.0.1 session's idToken type (ISO14443, eMAID, Central…), NoAuthorization when
      -- the charger started it without an idToken; NULL for 1.6 sessions (an idTag has no type).
      ALTER TABLE sessions ADD COLUMN id_token_type TEXT;
    `,
  },
  {
    version: 12,
    name: 'the device model of OCPP 2.0.1 chargers (NotifyReport) and the state of its last report',
    sql: `
      -- One row per variable attribute a charger reported (2.0.1 B07/B08 NotifyReport): its
      -- component (with instance and EVSE/connector), variable (with instance) and attribute
      -- type. '' and -1 stand for "none" in the key columns (a primary key cannot hold NULLs
      -- that compare equal). request_id: the report that last wrote it.
      CREATE TABLE device_model (
        charger_id         TEXT NOT NULL,
        component          TEXT NOT NULL,
        component_instance TEXT NOT NULL DEFAULT '',
        evse_id            INTEGER NOT NULL DEFAULT -1,
        connector_id       INTEGER NOT NULL DEFAULT -1,
        variable           TEXT NOT NULL,
        variable_instance  TEXT NOT NULL DEFAULT '',
        attribute_type     TEXT NOT NULL DEFAULT 'Actual',
        value              TEXT,
        mutability         TEXT,
        persistent         INTEGER,
        constant           INTEGER,
        characteristics    TEXT,
        request_id         INTEGER NOT NULL,
        updated_at         TEXT NOT NULL,
        PRIMARY KEY (charger_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
      );

      -- The base report chargegate asked for last, per charger, and how it ended.
      CREATE TABLE device_model_reports (
        charger_id   TEXT PRIMARY KEY,
        request_id   INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('requested', 'complete', 'refused', 'incomplete')),
        reason       TEXT,
        firmware     TEXT,
        requested_at TEXT NOT NULL,
        ended_at     TEXT
      );
    `,
  },
  {
    version: 13,
    name: 'load history',
    sql: `
      -- The site's load per phase, downsampled from the 15 s samples (src/http/load-buckets.ts):
      -- 1-minute buckets kept for a day, 15-minute buckets for a week. Each bucket is the mean of
      -- the samples that fell in it (grid: of those that had a grid reading); limit_a the last
      -- limit known in it. So the chart has its history after a restart.
      CREATE TABLE load_history (
        resolution_s INTEGER NOT NULL,
        start_ms     INTEGER NOT NULL,
        samples      INTEGER NOT NULL,
        l1           REAL NOT NULL,
        l2           REAL NOT NULL,
        l3           REAL NOT NULL,
        grid_samples INTEGER NOT NULL DEFAULT 0,
        grid_l1      REAL,
        grid_l2      REAL,
        grid_l3      REAL,
        limit_a      REAL,
        PRIMARY KEY (resolution_s, start_ms)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 14,
    name: 'the current caps and the site limit local users set (issue #18: they survive a restart)',
    sql: `
      -- A local user's cap (MQTT, HTTP, the dashboard) per charger (connector_id 0) or
      -- connector, A per phase: the latest word of any local user is the one kept.
      CREATE TABLE user_caps (
        charger_id   TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        amps         REAL NOT NULL,
        source       TEXT NOT NULL,
        set_at       TEXT NOT NULL,
        PRIMARY KEY (charger_id, connector_id)
      );

      -- The temporary site limit a local user set (demand response), one row at most.
      CREATE TABLE user_site_limit (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        amps     REAL NOT NULL,
        source   TEXT NOT NULL,
        until_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 15,
    name: 'TransactionEvents seen kept in one b-tree (WITHOUT ROWID)',
    sql: `
      -- Every 2.0.1 TransactionEvent adds a row here in the durable write its answer waits for
      -- (the replay check, OCPP 2.0.1 E01-E15). As a rowid table each row was written twice, to
      -- the table and to its primary key's index; WITHOUT ROWID keeps the rows in the key's
      -- b-tree alone: one insert and fewer pages per commit, the same look-up by
      -- (charger_id, transaction_ref, seq_no). The rows are copied as they are.
      CREATE TABLE transaction_events_by_key (
        charger_id      TEXT NOT NULL,
        transaction_ref TEXT NOT NULL,
        seq_no          INTEGER NOT NULL,
        event_type      TEXT NOT NULL,
        offline         INTEGER NOT NULL,
        timestamp       TEXT NOT NULL,
        received_at     TEXT NOT NULL,
        PRIMARY KEY (charger_id, transaction_ref, seq_no)
      ) WITHOUT ROWID;
      INSERT INTO transaction_events_by_key
        SELECT charger_id, transaction_ref, seq_no, event_type, offline, timestamp, received_at FROM transaction_events;
      DROP TABLE transaction_events;
      ALTER TABLE transaction_events_by_key RENAME TO transaction_events;
    `,
  },
  {
    version: 16,
    name: 'charge modes per connector',
    sql: `
      -- The charge mode chosen per connector (off, now, minsolar, solar; src/balancer/solar.ts):
      -- a restart keeps what the user chose. A connector without a row has site.solar.defaultMode.
      CREATE TABLE charge_modes (
        charger_id   TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        mode         TEXT NOT NULL CHECK (mode IN ('off', 'now', 'minsolar', 'solar')),
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (charger_id, connector_id)
      );
    `,
  },
  {
    version: 17,
    name: 'the remoteStartIds of a 2.0.1 cloud\'s RequestStartTransactions, until their transaction starts',
    sql: `
      -- A RequestStartTransaction (2.0.1 F01) the charger accepted: its Started must carry the
      -- CSMS's remoteStartId back, also when chargegate restarts before the charger starts the
      -- session. Taken when the Started is queued; given up after a while (upstream/v201/wire.ts).
      CREATE TABLE upstream_remote_starts (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        upstream        TEXT NOT NULL,
        channel         TEXT NOT NULL,
        remote_start_id INTEGER NOT NULL,
        id_tag          TEXT NOT NULL,
        connector_id    INTEGER,
        created_at      TEXT NOT NULL
      );
      CREATE INDEX upstream_remote_starts_channel ON upstream_remote_starts (upstream, channel, id);
    `,
  },
  {
    version: 18,
    name: 'the cost of each finished session, as priced when it ended',
    sql: `
      -- Written when a session ends (again when a late real Stop corrects it): the tariff of
      -- that moment priced its energy, so a later change of the tariff does not rewrite a bill.
      -- unpriced_wh: energy at instants without any price (not in amount).
      CREATE TABLE session_costs (
        transaction_id INTEGER PRIMARY KEY REFERENCES sessions (transaction_id),
        currency       TEXT NOT NULL,
        amount         REAL NOT NULL,
        energy_wh      REAL NOT NULL,
        unpriced_wh    REAL NOT NULL,
        computed_at    TEXT NOT NULL
      );
    `,
  },
  {
    version: 19,
    name: 'remembered dashboard logins',
    sql: `
      -- One row per browser that signed in (POST /api/login). secret_hash: SHA-256 of the
      -- cookie's random secret (the secret itself is never stored); bound: HMAC-SHA256 of the
      -- secret keyed with the token used to sign in, so every login dies when that token changes.
      CREATE TABLE dashboard_logins (
        secret_hash TEXT PRIMARY KEY,
        role        TEXT NOT NULL,
        bound       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 20,
    name: 'a charging plan per connector',
    sql: `
      -- "22 kWh (or 80 % of a 60 kWh battery) by 07:00" (src/plan): a restart keeps the plan.
      -- Removed when the session it charged ends. base_wh: the session's energy (of
      -- transaction_id) when the plan was set; the plan's energy counts from there.
      CREATE TABLE charging_plans (
        charger_id     TEXT NOT NULL,
        connector_id   INTEGER NOT NULL,
        energy_wh      REAL,
        soc            REAL,
        capacity_wh    REAL,
        deadline       TEXT NOT NULL,
        transaction_id INTEGER,
        base_wh        REAL NOT NULL,
        created_at     TEXT NOT NULL,
        PRIMARY KEY (charger_id, connector_id),
        CHECK ((energy_wh IS NOT NULL) <> (soc IS NOT NULL AND capacity_wh IS NOT NULL))
      );
    `,
  },
  {
    version: 21,
    name: 'TransactionEvents seen: one row per transaction, its seqNos as ranges',
    sql: `
      -- The replay check of 2.0.1 TransactionEvents (E01-E15: a resent event is known by its
      -- transactionId and seqNo) wrote a row per event in the durable write its answer waits
      -- for; with many chargers sending, each group commit's inserts landed on as many b-tree
      -- pages as chargers (each transaction's rows sit together) and the commit wrote them all
      -- to the WAL. Now one row per transaction holds its handled seqNos as ranges ("0-41,45",
      -- src/store/sqlite/seq-ranges.ts), and those the charger sent offline the same way;
      -- each event rewrites its transaction's short row. The seqNos and offline flags are
      -- copied (as lists, read as ranges); an event's type and times were only a copy of the
      -- session's (started_at, stopped_at) and its samples' timestamps.
      CREATE TABLE transaction_seq_nos (
        charger_id      TEXT NOT NULL,
        transaction_ref TEXT NOT NULL,
        handled         TEXT NOT NULL,
        offline         TEXT NOT NULL,
        PRIMARY KEY (charger_id, transaction_ref)
      ) WITHOUT ROWID;
      INSERT INTO transaction_seq_nos (charger_id, transaction_ref, handled, offline)
        SELECT charger_id, transaction_ref, group_concat(seq_no, ','),
               IFNULL(group_concat(CASE WHEN offline THEN seq_no END, ','), '')
        FROM transaction_events GROUP BY charger_id, transaction_ref;
      DROP TABLE transaction_events;
    `,
  },
  {
    version: 22,
    name: 'the resend index of meter_samples led by the timestamp',
    sql: `
      -- The same unique key as migration 5's meter_samples_resend (a resent sample is kept once,
      -- 1.6 §3.7), its columns reordered so that the timestamp leads: new samples then land at
      -- the end of the index, as rows do in the table, instead of in one place per charger. A
      -- commit of 100 chargers' MeterValues wrote about a hundred pages of that index to the WAL,
      -- and now writes a few: half of the CPU a stored MeterValues cost (issue 19,
      -- docs/performance.md "Where the time goes"). The key is the same, so no row can collide
      -- that did not before: every row is kept.
      DROP INDEX meter_samples_resend;
      CREATE UNIQUE INDEX meter_samples_resend_by_time ON meter_samples (
        timestamp, charger_id, connector_id, IFNULL(transaction_id, -1), measurand,
        IFNULL(phase, ''), IFNULL(location, ''), IFNULL(context, ''), value);
    `,
  },
  {
    version: 23,
    name: 'meter_samples without the index by charger and connector',
    sql: `
      -- Migration 1's index (charger_id, connector_id, id) put each charger's new samples in a
      -- place of their own, so a commit of 100 chargers' MeterValues wrote about a hundred of its
      -- pages to the WAL: half of what storing a sample cost (issue 19, docs/performance.md). No
      -- reader needs it: the latest readings of a connector come from memory (the registry), a
      -- session's samples from meter_samples_transaction. Every row is kept.
      DROP INDEX meter_samples_connector;
    `,
  },
]);

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * The migrations a database at `currentVersion` still needs, in order. A database written
 * by a newer chargegate is refused: this code cannot know what the newer schema means, and
 * writing to it could corrupt what the newer version relies on.
 */
export function pendingMigrations(
  currentVersion: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Migration[] {
  // The highest version, not the count: versions are assigned per change and may be renumbered.
  const latest = migrations.at(-1)?.version ?? 0;
  if (currentVersion > latest) {
    throw new Error(
      `database schema version ${currentVersion} is newer than this chargegate supports ` +
        `(${latest}): upgrade chargegate, or point it at another data directory`,
    );
  }
  return migrations.filter((m) => m.version > currentVersion);
}
