/**
 * Firmware and diagnostics through the box (docs/firmware.md). Chargers on a site LAN often
 * cannot reach the internet, so the cloud's firmware URL or upload location is out of their
 * reach: chargegate keeps firmware files in its own store and serves them over its HTTP port
 * (capability URLs, see serve.ts), and receives diagnostics uploads there, keeping each file
 * and forwarding it to the location the cloud or the user named.
 *
 * OCPP 1.6 §5.9 GetDiagnostics: the location is a directory the charger uploads its file to;
 * §5.19 UpdateFirmware: the location is the URI the charger downloads the firmware from.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DiagnosticsConfig, FirmwareConfig } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Requests16 } from '../ocpp/v16/types.js';
import type { DiagnosticsFile, FirmwareFile, Store, TransferKind, TransferStatus } from '../store/ports.js';
import { ensureFolder, newToken, sameToken, writeFileFrom, type StoredBytes } from './files.js';
import { FetchFailed, fetchToFile, sendFile } from './http-client.js';
import { chargerBaseUrl, fileNameOfUrl, firmwareLocation, forwardPlan, isFileName, STORE_SCHEME, toFileName } from './names.js';

/** A firmware or diagnostics request chargegate cannot carry out: nothing was sent. `code` is for the surfaces. */
export class TransferRefused extends Error {
  override readonly name = 'TransferRefused';
  constructor(
    readonly code: 'no_such_firmware' | 'bad_name' | 'fetch_failed' | 'too_large' | 'checksum_mismatch' | 'no_charger_url',
    message: string,
  ) {
    super(message);
  }
}

export interface TransfersDeps {
  storageDir: string;
  firmware: FirmwareConfig;
  diagnostics: DiagnosticsConfig;
  store: Pick<Store, 'transfers' | 'durably'>;
  events: EventBus;
  /** The local address of a charger's OCPP connection (its network reaches chargegate there). */
  localAddressOf(chargerId: string): string | undefined;
  /** The HTTP port chargegate listens on, once it does. */
  httpPort(): number | undefined;
  logger: Logger;
  now: () => Date;
  /** Waits between forwarding attempts (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
}

/** Forwarding attempts of a received diagnostics file, and the waits between them (ms). */
export const FORWARD_RETRY_MS = [2_000, 10_000] as const;
const FORWARD_TIMEOUT_MS = 120_000;

export interface LatestTransfers {
  firmware?: { status: string; at: string };
  diagnostics?: { status: string; at: string; lastFile?: { id: number; fileName: string; receivedAt: string; forwardResult?: string } };
}

export interface Transfers {
  addFirmware(name: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: { expectedSha256?: string; sourceUrl?: string }): Promise<FirmwareFile>;
  /** Fetches an http(s) URL into the store (once per URL: a file fetched from it before is reused). */
  fetchFirmware(url: string, options?: { name?: string; expectedSha256?: string }): Promise<FirmwareFile>;
  firmwareFiles(): FirmwareFile[];
  deleteFirmware(name: string): Promise<boolean>;
  /** The URL a charger downloads a stored file from. */
  firmwareUrl(chargerId: string, name: string): string;
  /** The stored file a capability URL names, or undefined (wrong token, no such file). */
  firmwareFor(token: string, name: string): { file: FirmwareFile; path: string } | undefined;
  /** A fresh upload URL (a folder) for a charger's GetDiagnostics; its file goes on to `forwardTo`. */
  uploadUrl(chargerId: string, forwardTo?: string): string;
  /** Receives an upload on a capability URL; undefined when the token is unknown or expired. */
  receiveUpload(token: string, fileName: string | undefined, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<DiagnosticsFile | undefined>;
  /** Whether a token is a live upload URL's (checked before a body is read). */
  uploadOpen(token: string): boolean;
  diagnosticsFiles(chargerId?: string): DiagnosticsFile[];
  diagnosticsFile(id: number): { file: DiagnosticsFile; path: string } | undefined;
  /** The latest firmware status, diagnostics status and diagnostics file of a charger (the dashboard card, MQTT). */
  latest(chargerId: string): LatestTransfers;
  /** Firmware status and diagnostics status per charger: the latest and a short history. */
  statuses(chargerId: string): Record<TransferKind, TransferStatus[]>;
  /** UpdateFirmware's location: a stored file or an http(s) URL (fetched when firmware.proxy) → chargegate's URL. */
  rewriteUpdateFirmware(chargerId: string, req: Requests16['UpdateFirmware']): Promise<{ send: Requests16['UpdateFirmware']; reason?: string }>;
  /** GetDiagnostics' location → an upload URL on chargegate; the file is kept and forwarded to the original location. */
  rewriteGetDiagnostics(chargerId: string, req: Requests16['GetDiagnostics']): { send: Requests16['GetDiagnostics']; reason: string };
  /** Sends a file (its path or its bytes) to a location (PUT to a folder, multipart POST otherwise), retrying; resolves with the result in words. */
  sendTo(location: string, source: string | Buffer, fileName: string): Promise<string>;
  /** Forwarding still running (stop waits for none; tests wait for them). */
  readonly pending: number;
}

export function createTransfers(deps: TransfersDeps): Transfers {
  const log = deps.logger.child({ component: 'transfers' });
  const firmwareDir = ensureFolder(join(deps.storageDir, 'firmware'));
  const diagnosticsDir = ensureFolder(join(deps.storageDir, 'diagnostics'));
  const db = deps.store.transfers;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const fetching = new Map<string, Promise<FirmwareFile>>();
  let pending = 0;

  const firmwarePath = (name: string) => join(firmwareDir, name);
  const diagnosticsPath = (f: Pick<DiagnosticsFile, 'id' | 'fileName'>) => join(diagnosticsDir, `${f.id}-${f.fileName}`);

  function baseUrl(chargerId: string): string {
    const base = chargerBaseUrl(deps.firmware.publicUrl, deps.localAddressOf(chargerId), deps.httpPort());
    if (!base) throw new TransferRefused('no_charger_url', `no URL to give ${chargerId}: it is not connected and firmware.publicUrl is not set`);
    return base;
  }

  async function keep(name: string, write: (target: string) => Promise<StoredBytes>, sourceUrl?: string): Promise<FirmwareFile> {
    if (!isFileName(name)) throw new TransferRefused('bad_name', `${JSON.stringify(name.slice(0, 100))} is not a file name (letters, digits, . _ + -; at most 128)`);
    const bytes = await write(firmwarePath(name));
    // A new file under a name gets a new token: a URL handed out names the bytes it was given for.
    const file: FirmwareFile = { name, ...bytes, ...(sourceUrl ? { sourceUrl } : {}), token: newToken(), addedAt: deps.now().toISOString() };
    await deps.store.durably(() => db.putFirmware(file));
    log.info({ name, size: file.size, sha256: file.sha256, ...(sourceUrl ? { sourceUrl: withoutSecrets(sourceUrl) } : {}) }, 'firmware file stored');
    return file;
  }

  const transfers: Transfers = {
    get pending() {
      return pending;
    },

    addFirmware(name, body, options = {}) {
      return keep(name, (target) => writeFileFrom(body, target, { maxBytes: deps.firmware.maxBytes, ...(options.expectedSha256 ? { expectedSha256: options.expectedSha256 } : {}) }), options.sourceUrl);
    },

    fetchFirmware(url, options = {}) {
      const reused = db.firmwareFiles().find((f) => f.sourceUrl === url && (!options.expectedSha256 || f.sha256 === options.expectedSha256.toLowerCase()));
      if (reused && !options.name) return Promise.resolve(reused);
      const running = fetching.get(url);
      if (running) return running;
      let name = options.name ?? fileNameOfUrl(url, 'firmware.bin');
      // Another file under that name (uploaded, or from another URL) stays: this one is prefixed with its URL's hash.
      const taken = db.firmware(name);
      if (!options.name && taken && taken.sourceUrl !== url) name = toFileName(`${createHash('sha256').update(url).digest('hex').slice(0, 8)}-${name}`, name);
      const job = keep(
        name,
        (target) => fetchToFile(url, target, { maxBytes: deps.firmware.maxBytes, timeoutMs: deps.firmware.fetchTimeout * 1000, ...(options.expectedSha256 ? { expectedSha256: options.expectedSha256 } : {}) }),
        url,
      ).finally(() => fetching.delete(url));
      fetching.set(url, job);
      return job;
    },

    firmwareFiles: () => db.firmwareFiles(),

    async deleteFirmware(name) {
      const gone = await deps.store.durably(() => db.deleteFirmware(name));
      if (gone) {
        await unlink(firmwarePath(name)).catch(() => undefined);
        log.info({ name }, 'firmware file deleted');
      }
      return gone;
    },

    firmwareUrl(chargerId, name) {
      const file = db.firmware(name);
      if (!file) throw new TransferRefused('no_such_firmware', `no firmware file "${name}" in the store (GET /api/firmware lists them)`);
      return `${baseUrl(chargerId)}/firmware/${file.token}/${encodeURIComponent(file.name)}`;
    },

    firmwareFor(token, name) {
      const file = isFileName(name) ? db.firmware(name) : undefined;
      if (!file || !sameToken(token, file.token)) return undefined;
      return { file, path: firmwarePath(file.name) };
    },

    uploadUrl(chargerId, forwardTo) {
      const base = baseUrl(chargerId);
      const now = deps.now();
      const token = newToken();
      db.pruneUploads(now.toISOString());
      db.addUpload({ token, chargerId, ...(forwardTo ? { forwardTo } : {}), createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + deps.diagnostics.uploadWindow * 1000).toISOString() });
      // A folder (OCPP 1.6 §5.9): the charger appends its file name.
      return `${base}/uploads/${token}/`;
    },

    uploadOpen(token) {
      const upload = db.upload(token);
      return upload !== undefined && sameToken(token, upload.token) && upload.expiresAt >= deps.now().toISOString();
    },

    async receiveUpload(token, rawName, body) {
      if (!transfers.uploadOpen(token)) return undefined;
      const upload = db.upload(token)!;
      const incoming = join(diagnosticsDir, `.incoming-${newToken()}`);
      const bytes = await writeFileFrom(body, incoming, { maxBytes: deps.diagnostics.maxBytes });
      const fileName = toFileName(rawName ?? '', `diagnostics-${deps.now().toISOString().replace(/[:.]/g, '-')}.bin`);
      const receivedAt = deps.now().toISOString();
      const { id, old } = await deps.store.durably(() => {
        const added = db.addDiagnostics({ chargerId: upload.chargerId, fileName, ...bytes, receivedAt, ...(upload.forwardTo ? { forwardTo: upload.forwardTo } : {}) });
        return { id: added, old: db.trimDiagnostics(upload.chargerId, deps.diagnostics.keep) };
      });
      const file = db.diagnostics(id)!;
      await rename(incoming, diagnosticsPath(file));
      for (const f of old) await unlink(diagnosticsPath(f)).catch(() => undefined);
      log.info({ chargerId: upload.chargerId, id, fileName, size: bytes.size }, 'diagnostics file received');
      deps.events.emit('diagnostics.file', { chargerId: upload.chargerId, id, fileName, size: bytes.size });
      if (upload.forwardTo) void forward(file, upload.forwardTo);
      return file;
    },

    diagnosticsFiles: (chargerId) => db.diagnosticsFiles(chargerId),

    diagnosticsFile(id) {
      const file = db.diagnostics(id);
      return file ? { file, path: diagnosticsPath(file) } : undefined;
    },

    latest(chargerId) {
      const [firmware] = db.statuses(chargerId, 'firmware', 1);
      const [diagnostics] = db.statuses(chargerId, 'diagnostics', 1);
      const [file] = db.diagnosticsFiles(chargerId, 1);
      const lastFile = file ? { id: file.id, fileName: file.fileName, receivedAt: file.receivedAt, ...(file.forwardResult ? { forwardResult: file.forwardResult } : {}) } : undefined;
      // A file received without a status from the charger (some send none): it was uploaded.
      const diag = diagnostics ? { status: diagnostics.status, at: diagnostics.at } : lastFile ? { status: 'Uploaded', at: lastFile.receivedAt } : undefined;
      return {
        ...(firmware ? { firmware: { status: firmware.status, at: firmware.at } } : {}),
        ...(diag ? { diagnostics: { ...diag, ...(lastFile ? { lastFile } : {}) } } : {}),
      };
    },

    statuses: (chargerId) => ({ firmware: db.statuses(chargerId, 'firmware'), diagnostics: db.statuses(chargerId, 'diagnostics') }),

    async rewriteUpdateFirmware(chargerId, req) {
      const where = firmwareLocation(req.location);
      if (where.kind === 'store') return { send: { ...req, location: transfers.firmwareUrl(chargerId, where.name) }, reason: `location is chargegate's copy of the stored file "${where.name}"` };
      if (where.kind === 'other' || !deps.firmware.proxy) return { send: req };
      const file = await transfers.fetchFirmware(req.location).catch((err: unknown) => {
        throw refusalOf(err, req.location);
      });
      return { send: { ...req, location: transfers.firmwareUrl(chargerId, file.name) }, reason: `fetched into chargegate's store as "${file.name}" (the charger downloads it from chargegate)` };
    },

    rewriteGetDiagnostics(chargerId, req) {
      const where = firmwareLocation(req.location);
      const forwardTo = where.kind === 'store' ? undefined : req.location;
      const location = transfers.uploadUrl(chargerId, forwardTo);
      return {
        send: { ...req, location },
        reason: forwardTo ? "the charger uploads to chargegate, which keeps the file and forwards it to the location given" : 'the charger uploads to chargegate, which keeps the file (GET /api/diagnostics)',
      };
    },

    async sendTo(location, source, fileName) {
      const plan = forwardPlan(location, fileName);
      if ('unsupported' in plan) return plan.unsupported;
      let last = '';
      for (let attempt = 0; attempt <= FORWARD_RETRY_MS.length; attempt++) {
        if (attempt > 0) await sleep(FORWARD_RETRY_MS[attempt - 1]!);
        try {
          const status = await sendFile(source, fileName, plan, FORWARD_TIMEOUT_MS);
          return `forwarded (HTTP ${status})`;
        } catch (err) {
          last = err instanceof FetchFailed ? err.message : (err as Error).message;
          log.warn({ target: withoutSecrets(plan.url), attempt: attempt + 1, err: last }, 'forwarding a file failed');
        }
      }
      return `failed: ${last}`;
    },
  };

  async function forward(file: DiagnosticsFile, location: string): Promise<void> {
    pending++;
    try {
      const result = await transfers.sendTo(location, diagnosticsPath(file), file.fileName);
      await deps.store.durably(() => db.setForwardResult(file.id, result, deps.now().toISOString()));
      log.info({ chargerId: file.chargerId, id: file.id, target: withoutSecrets(location), result }, 'diagnostics file forwarding ended');
      deps.events.emit('diagnostics.file', { chargerId: file.chargerId, id: file.id, fileName: file.fileName, size: file.size, forwardResult: result });
    } catch (err) {
      log.error({ err, id: file.id }, 'forwarding a diagnostics file failed inside chargegate');
    } finally {
      pending--;
    }
  }

  return transfers;
}

/** A fetch's failure as what the user is told. */
export function refusalOf(err: unknown, url: string): TransferRefused | Error {
  if (err instanceof TransferRefused) return err;
  const e = err as Error;
  const where = withoutSecrets(url);
  if (e.name === 'TooLarge') return new TransferRefused('too_large', `${where}: ${e.message} (firmware.maxBytes)`);
  if (e.name === 'ChecksumMismatch') return new TransferRefused('checksum_mismatch', `${where}: ${e.message}`);
  if (e instanceof FetchFailed) return new TransferRefused('fetch_failed', `could not fetch ${where}: ${e.message}`);
  return e;
}

/** A URL for the log: user, password and query taken out (an ftp://user:pass@ location, a presigned URL's signature). */
export function withoutSecrets(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    const query = u.search ? '?…' : '';
    u.search = '';
    return u.href + query;
  } catch {
    return url.slice(0, 200);
  }
}

/** A readable stream of a stored file (serve.ts). */
export function readStored(path: string, range?: { start: number; end: number }): Readable {
  return createReadStream(path, range ? { start: range.start, end: range.end } : {});
}

export { STORE_SCHEME };
