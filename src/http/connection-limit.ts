/**
 * Caps on open HTTP connections (issue 13: a client on the LAN must not starve the API). The
 * timeouts (server.ts) end sockets that send slowly; these caps bound how many can be open at
 * once, in all and from one address, so one client holding sockets leaves room for the others.
 * A connection over a cap is closed before a byte is read; the log says so at most a few times
 * a minute per address.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { LogBudget } from '../ocpp/log-budget.js';
import type { ConnectionLimits } from './options.js';

export function limitConnections(server: Server, limits: ConnectionLimits, logger: Logger, budget: LogBudget): void {
  const open = new Map<string, number>();
  let total = 0;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const mine = open.get(address) ?? 0;
    if (total >= limits.total || mine >= limits.perAddress) {
      const which = total >= limits.total ? `http.maxConnections (${limits.total})` : `http.maxConnectionsPerAddress (${limits.perAddress})`;
      const { log, suppressed } = budget.take(address, Date.now());
      if (suppressed > 0) logger.warn({ remoteAddress: address, suppressed }, 'more HTTP connections from this address were closed and not logged');
      if (log) logger.warn({ remoteAddress: address, open: mine, total }, `HTTP connection closed: ${which} reached`);
      socket.destroy();
      return;
    }
    total++;
    open.set(address, mine + 1);
    socket.once('close', () => {
      total--;
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
