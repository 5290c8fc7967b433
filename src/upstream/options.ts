/** The `upstream:` section resolved: the mode in force and the cross-key checks the schema cannot express. */
import type { Config } from '../config/schema.js';
import type { UpstreamMode } from './routing.js';

export function upstreamMode(config: Pick<Config, 'upstream'>): UpstreamMode | 'none' {
  return config.upstream.mode ?? (config.upstream.url ? 'aggregate' : 'none');
}

/** Problems across keys, worded like the loader's (`key: what is wrong`); the raw validated data comes in. */
export function upstreamConfigProblems(data: unknown): { path: (string | number)[]; text: string }[] {
  const root = data as { upstream?: { mode?: string; url?: string; identity?: string; dataTransfer?: { to: string }[] }; chargers?: { list?: { id: string }[] } };
  const u = root.upstream;
  if (!u) return [];
  const mode = u.mode ?? (u.url ? 'aggregate' : 'none');
  if (mode === 'none') return [];
  const problems: { path: (string | number)[]; text: string }[] = [];
  if (!u.url) problems.push({ path: ['upstream', 'url'], text: `required when upstream.mode is ${mode}` });
  if (mode === 'aggregate' && !u.identity) problems.push({ path: ['upstream', 'identity'], text: 'required in aggregate mode (the charge point identity the cloud sees)' });
  const known = new Set((root.chargers?.list ?? []).map((c) => c.id));
  (u.dataTransfer ?? []).forEach((rule, i) => {
    const target = rule.to.startsWith('charger:') ? rule.to.slice('charger:'.length) : undefined;
    if (target !== undefined && !known.has(target)) problems.push({ path: ['upstream', 'dataTransfer', i, 'to'], text: `${JSON.stringify(rule.to)} names no charger of chargers.list (allowed: ${[...known].map((id) => `charger:${id}`).concat('mqtt', 'reject').join(', ')})` });
  });
  return problems;
}
