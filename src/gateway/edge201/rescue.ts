/**
 * What happens to a 2.0.1 frame that fails the OCA 2.0.1 schemas (docs/chargers.md "OCPP 2.0.1
 * chargers", validation), the 2.0.1 counterpart of gateway/tolerance.ts:
 * - lenient (the default): repaired (ocpp/v201/leniency.ts) and handled when the repair makes
 *   it pass the lenient schema (no maxLength); each repair counted in /metrics and logged once
 *   per charger and kind. A TransactionEvent the repair cannot make valid keeps what can be
 *   understood when only some of its meter values are at fault: those are left out (2.0.1 E:
 *   a charger whose TransactionEvent gets a CALLERROR may drop it, and the session with it).
 * - strict, or what cannot be repaired: the 2.0.1 CALLERROR the schema failure names
 *   (validate.ts, spelt for 2.0.1 by errors.ts), and the connection stays up.
 * A TransactionEvent that is refused, or from which anything was dropped, is kept as received
 * in raw_frames.
 */
import type { OcppCallError } from '../../ocpp/errors.js';
import type { Rescue } from '../../ocpp/session.js';
import { repairRequest201 } from '../../ocpp/v201/leniency.js';
import { salvageRequest } from '../../ocpp/v16/leniency.js';
import { keepRawFrame, type Call, type ToleranceDeps, type ToleranceKind } from '../tolerance.js';

/** What 1.6's rescue is given (tolerance.ts). */
export type Rescue201Deps = ToleranceDeps;

export function createRescue201(deps: Rescue201Deps): (call: Call, problem: OcppCallError) => Promise<Rescue | null> {
  const { chargerId, mode, validator, logger } = deps;
  const note = (kind: ToleranceKind, detail: string, action: string) => deps.note(chargerId, logger, kind, detail, action, '2.0.1');
  return async (call, problem) => {
    const { action } = call;
    const transaction = action === 'TransactionEvent';
    const schema = validator.requestSchema(action);
    if (mode === 'lenient' && schema) {
      const repaired = repairRequest201(action, call.payload, schema);
      const stillInvalid = validator.checkRequestLenient(action, repaired.payload);
      if (!stillInvalid) {
        for (const n of repaired.notes) note(n.kind, n.detail, action);
        if (transaction && repaired.lossy) await keepRawFrame(deps, call, `${problem.description}; ${repaired.notes.map((n) => n.detail).join('; ')}`, 'repaired');
        return { payload: repaired.payload };
      }
      if (transaction) {
        const salvaged = salvageRequest(repaired.payload, schema, (p) => validator.checkRequestLenient(action, p) === null);
        // Only meter values may be left out: without its idToken or evse the event would name
        // another card or connector, which is worse than the CALLERROR.
        if (salvaged && salvaged.dropped.every((d) => d.startsWith('meterValue'))) {
          for (const n of repaired.notes) note(n.kind, n.detail, action);
          note('salvaged', `${stillInvalid.description}; left out: ${salvaged.dropped.join('; ')}`, action);
          await keepRawFrame(deps, call, `${stillInvalid.description}; left out: ${salvaged.dropped.join('; ')}`, 'salvaged');
          return { payload: salvaged.payload };
        }
        await keepRawFrame(deps, call, stillInvalid.description, 'refused');
      }
      // The CALLERROR names what still fails once the repairs are made.
      return { refuse: stillInvalid };
    }
    if (transaction) await keepRawFrame(deps, call, problem.description, 'refused');
    return null;
  };
}
