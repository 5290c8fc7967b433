/**
 * A meter's register map (adapters/meters/<model>.yaml) as data: where the three phase
 * currents are, how they are encoded, and how they scale. Parsing and reading are pure; the
 * file is read by loadRegisterMap.
 *
 * A map reads the three phase currents (`currents`, a grid meter), or one total power in W
 * (`power`, a PV inverter or a home battery: site.solar.pv, site.solar.battery).
 *
 * Two kinds of map: fixed addresses (`address`, most meters), or a SunSpec device (`sunspec`),
 * whose values sit at fixed offsets within a model block that may start anywhere; the block is
 * found on connect (sunspec.ts) and atBlock() turns the offsets into addresses.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { decodeValue, registerCount, type RegisterType, type WordOrder } from './decode.js';
import { NOT_IMPLEMENTED_INT16 } from './sunspec.js';

export interface RegisterSpec {
  /**
   * Zero-based protocol address (the "3xxxx"/"4xxxx" numbers of data sheets minus the prefix
   * and 1). In a SunSpec map not yet located: the offset from the model block's ID register.
   */
  address: number;
  type: RegisterType;
  /** Multiplies the raw value (e.g. 0.001 for mA). */
  scale: number;
  /** A register holding a power-of-ten exponent (SunSpec "sunssf"): value × 10^sf. Same addressing as address. */
  scaleFactorAddress?: number;
}

export interface SunSpecMapping {
  /** Model IDs accepted, most wanted first (e.g. 203, then 204). */
  models: readonly number[];
  /** Where discovery found the block (its ID register); unset until then. */
  blockAddress?: number;
}

export interface RegisterMap {
  name: string;
  function: 'input' | 'holding';
  wordOrder: WordOrder;
  /** current: `currents` are the phase currents L1, L2, L3 in A; power: its one entry is the total power in W. */
  quantity: 'current' | 'power';
  /** Phase currents L1, L2, L3, in A after scaling; or, for a power map, the power in W. */
  currents: RegisterSpec[];
  /** Set for a SunSpec device: the currents' addresses are offsets within a model block. */
  sunspec?: SunSpecMapping;
}

const TYPES: RegisterType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32'];

export function parseRegisterMap(text: string, source: string): RegisterMap {
  const raw = parse(text) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!raw || typeof raw !== 'object') fail('not a mapping');
  const sunspec = raw.sunspec === undefined ? undefined : parseSunSpec(raw.sunspec, fail);
  // SunSpec maps live in holding registers (SunSpec Modbus: function 03), so that is their default.
  const fn = raw.function ?? (sunspec ? 'holding' : 'input');
  if (fn !== 'input' && fn !== 'holding') fail(`function must be input or holding, got ${String(fn)}`);
  if (sunspec && fn !== 'holding') fail('a sunspec map reads holding registers: drop function or set it to holding');
  const order = raw.wordOrder ?? 'big';
  if (order !== 'big' && order !== 'little') fail(`wordOrder must be big or little, got ${String(order)}`);
  const power = raw.power !== undefined;
  if (power && raw.currents !== undefined) fail('give currents (a grid meter) or power (a PV inverter, a battery), not both');
  if (power && (!raw.power || typeof raw.power !== 'object' || Array.isArray(raw.power))) fail('power must be one register, e.g. { address: 0, type: int32 }');
  if (!power && (!Array.isArray(raw.currents) || raw.currents.length < 1 || raw.currents.length > 3)) fail('currents must list 1 to 3 registers (L1, L2, L3)');
  const entries = (power ? [raw.power] : raw.currents) as Record<string, unknown>[];
  const label = (i: number) => (power ? 'power' : `currents[${i}]`);
  // A SunSpec map names offsets within the block, a plain map addresses: two words, so a map
  // copied from one kind to the other cannot silently read the wrong registers.
  const [at, sfAt] = sunspec ? (['offset', 'scaleFactorOffset'] as const) : (['address', 'scaleFactorAddress'] as const);
  const [wrong, sfWrong] = sunspec ? (['address', 'scaleFactorAddress'] as const) : (['offset', 'scaleFactorOffset'] as const);
  const currents = entries.map((r, i): RegisterSpec => {
    if (r[wrong] !== undefined || r[sfWrong] !== undefined) fail(`${label(i)}: ${sunspec ? 'a sunspec map gives offsets within the model block (offset, scaleFactorOffset), not addresses' : 'offset and scaleFactorOffset belong to a sunspec map; give address and scaleFactorAddress'}`);
    const type = (r.type ?? 'float32') as RegisterType;
    if (!TYPES.includes(type)) fail(`${label(i)}.type must be one of ${TYPES.join(', ')}`);
    if (!Number.isInteger(r[at]) || (r[at] as number) < 0 || (r[at] as number) > 65535) fail(`${label(i)}.${at} must be 0..65535`);
    const scale = r.scale ?? 1;
    if (typeof scale !== 'number') fail(`${label(i)}.scale must be a number`);
    if (r[sfAt] !== undefined && (!Number.isInteger(r[sfAt]) || (r[sfAt] as number) < 0 || (r[sfAt] as number) > 65535)) fail(`${label(i)}.${sfAt} must be 0..65535`);
    return {
      address: r[at] as number,
      type,
      scale: scale as number,
      ...(r[sfAt] !== undefined ? { scaleFactorAddress: r[sfAt] as number } : {}),
    };
  });
  if (sunspec) {
    // Offsets 0 and 1 are the block's header (ID, L): data starts at 2.
    const header = currents.findIndex((r) => r.address < 2 || (r.scaleFactorAddress ?? 2) < 2);
    if (header >= 0) fail(`${label(header)}: offsets 0 and 1 are the model block's header (ID, L); data starts at offset 2`);
  }
  return { name: String(raw.name ?? source), function: fn as RegisterMap['function'], wordOrder: order as WordOrder, quantity: power ? 'power' : 'current', currents, ...(sunspec ? { sunspec } : {}) };
}

function parseSunSpec(value: unknown, fail: (what: string) => never): SunSpecMapping {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('sunspec must be a mapping, e.g. { models: [203, 204] }');
  const models = v!.models;
  // 0xFFFF ends the model chain, so it cannot be a model.
  if (!Array.isArray(models) || models.length === 0 || !models.every((m) => Number.isInteger(m) && m >= 1 && m < 0xffff)) fail('sunspec.models must list SunSpec model IDs (1..65534), e.g. [203, 204]');
  const extra = Object.keys(v!).filter((k) => k !== 'models');
  if (extra.length > 0) fail(`sunspec: unknown key ${extra.join(', ')} (only models)`);
  return { models: models as number[] };
}

export function loadRegisterMap(dir: string, model: string): RegisterMap {
  const file = `${dir}/${model}.yaml`;
  return parseRegisterMap(readFileSync(file, 'utf8'), file);
}

/**
 * A SunSpec map's block must reach its last offset: the length L (registers after the 2-register
 * header) at least this.
 */
export function minBlockLength(map: RegisterMap): number {
  const { start, count } = extent(map);
  return start + count - 1 - 1; // the last offset, less the header's 2 registers, plus 1
}

/** A SunSpec map located: its offsets turned into addresses for a block whose ID register is at `blockAddress`. */
export function atBlock(map: RegisterMap, blockAddress: number): RegisterMap {
  if (!map.sunspec) throw new Error(`${map.name}: not a SunSpec map`);
  if (map.sunspec.blockAddress !== undefined) throw new Error(`${map.name}: already located at ${map.sunspec.blockAddress}`);
  return {
    ...map,
    sunspec: { ...map.sunspec, blockAddress },
    currents: map.currents.map((r) => ({
      ...r,
      address: blockAddress + r.address,
      ...(r.scaleFactorAddress !== undefined ? { scaleFactorAddress: blockAddress + r.scaleFactorAddress } : {}),
    })),
  };
}

/** The smallest block of registers covering every value (one Modbus read). */
export function span(map: RegisterMap): { start: number; count: number } {
  located(map);
  return extent(map);
}

/** The registers the map's values cover (offsets, for a SunSpec map not yet located). */
function extent(map: RegisterMap): { start: number; count: number } {
  const addresses = map.currents.flatMap((r) => [r.address, r.address + registerCount(r.type) - 1, ...(r.scaleFactorAddress !== undefined ? [r.scaleFactorAddress] : [])]);
  const start = Math.min(...addresses);
  return { start, count: Math.max(...addresses) - start + 1 };
}

/** Phase currents (A) from the words of one read starting at `start`; for a power map [W, 0, 0]. */
export function currentsFrom(map: RegisterMap, words: readonly number[], start: number): [number, number, number] {
  located(map);
  const out: [number, number, number] = [0, 0, 0];
  map.currents.forEach((r, i) => {
    const raw = decodeValue(words, r.address - start, r.type, map.wordOrder);
    // SunSpec marks an unsupported point with 0x8000 in int16 and sunssf alike: a reading of
    // −3276.8 A would otherwise reach the balancer as an export.
    const what = map.quantity === 'power' ? 'power' : `L${i + 1} current`;
    if (map.sunspec && r.type === 'int16' && raw === NOT_IMPLEMENTED_INT16) throw new Error(`${what} is "not implemented" (0x8000) in the SunSpec block`);
    let value = raw * r.scale;
    if (r.scaleFactorAddress !== undefined) {
      const sf = decodeValue(words, r.scaleFactorAddress - start, 'int16', map.wordOrder);
      if (map.sunspec && sf === NOT_IMPLEMENTED_INT16) throw new Error(`${what} scale factor is "not implemented" (0x8000) in the SunSpec block`);
      // Dividing by 10^−sf keeps decimals exact (163 × 10^−1 would give 16.300000000000001).
      value = sf < 0 ? value / 10 ** -sf : value * 10 ** sf;
    }
    out[i] = value;
  });
  return out;
}

/** A SunSpec map must be located before its addresses mean anything. */
function located(map: RegisterMap): void {
  if (map.sunspec && map.sunspec.blockAddress === undefined) throw new Error(`${map.name}: SunSpec block not located yet (atBlock)`);
}
