/**
 * The light charger of the scale and burst benches (#19): one raw `ws` connection per charger,
 * no schema checks, no ocpp-rpc, so that thousands of them cost the load generator little.
 * It sends CALLs one at a time or several in flight (the caller decides), answers every CALL the
 * gateway sends with a payload its 1.6 schema accepts, and remembers the limit of its latest
 * TxProfile so that the current it reports follows the balancer (as a car does, IEC 61851-1).
 */
import { WebSocket } from 'ws';

export interface SimCharger {
  readonly id: string;
  readonly ws: WebSocket;
  /** The limit of its latest TxProfile (A per phase); undefined before the first. */
  limit: number | undefined;
  /** SetChargingProfile CALLs received, and when the last one came (performance.now()). */
  profiles: number;
  lastProfileAt: number;
  /** CALLERRORs the gateway answered this charger's CALLs with. */
  errors: number;
  /** One CALL; resolves with the answer's payload (a CALLERROR resolves too, counted in `errors`). */
  call(action: string, payload: unknown): Promise<Record<string, unknown>>;
  /** Called for each SetChargingProfile received (after `limit` was updated). */
  onProfile?: (c: SimCharger) => void;
}

export interface OpenOptions {
  /** Basic auth (a charger of chargers.list with a password). */
  password?: string;
}

/** Opens one charger's connection (subprotocol ocpp1.6). */
export async function openCharger(baseUrl: string, id: string, options: OpenOptions = {}): Promise<SimCharger> {
  const headers = options.password !== undefined ? { Authorization: `Basic ${Buffer.from(`${id}:${options.password}`).toString('base64')}` } : undefined;
  const ws = new WebSocket(`${baseUrl}/${id}`, ['ocpp1.6'], { perMessageDeflate: false, ...(headers ? { headers } : {}) });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} for ${id}`)));
  });
  const pending = new Map<string, (payload: Record<string, unknown>) => void>();
  let seq = 0;
  const charger: SimCharger = {
    id,
    ws,
    limit: undefined,
    profiles: 0,
    lastProfileAt: 0,
    errors: 0,
    call(action, payload) {
      const callId = String(++seq);
      return new Promise((resolve) => {
        pending.set(callId, resolve);
        ws.send(`[2,"${callId}","${action}",${JSON.stringify(payload)}]`);
      });
    },
  };
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as [number, string, ...unknown[]];
    if (msg[0] === 2) return answer(charger, msg[1], msg[2] as string, msg[3]);
    const resolve = pending.get(msg[1]);
    if (!resolve) return;
    pending.delete(msg[1]);
    if (msg[0] === 4) charger.errors++;
    resolve(msg[0] === 3 ? (msg[2] as Record<string, unknown>) : {});
  });
  ws.on('error', () => undefined); // a connection the bench ends may still report an error
  return charger;
}

/** Opens `count` chargers `<prefix>-0001`…, `batch` at a time (all at once: batch = count). */
export async function openChargers(baseUrl: string, prefix: string, count: number, batch: number, options: OpenOptions = {}): Promise<SimCharger[]> {
  const out: SimCharger[] = [];
  for (let i = 0; i < count; i += batch) {
    const ids = Array.from({ length: Math.min(batch, count - i) }, (_, k) => `${prefix}-${String(i + k + 1).padStart(4, '0')}`);
    out.push(...(await Promise.all(ids.map((id) => openCharger(baseUrl, id, options)))));
  }
  return out;
}

/** What a compliant charger answers to each CALL of the gateway (OCPP 1.6 §6: the .conf payloads). */
function answer(c: SimCharger, callId: string, action: string, payload: unknown): void {
  let result: unknown = {};
  if (action === 'SetChargingProfile') {
    const profile = (payload as { csChargingProfiles: { chargingProfilePurpose: string; chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } }).csChargingProfiles;
    if (profile.chargingProfilePurpose === 'TxProfile') c.limit = profile.chargingSchedule.chargingSchedulePeriod[0]?.limit;
    c.profiles++;
    c.lastProfileAt = performance.now();
    result = { status: 'Accepted' };
  } else if (action === 'GetConfiguration') result = { configurationKey: [], unknownKey: [] };
  else if (['ChangeConfiguration', 'ChangeAvailability', 'ClearChargingProfile', 'TriggerMessage', 'SendLocalList', 'RemoteStartTransaction', 'RemoteStopTransaction', 'UnlockConnector', 'Reset', 'ClearCache'].includes(action)) result = { status: 'Accepted' };
  else if (action === 'GetLocalListVersion') result = { listVersion: 0 };
  else if (action === 'GetCompositeSchedule') result = { status: 'Rejected' };
  c.ws.send(`[3,"${callId}",${JSON.stringify(result)}]`);
  if (action === 'SetChargingProfile') c.onProfile?.(c);
}

export function closeChargers(chargers: readonly SimCharger[]): void {
  for (const c of chargers) c.ws.terminate();
}

const PHASES = ['L1', 'L2', 'L3'] as const;

/**
 * What a car draws on each phase under a limit: a little below it, and not the same twice, as
 * a real car's onboard charger (0–0.5 A below the pilot's limit, per phase and reading). Seeded
 * by the charger and the reading, so a run of the bench is the same as the last.
 */
export function carCurrents(chargerId: string, reading: number, limit: number): [number, number, number] {
  let seed = reading;
  for (let i = 0; i < chargerId.length; i++) seed = (seed * 31 + chargerId.charCodeAt(i)) | 0;
  return [0, 1, 2].map((p) => Math.max(0, limit - (Math.abs(seed + p * 7) % 6) / 10)) as [number, number, number];
}

/**
 * A 3-phase MeterValues of a charging car: energy register, power, current and voltage per
 * phase, naming its transaction. The current follows the charger's limit (16 A without one),
 * a little below it (carCurrents).
 */
export function meterValues3Phase(c: SimCharger, transactionId: number | undefined, energyWh: number, at: Date): Record<string, unknown> {
  const currents = carCurrents(c.id, energyWh, Math.min(16, c.limit ?? 16));
  const watts = Math.round((currents[0] + currents[1] + currents[2]) * 230);
  return {
    connectorId: 1,
    ...(transactionId !== undefined ? { transactionId } : {}),
    meterValue: [
      {
        timestamp: at.toISOString(),
        sampledValue: [
          { value: String(energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: String(watts), measurand: 'Power.Active.Import', unit: 'W' },
          ...PHASES.map((phase, i) => ({ value: currents[i]!.toFixed(1), measurand: 'Current.Import', phase, unit: 'A' })),
          ...PHASES.map((phase) => ({ value: '230', measurand: 'Voltage', phase: `${phase}-N`, unit: 'V' })),
        ],
      },
    ],
  };
}

/** Boots the charger, reports connector 1 Available, starts a transaction, reports Charging; resolves with its id. */
export async function startCharging(c: SimCharger, startedAt = new Date()): Promise<number> {
  await c.call('BootNotification', { chargePointVendor: 'chargegate-bench', chargePointModel: 'scale' });
  await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
  const started = (await c.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: 0, timestamp: startedAt.toISOString() })) as { transactionId?: number };
  await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
  if (typeof started.transactionId !== 'number') throw new Error(`${c.id}: StartTransaction answered without a transactionId`);
  return started.transactionId;
}
