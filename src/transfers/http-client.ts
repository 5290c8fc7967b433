/**
 * chargegate as an HTTP client for files: fetching a firmware file from a URL into the store
 * (size limit, overall timeout, at most MAX_REDIRECTS redirects, optional checksum), and
 * forwarding a received diagnostics file to its location (PUT or multipart POST, see
 * names.ts forwardPlan).
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { writeFileFrom, TooLarge, type StoredBytes } from './files.js';

export const MAX_REDIRECTS = 3;

/** The URL could not be fetched: the message says why (status, refused redirect, timeout…). */
export class FetchFailed extends Error {
  override readonly name = 'FetchFailed';
}

export async function fetchToFile(url: string, target: string, limits: { maxBytes: number; timeoutMs: number; expectedSha256?: string }): Promise<StoredBytes> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(at, { signal, redirect: 'manual' }).catch((err: unknown) => {
      throw new FetchFailed(signal.aborted ? `no answer within ${limits.timeoutMs / 1000} s` : describe(err));
    });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new FetchFailed(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, at);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FetchFailed(`redirected to ${next.protocol} (only http and https)`);
      at = next.href;
      continue;
    }
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw new FetchFailed(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body.cancel();
      throw new TooLarge(limits.maxBytes);
    }
    try {
      return await writeFileFrom(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), target, limits);
    } catch (err) {
      if (signal.aborted) throw new FetchFailed(`not received within ${limits.timeoutMs / 1000} s`);
      throw err;
    }
  }
}

/** Sends a file (its path, or its bytes); resolves with the HTTP status, throws FetchFailed when no 2xx came. */
export async function sendFile(source: string | Buffer, fileName: string, plan: { method: 'PUT' | 'POST'; url: string; multipart: boolean }, timeoutMs: number): Promise<number> {
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  let body: Buffer = bytes;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (plan.multipart) {
    const boundary = `chargegate-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const quoted = fileName.replace(/["\\\r\n]/g, '_');
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    body = Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
  }
  const res = await fetch(plan.url, { method: plan.method, body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' }).catch((err: unknown) => {
    throw new FetchFailed(describe(err));
  });
  await res.body?.cancel();
  if (res.status < 200 || res.status >= 300) throw new FetchFailed(`HTTP ${res.status}`);
  return res.status;
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
