/**
 * The cloud's AuthorizationKey for a channel (OCPP 1.6 security whitepaper §1.3, use case A01;
 * the test tool's TC_073): the password chargegate presents on that upstream connection. The cloud
 * changes it with ChangeConfiguration; chargegate keeps it durably (the meta table) and uses it
 * from the next connect, reconnecting at once as the whitepaper's charge point does. The key is
 * used as the cloud sent it (the config's upstream passwords are used as written, too).
 *
 * The config's password stays the installer's word: the kept key records which config password
 * it replaced, and a config password changed since wins (the installer re-provisioned the link).
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { MetaStore } from '../store/ports.js';

const metaKey = (channel: string) => `upstream/authorizationKey/${channel}`;
const fingerprint = (password: string | undefined) => createHash('sha256').update(password ?? '').digest('hex');

/** The password for the channel's next connect: the cloud's key, unless the config's changed since it came. */
export function channelPassword(meta: Pick<MetaStore, 'get'>, channel: string, configured: string | undefined): string | undefined {
  const kept = meta.get(metaKey(channel));
  if (kept === undefined) return configured;
  const { key, over } = JSON.parse(kept) as { key: string; over: string };
  return over === fingerprint(configured) ? key : configured;
}

/** Keeps the cloud's new key for the channel (call inside store.durably). */
export function keepChannelKey(meta: Pick<MetaStore, 'set'>, channel: string, key: string, configured: string | undefined): void {
  meta.set(metaKey(channel), JSON.stringify({ key, over: fingerprint(configured) }));
}

/** The security profile of the link to the cloud (whitepaper §1.3), for a SecurityProfile the cloud asks for. */
export function upstreamProfile(u: Pick<Config['upstream'], 'url' | 'cert' | 'key'>, password: string | undefined): number | undefined {
  const tls = u.url?.startsWith('wss://') ?? false;
  if (tls && u.cert !== undefined && u.key !== undefined) return 3;
  if (password === undefined) return undefined;
  return tls ? 2 : 1;
}
