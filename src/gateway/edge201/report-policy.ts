/**
 * When chargegate asks a 2.0.1 charger for its device model (GetBaseReport, 2.0.1 B07) after an
 * accepted boot. Pure.
 *
 * At most once per REPORT_AGAIN_AFTER_MS per firmware version, whatever came of it: a complete
 * model stays the truth for its ReadOnly variables until the firmware changes, and a charger
 * that refused the request, stopped its report half-way or rebooted during it is not asked at
 * each of its boots (a boot-looping charger would be asked in a loop). A new firmware may
 * report otherwise (or at all): it is asked at once.
 */
import type { DeviceModelReport } from '../../store/ports.js';

export const REPORT_AGAIN_AFTER_MS = 24 * 3600 * 1000;

export function shouldAskReport(last: DeviceModelReport | undefined, firmware: string | undefined, now: number): { ask: true } | { ask: false; why: string } {
  if (!last) return { ask: true };
  if ((last.firmware ?? '') !== (firmware ?? '')) return { ask: true };
  const at = Date.parse(last.requestedAt);
  if (!Number.isFinite(at) || now - at >= REPORT_AGAIN_AFTER_MS) return { ask: true };
  const until = new Date(at + REPORT_AGAIN_AFTER_MS).toISOString();
  return { ask: false, why: `asked at ${last.requestedAt} (${last.state}${last.reason ? `: ${last.reason}` : ''}); not again before ${until} unless the firmware changes` };
}
