/**
 * UpdateFirmware and GetDiagnostics from a local user, through the one door
 * (src/control/ocpp-commands.ts): the location is rewritten to chargegate's own URL, since the
 * charger may not reach the one given (docs/firmware.md).
 *   UpdateFirmware: "store:<name>" → that stored file's URL; an http(s) URL → fetched into the
 *     store first (firmware.proxy), then its URL; any other scheme → sent unchanged.
 *   GetDiagnostics: an upload URL on chargegate; the file is kept and forwarded to the location
 *     given ("store:keep", any store: location, keeps it only).
 * A refusal (no such file, a fetch that failed) is OcppCommandInvalid: nothing is sent.
 */
import { OcppCommandInvalid, type OcppCommands } from '../control/ocpp-commands.js';
import { TransferRefused, type Transfers } from './service.js';

export function interceptTransfers(door: Pick<OcppCommands, 'intercept'>, transfers: Transfers): void {
  const refused = (action: string) => (err: unknown) => {
    if (err instanceof TransferRefused) throw new OcppCommandInvalid(action, err.code, err.message);
    throw err;
  };
  door.intercept('UpdateFirmware', (payload, ctx) => transfers.rewriteUpdateFirmware(ctx.chargerId, payload).catch(refused('UpdateFirmware')));
  door.intercept('GetDiagnostics', (payload, ctx) => {
    try {
      return transfers.rewriteGetDiagnostics(ctx.chargerId, payload);
    } catch (err) {
      return refused('GetDiagnostics')(err);
    }
  });
}
