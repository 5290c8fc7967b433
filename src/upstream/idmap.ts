/**
 * chargegate's transactionId ↔ the cloud's (1.6 §4.8: the central system assigns the id in
 * StartTransaction.conf). Durable in the store; ids learned from an answer are kept in memory
 * until the outbox writes the acknowledgement, so the very next message already carries it.
 *
 * `selfNamed` (a 2.0.1 cloud, E01: the charging station names the transaction): the cloud's id
 * is chargegate's own from the moment the Start is queued, so a RequestStop or TxProfile that
 * names it reaches the session at once, while the Started is still queued, unanswered, or
 * waiting out an outage or a restart (the row is written with the Start).
 */
import type { MappedTransaction, Store } from '../store/ports.js';

export class TransactionIdMap {
  private readonly learned = new Map<number, { channel: string; cloud: number }>();

  constructor(
    private readonly store: Store,
    private readonly selfNamed = false,
  ) {}

  /** A Start was staged for `channel` (inside the durable write). */
  open(localTransactionId: number, channel: string): void {
    this.store.upstream.transactions.open(localTransactionId, channel);
  }

  /** The cloud answered the Start; `persist` is run with the acknowledgement's write. */
  learn(localTransactionId: number, channel: string, cloudTransactionId: number): () => void {
    this.learned.set(localTransactionId, { channel, cloud: cloudTransactionId });
    return () => {
      this.store.upstream.transactions.setCloud(localTransactionId, cloudTransactionId);
      this.learned.delete(localTransactionId);
    };
  }

  /** The Start was given up: its later messages cannot name a cloud transaction. */
  markDead(localTransactionId: number): void {
    this.store.upstream.transactions.markDead(localTransactionId);
  }

  get(localTransactionId: number): MappedTransaction | undefined {
    if (this.selfNamed) return this.named(localTransactionId);
    const fresh = this.learned.get(localTransactionId);
    if (fresh) return { channel: fresh.channel, state: 'mapped', cloudTransactionId: fresh.cloud };
    return this.store.upstream.transactions.get(localTransactionId);
  }

  /** chargegate's id for a cloud id on a channel (for RemoteStop / TxProfile from the cloud). */
  localFor(channel: string, cloudTransactionId: number): number | undefined {
    if (this.selfNamed) return this.named(cloudTransactionId)?.channel === channel ? cloudTransactionId : undefined;
    for (const [local, v] of this.learned) if (v.channel === channel && v.cloud === cloudTransactionId) return local;
    return this.store.upstream.transactions.localFor(channel, cloudTransactionId);
  }

  /** A self-named transaction: mapped to itself once its Start is queued; a given-up Start never reached the cloud. */
  private named(localTransactionId: number): MappedTransaction | undefined {
    const row = this.store.upstream.transactions.get(localTransactionId);
    if (!row || row.state === 'dead') return row;
    return { channel: row.channel, state: 'mapped', cloudTransactionId: localTransactionId };
  }
}
