import type { ChargerInfo, ChargerRecord, ChargerStore, ConnectorState } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

interface ChargerRow {
  id: string;
  vendor: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  last_boot_at: string | null;
  last_seen_at: string | null;
  protocol: string | null;
}

interface ConnectorRow {
  charger_id: string;
  connector_id: number;
  status: string;
  error_code: string;
  info: string | null;
  vendor_error_code: string | null;
  timestamp: string;
}

export function createChargerStore(db: Db): ChargerStore {
  const recordBoot = db.prepare(`
    INSERT INTO chargers (id, vendor, model, serial_number, firmware_version, last_boot_at, last_seen_at)
    VALUES (@id, @vendor, @model, @serialNumber, @firmwareVersion, @at, @at)
    ON CONFLICT (id) DO UPDATE SET
      vendor = excluded.vendor, model = excluded.model, serial_number = excluded.serial_number,
      firmware_version = excluded.firmware_version, last_boot_at = excluded.last_boot_at,
      last_seen_at = excluded.last_seen_at`);
  const touch = db.prepare(`
    INSERT INTO chargers (id, last_seen_at) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at`);
  const recordProtocol = db.prepare(`
    INSERT INTO chargers (id, protocol) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET protocol = excluded.protocol`);
  // A StatusNotification may come before any BootNotification (a charger that stayed
  // connected across a gateway restart on a fresh disk): create the charger row it refers to.
  const ensureCharger = db.prepare('INSERT OR IGNORE INTO chargers (id) VALUES (?)');
  const getCharger = db.prepare<[string], ChargerRow>('SELECT * FROM chargers WHERE id = ?');
  const listChargers = db.prepare<[], ChargerRow>('SELECT * FROM chargers ORDER BY id');
  const setConnector = db.prepare(`
    INSERT INTO connector_state (charger_id, connector_id, status, error_code, info, vendor_error_code, timestamp)
    VALUES (@chargerId, @connectorId, @status, @errorCode, @info, @vendorErrorCode, @timestamp)
    ON CONFLICT (charger_id, connector_id) DO UPDATE SET
      status = excluded.status, error_code = excluded.error_code, info = excluded.info,
      vendor_error_code = excluded.vendor_error_code, timestamp = excluded.timestamp`);
  const allConnectors = db.prepare<[], ConnectorRow>(
    'SELECT * FROM connector_state ORDER BY charger_id, connector_id',
  );
  const chargerConnectors = db.prepare<[string], ConnectorRow>(
    'SELECT * FROM connector_state WHERE charger_id = ? ORDER BY connector_id',
  );
  const setConnectorState = db.transaction((state: ConnectorState) => {
    ensureCharger.run(state.chargerId);
    setConnector.run({
      chargerId: state.chargerId,
      connectorId: state.connectorId,
      status: state.status,
      errorCode: state.errorCode,
      info: orNull(state.info),
      vendorErrorCode: orNull(state.vendorErrorCode),
      timestamp: state.timestamp,
    });
  });

  return {
    recordBoot(id: string, info: ChargerInfo, at: string) {
      recordBoot.run({
        id,
        vendor: info.vendor,
        model: info.model,
        serialNumber: orNull(info.serialNumber),
        firmwareVersion: orNull(info.firmwareVersion),
        at,
      });
    },
    touch(id, at) {
      touch.run(id, at);
    },
    recordProtocol(id, protocol) {
      recordProtocol.run(id, protocol);
    },
    get(id) {
      const row = getCharger.get(id);
      return row && toCharger(row);
    },
    list() {
      return listChargers.all().map(toCharger);
    },
    setConnectorState(state) {
      setConnectorState(state);
    },
    connectors(chargerId) {
      const rows = chargerId === undefined ? allConnectors.all() : chargerConnectors.all(chargerId);
      return rows.map(toConnectorState);
    },
  };
}

function toCharger(row: ChargerRow): ChargerRecord {
  return omitEmpty<ChargerRecord>({
    id: row.id,
    vendor: orUndefined(row.vendor),
    model: orUndefined(row.model),
    serialNumber: orUndefined(row.serial_number),
    firmwareVersion: orUndefined(row.firmware_version),
    lastBootAt: orUndefined(row.last_boot_at),
    lastSeenAt: orUndefined(row.last_seen_at),
    protocol: orUndefined(row.protocol),
  });
}

function toConnectorState(row: ConnectorRow): ConnectorState {
  return omitEmpty<ConnectorState>({
    chargerId: row.charger_id,
    connectorId: row.connector_id,
    status: row.status,
    errorCode: row.error_code,
    info: orUndefined(row.info),
    vendorErrorCode: orUndefined(row.vendor_error_code),
    timestamp: row.timestamp,
  });
}
