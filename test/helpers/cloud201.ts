/**
 * A test OCPP 2.0.1 CSMS (what CitrineOS is to a site) on ocpp-rpc's RPCServer in strict mode
 * with the 2.0.1 schemas: every frame chargegate sends it is checked by an independent
 * implementation, and the commands it sends are checked on the way out too. It keeps each
 * transaction's TransactionEvents as received (including resends), so a test sees the seqNo
 * series, the offline flags and anything sent twice. It can go down and come back on the same port.
 */
import { rpcCloud, type CloudBase } from './cloud.js';

export interface TransactionEvent201 {
  identity: string;
  eventType: 'Started' | 'Updated' | 'Ended';
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string; remoteStartId?: number };
  evse?: { id: number; connectorId?: number };
  idToken?: { idToken: string; type: string };
  meterValue?: { timestamp: string; sampledValue: { value: number; context?: string; measurand?: string }[] }[];
  timestamp: string;
}

export interface TestCloud201 extends CloudBase {
  /** The TransactionEvents of each transactionId, in the order received. */
  transactions: Map<string, TransactionEvent201[]>;
  /** idTokenInfo.status the CSMS gives an idToken (default Accepted). */
  idTokenStatus: Map<string, string>;
  boot: { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };
  /** Sends a command to a connected station; its answer (strictly validated on the way back). */
  command<T = any>(identity: string, action: string, params: unknown): Promise<T>;
}

export async function startCloud201(port = 0, tls?: { key: string; cert: string; clientCa?: string }): Promise<TestCloud201> {
  const transactions = new Map<string, TransactionEvent201[]>();
  const idTokenStatus = new Map<string, string>();
  let cloud!: TestCloud201;

  const base = await rpcCloud('ocpp2.0.1', port, tls, (client, answer) => {
    const idTokenInfo = (idToken: string) => ({ status: idTokenStatus.get(idToken) ?? 'Accepted' });
    answer('BootNotification', () => ({ status: cloud.boot.status, currentTime: new Date().toISOString(), interval: cloud.boot.interval }));
    answer('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    answer('StatusNotification', () => ({}));
    answer('Authorize', (p) => ({ idTokenInfo: idTokenInfo(p.idToken.idToken) }));
    answer('MeterValues', () => ({}));
    answer('DataTransfer', (p) => ({ status: 'Accepted', data: `csms got ${p.vendorId}` }));
    answer('SecurityEventNotification', () => ({}));
    answer('FirmwareStatusNotification', () => ({}));
    answer('LogStatusNotification', () => ({}));
    answer('NotifyReport', () => ({}));
    answer('ReservationStatusUpdate', () => ({}));
    answer('NotifyEvent', () => ({}));
    answer('TransactionEvent', (p: Omit<TransactionEvent201, 'identity'>) => {
      const list = transactions.get(p.transactionInfo.transactionId) ?? [];
      list.push({ identity: client.identity, ...p });
      transactions.set(p.transactionInfo.transactionId, list);
      return p.idToken && p.idToken.type !== 'NoAuthorization' ? { idTokenInfo: idTokenInfo(p.idToken.idToken) } : {};
    });
  });
  cloud = Object.assign(base, {
    boot: { status: 'Accepted' as const, interval: 300 },
    transactions,
    idTokenStatus,
    command(identity: string, action: string, params: unknown) {
      const client = base.clients.get(identity);
      if (!client) return Promise.reject(new Error(`${identity} is not connected to the CSMS`));
      return client.call(action, params);
    },
  });
  return cloud;
}
