/**
 * The cloud's UpdateFirmware and GetDiagnostics (src/upstream/cloud-calls.ts calls these):
 * - transparent, to a charger: the location rewritten like a local user's (commands.ts). An
 *   http(s) firmware URL not yet in the store is fetched in the background (a cloud waits
 *   seconds for an answer, a download takes minutes): the cloud gets its (empty) answer at
 *   once, the charger its UpdateFirmware once the file is here; a fetch that fails is reported
 *   to the cloud as the charger's FirmwareStatusNotification DownloadFailed (1.6 §4.5).
 * - aggregate, to chargegate itself: UpdateFirmware fetches the file into the store and reports
 *   Downloading, then Downloaded or DownloadFailed; installing it on the chargers stays the
 *   operator's (through the API), so Installed is never claimed. GetDiagnostics answers with the
 *   name of a bundle of chargegate's own (bundle.ts) and uploads it, reporting Uploading, then
 *   Uploaded or UploadFailed (1.6 §4.4, §5.9).
 */
import type { Logger } from '../log.js';
import type { DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest, Requests16, Responses16 } from '../ocpp/v16/types.js';
import { firmwareLocation } from './names.js';
import { TransferRefused, withoutSecrets, type Transfers } from './service.js';

export type FirmwareStatus = FirmwareStatusNotificationRequest['status'];
export type DiagnosticsStatus = DiagnosticsStatusNotificationRequest['status'];

/** What the upstream asks of chargegate's file transfers. */
export interface CloudFiles {
  updateFirmware(chargerId: string, req: Requests16['UpdateFirmware'], send: (req: Requests16['UpdateFirmware']) => Promise<Responses16['UpdateFirmware']>): Promise<Responses16['UpdateFirmware']>;
  getDiagnostics(chargerId: string, req: Requests16['GetDiagnostics']): Requests16['GetDiagnostics'];
  ownUpdateFirmware(req: Requests16['UpdateFirmware'], report: (status: FirmwareStatus) => void): Responses16['UpdateFirmware'];
  ownGetDiagnostics(req: Requests16['GetDiagnostics'], report: (status: DiagnosticsStatus) => void): Responses16['GetDiagnostics'];
}

export interface CloudFilesDeps {
  transfers: Transfers;
  proxy: boolean;
  /** chargegate's own diagnostics bundle, as JSON. */
  bundle(): Record<string, unknown>;
  /** Tells the cloud a charger's firmware download failed (as that charger's FirmwareStatusNotification), and records it. */
  downloadFailed(chargerId: string): void;
  logger: Logger;
  now: () => Date;
}

/** After the CALLRESULT: a status the cloud hears must follow the answer it is about. */
const afterAnswer = () => new Promise<void>((resolve) => setImmediate(resolve));

export function cloudFiles(deps: CloudFilesDeps): CloudFiles {
  const { transfers } = deps;
  const log = deps.logger.child({ component: 'cloud-files' });
  /** The charger gets chargegate's URL: at once when the file is here, after a background fetch when not. */
  async function offer(chargerId: string, req: Requests16['UpdateFirmware'], send: (req: Requests16['UpdateFirmware']) => Promise<Responses16['UpdateFirmware']>): Promise<Responses16['UpdateFirmware']> {
    const where = firmwareLocation(req.location);
    if (where.kind === 'store') return send((await transfers.rewriteUpdateFirmware(chargerId, req)).send);
    if (where.kind !== 'http' || !deps.proxy) return send(req);
    const fetched = transfers.firmwareFiles().find((f) => f.sourceUrl === req.location);
    if (fetched) return send({ ...req, location: transfers.firmwareUrl(chargerId, fetched.name) });
    void transfers
      .fetchFirmware(req.location)
      .then((file) => send({ ...req, location: transfers.firmwareUrl(chargerId, file.name) }))
      .then(() => log.info({ chargerId, source: withoutSecrets(req.location) }, 'the cloud\'s firmware fetched and offered to the charger'))
      .catch((err: unknown) => {
        log.warn({ chargerId, source: withoutSecrets(req.location), err: (err as Error).message }, 'the cloud\'s firmware could not be fetched or offered');
        deps.downloadFailed(chargerId);
      });
    return {};
  }

  return {
    async updateFirmware(chargerId, req, send) {
      try {
        return await offer(chargerId, req, send);
      } catch (err) {
        // No URL for a charger that is not connected: sent as it is, it gets the offline refusal.
        if (err instanceof TransferRefused && err.code === 'no_charger_url') return send(req);
        throw err;
      }
    },

    getDiagnostics(chargerId, req) {
      try {
        return transfers.rewriteGetDiagnostics(chargerId, req).send;
      } catch (err) {
        if (err instanceof TransferRefused && err.code === 'no_charger_url') return req;
        throw err;
      }
    },

    ownUpdateFirmware(req, report) {
      void (async () => {
        await afterAnswer();
        if (firmwareLocation(req.location).kind !== 'http') {
          log.warn({ source: withoutSecrets(req.location) }, 'firmware for chargegate from a location it cannot fetch (http and https only)');
          return report('DownloadFailed');
        }
        report('Downloading');
        try {
          const file = await transfers.fetchFirmware(req.location);
          log.info({ name: file.name, size: file.size }, 'the cloud\'s firmware is in the store; install it on the chargers through the API');
          report('Downloaded');
        } catch (err) {
          log.warn({ source: withoutSecrets(req.location), err: (err as Error).message }, 'the cloud\'s firmware could not be fetched');
          report('DownloadFailed');
        }
      })();
      return {};
    },

    ownGetDiagnostics(req, report) {
      const fileName = `chargegate-diagnostics-${deps.now().toISOString().replace(/[:.]/g, '-')}.json`;
      const bytes = Buffer.from(JSON.stringify(deps.bundle(), null, 2));
      void (async () => {
        await afterAnswer();
        report('Uploading');
        const result = await transfers.sendTo(req.location, bytes, fileName).catch((err: unknown) => `failed: ${(err as Error).message}`);
        log[result.startsWith('forwarded') ? 'info' : 'warn']({ fileName, target: withoutSecrets(req.location), result }, 'chargegate\'s diagnostics upload ended');
        report(result.startsWith('forwarded') ? 'Uploaded' : 'UploadFailed');
      })();
      return { fileName };
    },
  };
}
