/**
 * The diagnostics bundle chargegate uploads as itself (aggregate mode: the cloud's GetDiagnostics
 * is addressed to the site's charge point, which is chargegate). Pure: a JSON document from what
 * the caller gathered; secrets are redacted here, by key name, wherever they sit in the config.
 */

/** Keys whose values are secrets (passwords, tokens, private keys, certificates' keys). */
const SECRET_KEY = /pass(word)?|token|secret|^key$|privatekey|authorizationkey/i;

export function redacted(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'object') return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redacted(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v, k)]));
}

export interface BundleInput {
  version: string;
  at: string;
  config: unknown;
  /** The chargers as the API shows them (GET /api/chargers). */
  chargers: readonly { id: string; connectors: readonly { connectorId: number; status: string; errorCode?: string; info?: string; since?: string }[] }[];
  /** Newest first, per charger. */
  securityEvents: Record<string, readonly unknown[]>;
  diagnosticsFiles: readonly { chargerId: string; fileName: string; receivedAt: string; forwardResult?: string }[];
}

export function diagnosticsBundle(input: BundleInput): Record<string, unknown> {
  const faults = input.chargers.flatMap((c) =>
    c.connectors.filter((k) => k.status === 'Faulted' || (k.errorCode !== undefined && k.errorCode !== 'NoError')).map((k) => ({ chargerId: c.id, ...k })),
  );
  return {
    kind: 'chargegate diagnostics',
    version: input.version,
    createdAt: input.at,
    config: redacted(input.config),
    chargers: input.chargers,
    faults,
    securityEvents: input.securityEvents,
    chargerDiagnosticsFiles: input.diagnosticsFiles.map((f) => ({ chargerId: f.chargerId, fileName: f.fileName, receivedAt: f.receivedAt, ...(f.forwardResult ? { forwardResult: f.forwardResult } : {}) })),
  };
}
