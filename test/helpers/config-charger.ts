/**
 * An independent OCPP 1.6 charger (ocpp-rpc, strict) with configuration keys (§9.1): a
 * GetConfigurationMaxKeys it enforces, read-only keys, and a choice of how it answers a
 * ChangeConfiguration — including rebooting right after it (closing the connection,
 * reconnecting and booting again, with its old values, as a charger whose flash write did
 * not stick). Every call it receives, over all its connections, is counted.
 */
import type { Test } from 'tap';
import { bootPayload, rpcCharger, type RpcClient } from './rpc-charger.js';

export type ChangeAnswer = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported' | 'reboot';

export interface ConfigChargerOptions {
  url: string;
  id: string;
  password: string;
  keys: Record<string, { value: string; readonly?: boolean }>;
  /** Its GetConfigurationMaxKeys; a request for more keys is counted as a violation and truncated. */
  maxKeys: number;
  change?: (key: string, value: string) => ChangeAnswer;
  boot?: { chargePointVendor: string; chargePointModel: string };
  /** SetChargingProfile: its answer (default Accepted); every profile is kept in `profiles`. */
  profile?: (p: any) => 'Accepted' | 'Rejected';
}

export interface ConfigCharger {
  calls: { action: string; params: any }[];
  profiles: any[];
  boots: number;
  /** GetConfiguration calls that asked for more than maxKeys keys (or for none). */
  violations: number;
  values(): Record<string, string>;
  /** The live connection (a new one after each reboot). */
  client(): RpcClient;
  count(action: string): number;
  /** Closes its connection, reconnects and boots again with its initial values. */
  reboot(): Promise<void>;
}

export async function configCharger(t: Test, o: ConfigChargerOptions): Promise<ConfigCharger> {
  const initial = structuredClone(o.keys);
  let keys = structuredClone(o.keys);
  const state: ConfigCharger = {
    calls: [],
    profiles: [],
    boots: 0,
    violations: 0,
    values: () => Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.value])),
    client: () => cp,
    count: (action) => state.calls.filter((c) => c.action === action).length,
    reboot: () => reboot(),
  };
  let cp: RpcClient;

  async function connect(): Promise<void> {
    cp = await rpcCharger(t, o.url, o.id, o.password);
    cp.handle('GetConfiguration', ({ params }) => {
      state.calls.push({ action: 'GetConfiguration', params });
      let asked: string[] = params.key ?? Object.keys(keys);
      if (!params.key || asked.length > o.maxKeys) {
        state.violations += params.key ? 1 : 0;
        asked = asked.slice(0, o.maxKeys); // §5.8: a charger may cut the answer short
      }
      const configurationKey = asked.filter((k) => keys[k]).map((k) => ({ key: k, readonly: keys[k]!.readonly ?? false, value: keys[k]!.value }));
      const unknownKey = asked.filter((k) => !keys[k]);
      return { configurationKey, ...(unknownKey.length > 0 ? { unknownKey } : {}) };
    });
    cp.handle('ChangeConfiguration', ({ params }) => {
      state.calls.push({ action: 'ChangeConfiguration', params });
      const k = keys[params.key];
      if (!k) return { status: 'NotSupported' };
      if (k.readonly) return { status: 'Rejected' };
      const answer = o.change?.(params.key, params.value) ?? 'Accepted';
      if (answer === 'reboot') {
        // Answers, then reboots with the value it had (the write did not stick).
        setImmediate(() => void reboot());
        return { status: 'Accepted' };
      }
      if (answer === 'Accepted') k.value = params.value;
      return { status: answer };
    });
    cp.handle('SetChargingProfile', ({ params }) => {
      state.calls.push({ action: 'SetChargingProfile', params });
      state.profiles.push(params.csChargingProfiles);
      return { status: o.profile?.(params.csChargingProfiles) ?? 'Accepted' };
    });
    cp.handle('ChangeAvailability', ({ params }) => {
      state.calls.push({ action: 'ChangeAvailability', params });
      return { status: 'Accepted' };
    });
    await cp.call('BootNotification', { ...bootPayload, ...o.boot });
    state.boots++;
  }

  async function reboot(): Promise<void> {
    await cp.close({ force: true }).catch(() => undefined);
    keys = structuredClone(initial);
    await connect();
  }

  await connect();
  return state;
}
