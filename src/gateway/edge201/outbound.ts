/**
 * The core's commands to a 2.0.1 charger: each OCPP 1.6 central-system call the core makes
 * (src/gateway/commands.ts, the balancer, setup, the boot guard…) is translated on its way out by
 * src/ocpp/v201/translate/commands.ts and its answer translated back, so that no caller asks
 * which version a charger speaks. A 2.0.1 action the core names itself goes out as it is. Keys
 * the charger's complete device model knows are answered from it (translate/device-model.ts).
 */
import { randomInt } from 'node:crypto';
import type { OutboundCodec } from '../../ocpp/session.js';
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../../ocpp/v16/actions.js';
import { commandTo201 } from '../../ocpp/v201/translate/commands.js';
import { acceptedValues, keyFromModel, type ModelAnswer } from '../../ocpp/v201/translate/device-model.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import type { DeviceModelVariable, Store } from '../../store/ports.js';
import type { NoteTranslation } from './inbound.js';
import type { RequestPairs } from './requests.js';

const CENTRAL_16: ReadonlySet<string> = new Set(CENTRAL_INITIATED_16);

export function createOutbound201(store: Pick<Store, 'sessions' | 'deviceModel'>, chargerId: string, noteTranslation: NoteTranslation, requests: RequestPairs, now: () => Date): OutboundCodec {
  // remoteStartId only pairs a RequestStartTransaction with the TransactionEvent it causes
  // (2.0.1 F01): distinct per connection is enough; a random start keeps reconnects apart.
  let remoteStartId = randomInt(1, 2 ** 30);
  const lookups = {
    referenceOf: (transactionId: number) => {
      const session = store.sessions.get(transactionId);
      return session?.chargerId === chargerId ? session.reference : undefined;
    },
    remoteStartId: () => (remoteStartId = (remoteStartId % (2 ** 31 - 1)) + 1),
    requestId: () => requests.next(),
  };
  return {
    encode(action, payload) {
      const out = encode(action, payload);
      if (!('action' in out) || out.action !== 'SetVariables') return out;
      // What the charger took is the model's new value (the API shows it; setup reads it).
      return {
        ...out,
        decode: (answer) => {
          const at = now().toISOString();
          for (const { ref, value } of acceptedValues(out.payload as Requests201['SetVariables'], answer as Responses201['SetVariables'])) store.deviceModel.setActual(chargerId, ref, value, at);
          return out.decode(answer);
        },
      };
    },
  };

  function encode(action: string, payload: unknown): ReturnType<OutboundCodec['encode']> {
    if (!CENTRAL_16.has(action)) return { action, payload, decode: (answer) => answer };
    // Read once per command, only when a key is asked (GetConfiguration).
    let model: DeviceModelVariable[] | null | undefined;
    const fromModel = (key: string): ModelAnswer => {
      model ??= store.deviceModel.report(chargerId)?.state === 'complete' ? store.deviceModel.list(chargerId) : null;
      return model ? keyFromModel(model, key) : 'ask';
    };
    const out = commandTo201(action as CentralAction16, payload, { ...lookups, fromModel });
    for (const n of out.notes) noteTranslation(n, action);
    if ('local' in out) return { answer: out.local };
    // Remembered before it goes out: the charger may report its first status before its answer arrives.
    if (out.sent) requests.sent(chargerId, out.sent.requestId, out.sent.origin);
    const { answerNotes } = out;
    if (!answerNotes) return { action: out.action, payload: out.payload, decode: out.answer };
    return {
      action: out.action,
      payload: out.payload,
      decode: (answer) => {
        for (const n of answerNotes(answer)) noteTranslation(n, action);
        return out.answer(answer);
      },
    };
  }
}
