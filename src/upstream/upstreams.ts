/**
 * Every upstream of the site: the primary (`upstream:`) and its mirrors (`upstream.mirrors[]`),
 * each a complete upstream from createUpstream (its own links, outbox rows, transaction id map,
 * back-off), behind one UpstreamPort: the gateway never knows there are several.
 *
 * The primary decides: Authorize goes to it alone, its StartTransaction idTagInfo is the one the
 * charger waits for, DataTransfer and SignCertificate are relayed to it alone (a charger takes
 * one answer). Every message a cloud keeps (Start, Stop, MeterValues, status, security events)
 * is staged for each, in the same durable write; boots and notifications are mirrored to each.
 */
import type { Config } from '../config/schema.js';
import type { UpstreamPort } from '../gateway/upstream-port.js';
import type { Store } from '../store/ports.js';
import { mirrorMode } from './options.js';
import { createUpstream, type Upstream, type UpstreamDeps, type UpstreamSummary } from './upstream.js';

type MirrorConfig = Config['upstream']['mirrors'][number];

export interface Upstreams {
  /** The cloud whose answers decide. */
  readonly primary: Upstream;
  readonly mirrors: readonly Upstream[];
  /** What the gateway calls: fans out to the primary and every mirror. */
  readonly port: UpstreamPort;
  start(): void;
  stop(): Promise<void>;
  /** The primary first, then the mirrors in config order. */
  summaries(): UpstreamSummary[];
}

export function createUpstreams(deps: UpstreamDeps): Upstreams | undefined {
  const primary = createUpstream(deps);
  if (!primary) return undefined;
  const log = deps.logger.child({ component: 'upstream' });
  const mirrors = deps.config.upstream.mirrors
    .filter((m) => mirrorMode(m) !== 'none')
    .map((m) =>
      createUpstream({
        ...deps,
        config: mirrorConfig(deps.config, m),
        store: { ...deps.store, upstream: deps.store.upstreamOf(m.name) } satisfies Store,
        // No balancer: charging profiles are the primary's (mirror-policy.ts).
        balancer: () => undefined,
        role: { name: m.name, kind: 'mirror', commands: m.commands },
      })!,
    );
  const all = [primary, ...mirrors];

  /** A mirror's failure is logged, never the site's: the primary and the charger go on. */
  function toMirrors(what: string, call: (port: UpstreamPort) => void): void {
    for (const [i, m] of mirrors.entries()) {
      try {
        call(m.port);
      } catch (err) {
        log.error({ upstream: m.summary().name, mirrorIndex: i, err }, `could not queue ${what} for an upstream mirror`);
      }
    }
  }

  const p = primary.port;
  const port: UpstreamPort = {
    unknownIdTagOffline: p.unknownIdTagOffline,
    // The local lists and the boot verdict are the primary's: it alone decides.
    listChannel: (chargerId) => p.listChannel(chargerId),
    bootVerdict: (chargerId) => p.bootVerdict(chargerId),
    authorize: (chargerId, idTag) => p.authorize(chargerId, idTag),
    cachedIdTag: (idTag) => p.cachedIdTag(idTag),
    transactionStarted(session) {
      const pending = p.transactionStarted(session);
      toMirrors('a StartTransaction', (m) => m.transactionStarted(session));
      return pending;
    },
    meterValues(chargerId, request, localTransactionId) {
      p.meterValues(chargerId, request, localTransactionId);
      toMirrors('MeterValues', (m) => m.meterValues(chargerId, request, localTransactionId));
    },
    transactionStopped(chargerId, request, session) {
      p.transactionStopped(chargerId, request, session);
      toMirrors('a StopTransaction', (m) => m.transactionStopped(chargerId, request, session));
    },
    stopCorrected(chargerId, request, session) {
      p.stopCorrected(chargerId, request, session);
      toMirrors('a corrected Stop', (m) => m.stopCorrected(chargerId, request, session));
    },
    status(state) {
      p.status(state);
      toMirrors('a StatusNotification', (m) => m.status(state));
    },
    reservationEnded(chargerId, reservationId, how) {
      p.reservationEnded(chargerId, reservationId, how);
      toMirrors('the end of a reservation', (m) => m.reservationEnded(chargerId, reservationId, how));
    },
    securityEvent(event) {
      p.securityEvent(event);
      toMirrors('a SecurityEventNotification', (m) => m.securityEvent(event));
    },
    booted(chargerId, info) {
      p.booted(chargerId, info);
      toMirrors('a BootNotification', (m) => m.booted(chargerId, info));
    },
    notification(chargerId, action, payload) {
      p.notification(chargerId, action, payload);
      toMirrors(action, (m) => m.notification(chargerId, action, payload));
    },
    dataTransfer: (chargerId, request) => p.dataTransfer(chargerId, request),
    signCertificate: (chargerId, request) => p.signCertificate(chargerId, request),
  };

  return {
    primary,
    mirrors,
    port,
    start() {
      for (const u of all) u.start();
    },
    async stop() {
      await Promise.all(all.map((u) => u.stop()));
    },
    summaries: () => all.map((u) => u.summary()),
  };
}

/**
 * A mirror as createUpstream reads it: its own connection keys (url, mode, identity,
 * credentials, timeouts, back-off, outbox) and none of the primary's; the primary's connector
 * numbering (every cloud sees the same numbers). In transparent mode each charger keeps its
 * identity (chargers.list[].upstream.identity) and authenticates with the mirror's password.
 */
function mirrorConfig(config: Config, mirror: MirrorConfig): Config {
  const { name, commands: _commands, ...connection } = mirror;
  const primary = config.upstream;
  return {
    ...config,
    chargers: {
      ...config.chargers,
      list: config.chargers.list.map((c) => ({
        ...c,
        upstream: { identity: c.upstream?.identity ?? c.id, ...(mirror.password !== undefined ? { password: mirror.password } : {}) },
      })),
    },
    upstream: {
      name,
      answerTimeout: primary.answerTimeout,
      offline: primary.offline,
      // A mirror's late idTagInfo never stops a session (the primary decides).
      stopTransactionOnInvalidId: false,
      connectors: primary.connectors,
      // An allow-listed DataTransfer from a mirror goes where the primary's would.
      dataTransfer: primary.dataTransfer,
      mirrors: [],
      ...connection,
      mode: mirrorMode(mirror),
    },
  };
}
