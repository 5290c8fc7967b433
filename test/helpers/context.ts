/**
 * A handler context on a real SQLite store in a tap testdir, for calling the gateway's
 * handlers directly. The clock is fixed (and settable) and every emitted event is recorded.
 */
import type { Test } from 'tap';
import { EventBus, type EventName, type GatewayEvents } from '../../src/events.js';
import type { AuthorizationMode } from '../../src/gateway/authorize.js';
import type { DataTransferHandler, HandlerContext } from '../../src/gateway/handlers/context.js';
import { Registry } from '../../src/gateway/registry.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

export interface TestContext extends HandlerContext {
  clock: { now: Date };
  emitted: { name: EventName; payload: unknown }[];
  dataTransfer: Map<string, DataTransferHandler>;
}

const EVENT_NAMES: EventName[] = ['charger.connected', 'charger.disconnected', 'charger.boot', 'connector.status', 'meter.values', 'session.started', 'session.ended', 'ocpp.error', 'security.event', 'security.certificate', 'charger.transferStatus'];

export function handlerContext(t: Test, options: { chargerId?: string; mode?: AuthorizationMode; dir?: string } = {}): TestContext {
  const store = openSqliteStore(options.dir ?? t.testdir());
  t.teardown(() => store.close());
  const events = new EventBus();
  const emitted: TestContext['emitted'] = [];
  for (const name of EVENT_NAMES) events.on(name, (payload: GatewayEvents[typeof name]) => emitted.push({ name, payload }));
  const clock = { now: new Date('2025-06-01T12:00:00.000Z') };
  return {
    chargerId: options.chargerId ?? 'CP1',
    logger: silentLogger(),
    now: () => clock.now,
    clock,
    store,
    registry: new Registry(),
    events,
    emitted,
    settings: { heartbeatInterval: 300, authorizationMode: options.mode ?? 'list' },
    dataTransfer: new Map(),
  };
}
