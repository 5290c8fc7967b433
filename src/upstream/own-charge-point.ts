/**
 * Aggregate mode: chargegate is the one charge point the cloud sees. Its own configuration keys
 * (OCPP 1.6 §9.1) are answered here; a key written `<chargerId>/<key>` is the charger's own key,
 * read or changed on that charger (GetConfiguration / ChangeConfiguration, §5.8, §5.3).
 * TriggerMessage for chargegate's own messages sends them (§5.17).
 */
import type { Commands } from '../gateway/commands.js';
import type { Requests16, Responses16 } from '../ocpp/v16/types.js';
import type { OwnChargePoint } from './cloud-calls.js';

type KeyValue = NonNullable<Responses16['GetConfiguration']['configurationKey']>[number];

export interface OwnChargePointDeps {
  /** chargegate's own keys, all read-only (they come from its config file). */
  ownKeys(): KeyValue[];
  commands: Commands;
  chargers(): string[];
  /** Sends chargegate's own BootNotification / Heartbeat / StatusNotification now. */
  sendOwn(message: 'BootNotification' | 'Heartbeat' | 'StatusNotification', connectorId?: number): boolean;
  /** A charger's MeterValues for a cloud connector: forwarded as a TriggerMessage to it. */
  toCharger(cloudConnectorId: number): { chargerId: string; connectorId: number } | undefined;
}

export function ownChargePoint(deps: OwnChargePointDeps): OwnChargePoint {
  const split = (key: string): { chargerId: string; key: string } | undefined => {
    const slash = key.indexOf('/');
    return slash > 0 ? { chargerId: key.slice(0, slash), key: key.slice(slash + 1) } : undefined;
  };

  async function chargerKeys(chargerId: string, keys: string[] | undefined): Promise<Responses16['GetConfiguration']> {
    try {
      return await deps.commands.GetConfiguration(chargerId, keys ? { key: keys } : {});
    } catch {
      return { unknownKey: keys ?? [] };
    }
  }

  return {
    async getConfiguration(req) {
      const own = deps.ownKeys();
      const known: KeyValue[] = [];
      const unknown: string[] = [];
      if (!req.key || req.key.length === 0) {
        known.push(...own);
        for (const chargerId of deps.chargers()) {
          const answer = await chargerKeys(chargerId, undefined);
          for (const k of answer.configurationKey ?? []) known.push({ ...k, key: `${chargerId}/${k.key}` });
        }
        return { configurationKey: known };
      }
      for (const key of req.key) {
        const target = split(key);
        if (!target) {
          const found = own.find((k) => k.key === key);
          if (found) known.push(found);
          else unknown.push(key);
          continue;
        }
        const answer = await chargerKeys(target.chargerId, [target.key]);
        for (const k of answer.configurationKey ?? []) known.push({ ...k, key: `${target.chargerId}/${k.key}` });
        for (const k of answer.unknownKey ?? []) unknown.push(`${target.chargerId}/${k}`);
      }
      return { ...(known.length > 0 ? { configurationKey: known } : {}), ...(unknown.length > 0 ? { unknownKey: unknown } : {}) };
    },
    async changeConfiguration(req) {
      const target = split(req.key);
      if (!target) return { status: deps.ownKeys().some((k) => k.key === req.key) ? 'Rejected' : 'NotSupported' };
      try {
        return await deps.commands.ChangeConfiguration(target.chargerId, { key: target.key, value: req.value });
      } catch {
        return { status: 'Rejected' };
      }
    },
    async trigger(req: Requests16['TriggerMessage']) {
      switch (req.requestedMessage) {
        case 'BootNotification':
        case 'Heartbeat':
        case 'StatusNotification':
          return { status: deps.sendOwn(req.requestedMessage, req.connectorId) ? 'Accepted' : 'Rejected' };
        case 'MeterValues': {
          const target = req.connectorId ? deps.toCharger(req.connectorId) : undefined;
          if (!target) return { status: 'Rejected' };
          try {
            return await deps.commands.TriggerMessage(target.chargerId, { requestedMessage: 'MeterValues', connectorId: target.connectorId });
          } catch {
            return { status: 'Rejected' };
          }
        }
        default:
          return { status: 'NotImplemented' };
      }
    },
  };
}
