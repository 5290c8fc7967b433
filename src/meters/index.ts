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
    return createModbusMeter({ host: m.host!, port: m.port, unitId: m.unitId, intervalMs: m.interval * 1000, map: registerMap(m.model), logger, now });
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

function registerMap(model: string) {
  const known = readdirSync(REGISTER_MAP_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
  if (!known.includes(model)) throw new ConfigError([`site.meter.model: no register map "${model}" in adapters/meters (known: ${known.join(', ')})`]);
  return loadRegisterMap(REGISTER_MAP_DIR, model);
}

/**
 * The PV inverter's and the home battery's power (site.solar.pv, site.solar.battery), read on
 * site.meter's broker as plain numbers of W: an mqtt meter of one "phase" at 1 V gives W.
 */
export function createSolarMeters(config: Config, logger: Logger, now: () => Date): { pv?: GridMeter; battery?: GridMeter } {
  const m = config.site?.meter;
  const solar = config.site?.solar;
  if (m?.type !== 'mqtt' || !solar) return {};
  const meter = (topic: string) =>
    createMqttMeter({ url: m.url!, ...(m.username ? { username: m.username } : {}), ...(m.password ? { password: m.password } : {}), topics: [topic], fields: ['W'], quantity: 'power', voltage: 1, logger, now });
  return { ...(solar.pv ? { pv: meter(solar.pv.topic) } : {}), ...(solar.battery ? { battery: meter(solar.battery.topic) } : {}) };
}
