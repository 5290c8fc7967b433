/** The `upstream:` section resolved: the mode in force and the cross-key checks the schema cannot express. */
import { formatPath } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import type { UpstreamMode } from './routing.js';

type Connection = { mode?: string; url?: string; identity?: string; ocpp?: string };

export function upstreamMode(config: Pick<Config, 'upstream'>): UpstreamMode | 'none' {
  return connectionMode(config.upstream);
}

/** A mirror's mode: aggregate unless it says otherwise (none: configured but switched off). */
export function mirrorMode(mirror: Connection): UpstreamMode | 'none' {
  return connectionMode({ ...mirror, mode: mirror.mode ?? 'aggregate' });
}

function connectionMode(u: Connection): UpstreamMode | 'none' {
  return (u.mode as UpstreamMode | 'none' | undefined) ?? (u.url ? 'aggregate' : 'none');
}

type Problem = { path: (string | number)[]; text: string };

/** Problems across keys, worded like the loader's (`key: what is wrong`); the raw validated data comes in. */
export function upstreamConfigProblems(data: unknown): Problem[] {
  const root = data as { upstream?: Connection & { name?: string; mirrors?: (Connection & { name?: string })[]; dataTransfer?: { to: string }[] }; chargers?: { list?: { id: string }[] } };
  const u = root.upstream;
  if (!u) return [];
  const problems = connectionProblems(u, ['upstream']);
  const mirrors = Array.isArray(u.mirrors) ? u.mirrors : [];
  if (mirrors.length > 0 && connectionMode(u) === 'none') {
    problems.push({ path: ['upstream', 'mirrors'], text: 'mirrors need a primary upstream: set upstream.url (the cloud whose answers decide)' });
  }
  // The primary's name and each mirror's are one namespace: MQTT topics and API entries.
  const seen = new Map<string, string>([[u.name ?? 'primary', 'upstream.name']]);
  mirrors.forEach((m, i) => {
    if (typeof m !== 'object' || m === null) return;
    const at = ['upstream', 'mirrors', i];
    // A mirror is there to be connected: without a mode it is aggregate, so a missing url is named.
    problems.push(...connectionProblems({ ...m, mode: mirrorMode(m) }, at));
    if (typeof m.name !== 'string') return;
    const earlier = seen.get(m.name);
    if (earlier !== undefined) problems.push({ path: [...at, 'name'], text: `"${m.name}" is already the name of ${earlier}; every upstream needs its own name` });
    else seen.set(m.name, `upstream.mirrors[${i}]`);
  });
  // The raw data may still be wrong elsewhere (reported by the schema): look only at what fits.
  const list = Array.isArray(root.chargers?.list) ? root.chargers.list : [];
  const known = new Set(list.map((c) => c?.id));
  (Array.isArray(u.dataTransfer) ? u.dataTransfer : []).forEach((rule, i) => {
    if (typeof rule?.to !== 'string') return;
    const target = rule.to.startsWith('charger:') ? rule.to.slice('charger:'.length) : undefined;
    if (target !== undefined && !known.has(target)) problems.push({ path: ['upstream', 'dataTransfer', i, 'to'], text: `${JSON.stringify(rule.to)} names no charger of chargers.list (allowed: ${[...known].map((id) => `charger:${id}`).concat('mqtt', 'reject').join(', ')})` });
  });
  return problems;
}

function connectionProblems(u: Connection, at: (string | number)[]): Problem[] {
  const mode = connectionMode(u);
  if (mode === 'none') return [];
  const problems: Problem[] = [];
  if (!u.url) problems.push({ path: [...at, 'url'], text: `required when ${formatPath(at)}.mode is ${mode}` });
  if (mode === 'aggregate' && !u.identity) problems.push({ path: [...at, 'identity'], text: 'required in aggregate mode (the charge point identity the cloud sees)' });
  return problems;
}
