/**
 * The OCPP 2.0.1 edge (issue 16): what a 2.0.1 charger's connection is given instead of the 1.6
 * handlers. Its frames are validated against the 2.0.1 schemas (by its session), translated
 * into the core's operations (inbound.ts) and the core's commands translated for it
 * (outbound.ts); the translations themselves are pure (src/ocpp/v201/translate/). The core
 * above this folder never asks which version a charger speaks.
 *
 * Validation is strict for 2.0.1 (the lenient repairs of ocpp/v16/leniency.ts are 1.6's): an
 * invalid frame gets the 2.0.1 CALLERROR, and an invalid TransactionEvent is kept raw in the
 * store (raw_frames, outcome refused) like a refused 1.6 transaction message.
 */
import type { Logger } from '../../log.js';
import type { OcppCallError } from '../../ocpp/errors.js';
import type { SessionHooks } from '../../ocpp/server.js';
import type { HandlerContext } from '../handlers/context.js';
import type { NetworkProfilePolicy } from '../network-profile.js';
import type { createLeniencyNotes } from '../tolerance.js';
import { createInbound201, type NoteTranslation } from './inbound.js';
import { guardNetworkProfile } from './network-profile.js';
import { createOutbound201 } from './outbound.js';
import type { RequestPairs } from './requests.js';

/** `requests`: the gateway's one memory of firmware and log requestIds (requests.ts), kept across a charger's reconnects. */
export function edge201(ctx: HandlerContext, note: ReturnType<typeof createLeniencyNotes>, requests: RequestPairs, networkProfile: NetworkProfilePolicy): Pick<SessionHooks, 'handler' | 'outboundCodec' | 'rescue'> {
  const noteTranslation: NoteTranslation = (n, action) => note(ctx.chargerId, ctx.logger as Logger, n.kind === 'lost' ? 'translation-lost' : 'translation-mapped', `${n.path}: ${n.detail}`, action);
  return {
    handler: createInbound201(ctx, noteTranslation, requests),
    outboundCodec: guardNetworkProfile(createOutbound201(ctx.store, ctx.chargerId, noteTranslation, requests), networkProfile, ctx.logger as Logger),
    rescue: async (call, problem: OcppCallError) => {
      if (call.action === 'TransactionEvent') {
        await ctx.store.durably(() =>
          ctx.store.rawFrames.add({ chargerId: ctx.chargerId, action: call.action, messageId: call.id, frame: JSON.stringify([2, call.id, call.action, call.payload]), problem: problem.description, outcome: 'refused', receivedAt: ctx.now().toISOString() }),
        );
      }
      return null;
    },
  };
}
