/**
 * Bytes to a file durably: streamed to a temporary file beside the target, counted against a
 * limit, hashed (SHA-256), fsynced, then renamed over the target, so a reader never sees half a
 * file and a power cut leaves the old file or the new one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface StoredBytes {
  size: number;
  /** Hex. */
  sha256: string;
}

/** More bytes than allowed: nothing was kept. */
export class TooLarge extends Error {
  override readonly name = 'TooLarge';
  constructor(readonly maxBytes: number) {
    super(`larger than the limit of ${maxBytes} bytes`);
  }
}

/** The bytes are not the ones expected: nothing was kept. */
export class ChecksumMismatch extends Error {
  override readonly name = 'ChecksumMismatch';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`SHA-256 is ${actual}, expected ${expected}`);
  }
}

export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** 128 random bits, URL-safe: a capability no one guesses. */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Compares in constant time, so the time taken says nothing of how much of a token was right. */
export function sameToken(given: string, known: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(known);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The folder, made if missing; what a crash left half-written in it (.part-*, .incoming-*) removed. */
export function ensureFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir)) if (name.startsWith('.part-') || name.startsWith('.incoming-')) rmSync(join(dir, name), { force: true });
  return dir;
}

export async function writeFileFrom(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, target: string, limits: { maxBytes: number; expectedSha256?: string }): Promise<StoredBytes> {
  const temp = join(dirname(target), `.part-${newToken()}`);
  const handle = await open(temp, 'wx', 0o600);
  const hash = createHash('sha256');
  let size = 0;
  let kept = false;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limits.maxBytes) throw new TooLarge(limits.maxBytes);
      hash.update(chunk);
      await handle.write(chunk);
    }
    const sha256 = hash.digest('hex');
    if (limits.expectedSha256 && limits.expectedSha256.toLowerCase() !== sha256) throw new ChecksumMismatch(limits.expectedSha256.toLowerCase(), sha256);
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    kept = true;
    return { size, sha256 };
  } finally {
    if (!kept) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}
