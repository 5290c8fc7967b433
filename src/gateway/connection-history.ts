/**
 * Each charger's connects and disconnects, written to its status history beside its
 * StatusNotifications: the charger page draws when it was offline. Listens to the bus.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { StatusHistoryStore } from '../store/ports.js';

export function recordConnections(events: EventBus, history: StatusHistoryStore, logger: Logger): void {
  // A plain write, not a group commit: nothing is acknowledged on the strength of it, and the
  // next durable write (or checkpoint) takes it to the disk. A listener must not throw.
  const write = (...args: Parameters<StatusHistoryStore['add']>) => {
    try {
      history.add(...args);
    } catch (err) {
      logger.warn({ err, chargerId: args[0].chargerId }, 'status history not written');
    }
  };
  events.on('charger.connected', (e) =>
    write({ chargerId: e.chargerId, kind: 'connected', info: `${e.protocol}${e.remoteAddress ? ` from ${e.remoteAddress}` : ''}`, timestamp: e.at, receivedAt: e.at }),
  );
  events.on('charger.disconnected', (e) =>
    write({ chargerId: e.chargerId, kind: 'disconnected', info: `${e.code}${e.reason ? ` ${e.reason}` : ''}`, timestamp: e.at, receivedAt: e.at }),
  );
}
