/**
 * One socket write per MQTT client per turn of the event loop. aedes writes each packet to a
 * client's socket on its own (mqtt-packet corks a packet's parts until the next tick only), and
 * the broker delivers a turn's publishes in separate ticks, so a subscriber to `#` took one
 * `writev` system call per message (`writev` was 11.5 % of the gateway's busy time in the
 * 1,000-charger profile, the chargers' answers among it; the site-scale figure moved within
 * its runs' spread with this alone, docs/performance.md). Corked from the first write of a turn
 * until the turn's check phase (setImmediate), the turn's packets leave in one call, in the
 * order written; nothing waits longer than the turn it was written in. A slow client still
 * pushes back: write() reports the buffer over its mark while corked, as aedes expects.
 */
import type { Duplex } from 'node:stream';

export function corkPerTurn(socket: Duplex): void {
  let corked = false;
  const uncork = () => {
    corked = false;
    // A socket that closed meanwhile has nothing left to send.
    if (!socket.destroyed) socket.uncork();
  };
  const write = socket.write;
  socket.write = function corkedWrite(this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Duplex['write'];
}
