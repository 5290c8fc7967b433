/**
 * The config's `site:` section and per-charger keys → the SiteModel allocate() works on, and
 * the cross-key checks the schema cannot express (a parent that exists, no circuit loop, a
 * charger on a circuit that exists, the meter's required keys). Pure.
 */
import type { ChargerConfig, Config, SiteConfig } from '../config/schema.js';
import { SUPPLY, type ChargerModel, type ChargerQuirks, type CircuitModel, type Phase, type SiteModel } from './model.js';

const PHASE_OF: Record<string, Phase> = { L1: 0, L2: 1, L3: 2, R: 0, S: 1, T: 2 };

/** 'L2L3L1' / 'STR' / 'L2' → the site phase of the charger's L1, L2, L3. */
export function parseRotation(text: string): [Phase, Phase, Phase] {
  const names = text.match(/L[123]|[RST]/g) ?? ['L1'];
  const first = PHASE_OF[names[0]!]!;
  if (names.length === 1) return [first, ((first + 1) % 3) as Phase, ((first + 2) % 3) as Phase];
  return [first, PHASE_OF[names[1]!]!, PHASE_OF[names[2]!]!];
}

export function chargerModel(c: ChargerConfig): ChargerModel {
  return {
    id: c.id,
    connectors: c.connectors,
    phases: c.phases,
    minCurrent: Math.min(c.minCurrent, c.maxCurrent),
    maxCurrent: c.maxCurrent,
    rotation: parseRotation(c.phaseRotation),
    circuit: c.circuit,
    priority: c.priority,
    ...(c.uncontrolledCurrent !== undefined ? { uncontrolledCurrent: c.uncontrolledCurrent } : {}),
    ...(c.phaseSwitching === 'numberPhases' && c.phases === 3 ? { phaseSwitching: true } : {}),
    quirks: configuredQuirks(c),
  };
}

/**
 * The quirks the config states, each one left out as false. Until a charger's vendor profile
 * and what its setup learnt are known (src/setup/quirks.ts, the 'charger.quirks' event), this
 * is what the balancer works with.
 */
export function configuredQuirks(c: ChargerConfig): ChargerQuirks {
  const q = c.quirks;
  return {
    stackLevelZeroOnly: q.stackLevelZeroOnly ?? false,
    wattsOnly: q.wattsOnly ?? false,
    noTxProfile: q.noTxProfile ?? false,
    noZeroAmps: q.noZeroAmps ?? false,
    noSmartCharging: q.noSmartCharging ?? false,
  };
}

export function siteModel(config: Config): SiteModel | undefined {
  const site = config.site;
  if (!site) return undefined;
  const circuits = new Map<string, CircuitModel>([[SUPPLY, { id: SUPPLY, parent: undefined, maxCurrent: site.supply.maxCurrent }]]);
  for (const c of site.circuits) circuits.set(c.id, { id: c.id, parent: c.parent, maxCurrent: c.maxCurrent });
  const b = site.balancing;
  return {
    supply: { ...site.supply },
    circuits,
    chargers: new Map(config.chargers.list.map((c) => [c.id, chargerModel(c)])),
    balancing: {
      settleMs: b.settleTime * 1000,
      releaseHeadroom: b.releaseHeadroom,
      turnMs: b.turn * 1000,
      maxWaitMs: b.maxWait * 1000,
      phaseThreshold: b.phaseThreshold,
      step: b.step,
    },
  };
}

/** Problems across keys, worded like the loader's: `key: what is wrong`. */
export function siteProblems(config: Config): string[] {
  const site: SiteConfig | undefined = config.site;
  if (!site) return [];
  const problems: string[] = [];
  const ids = new Set<string>([SUPPLY]);
  site.circuits.forEach((c, i) => {
    if (ids.has(c.id)) problems.push(`site.circuits[${i}].id: duplicate circuit id "${c.id}"`);
    ids.add(c.id);
  });
  site.circuits.forEach((c, i) => {
    if (!ids.has(c.parent)) problems.push(`site.circuits[${i}].parent: no circuit "${c.parent}" (known: ${[...ids].join(', ')})`);
    const seen = new Set<string>();
    for (let at: string | undefined = c.id; at && at !== SUPPLY; at = site.circuits.find((x) => x.id === at)?.parent) {
      if (seen.has(at)) {
        problems.push(`site.circuits[${i}].parent: circuit "${c.id}" is its own ancestor`);
        break;
      }
      seen.add(at);
    }
  });
  config.chargers.list.forEach((c, i) => {
    if (!ids.has(c.circuit)) problems.push(`chargers.list[${i}].circuit: no circuit "${c.circuit}" in site.circuits`);
    if (c.minCurrent > c.maxCurrent) problems.push(`chargers.list[${i}].minCurrent: ${c.minCurrent} is above maxCurrent ${c.maxCurrent}`);
    if (c.phaseSwitching !== 'none' && c.phases === 1) problems.push(`chargers.list[${i}].phaseSwitching: ${c.phaseSwitching} needs a 3-phase charger (phases is 1); use none`);
  });
  const step = site.balancing.step;
  if (Math.abs(step * 10 - Math.round(step * 10)) > 1e-9) problems.push(`site.balancing.step: ${step} is not a multiple of 0.1 A (OCPP 1.6 limits have one decimal, §7.13); use e.g. 0.1, 0.5 or 1`);
  const m = site.meter;
  if (m?.type === 'modbus-tcp' && !m.host) problems.push('site.meter.host: required for a modbus-tcp meter');
  if (m?.type === 'mqtt' && !m.url) problems.push('site.meter.url: required for an mqtt meter');
  if (m?.type === 'mqtt' && !m.topic && !m.topics) problems.push('site.meter.topic: an mqtt meter needs topic (or topics)');
  const solar = site.solar;
  if (!m && (solar.defaultMode === 'solar' || solar.defaultMode === 'minsolar')) problems.push(`site.solar.defaultMode: ${solar.defaultMode} follows the solar surplus, which needs the grid meter (site.meter); use now or off, or add site.meter`);
  for (const key of ['pv', 'battery'] as const) {
    const d = solar[key];
    if (d?.type === 'mqtt' && !d.topic) problems.push(`site.solar.${key}.topic: required for type mqtt (or set type: modbus-tcp with host and model)`);
    if (d?.type === 'mqtt' && m?.type !== 'mqtt') problems.push(`site.solar.${key}.topic: read on site.meter's broker, so it needs site.meter of type mqtt (${m ? `it is ${m.type}` : 'there is none'}); or read it over Modbus: type: modbus-tcp`);
    if (d?.type === 'modbus-tcp' && !d.host) problems.push(`site.solar.${key}.host: required for type modbus-tcp`);
  }
  return problems;
}
