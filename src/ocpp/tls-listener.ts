/**
 * The wss:// listener (OCPP 1.6 security whitepaper, profiles 2 and 3): an HTTPS server whose
 * certificate is reread from its files when they change, without a restart and without
 * dropping a connection (`setSecureContext` applies to new handshakes only). A broken new file
 * keeps the old certificate and is reported once.
 *
 * With a client CA (profile 3) every client is asked for a certificate, but the handshake never
 * fails for lack of a trusted one (`rejectUnauthorized: false`): profile 1 and 2 chargers have
 * none, and the refusal of a profile 3 charger is decided at the HTTP upgrade, where the
 * charger id is known and the log can say why.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { createLogBudget } from './log-budget.js';
import { readTlsFiles, watchTlsFiles, type TlsFilePaths, type TlsMaterial } from './tls-files.js';

export interface TlsListenerOptions extends TlsFilePaths {
  /** How often the files are checked for a change, ms. */
  reloadIntervalMs: number;
}

export interface TlsListener {
  server: Server;
  /** Stops watching the files (the server is closed by its owner). */
  stopWatching(): void;
}

/** Reads the files (throws one line naming each bad file) and builds the server. */
export function createTlsListener(opts: TlsListenerOptions, log: Logger, onRequest: (req: IncomingMessage, res: ServerResponse) => void): TlsListener {
  const first = readTlsFiles(opts);
  if (!first.ok) throw new Error(`the OCPP TLS listener cannot start: ${first.problems.map((p) => `ocpp.tls.${p.key}: ${p.text}`).join('; ')}`);
  const clientCa = opts.clientCaFile !== undefined;
  const server = createServer({ ...contextOptions(first.material), requestCert: clientCa, rejectUnauthorized: false }, onRequest);
  log.info({ tls: first.material.certificate, clientCertificates: clientCa }, 'OCPP TLS certificate loaded');
  warnIfExpiring(first.material, log);
  // A charger that does not trust our certificate ends here, before any HTTP: its alert
  // (e.g. ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) is the installer's only clue on this side. A port
  // scan ends here too, so the lines are budgeted per address like refused upgrades.
  const budget = createLogBudget(5, 60_000);
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
    const remoteAddress = socket.remoteAddress ?? '';
    const { log: write, suppressed } = budget.take(remoteAddress, Date.now());
    if (suppressed > 0) log.warn({ remoteAddress, suppressed }, 'more TLS handshakes from this address failed and were not logged');
    if (write) log.warn({ err: err.code ?? err.message, remoteAddress }, 'TLS handshake failed');
  });
  const stopWatching = watchTlsFiles(opts, opts.reloadIntervalMs, (read) => {
    if (!read.ok) {
      log.error({ problems: read.problems.map((p) => `ocpp.tls.${p.key}: ${p.text}`) }, 'the changed OCPP TLS files cannot be used; the previous certificate stays in use');
      return;
    }
    try {
      server.setSecureContext(contextOptions(read.material));
    } catch (err) {
      log.error({ err: (err as Error).message }, 'the changed OCPP TLS files cannot be used; the previous certificate stays in use');
      return;
    }
    log.info({ tls: read.material.certificate }, 'OCPP TLS certificate reloaded');
    warnIfExpiring(read.material, log);
  });
  return { server, stopWatching };
}

/** Days before its end from which a loaded certificate is called out: time to renew it. */
const EXPIRY_WARNING_DAYS = 30;

/** Chargers refuse an expired certificate, and every profile 2 and 3 charger goes offline at once. */
function warnIfExpiring(m: TlsMaterial, log: Logger): void {
  const daysLeft = Math.floor((Date.parse(m.certificate.validTo) - Date.now()) / 86_400_000);
  if (daysLeft < 0) log.error({ validTo: m.certificate.validTo }, 'the OCPP TLS certificate has expired: chargers will refuse it; replace ocpp.tls.certFile and keyFile');
  else if (daysLeft < EXPIRY_WARNING_DAYS) log.warn({ validTo: m.certificate.validTo, daysLeft }, 'the OCPP TLS certificate expires soon: replace ocpp.tls.certFile and keyFile (no restart needed)');
}

function contextOptions(m: TlsMaterial): { cert: Buffer; key: Buffer; ca?: Buffer } {
  return { cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}) };
}
