/**
 * GET /api/events: server-sent events for the dashboard. A new client first gets a snapshot
 * (chargers, site, upstream), then changes. Charger and site changes are coalesced and sent
 * at most once per `flushMs`: a busy site's MeterValues then cost one view per charger per
 * flush, however many arrive, and nothing at all while no one watches.
 */
import type { ServerResponse } from 'node:http';
import { allocationDelta, type EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { SessionRecord } from '../store/ports.js';
import { siteSummary, upstreamSummary, type SiteDeps } from './api/site.js';
import type { LoadSample } from './load-history.js';
import { activeSessions, chargerIds, chargerView, type ViewDeps } from './views.js';

export interface LiveFeedDeps {
  events: EventBus;
  views: ViewDeps;
  site: SiteDeps;
  logger: Logger;
  flushMs?: number;
  keepAliveMs?: number;
}

/** A client that lets this much pile up is gone or too slow: it is dropped, and reconnects. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** Charger views built per turn of the event loop during a flush. */
const FLUSH_SLICE = 10;

export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private readonly dirtyChargers = new Set<string>();
  private siteDirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: LiveFeedDeps) {
    const { events } = deps;
    const charger = (id: string) => this.watched() && this.dirtyChargers.add(id);
    const allocationChanges = allocationDelta();
    this.unsubscribe.push(
      events.on('charger.connected', (e) => charger(e.chargerId)),
      events.on('charger.disconnected', (e) => charger(e.chargerId)),
      events.on('charger.boot', (e) => charger(e.chargerId)),
      events.on('charger.registration', (e) => charger(e.chargerId)),
      events.on('connector.status', (e) => charger(e.chargerId)),
      events.on('meter.values', (e) => charger(e.chargerId)),
      events.on('security.event', (e) => charger(e.chargerId)),
      events.on('charger.transferStatus', (e) => charger(e.chargerId)),
      events.on('charger.fileStatus', (e) => charger(e.chargerId)),
      events.on('diagnostics.file', (e) => charger(e.chargerId)),
      events.on('allocation.changed', (a) => {
        // Planned, accepted, in-flight and measured limits and each charger's control are in
        // the charger views: the chargers whose entries changed (all, the first time).
        const { connectors, chargers } = allocationChanges(a);
        for (const c of connectors) charger(c.chargerId);
        for (const c of chargers) charger(c.chargerId);
        this.siteDirty = this.watched();
      }),
      events.on('site.state', () => (this.siteDirty = this.watched())),
      events.on('upstream.state', () => this.watched() && this.broadcast('upstream', upstreamSummary(deps.site))),
      events.on('upstream.summary', () => this.watched() && this.broadcast('upstream', upstreamSummary(deps.site))),
      // A plan moves on its own (waiting → charging → reached, the energy still to charge): the
      // home page shows it as it changes (one event per change of the plan's state).
      events.on('connector.plan', (e) => this.watched() && this.broadcast('plan', e)),
      events.on('session.started', (s) => this.session(s)),
      events.on('session.ended', (s) => this.session(s)),
      events.on('session.corrected', (e) => this.session(e.session)),
    );
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes over a response for as long as the client stays. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold events back in their buffer.
      'X-Accel-Buffering': 'no',
    });
    this.clients.add(res);
    res.on('close', () => this.detach(res));
    const active = activeSessions(this.deps.views.sessions);
    this.send(res, 'snapshot', {
      chargers: chargerIds(this.deps.views).map((id) => chargerView(this.deps.views, id, active)),
      site: siteSummary(this.deps.site),
      upstream: upstreamSummary(this.deps.site),
    });
    this.startTimers();
  }

  /** A new load sample (the history's sampler calls this). */
  load(sample: LoadSample): void {
    if (this.watched()) this.broadcast('load', sample);
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopTimers();
  }

  private watched(): boolean {
    return this.clients.size > 0;
  }

  private session(session: SessionRecord): void {
    if (!this.watched()) return;
    this.broadcast('session', session);
    this.dirtyChargers.add(session.chargerId);
  }

  private flushing = false;

  /**
   * Builds the changed chargers' views a few at a time, yielding between slices, so a big
   * flush never holds a charger's message back for long (it is the chargers' p99 that counts).
   */
  private flush(): void {
    if (this.flushing) return;
    if (this.siteDirty) {
      this.siteDirty = false;
      this.broadcast('site', siteSummary(this.deps.site));
    }
    if (this.dirtyChargers.size === 0) return;
    const ids = [...this.dirtyChargers];
    this.dirtyChargers.clear();
    const active = activeSessions(this.deps.views.sessions);
    this.flushing = true;
    const slice = (from: number) => {
      if (!this.watched()) return void (this.flushing = false);
      for (const id of ids.slice(from, from + FLUSH_SLICE)) this.broadcast('charger', chargerView(this.deps.views, id, active));
      if (from + FLUSH_SLICE < ids.length) setImmediate(slice, from + FLUSH_SLICE);
      else this.flushing = false;
    };
    slice(0);
  }

  private broadcast(event: string, data: unknown): void {
    const frame = sseFrame(event, data);
    for (const res of this.clients) this.write(res, frame);
  }

  private send(res: ServerResponse, event: string, data: unknown): void {
    this.write(res, sseFrame(event, data));
  }

  private write(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.deps.logger.warn({ buffered: res.writableLength }, 'dropping a live-feed client that does not keep up');
      res.destroy();
      this.detach(res);
      return;
    }
    res.write(frame);
  }

  private detach(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) {
      this.stopTimers();
      this.dirtyChargers.clear();
      this.siteDirty = false;
    }
  }

  private startTimers(): void {
    this.flushTimer ??= setInterval(() => this.flush(), this.deps.flushMs ?? 1000);
    // A comment line now and then keeps idle proxies and NAT tables from closing the stream.
    this.keepAliveTimer ??= setInterval(() => {
      for (const res of this.clients) this.write(res, ': keep-alive\n\n');
    }, this.deps.keepAliveMs ?? 25_000);
  }

  private stopTimers(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.keepAliveTimer);
    this.flushTimer = undefined;
    this.keepAliveTimer = undefined;
  }
}

export function sseFrame(event: string, data: unknown): string {
  // JSON has no raw line breaks, so one data: line always holds the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
