/**
 * createApp(config, deps) → { start(), stop() }: builds every part from the frozen config and
 * the few things only main.ts may know (logger destination, clock). No globals.
 */
import { EventBus } from './events.js';
import type { Config } from './config/schema.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import type { Logger } from './log.js';
import { openSqliteStore } from './store/sqlite.js';
import type { AuthEntry, Store } from './store/ports.js';

export interface AppDeps {
  logger: Logger;
  now?: () => Date;
}

export interface App {
  gateway: Gateway;
  events: EventBus;
  store: Store;
  /** Starts listening; resolves with the bound OCPP port. */
  start(): Promise<{ ocppPort: number }>;
  stop(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps): App {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger;
  const store = openSqliteStore(config.storage.dir);
  seedAuthorizationList(store, config);
  const events = new EventBus((event, err) => logger.error({ event, err }, 'an event listener failed'));
  const gateway = createGateway({ options: config, store, events, logger, now });
  let stopped = false;

  return {
    gateway,
    events,
    store,
    async start() {
      const ocppPort = await gateway.start();
      logger.info(
        { ocpp: `ws://${config.ocpp.host}:${ocppPort}${config.ocpp.path}/<chargerId>`, dataDir: config.storage.dir, authorizationMode: config.authorization.mode },
        'chargegate is listening',
      );
      return { ocppPort };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await gateway.stop();
      store.close();
      logger.info('chargegate stopped');
    },
  };
}

/** The config's authorization list is the local list's source of truth at start. */
function seedAuthorizationList(store: Store, config: Config): void {
  const entries: AuthEntry[] = config.authorization.list.map((e) => ({
    idTag: e.idTag,
    status: e.status,
    ...(e.expiryDate ? { expiryDate: e.expiryDate } : {}),
    ...(e.parentIdTag ? { parentIdTag: e.parentIdTag } : {}),
  }));
  store.auth.replaceAll(entries, store.auth.version());
}
