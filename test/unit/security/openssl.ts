/**
 * Keys, CSRs and CA certificates made by Debian's `openssl` CLI, an implementation independent
 * of the code under test, so a DER mistake cannot hide by being the same on both ends.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KeyKind = 'ec' | 'ec384' | 'rsa' | 'rsa1024' | 'secp256k1' | 'ed25519';

const NEWKEY: Record<KeyKind, string[]> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-newkey', 'rsa:2048'],
  rsa1024: ['-newkey', 'rsa:1024'],
  secp256k1: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
  ed25519: ['-newkey', 'ed25519'],
};

export function openssl(args: string[], cwd: string, input?: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
}

/** Runs openssl and returns its exit status and output instead of throwing. */
export function opensslStatus(args: string[], cwd: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: openssl(args, cwd) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export interface Ca {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

/** A self-signed CA; `ca: false` makes a plain end-entity certificate (for the loader's refusals). */
export function makeCa(dir: string, name: string, kind: KeyKind, opts: { ca?: boolean; subj?: string; days?: number } = {}): Ca {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  const ext = opts.ca === false
    ? ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature']
    : ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl(['req', '-x509', '-utf8', ...NEWKEY[kind], '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', opts.subj ?? `/C=DE/O=Site Operator/CN=${name}`, '-days', String(opts.days ?? 3650), ...ext], dir);
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

export interface Csr {
  csrPem: string;
  keyPem: string;
  keyPath: string;
}

export function makeCsr(dir: string, name: string, kind: KeyKind, subj: string): Csr {
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  openssl(['req', '-new', '-utf8', ...NEWKEY[kind], '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', subj], dir);
  return { csrPem: readFileSync(csrPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), keyPath };
}

export function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The PEM blocks of a chain, in order. */
export function pemBlocks(chain: string): string[] {
  return chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}
