/**
 * The grid meter's power as people want to see it (pure): W, import positive. A meter that
 * reads power (an MQTT meter of W) gives its own sum; one that reads currents gives A × the
 * supply's phase voltage, per phase, summed (site.supply.voltage: an estimate, the meter's
 * voltage and power factor are not read).
 */
import type { PhaseReading } from './ports.js';

export function gridPowerW(reading: PhaseReading, voltage: number): number {
  if (reading.powerW !== undefined) return reading.powerW;
  return reading.currentsA.reduce((sum, amps) => sum + amps * voltage, 0);
}
