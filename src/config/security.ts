/**
 * Checks across keys for the security profiles and the TLS material (the JSON schema cannot
 * express them), worded like the loader's other problems. The certificate files are read and
 * checked here, so that `chargegate config check` and a start both refuse a missing file, an
 * unusable key or a key that belongs to another certificate with one line naming the key.
 */
import { resolve } from 'node:path';
import { checkKeyPair, readTlsFiles, type TlsFileKey, type TlsFilePaths } from '../ocpp/tls-files.js';
import { closestKey, formatPath, type Problem } from './errors.js';

type UpstreamConnectionRaw = { url?: unknown; cert?: unknown; key?: unknown };

interface RawSecurity {
  ocpp?: { plain?: unknown; tls?: Partial<Record<TlsFileKey, unknown>> };
  chargers?: { list?: unknown };
  upstream?: UpstreamConnectionRaw & { mirrors?: UpstreamConnectionRaw[] };
}

/** The ocpp.tls file paths, resolved against the config file's folder (undefined when a path is not a string). */
export function tlsFilePaths(tls: Partial<Record<TlsFileKey, unknown>>, baseDir: string): TlsFilePaths | undefined {
  const { certFile, keyFile, clientCaFile } = tls;
  if (typeof certFile !== 'string' || typeof keyFile !== 'string' || (clientCaFile !== undefined && typeof clientCaFile !== 'string')) return undefined;
  return { certFile: resolve(baseDir, certFile), keyFile: resolve(baseDir, keyFile), ...(typeof clientCaFile === 'string' ? { clientCaFile: resolve(baseDir, clientCaFile) } : {}) };
}

export function securityConfigProblems(data: unknown, baseDir: string): Problem[] {
  const root = (data ?? {}) as RawSecurity;
  const problems: Problem[] = [];
  const tls = root.ocpp?.tls;
  if (root.ocpp?.plain === false && !tls) problems.push({ path: ['ocpp', 'plain'], text: 'false leaves chargers no listener at all: configure ocpp.tls, or keep plain: true' });

  const list = Array.isArray(root.chargers?.list) ? (root.chargers.list as unknown[]) : [];
  list.forEach((entry, index) => {
    if (entry === null || typeof entry !== 'object') return;
    const { securityProfile = 1, password } = entry as { securityProfile?: unknown; password?: unknown };
    const at = ['chargers', 'list', index];
    // A misspelt password key is already reported as unknown, with the suggestion.
    const misspelt = Object.keys(entry).some((k) => k !== 'password' && closestKey(k, ['password']) === 'password');
    if ((securityProfile === 1 || securityProfile === 2) && password === undefined && !misspelt) {
      problems.push({ path: [...at, 'password'], text: `required for securityProfile ${securityProfile} (Basic auth); only a securityProfile 3 charger connects without one` });
    }
    if ((securityProfile === 2 || securityProfile === 3) && !tls) {
      problems.push({ path: [...at, 'securityProfile'], text: `${securityProfile} needs the wss:// listener: configure ocpp.tls` });
    } else if (securityProfile === 3 && tls && tls.clientCaFile === undefined) {
      problems.push({ path: [...at, 'securityProfile'], text: '3 needs ocpp.tls.clientCaFile, the CA that signs the chargers\' client certificates' });
    }
  });

  if (tls) {
    const paths = tlsFilePaths(tls, baseDir);
    const read = paths ? readTlsFiles(paths) : undefined;
    if (read && !read.ok) problems.push(...read.problems.map((p) => ({ path: ['ocpp', 'tls', p.key], text: p.text })));
  }

  // The primary and each mirror: a client certificate comes with its key, over wss://.
  const u = root.upstream;
  const connections = u ? [{ c: u, at: ['upstream'] as (string | number)[] }, ...(Array.isArray(u.mirrors) ? u.mirrors : []).map((m, i) => ({ c: m, at: ['upstream', 'mirrors', i] }))] : [];
  for (const { c, at } of connections) {
    if (typeof c !== 'object' || c === null || (c.cert === undefined && c.key === undefined)) continue;
    const key = formatPath(at);
    if (c.cert === undefined) problems.push({ path: [...at, 'cert'], text: `required with ${key}.key (the client certificate the key belongs to)` });
    else if (c.key === undefined) problems.push({ path: [...at, 'key'], text: `required with ${key}.cert (its private key)` });
    else if (typeof c.cert === 'string' && typeof c.key === 'string') {
      problems.push(...checkKeyPair(c.cert, c.key).map((p) => ({ path: [...at, p.key], text: p.text })));
    }
    if (typeof c.url === 'string' && !c.url.startsWith('wss://')) problems.push({ path: [...at, 'cert'], text: `a client certificate needs a wss:// ${key}.url` });
  }
  return problems;
}
