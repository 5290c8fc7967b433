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
import { OcppOfflineError, type OcppCallError } from '../../ocpp/errors.js';
import type { SessionHooks } from '../../ocpp/server.js';
import type { HandlerContext } from '../handlers/context.js';
import type { createLeniencyNotes } from '../tolerance.js';
import { createDeviceModelReader } from './device-model.js';
import { createInbound201, type NoteTranslation } from './inbound.js';
import { createOutbound201 } from './outbound.js';

export interface Edge201Options {
  /** ms a requested device model report may stay silent (ocpp.callTimeout). */
  reportIdleMs: number;
}

export function edge201(ctx: HandlerContext, note: ReturnType<typeof createLeniencyNotes>, options: Edge201Options): Pick<SessionHooks, 'handler' | 'outboundCodec' | 'rescue'> {
  const noteTranslation: NoteTranslation = (n, action) => note(ctx.chargerId, ctx.logger as Logger, n.kind === 'lost' ? 'translation-lost' : 'translation-mapped', `${n.path}: ${n.detail}`, action);
  const deviceModel = createDeviceModelReader({
    ctx,
    // Booted on this connection: the registry's connection is this one.
    call: (action, payload) => {
      const connection = ctx.registry.connection(ctx.chargerId);
      return connection ? connection.session.call(action, payload) : Promise.reject(new OcppOfflineError(ctx.chargerId));
    },
    idleMs: options.reportIdleMs,
  });
  return {
    handler: createInbound201(ctx, noteTranslation, deviceModel),
    outboundCodec: createOutbound201(ctx.store, ctx.chargerId, noteTranslation, ctx.now),
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
