import { EventEmitter } from 'node:events';
import type { ChargerInfo, ConnectorState, MeterSample, SessionRecord } from './store/ports.js';

/**
 * What happens on the site, as typed events. The gateway core emits; the MQTT mirror, the
 * balancer and the HTTP API listen. Listeners must not throw and must not block: the OCPP
 * path emits synchronously.
 */
export interface GatewayEvents {
  'charger.connected': { chargerId: string; protocol: string; remoteAddress?: string; at: string };
  'charger.disconnected': { chargerId: string; code: number; reason: string; at: string };
  'charger.boot': { chargerId: string; info: ChargerInfo; at: string };
  'connector.status': ConnectorState;
  'meter.values': { chargerId: string; connectorId: number; transactionId?: number; samples: MeterSample[] };
  'session.started': SessionRecord;
  'session.ended': SessionRecord;
  /** Every CALL handled ('in', from a charger) or sent ('out', a command): for metrics. */
  'ocpp.call': { chargerId: string; action: string; direction: 'in' | 'out' };
  /** A frame a charger sent that chargegate answered with a CALLERROR. */
  'ocpp.error': { chargerId: string; direction: 'in' | 'out'; code: string; description: string; action?: string };
}

export type EventName = keyof GatewayEvents;

export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  /**
   * @param onListenerError told when a listener throws. The error never reaches the emitter:
   *   a broken MQTT mirror must not turn a charger's StartTransaction into a CALLERROR.
   */
  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => undefined) {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends EventName>(name: K, payload: GatewayEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends EventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    const guarded = (payload: GatewayEvents[K]) => {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(name, error);
      }
    };
    this.emitter.on(name, guarded);
    return () => this.emitter.off(name, guarded);
  }

  once<K extends EventName>(name: K): Promise<GatewayEvents[K]> {
    return new Promise((resolve) => this.emitter.once(name, resolve));
  }
}
