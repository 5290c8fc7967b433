/** The grid meter a config describes (site.meter), or undefined when there is none. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { createModbusMeter } from './modbus.js';
import { createMqttMeter } from './mqtt.js';
import type { GridMeter } from './ports.js';
import { loadRegisterMap } from './register-map.js';

/** adapters/meters, next to src/ and dist/ alike (both are one level below the package). */
export const REGISTER_MAP_DIR = fileURLToPath(new URL('../../adapters/meters', import.meta.url));

export function createGridMeter(config: Config, logger: Logger, now: () => Date): GridMeter | undefined {
  const m = config.site?.meter;
  if (!m) return undefined;
  if (m.type === 'modbus-tcp') {
    return createModbusMeter({ host: m.host!, port: m.port, unitId: m.unitId, intervalMs: m.interval * 1000, map: registerMap(m.model, 'site.meter', 'current'), logger, now });
  }
  return createMqttMeter({
    url: m.url!,
    ...(m.username ? { username: m.username } : {}),
    ...(m.password ? { password: m.password } : {}),
    ...(m.topic ? { topic: m.topic } : {}),
    ...(m.topics ? { topics: m.topics } : {}),
    fields: m.fields,
    quantity: m.quantity,
    voltage: config.site!.supply.voltage,
    logger,
    now,
  });
}

/** A register map by name; `quantity` says what the device must give (a grid meter its phase currents, a PV inverter or battery its power). */
function registerMap(model: string, key: string, quantity: 'current' | 'power') {
  const known = readdirSync(REGISTER_MAP_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
  if (!known.includes(model)) throw new ConfigError([`${key}.model: no register map "${model}" in adapters/meters (known: ${known.join(', ')})`]);
  const map = loadRegisterMap(REGISTER_MAP_DIR, model);
  if (map.quantity !== quantity) {
    const want = quantity === 'current' ? 'a map of phase currents (currents:), e.g. sdm630' : 'a map of power (power:), e.g. sunspec-inverter or generic-battery';
    throw new ConfigError([`${key}.model: "${model}" reads ${map.quantity === 'power' ? 'a power' : 'phase currents'}; ${key} needs ${want}`]);
  }
  return map;
}

/**
 * The PV inverter's and the home battery's power (site.solar.pv, site.solar.battery), W, as a
 * meter of one "phase" (currentsA[0]): a plain number on site.meter's broker (an mqtt meter at
 * 1 V gives W), or polled over Modbus TCP with a power register map. A reading older than
 * site.failsafe.meterTimeout counts as none (charge-modes.ts): no surplus is assumed from it.
 */
export function createSolarMeters(config: Config, logger: Logger, now: () => Date): { pv?: GridMeter; battery?: GridMeter } {
  const m = config.site?.meter;
  const solar = config.site?.solar;
  if (!solar) return {};
  const meter = (key: 'pv' | 'battery'): GridMeter | undefined => {
    const d = solar[key];
    if (!d) return undefined;
    if (d.type === 'modbus-tcp') return createModbusMeter({ host: d.host!, port: d.port, unitId: d.unitId, intervalMs: d.interval * 1000, map: registerMap(d.model, `site.solar.${key}`, 'power'), logger, now });
    if (m?.type !== 'mqtt' || !d.topic) return undefined; // refused at load (site.ts)
    return createMqttMeter({ url: m.url!, ...(m.username ? { username: m.username } : {}), ...(m.password ? { password: m.password } : {}), topics: [d.topic], fields: ['W'], quantity: 'power', voltage: 1, logger, now });
  };
  const pv = meter('pv');
  const battery = meter('battery');
  return { ...(pv ? { pv } : {}), ...(battery ? { battery } : {}) };
}
