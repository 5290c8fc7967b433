/**
 * Pure rules for the names and URLs of firmware and diagnostics files (no I/O): what may be a
 * stored file's name, what a location means, how a charger's URL is built.
 */

/** A stored file's name: one path segment a URL and a file system both take as it is. */
export const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;

export function isFileName(name: string): boolean {
  return FILE_NAME.test(name) && !name.includes('..');
}

/** A stored name from any name (a URL's last segment, a charger's upload): unsafe characters become "_". */
export function toFileName(raw: string, fallback: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/\.{2,}/g, '.').replace(/^[^A-Za-z0-9_]+/, '').slice(0, 128);
  return isFileName(cleaned) ? cleaned : fallback;
}

/** `store:<name>`: a firmware file in chargegate's own store (the location a local user may give UpdateFirmware). */
export const STORE_SCHEME = 'store:';

export type FirmwareLocation = { kind: 'store'; name: string } | { kind: 'http'; url: string } | { kind: 'other'; scheme: string };

export function firmwareLocation(location: string): FirmwareLocation {
  if (location.startsWith(STORE_SCHEME)) return { kind: 'store', name: location.slice(STORE_SCHEME.length).replace(/^\/+/, '') };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase() ?? '';
  return scheme === 'http' || scheme === 'https' ? { kind: 'http', url: location } : { kind: 'other', scheme };
}

/** The last path segment of an http(s) URL as a stored name, or `fallback`. */
export function fileNameOfUrl(url: string, fallback: string): string {
  try {
    const segment = new URL(url).pathname.split('/').filter(Boolean).pop();
    return segment ? toFileName(decodeURIComponent(segment), fallback) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The base URL a charger reaches chargegate's HTTP port by: `publicUrl` when configured, else
 * the local address its own OCPP connection arrived at (that address is on its network) with
 * the HTTP port. undefined: neither is known.
 */
export function chargerBaseUrl(publicUrl: string | undefined, localAddress: string | undefined, httpPort: number | undefined): string | undefined {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  if (!localAddress || httpPort === undefined) return undefined;
  const host = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
  return `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`;
}

/**
 * How a received diagnostics file goes on to an http(s) location (docs/firmware.md): a location
 * ending in "/" is a folder, the file is PUT to location + file name; any other URL receives a
 * POST of multipart/form-data, the file in the field "file" (what most CSMS upload endpoints take).
 */
export function forwardPlan(location: string, fileName: string): { method: 'PUT' | 'POST'; url: string; multipart: boolean } | { unsupported: string } {
  const target = firmwareLocation(location);
  if (target.kind === 'other') return { unsupported: target.scheme === 'ftp' || target.scheme === 'ftps' || target.scheme === 'sftp' ? `${target.scheme} forwarding not supported` : `"${target.scheme}:" forwarding not supported` };
  if (target.kind === 'store') return { unsupported: 'not a location' };
  return location.endsWith('/') ? { method: 'PUT', url: location + encodeURIComponent(fileName), multipart: false } : { method: 'POST', url: location, multipart: true };
}

/** Capability paths: /firmware/<token>/<name>, /uploads/<token>[/<file name>]. */
export type ChargerPath = { kind: 'firmware'; token: string; name: string } | { kind: 'upload'; token: string; fileName?: string } | undefined;

export function parseChargerPath(pathname: string): ChargerPath {
  const firmware = /^\/firmware\/([A-Za-z0-9_-]{1,64})\/([^/]+)$/.exec(pathname);
  if (firmware) return { kind: 'firmware', token: firmware[1]!, name: safeDecode(firmware[2]!) ?? '' };
  // A charger appends the file name to the folder it was given, with or without a slash of its own.
  const upload = /^\/uploads\/([A-Za-z0-9_-]{1,64})(?:\/+([^/]*))?$/.exec(pathname);
  if (upload) return { kind: 'upload', token: upload[1]!, ...(upload[2] ? { fileName: safeDecode(upload[2]) ?? '' } : {}) };
  return undefined;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
