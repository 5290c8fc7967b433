/**
 * The site's TLS certificate, its key and (security profile 3) the CA that signs the chargers'
 * certificates, read from files so that a renewed certificate is picked up without a restart:
 * the files are checked for a change every few seconds (stat polling follows a path through
 * renames and symlink swaps, where an inotify watch would stay on the replaced file).
 * Every check is done here, before the files reach a TLS context, so that a broken file is
 * reported in words naming it and never replaces a working certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export interface TlsFilePaths {
  /** PEM: the site certificate first, then its intermediates. */
  certFile: string;
  keyFile: string;
  /** PEM: the CA(s) the chargers' client certificates must chain to (security profile 3). */
  clientCaFile?: string;
}

export type TlsFileKey = keyof TlsFilePaths;

/** What the listener needs, and what the log may say about it (nothing secret). */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  certificate: { subject: string; fingerprint256: string; validTo: string };
}

export type TlsFileProblem = { key: TlsFileKey; text: string };
export type TlsRead = { ok: true; material: TlsMaterial } | { ok: false; problems: TlsFileProblem[] };

/** Reads and checks the files: readable, PEM, the key belongs to the certificate, the CA file holds certificates. */
export function readTlsFiles(paths: TlsFilePaths): TlsRead {
  const problems: TlsFileProblem[] = [];
  const read = (key: TlsFileKey): Buffer | undefined => {
    const path = paths[key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      problems.push({ key, text: `cannot read ${JSON.stringify(path)} (${errorCode(error)})` });
      return undefined;
    }
  };
  const cert = read('certFile');
  const key = read('keyFile');
  const ca = read('clientCaFile');
  const pair = cert && key ? checkKeyPair(cert, key) : [];
  for (const p of pair) problems.push({ key: p.key === 'cert' ? 'certFile' : 'keyFile', text: `${JSON.stringify(paths[p.key === 'cert' ? 'certFile' : 'keyFile'])}: ${p.text}` });
  if (ca) {
    const found = certificatesIn(ca);
    if (!found.ok) problems.push({ key: 'clientCaFile', text: `${JSON.stringify(paths.clientCaFile)}: ${found.text}` });
  }
  if (problems.length > 0 || !cert || !key) return { ok: false, problems };
  const leaf = new X509Certificate(cert);
  return {
    ok: true,
    material: { cert, key, ...(ca ? { ca } : {}), certificate: { subject: leaf.subject.replace(/\n/g, ', '), fingerprint256: leaf.fingerprint256, validTo: new Date(leaf.validTo).toISOString() } },
  };
}

/** A PEM certificate (chain) and private key, as contents: each readable, and the key the certificate's. */
export function checkKeyPair(cert: string | Buffer, key: string | Buffer): { key: 'cert' | 'key'; text: string }[] {
  const problems: { key: 'cert' | 'key'; text: string }[] = [];
  const chain = certificatesIn(cert);
  if (!chain.ok) problems.push({ key: 'cert', text: chain.text });
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    // An encrypted key fails here too: chargegate has nowhere to keep a passphrase.
    problems.push({ key: 'key', text: `not a usable PEM private key without a passphrase (${errorCode(error)})` });
  }
  if (chain.ok && privateKey && !chain.certificates[0]!.checkPrivateKey(privateKey)) {
    problems.push({ key: 'key', text: 'this private key does not belong to the certificate (the first one in the certificate file)' });
  }
  return problems;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate in a text, each parsed (node's TLS context would skip a broken one silently). */
export function certificatesIn(pem: string | Buffer): { ok: true; certificates: X509Certificate[] } | { ok: false; text: string } {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { ok: false, text: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' };
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (error) {
      return { ok: false, text: `certificate ${index + 1} in it is not valid PEM (${errorCode(error)})` };
    }
  }
  return { ok: true, certificates };
}

/**
 * Calls `onChange` with a fresh read once the files changed and then stayed the same for one
 * more interval, so that a certificate and key replaced one after the other are read as a pair
 * rather than as a mismatch in between. Returns the function that stops watching.
 */
export function watchTlsFiles(paths: TlsFilePaths, intervalMs: number, onChange: (read: TlsRead) => void): () => void {
  let loaded = signature(paths);
  let seen = loaded;
  const timer = setInterval(() => {
    const now = signature(paths);
    if (now !== seen) {
      seen = now;
      return;
    }
    if (now === loaded) return;
    loaded = now;
    onChange(readTlsFiles(paths));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function signature(paths: TlsFilePaths): string {
  return [paths.certFile, paths.keyFile, paths.clientCaFile]
    .map((path) => {
      if (path === undefined) return '-';
      try {
        const s = statSync(path);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch (error) {
        return errorCode(error);
      }
    })
    .join('|');
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
