/**
 * SunSpec discovery: where a device keeps the model block we read. Pure apart from the reads it
 * is handed (no I/O of its own, no clock), so it is tested without a socket.
 *
 * The facts, from the SunSpec Alliance's own material:
 * - A SunSpec map starts with the marker "SunS" (0x5375 0x6E53) at one of the base addresses
 *   40000, 0 or 50000 (zero-based holding registers; SunSpec Information Model Specification;
 *   pysunspec2 `SunSpecModbusClientDevice.base_addr_list`; SolarNetwork "SunSpec model discovery").
 * - A chain of model blocks follows the marker: each starts with a 2-register header, model ID
 *   then length L (registers after the header), so the next block is at address + 2 + L; ID
 *   0xFFFF ends the chain (pysunspec2 `mb.SUNS_END_MODEL_ID`; the model JSON in
 *   github.com/sunspec/models: every model's points begin with ID and L).
 * - An int16 or sunssf point a device does not implement reads 0x8000 (pysunspec2
 *   `SUNS_UNIMPL_INT16`, `SUNS_UNIMPL_SUNSSF`).
 */

/** "SunS" in two registers. */
export const SUNS_MARKER = [0x5375, 0x6e53] as const;
/** Where the marker may be, in the order tried (40000 is by far the most common). */
export const BASE_ADDRESSES = [40000, 0, 50000] as const;
/** The model ID that ends the chain. */
export const END_MODEL_ID = 0xffff;
/** An int16 / sunssf point the device does not implement (0x8000 as a signed value). */
export const NOT_IMPLEMENTED_INT16 = -0x8000;
/** A longer chain is a misread, not a device (real ones have a handful of models): bounds the walk. */
export const MAX_MODELS = 64;

/** Reads `count` holding registers from `address`; may resolve with fewer words (nothing there) or reject. */
export type ReadRegisters = (address: number, count: number) => Promise<readonly number[]>;

export interface SunSpecBlock {
  /** The base address where "SunS" was found. */
  base: number;
  /** The model ID of the block chosen. */
  model: number;
  /** The address of its ID register (offsets in a map count from here). */
  address: number;
  /** Its length L. */
  length: number;
  /** Every block of the chain walked: model ID @ address, for logs. */
  chain: string[];
}

/** Discovery found no SunSpec map, or none with a model we read. */
export class SunSpecError extends Error {
  override readonly name = 'SunSpecError';
}

/**
 * Finds the first block of the most wanted of `models` (each at least `minLength` long).
 * Throws SunSpecError saying what was there instead.
 */
export async function discoverSunSpec(read: ReadRegisters, models: readonly number[], minLength = 0): Promise<SunSpecBlock> {
  const base = await findBase(read);
  const found: { model: number; address: number; length: number }[] = [];
  let address = base + SUNS_MARKER.length;
  let ended = false;
  for (let i = 0; i < MAX_MODELS && address <= 0xffff; i++) {
    // ID and L are read one at a time, as pysunspec2 does: some devices end the map right
    // after the 0xFFFF end marker, and a two-register read there would fail.
    const id = await word(read, address, 'model ID');
    if (id === END_MODEL_ID) {
      ended = true;
      break;
    }
    const length = await word(read, address + 1, `length of model ${id}`);
    found.push({ model: id, address, length });
    if (id === models[0]) break; // the most wanted: no need to walk further
    address += 2 + length;
  }
  const chain = found.map((b) => `${b.model}@${b.address}`);
  const wanted = models.map((m) => found.find((b) => b.model === m)).find((b) => b !== undefined);
  if (!wanted) {
    const how = ended ? 'the chain ends' : `stopped after ${found.length} models`;
    throw new SunSpecError(`SunSpec map at ${base} has no model ${models.join(' or ')} (found ${chain.join(', ') || 'none'}; ${how})`);
  }
  if (wanted.length < minLength) {
    throw new SunSpecError(`SunSpec model ${wanted.model} at ${wanted.address} is ${wanted.length} registers long, too short for the register map (needs ${minLength})`);
  }
  return { base, ...wanted, chain };
}

async function findBase(read: ReadRegisters): Promise<number> {
  const seen: string[] = [];
  for (const base of BASE_ADDRESSES) {
    let words: readonly number[];
    try {
      words = await read(base, SUNS_MARKER.length);
    } catch (err) {
      // A device answers an address it does not have with a Modbus exception (or not at all).
      seen.push(`${base}: ${messageOf(err)}`);
      continue;
    }
    if (words[0] === SUNS_MARKER[0] && words[1] === SUNS_MARKER[1]) return base;
    seen.push(`${base}: ${words.length < SUNS_MARKER.length ? 'no such registers' : words.map(hex).join(' ')}`);
  }
  throw new SunSpecError(`no SunSpec "SunS" marker (0x5375 0x6E53) at holding register ${BASE_ADDRESSES.join(', ')} (${seen.join('; ')}): not a SunSpec device, or the wrong unit id`);
}

async function word(read: ReadRegisters, address: number, what: string): Promise<number> {
  let words: readonly number[];
  try {
    words = await read(address, 1);
  } catch (err) {
    throw new SunSpecError(`SunSpec chain broken: reading the ${what} at ${address} failed (${messageOf(err)})`);
  }
  if (words[0] === undefined) throw new SunSpecError(`SunSpec chain broken: no ${what} at ${address}`);
  return words[0];
}

const hex = (w: number) => `0x${w.toString(16).padStart(4, '0').toUpperCase()}`;

/** jsmodbus rejects with a plain object carrying a message, not an Error. */
function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' && m !== '' ? m : String(err);
}
