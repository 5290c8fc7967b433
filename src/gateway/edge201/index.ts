/**
 * The OCPP 2.0.1 edge (issue 16): what a 2.0.1 charger's connection is given instead of the 1.6
 * handlers. Its frames are validated against the 2.0.1 schemas (by its session), translated
 * into the core's operations (inbound.ts) and the core's commands translated for it
 * (outbound.ts); the translations themselves are pure (src/ocpp/v201/translate/). The core
 * above this folder never asks which version a charger speaks.
 *
 * Validation follows the charger's `validation` as for 1.6: lenient repairs (rescue.ts,
 * ocpp/v201/leniency.ts) or strict; what is refused gets the 2.0.1 CALLERROR, and a refused
 * TransactionEvent is kept raw in the store (raw_frames) like a refused 1.6 transaction message.
 */
import type { Logger } from '../../log.js';
import type { SessionHooks } from '../../ocpp/server.js';
import { validatorFor } from '../../ocpp/validate.js';
import type { HandlerContext } from '../handlers/context.js';
import type { createLeniencyNotes, ValidationMode } from '../tolerance.js';
import { createInbound201, type NoteTranslation } from './inbound.js';
import { createOutbound201 } from './outbound.js';
import { createRescue201 } from './rescue.js';

export function edge201(ctx: HandlerContext, note: ReturnType<typeof createLeniencyNotes>, mode: ValidationMode): Pick<SessionHooks, 'handler' | 'outboundCodec' | 'rescue'> {
  const noteTranslation: NoteTranslation = (n, action) => note(ctx.chargerId, ctx.logger as Logger, n.kind === 'lost' ? 'translation-lost' : 'translation-mapped', `${n.path}: ${n.detail}`, action);
  return {
    handler: createInbound201(ctx, noteTranslation),
    outboundCodec: createOutbound201(ctx.store, ctx.chargerId, noteTranslation),
    rescue: createRescue201({ chargerId: ctx.chargerId, mode, validator: validatorFor('ocpp2.0.1'), logger: ctx.logger as Logger, store: ctx.store, now: ctx.now, note }),
  };
}
