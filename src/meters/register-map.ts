/**
 * A meter's register map (adapters/meters/<model>.yaml) as data: where the three phase
 * currents are, how they are encoded, and how they scale. Parsing and reading are pure; the
 * file is read by loadRegisterMap.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { decodeValue, registerCount, type RegisterType, type WordOrder } from './decode.js';

export interface RegisterSpec {
  /** Zero-based protocol address (the "3xxxx"/"4xxxx" numbers of data sheets minus the prefix and 1). */
  address: number;
  type: RegisterType;
  /** Multiplies the raw value (e.g. 0.001 for mA). */
  scale: number;
  /** A register holding a power-of-ten exponent (SunSpec "sunssf"): value × 10^sf. */
  scaleFactorAddress?: number;
}

export interface RegisterMap {
  name: string;
  function: 'input' | 'holding';
  wordOrder: WordOrder;
  /** Phase currents L1, L2, L3, in A after scaling. */
  currents: RegisterSpec[];
}

const TYPES: RegisterType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32'];

export function parseRegisterMap(text: string, source: string): RegisterMap {
  const raw = parse(text) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!raw || typeof raw !== 'object') fail('not a mapping');
  const fn = raw.function ?? 'input';
  if (fn !== 'input' && fn !== 'holding') fail(`function must be input or holding, got ${String(fn)}`);
  const order = raw.wordOrder ?? 'big';
  if (order !== 'big' && order !== 'little') fail(`wordOrder must be big or little, got ${String(order)}`);
  if (!Array.isArray(raw.currents) || raw.currents.length < 1 || raw.currents.length > 3) fail('currents must list 1 to 3 registers (L1, L2, L3)');
  const currents = (raw.currents as Record<string, unknown>[]).map((r, i): RegisterSpec => {
    const type = (r.type ?? 'float32') as RegisterType;
    if (!TYPES.includes(type)) fail(`currents[${i}].type must be one of ${TYPES.join(', ')}`);
    if (!Number.isInteger(r.address) || (r.address as number) < 0 || (r.address as number) > 65535) fail(`currents[${i}].address must be 0..65535`);
    const scale = r.scale ?? 1;
    if (typeof scale !== 'number') fail(`currents[${i}].scale must be a number`);
    return {
      address: r.address as number,
      type,
      scale: scale as number,
      ...(Number.isInteger(r.scaleFactorAddress) ? { scaleFactorAddress: r.scaleFactorAddress as number } : {}),
    };
  });
  return { name: String(raw.name ?? source), function: fn as RegisterMap['function'], wordOrder: order as WordOrder, currents };
}

export function loadRegisterMap(dir: string, model: string): RegisterMap {
  const file = `${dir}/${model}.yaml`;
  return parseRegisterMap(readFileSync(file, 'utf8'), file);
}

/** The smallest block of registers covering every value (one Modbus read). */
export function span(map: RegisterMap): { start: number; count: number } {
  const addresses = map.currents.flatMap((r) => [r.address, r.address + registerCount(r.type) - 1, ...(r.scaleFactorAddress !== undefined ? [r.scaleFactorAddress] : [])]);
  const start = Math.min(...addresses);
  return { start, count: Math.max(...addresses) - start + 1 };
}

/** Phase currents (A) from the words of one read starting at `start`. */
export function currentsFrom(map: RegisterMap, words: readonly number[], start: number): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  map.currents.forEach((r, i) => {
    let value = decodeValue(words, r.address - start, r.type, map.wordOrder) * r.scale;
    if (r.scaleFactorAddress !== undefined) value *= 10 ** decodeValue(words, r.scaleFactorAddress - start, 'int16', map.wordOrder);
    out[i] = value;
  });
  return out;
}
