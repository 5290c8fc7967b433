/**
 * A grid meter as the load balancer sees it (the unit in the name, as evcc does): the latest
 * current per site phase, and a callback per fresh reading. Modbus TCP and MQTT implement it.
 */
export interface PhaseReading {
  /** A per site phase L1, L2, L3 (import positive). */
  currentsA: readonly [number, number, number];
  /** Epoch ms of the reading. */
  at: number;
  /** W over all phases (import positive), when the meter reads power itself. */
  powerW?: number;
}

export interface GridMeter {
  /** Human name for logs, e.g. "sdm630 at 192.0.2.10:502". */
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  latest(): PhaseReading | undefined;
  onReading(listener: (reading: PhaseReading) => void): void;
}
