/**
 * An independent OCPP 1.6 charger built on ocpp-rpc in strict mode: everything chargegate
 * sends it is schema-checked by a different implementation than ours.
 */
import type { Test } from 'tap';
import { PATIENCE_MS } from './patience.js';
import rpc from 'ocpp-rpc';

const { RPCClient, NOREPLY: noReply } = rpc as unknown as { RPCClient: new (options: Record<string, unknown>) => RpcClient; NOREPLY: symbol };
/** A handler that returns this sends no answer (it answered with sendRaw, or stays silent). */
export const NOREPLY = noReply;

export interface RpcClient {
  connect(): Promise<unknown>;
  call<T = any>(method: string, params?: unknown, options?: Record<string, unknown>): Promise<T>;
  handle(method: string, handler: (ctx: { params: any; method: string; messageId: string }) => unknown): void;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  sendRaw(message: string): void;
  on(event: string, listener: (...args: any[]) => void): void;
  once(event: string, listener: (...args: any[]) => void): void;
  readonly state: number;
}

export async function rpcCharger(t: Test, url: string, identity: string, password?: string | Buffer, extra: Record<string, unknown> = {}): Promise<RpcClient> {
  const client = new RPCClient({
    endpoint: url,
    identity,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    // Generous: on a busy box the gateway's answer can take seconds (see PATIENCE_MS).
    callTimeoutMs: PATIENCE_MS,
    ...(password !== undefined ? { password } : {}),
    ...extra,
  });
  await client.connect();
  t.teardown(() => client.close({ force: true }).catch(() => undefined));
  return client;
}

/**
 * A call the charger makes on its own right after answering one, as a real charger starts the
 * session it was just asked to start: sent on the next turn. The test awaits the promise before
 * it ends, so the charger never goes away while its call still waits for its answer: an answer
 * after a durable write can take longer on a busy disk than all the test's later round trips
 * (the fresh-clone CI of 6 December failed on this, "Client going away").
 */
export function callSoon<T = any>(client: RpcClient, method: string, params: unknown): Promise<T> {
  const answer = new Promise<void>((resolve) => setImmediate(resolve)).then(() => client.call<T>(method, params));
  // Handled here too: a test that fails before awaiting it reports its own failure, not this one.
  answer.catch(() => undefined);
  return answer;
}

export const bootPayload = { chargePointVendor: 'TestVendor', chargePointModel: 'TestModel', chargePointSerialNumber: 'SN-1', firmwareVersion: '1.2.3' };

/** The same, speaking OCPP 2.0.1 only (ocpp-rpc validates every frame against its bundled 2.0.1 schemas). */
export function rpcCharger201(t: Test, url: string, identity: string, password?: string | Buffer, extra: Record<string, unknown> = {}): Promise<RpcClient> {
  return rpcCharger(t, url, identity, password, { protocols: ['ocpp2.0.1'], ...extra });
}

export const boot201 = { reason: 'PowerUp', chargingStation: { vendorName: 'EVBox', model: 'Livo', serialNumber: 'LIVO-1', firmwareVersion: '2.4.1' } };
