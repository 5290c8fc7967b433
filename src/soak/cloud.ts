/**
 * The soak's cloud CSMS: an OCPP 1.6J server that the gateway's upstream link connects to,
 * that can go away (listener closed, every connection cut mid-call) and come back on the same
 * port, and that records every transaction message it receives (ledger.ts).
 *
 * It deduplicates as a careful CSMS does: a StartTransaction identical to one already received
 * gets the same transactionId again, and every message identical to an earlier one is marked
 * `duplicate` (chargegate resends a message unchanged when its answer was lost).
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { CloudMessage, TxAction } from './ledger.js';

export interface SoakCloud {
  readonly port: number;
  readonly url: string;
  readonly isUp: boolean;
  /** Transaction messages in arrival order. */
  readonly messages: readonly CloudMessage[];
  /** Connections accepted so far (the gateway's reconnects). */
  readonly connections: number;
  up(): Promise<void>;
  /** Closes the listener and cuts every connection at once (answers in flight are lost). */
  down(): Promise<void>;
  close(): Promise<void>;
}

const TX_ACTIONS: readonly string[] = ['StartTransaction', 'StopTransaction', 'MeterValues'] satisfies TxAction[];

export async function startSoakCloud(port = 0): Promise<SoakCloud> {
  const messages: CloudMessage[] = [];
  const seen = new Set<string>();
  const startIds = new Map<string, number>();
  let nextTxId = 1;
  let server: WebSocketServer | undefined;
  let boundPort = port;
  let connections = 0;

  const answer = (action: string, payload: Record<string, unknown>): unknown => {
    const now = new Date().toISOString();
    const content = `${action} ${JSON.stringify(payload)}`;
    const duplicate = seen.has(content);
    seen.add(content);
    let transactionId = typeof payload.transactionId === 'number' ? payload.transactionId : undefined;
    if (action === 'StartTransaction') {
      transactionId = startIds.get(content) ?? nextTxId++;
      startIds.set(content, transactionId);
    }
    if (TX_ACTIONS.includes(action)) {
      const meterValue = Array.isArray(payload.meterValue) ? (payload.meterValue[0] as { timestamp?: unknown } | undefined) : undefined;
      messages.push({
        seq: messages.length,
        action: action as TxAction,
        connectorId: typeof payload.connectorId === 'number' ? payload.connectorId : undefined,
        transactionId,
        idTag: typeof payload.idTag === 'string' ? payload.idTag : undefined,
        timestamp: String(action === 'MeterValues' ? meterValue?.timestamp : payload.timestamp),
        duplicate,
      });
    }
    switch (action) {
      case 'BootNotification':
        return { status: 'Accepted', currentTime: now, interval: 300 };
      case 'Heartbeat':
        return { currentTime: now };
      case 'Authorize':
        return { idTagInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId, idTagInfo: { status: 'Accepted' } };
      case 'StopTransaction':
        return { idTagInfo: { status: 'Accepted' } };
      case 'DataTransfer':
        return { status: 'Accepted' };
      default:
        return {};
    }
  };

  const onConnection = (ws: WebSocket): void => {
    connections++;
    ws.on('message', (data: Buffer) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      // Only CALLs matter here; answers to the gateway's own calls (none expected) are ignored.
      if (!Array.isArray(frame) || frame[0] !== 2 || typeof frame[1] !== 'string' || typeof frame[2] !== 'string') return;
      const payload = frame[3] !== null && typeof frame[3] === 'object' ? (frame[3] as Record<string, unknown>) : {};
      ws.send(JSON.stringify([3, frame[1], answer(frame[2], payload)]));
    });
    ws.on('error', () => undefined);
  };

  const cloud: SoakCloud = {
    get port() {
      return boundPort;
    },
    get url() {
      return `ws://127.0.0.1:${boundPort}/ocpp`;
    },
    get isUp() {
      return server !== undefined;
    },
    get messages() {
      return messages;
    },
    get connections() {
      return connections;
    },
    async up() {
      if (server) return;
      const s = new WebSocketServer({ host: '127.0.0.1', port: boundPort, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
      s.on('connection', onConnection);
      await new Promise<void>((resolve, reject) => {
        s.once('listening', resolve);
        s.once('error', reject);
      });
      s.on('error', () => undefined);
      const addr = s.address();
      if (addr && typeof addr === 'object') boundPort = addr.port;
      server = s;
    },
    async down() {
      const s = server;
      if (!s) return;
      server = undefined;
      for (const ws of s.clients) ws.terminate();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close() {
      return cloud.down();
    },
  };
  await cloud.up();
  return cloud;
}
