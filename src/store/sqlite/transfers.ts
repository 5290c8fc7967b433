import type { DiagnosticsFile, DiagnosticsUpload, FirmwareFile, TransferKind, TransferStatus, TransferStore } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

/** Per charger and kind: the latest status and enough of the way there to see where it stopped. */
export const TRANSFER_STATUS_KEPT = 20;

interface FirmwareRow {
  name: string;
  size: number;
  sha256: string;
  source_url: string | null;
  token: string;
  added_at: string;
}

interface UploadRow {
  token: string;
  charger_id: string;
  forward_to: string | null;
  expires_at: string;
  created_at: string;
}

interface DiagnosticsRow {
  id: number;
  charger_id: string;
  file_name: string;
  size: number;
  sha256: string;
  received_at: string;
  forward_to: string | null;
  forward_result: string | null;
  forwarded_at: string | null;
}

interface StatusRow {
  charger_id: string;
  kind: TransferKind;
  status: string;
  at: string;
}

const firmwareOf = (r: FirmwareRow): FirmwareFile => omitEmpty({ name: r.name, size: r.size, sha256: r.sha256, sourceUrl: orUndefined(r.source_url), token: r.token, addedAt: r.added_at });
const diagnosticsOf = (r: DiagnosticsRow): DiagnosticsFile =>
  omitEmpty({
    id: r.id,
    chargerId: r.charger_id,
    fileName: r.file_name,
    size: r.size,
    sha256: r.sha256,
    receivedAt: r.received_at,
    forwardTo: orUndefined(r.forward_to),
    forwardResult: orUndefined(r.forward_result),
    forwardedAt: orUndefined(r.forwarded_at),
  });

export function createTransferStore(db: Db): TransferStore {
  const putFirmware = db.prepare(`
    INSERT INTO firmware_files (name, size, sha256, source_url, token, added_at) VALUES (@name, @size, @sha256, @sourceUrl, @token, @addedAt)
    ON CONFLICT (name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, source_url = excluded.source_url, token = excluded.token, added_at = excluded.added_at`);
  const getFirmware = db.prepare<[string], FirmwareRow>('SELECT * FROM firmware_files WHERE name = ?');
  const allFirmware = db.prepare<[], FirmwareRow>('SELECT * FROM firmware_files ORDER BY name');
  const deleteFirmware = db.prepare('DELETE FROM firmware_files WHERE name = ?');
  const addUpload = db.prepare('INSERT INTO diagnostics_uploads (token, charger_id, forward_to, expires_at, created_at) VALUES (@token, @chargerId, @forwardTo, @expiresAt, @createdAt)');
  const getUpload = db.prepare<[string], UploadRow>('SELECT * FROM diagnostics_uploads WHERE token = ?');
  const pruneUploads = db.prepare('DELETE FROM diagnostics_uploads WHERE expires_at < ?');
  const addDiagnostics = db.prepare(`
    INSERT INTO diagnostics_files (charger_id, file_name, size, sha256, received_at, forward_to) VALUES (@chargerId, @fileName, @size, @sha256, @receivedAt, @forwardTo)`);
  const setForward = db.prepare('UPDATE diagnostics_files SET forward_result = ?, forwarded_at = ? WHERE id = ?');
  const getDiagnostics = db.prepare<[number], DiagnosticsRow>('SELECT * FROM diagnostics_files WHERE id = ?');
  const chargerDiagnostics = db.prepare<[string, number], DiagnosticsRow>('SELECT * FROM diagnostics_files WHERE charger_id = ? ORDER BY id DESC LIMIT ?');
  const allDiagnostics = db.prepare<[number], DiagnosticsRow>('SELECT * FROM diagnostics_files ORDER BY id DESC LIMIT ?');
  const beyond = db.prepare<[string, number], DiagnosticsRow>('SELECT * FROM diagnostics_files WHERE charger_id = ? ORDER BY id DESC LIMIT -1 OFFSET ?');
  const deleteDiagnostics = db.prepare('DELETE FROM diagnostics_files WHERE id = ?');
  const addStatus = db.prepare('INSERT INTO transfer_status (charger_id, kind, status, at) VALUES (@chargerId, @kind, @status, @at)');
  const pruneStatus = db.prepare(`
    DELETE FROM transfer_status WHERE charger_id = ? AND kind = ? AND id <= (
      SELECT id FROM transfer_status WHERE charger_id = ? AND kind = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
  const statuses = db.prepare<[string, string, number], StatusRow>('SELECT charger_id, kind, status, at FROM transfer_status WHERE charger_id = ? AND kind = ? ORDER BY id DESC LIMIT ?');
  /**
   * The chargers that have any status or diagnostics file: the others (nearly all, on most
   * days) are answered without a query. `/api/chargers` asks for every charger's latest
   * transfers, three queries each, which were a third of its time at 1,000 chargers
   * (docs/performance.md, "#19: site scale"). Loaded at open and grown on every insert; never
   * shrunk (a charger whose rows were pruned away is merely queried), so it always holds every
   * charger that has rows.
   */
  const chargersOf = (table: 'transfer_status' | 'diagnostics_files') => new Set(db.prepare<[], { charger_id: string }>(`SELECT DISTINCT charger_id FROM ${table}`).all().map((r) => r.charger_id));
  const withStatus = chargersOf('transfer_status');
  const withFiles = chargersOf('diagnostics_files');

  return {
    putFirmware: (file) => void putFirmware.run({ ...file, sourceUrl: orNull(file.sourceUrl) }),
    firmware: (name) => {
      const row = getFirmware.get(name);
      return row ? firmwareOf(row) : undefined;
    },
    firmwareFiles: () => allFirmware.all().map(firmwareOf),
    deleteFirmware: (name) => deleteFirmware.run(name).changes > 0,
    addUpload: (upload: DiagnosticsUpload) => void addUpload.run({ ...upload, forwardTo: orNull(upload.forwardTo) }),
    upload: (token) => {
      const r = getUpload.get(token);
      return r ? omitEmpty({ token: r.token, chargerId: r.charger_id, forwardTo: orUndefined(r.forward_to), expiresAt: r.expires_at, createdAt: r.created_at }) : undefined;
    },
    pruneUploads: (now) => void pruneUploads.run(now),
    addDiagnostics(file) {
      withFiles.add(file.chargerId);
      return Number(addDiagnostics.run({ ...file, forwardTo: orNull(file.forwardTo) }).lastInsertRowid);
    },
    setForwardResult: (id, result, at) => void setForward.run(result, at, id),
    diagnostics: (id) => {
      const row = getDiagnostics.get(id);
      return row ? diagnosticsOf(row) : undefined;
    },
    diagnosticsFiles(chargerId, limit = 100) {
      if (chargerId !== undefined && !withFiles.has(chargerId)) return [];
      return (chargerId === undefined ? allDiagnostics.all(limit) : chargerDiagnostics.all(chargerId, limit)).map(diagnosticsOf);
    },
    trimDiagnostics(chargerId, keep) {
      const old = beyond.all(chargerId, keep).map(diagnosticsOf);
      for (const f of old) deleteDiagnostics.run(f.id);
      return old;
    },
    addStatus(status: TransferStatus) {
      withStatus.add(status.chargerId);
      addStatus.run(status);
      pruneStatus.run(status.chargerId, status.kind, status.chargerId, status.kind, TRANSFER_STATUS_KEPT);
    },
    statuses: (chargerId, kind, limit = TRANSFER_STATUS_KEPT) =>
      withStatus.has(chargerId) ? statuses.all(chargerId, kind, limit).map((r) => ({ chargerId: r.charger_id, kind: r.kind, status: r.status, at: r.at })) : [],
  };
}
