/**
 * Test certificates made with Debian's openssl CLI: a CA, and certificates it signs for a
 * server (SAN 127.0.0.1) or a client (subject CN = a charger id). EC P-256 keys: quick to make.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
}

export interface Issued {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  fingerprint256: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

export function makeCa(dir: string, name: string): TestCa {
  ssl(dir, 'req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
  return { name, certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
}

/** A new key (`<name>.key`) and its CSR (PEM, returned) whose subject CN is `cn`, as a charger makes for SignCertificate. */
export function makeCsr(dir: string, name: string, cn: string): string {
  ssl(dir, 'req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  return readFileSync(join(dir, `${name}.csr`), 'utf8');
}

/** A certificate signed by `ca`: for a server on 127.0.0.1 (`server: true`) or a client. */
export function issue(dir: string, ca: TestCa, name: string, cn: string, options: { server?: boolean } = {}): Issued {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, options.server ? 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
  makeCsr(dir, name, cn);
  ssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`), cert, key: readFileSync(join(dir, `${name}.key`), 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
}
