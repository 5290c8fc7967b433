/**
 * Modbus register values → numbers. Pure: no I/O. A register is a 16-bit big-endian word
 * (Modbus Application Protocol §4.2); 32-bit values span two registers, and meters disagree on
 * which comes first (word order "big": high word first, as Eastron; "little": low word first,
 * as Carlo Gavazzi).
 */
export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
export type WordOrder = 'big' | 'little';

export function registerCount(type: RegisterType): 1 | 2 {
  return type === 'int16' || type === 'uint16' ? 1 : 2;
}

/** Decodes the value starting at `offset` (in registers) of `words` (each 0..65535). */
export function decodeValue(words: readonly number[], offset: number, type: RegisterType, order: WordOrder): number {
  const first = words[offset];
  if (first === undefined) throw new RangeError(`register ${offset} was not read`);
  if (type === 'uint16') return first;
  if (type === 'int16') return first >= 0x8000 ? first - 0x10000 : first;
  const second = words[offset + 1];
  if (second === undefined) throw new RangeError(`register ${offset + 1} was not read`);
  const [hi, lo] = order === 'big' ? [first, second] : [second, first];
  const view = new DataView(new ArrayBuffer(4));
  view.setUint16(0, hi);
  view.setUint16(2, lo);
  if (type === 'uint32') return view.getUint32(0);
  if (type === 'int32') return view.getInt32(0);
  return view.getFloat32(0);
}

/** The words of a Modbus response buffer (big-endian 16-bit registers). */
export function wordsOf(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push((bytes[i]! << 8) | bytes[i + 1]!);
  return out;
}

/** The inverse, for simulated meters in tests: a value → its words. */
export function encodeValue(value: number, type: RegisterType, order: WordOrder): number[] {
  const view = new DataView(new ArrayBuffer(4));
  if (type === 'uint16' || type === 'int16') {
    view.setInt16(0, type === 'int16' ? value : value - (value >= 0x8000 ? 0x10000 : 0));
    return [view.getUint16(0)];
  }
  if (type === 'uint32') view.setUint32(0, value);
  else if (type === 'int32') view.setInt32(0, value);
  else view.setFloat32(0, value);
  const hi = view.getUint16(0);
  const lo = view.getUint16(2);
  return order === 'big' ? [hi, lo] : [lo, hi];
}
