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
import { OcppOfflineError } from '../../ocpp/errors.js';
import type { SessionHooks } from '../../ocpp/server.js';
import { validatorFor } from '../../ocpp/validate.js';
import type { HandlerContext } from '../handlers/context.js';
import type { NetworkProfilePolicy } from '../network-profile.js';
import type { createLeniencyNotes, ValidationMode } from '../tolerance.js';
import { createDeviceModelReader } from './device-model.js';
import { createInbound201, type NoteTranslation } from './inbound.js';
import { guardNetworkProfile } from './network-profile.js';
import { createOutbound201 } from './outbound.js';
import type { RequestPairs } from './requests.js';
import { createRescue201 } from './rescue.js';

/** What a 2.0.1 connection is given by the gateway besides the charger's context. */
export interface Edge201Options {
  /** How its frames that fail the schemas are treated (lenient repairs or strict). */
  validation: ValidationMode;
  /** The gateway's one memory of firmware and log requestIds (requests.ts), kept across a charger's reconnects. */
  requests: RequestPairs;
  /** Whether a SetNetworkProfile may reach this charger (network-profile.ts). */
  networkProfile: NetworkProfilePolicy;
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
    handler: createInbound201(ctx, noteTranslation, options.requests, deviceModel),
    outboundCodec: guardNetworkProfile(createOutbound201(ctx.store, ctx.chargerId, noteTranslation, options.requests, ctx.now), options.networkProfile, ctx.logger as Logger),
    rescue: createRescue201({ chargerId: ctx.chargerId, mode: options.validation, validator: validatorFor('ocpp2.0.1'), logger: ctx.logger as Logger, store: ctx.store, now: ctx.now, note }),
  };
}
