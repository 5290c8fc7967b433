/**
 * Firmware files and diagnostics uploads over HTTP (docs/firmware.md). The firmware store is
 * the command token's: upload (the raw file as the body), fetch from a URL, delete; anyone who
 * may read sees the list and the received diagnostics. Capability tokens are never shown here.
 * Chargers use their own URLs (src/transfers/serve.ts), not these.
 */
import { createReadStream } from 'node:fs';
import type { DiagnosticsFile, FirmwareFile } from '../../store/ports.js';
import { SHA256_HEX } from '../../transfers/files.js';
import { refusalOf, TransferRefused, withoutSecrets, type Transfers } from '../../transfers/service.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';

export interface FirmwareRouteDeps {
  transfers: Transfers;
  views: ViewDeps;
}

const NAME = { type: 'string', maxLength: 128, required: true, description: 'The file name (letters, digits, . _ + -).' } as const;
const SHA256 = { type: 'string', minLength: 64, maxLength: 64, description: 'The SHA-256 the file must have (hex); a file that differs is refused and not kept.' } as const;

/** What a reader may see of a stored file: not its token, nor a source URL's credentials or query (a presigned URL's signature). */
export function firmwareView({ token: _token, ...file }: FirmwareFile): Omit<FirmwareFile, 'token'> {
  return file.sourceUrl ? { ...file, sourceUrl: withoutSecrets(file.sourceUrl) } : file;
}

/** A received file as a reader sees it: where it was forwarded, without credentials or query. */
function diagnosticsView(file: DiagnosticsFile): DiagnosticsFile {
  return file.forwardTo ? { ...file, forwardTo: withoutSecrets(file.forwardTo) } : file;
}

/** A refusal of the transfers module as the API's error. */
export function asHttpError(err: unknown): unknown {
  if (!(err instanceof TransferRefused)) return err;
  const code = ({ no_such_firmware: 'not_found', bad_name: 'bad_query', fetch_failed: 'fetch_failed', too_large: 'file_too_large', checksum_mismatch: 'checksum_mismatch', no_charger_url: 'charger_offline' } as const)[err.code];
  return new HttpError(code, err.message);
}

export function firmwareRoutes({ transfers, views }: FirmwareRouteDeps): Route[] {
  const checked = (sha256: string | undefined) => {
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) throw new HttpError('bad_query', 'sha256 must be 64 hex digits');
    return sha256;
  };
  return [
    route({
      method: 'GET',
      path: '/api/firmware',
      access: 'read',
      tag: 'firmware',
      summary: 'The firmware files chargegate serves to its chargers: name, size, sha256, sourceUrl (when fetched), addedAt.',
      handle: () => ({ json: { files: transfers.firmwareFiles().map(firmwareView) } }),
    }),
    route({
      method: 'PUT',
      path: '/api/firmware/{name}',
      access: 'command',
      tag: 'firmware',
      summary: 'Stores a firmware file under this name (replacing one of the same name), the body the file itself, at most firmware.maxBytes. Give its SHA-256 as ?sha256= or the header X-Checksum-Sha256 to have a damaged upload refused.',
      params: { name: NAME },
      query: { sha256: SHA256 },
      streamBody: 'The firmware file, as it is (any Content-Type).',
      async handle({ params, query, req }) {
        const header = req.headers['x-checksum-sha256'];
        const sha256 = checked(query.sha256 ?? (typeof header === 'string' ? header : undefined));
        const declared = Number(req.headers['content-length'] ?? 0);
        try {
          const file = await transfers.addFirmware(params.name!, req, sha256 ? { expectedSha256: sha256 } : {});
          return { json: firmwareView(file), status: 201 };
        } catch (err) {
          if (declared > 0 || !req.readableEnded) req.resume();
          throw asHttpError(refusalOf(err, 'the upload'));
        }
      },
    }),
    route({
      method: 'POST',
      path: '/api/firmware/fetch',
      access: 'command',
      tag: 'firmware',
      summary: 'Fetches a firmware file from an http(s) URL into the store (at most firmware.maxBytes, firmware.fetchTimeout, 3 redirects); a URL fetched before is not fetched again.',
      body: {
        url: { type: 'string', maxLength: 2000, required: true, description: 'http:// or https:// URL of the file.' },
        name: { type: 'string', maxLength: 128, description: 'The name to store it under (default: the URL\'s last segment).' },
        sha256: SHA256,
      },
      async handle({ body }) {
        if (!/^https?:\/\//i.test(body.url!)) throw new HttpError('bad_body', 'url must be an http:// or https:// URL');
        const sha256 = checked(body.sha256);
        const file = await transfers.fetchFirmware(body.url!, { ...(body.name ? { name: body.name } : {}), ...(sha256 ? { expectedSha256: sha256 } : {}) }).catch((err: unknown) => {
          throw asHttpError(refusalOf(err, body.url!));
        });
        return { json: firmwareView(file), status: 201 };
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/firmware/{name}',
      access: 'command',
      tag: 'firmware',
      summary: 'Deletes a stored firmware file; a charger given its URL gets 404 from then on.',
      params: { name: NAME },
      async handle({ params }) {
        if (!(await transfers.deleteFirmware(params.name!))) throw new HttpError('not_found', `no firmware file "${params.name}"`);
        return { json: { deleted: params.name } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/diagnostics',
      access: 'read',
      tag: 'firmware',
      summary: 'Diagnostics files the chargers uploaded to chargegate, newest first: id, chargerId, fileName, size, sha256, receivedAt, and where it was forwarded (forwardTo, forwardResult).',
      query: { chargerId: { type: 'string', maxLength: 48, description: 'Only this charger\'s.' } },
      handle: ({ query }) => ({ json: { files: transfers.diagnosticsFiles(query.chargerId).map(diagnosticsView) } }),
    }),
    route({
      method: 'GET',
      path: '/api/diagnostics/{id}/file',
      access: 'read',
      tag: 'firmware',
      summary: 'A received diagnostics file, as the charger sent it.',
      params: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, required: true, description: 'The file\'s id (GET /api/diagnostics).' } },
      produces: ['application/octet-stream'],
      handle({ params, req, res }) {
        const found = transfers.diagnosticsFile(params.id!);
        if (!found) throw new HttpError('not_found', `no diagnostics file ${params.id}`);
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': found.file.size,
          'Content-Disposition': `attachment; filename="${found.file.fileName}"`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
        if (req.method === 'HEAD') res.end();
        else createReadStream(found.path).on('error', () => res.destroy()).pipe(res);
        return { streaming: true };
      },
    }),
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/transfers',
      access: 'read',
      tag: 'firmware',
      summary: 'The charger\'s firmware status and diagnostics status (FirmwareStatusNotification, DiagnosticsStatusNotification), newest first, and its diagnostics files.',
      params: { chargerId: CHARGER_ID },
      handle({ params }) {
        const id = params.chargerId!;
        requireCharger(views, id);
        const { firmware, diagnostics } = transfers.statuses(id);
        const strip = (s: { status: string; at: string }) => ({ status: s.status, at: s.at });
        return { json: { chargerId: id, firmware: firmware.map(strip), diagnostics: diagnostics.map(strip), diagnosticsFiles: transfers.diagnosticsFiles(id).map(diagnosticsView) } };
      },
    }),
  ];
}
