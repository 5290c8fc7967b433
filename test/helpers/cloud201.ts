/**
 * A test OCPP 2.0.1 CSMS (what CitrineOS is to a site) on ocpp-rpc's RPCServer in strict mode
 * with the 2.0.1 schemas: every frame chargegate sends it is checked by an independent
 * implementation, and the commands it sends are checked on the way out too. It keeps each
 * transaction's TransactionEvents as received (including resends), so a test sees the seqNo
 * series, the offline flags and anything sent twice. It can go down and come back on the same port.
 */
import { createRPCError, listen, RPCServer, type CloudCall, type RpcServerClient } from './cloud.js';

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

export interface TestCloud201 {
  url: string;
  /** Every CALL received, in order (including resends). */
  calls: CloudCall[];
  /** The TransactionEvents of each transactionId, in the order received. */
  transactions: Map<string, TransactionEvent201[]>;
  /** Frames that failed ocpp-rpc's 2.0.1 schema check (should stay empty). */
  validationFailures: unknown[];
  clients: Map<string, RpcServerClient>;
  /** Passwords the CSMS requires, by identity (none listed: any). */
  passwords: Map<string, string>;
  /** With tls.clientCa: the subject CN of each client certificate a TLS handshake presented. */
  clientCertificates: string[];
  /** idTokenInfo.status the CSMS gives an idToken (default Accepted). */
  idTokenStatus: Map<string, string>;
  boot: { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };
  failNext(action: string, times: number, code?: string): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  waitFor(match: (c: CloudCall) => boolean, what: string, ms?: number): Promise<CloudCall>;
  /** Sends a command to a connected station; its answer (strictly validated). */
  command<T = any>(identity: string, action: string, params: unknown): Promise<T>;
}

export async function startCloud201(port = 0, tls?: { key: string; cert: string; clientCa?: string }): Promise<TestCloud201> {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true, callTimeoutMs: 5000 });
  const calls: CloudCall[] = [];
  const transactions = new Map<string, TransactionEvent201[]>();
  const clients = new Map<string, RpcServerClient>();
  const idTokenStatus = new Map<string, string>();
  const passwords = new Map<string, string>();
  const clientCertificates: string[] = [];
  const failures = new Map<string, { times: number; code: string }>();
  const validationFailures: unknown[] = [];
  const waiters: { match: (c: CloudCall) => boolean; resolve: (c: CloudCall) => void }[] = [];
  const cloud = { boot: { status: 'Accepted' as const, interval: 300 } } as TestCloud201;

  server.auth((accept, reject, handshake) => {
    const wanted = passwords.get(handshake.identity);
    if (wanted !== undefined && handshake.password?.toString('utf8') !== wanted) return reject(401, 'bad password');
    accept();
  });

  server.on('client', (client) => {
    clients.set(client.identity, client);
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    const record = (action: string, params: any) => {
      const call = { identity: client.identity, action, params };
      calls.push(call);
      for (const w of [...waiters]) {
        if (w.match(call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
    };
    const answer = (action: string, build: (params: any) => unknown) =>
      client.handle(action, async ({ params }) => {
        record(action, params);
        const fail = failures.get(action);
        if (fail && fail.times > 0) {
          fail.times--;
          throw createRPCError(fail.code, `test CSMS refuses ${action}`);
        }
        return build(params);
      });
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
    answer('TransactionEvent', (p: Omit<TransactionEvent201, 'identity'>) => {
      const list = transactions.get(p.transactionInfo.transactionId) ?? [];
      list.push({ identity: client.identity, ...p });
      transactions.set(p.transactionInfo.transactionId, list);
      return p.idToken && p.idToken.type !== 'NoAuthorization' ? { idTokenInfo: idTokenInfo(p.idToken.idToken) } : {};
    });
  });

  const listener = await listen(server, clients, port, tls, clientCertificates);
  return Object.assign(cloud, {
    get url() {
      return listener.url;
    },
    calls,
    transactions,
    validationFailures,
    clients,
    idTokenStatus,
    passwords,
    clientCertificates,
    failNext(action: string, times: number, code = 'InternalError') {
      failures.set(action, { times, code });
    },
    down: listener.down,
    up: listener.up,
    async close() {
      await listener.down();
      await server.close({ force: true }).catch(() => undefined);
    },
    waitFor(match: (c: CloudCall) => boolean, what: string, ms = 10_000) {
      const found = calls.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<CloudCall>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the CSMS never got ${what}`)), ms);
        waiters.push({ match, resolve: (c) => (clearTimeout(timer), resolve(c)) });
      });
    },
    command(identity: string, action: string, params: unknown) {
      const client = clients.get(identity);
      if (!client) return Promise.reject(new Error(`${identity} is not connected to the CSMS`));
      return client.call(action, params);
    },
  });
}
