/**
 * Vendor profiles (adapters/chargers/*.yaml): what is known about a charger model, as data —
 * quirks, setup overrides, notes and where that knowledge comes from. Matched on the
 * BootNotification's chargePointVendor and chargePointModel (OCPP 1.6 §4.2). The files are
 * read and validated once at start; a bad file stops chargegate with every problem listed,
 * like the config (src/config/errors.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { ConfigError, problemLine, problemsFromAjv, type Problem } from '../config/errors.js';
import type { QuirkName } from './quirks.js';

/** adapters/chargers, next to src/ and dist/ alike (both are one level below the package). */
export const PROFILE_DIR = fileURLToPath(new URL('../../adapters/chargers', import.meta.url));

const Pattern = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const Quirk = (description: string) => Type.Optional(Type.Boolean({ description }));
const Measurand = Type.String({ pattern: '^[A-Z][A-Za-z]*(\\.[A-Za-z]+)*$', allowed: 'an OCPP 1.6 measurand such as Current.Import', description: 'A measurand (OCPP 1.6 Measurand).' });

export const ProfileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80, description: 'The models it covers, in words (shown in the API and the log).' }),
    match: Type.Array(
      Type.Object(
        {
          vendor: Pattern('A regular expression tried against chargePointVendor, case-insensitive, anywhere in it (^ anchors a prefix).'),
          model: Type.Optional(Pattern('The same against chargePointModel; left out: any model of the vendor.')),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'Any one entry matching makes the profile match.' },
    ),
    quirks: Type.Optional(
      Type.Object(
        {
          stackLevelZeroOnly: Quirk('Only stackLevel 0.'),
          wattsOnly: Quirk('Only chargingRateUnit W.'),
          noTxProfile: Quirk('No TxProfile.'),
          noZeroAmps: Quirk('0 A ends the transaction or is ignored.'),
          noSmartCharging: Quirk('No charging profiles at all.'),
        },
        { additionalProperties: false, description: 'As chargers.list[].quirks; the config entry overrides each.' },
      ),
    ),
    setup: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(Type.Unsafe<'off'>({ type: 'string', enum: ['off'], description: 'off: no automatic setup for this model (a config entry with setup: auto still gets it).' })),
          skipChange: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Configuration keys never changed on this model.' })),
          measurands: Type.Optional(Type.Array(Measurand, { minItems: 1, description: 'What MeterValuesSampledData must contain instead of the default (Current.Import, Power.Active.Import, Energy.Active.Import.Register).' })),
          minSampleInterval: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Seconds: the shortest MeterValueSampleInterval this model takes.' })),
          maxSampleInterval: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Seconds: the longest MeterValueSampleInterval to set.' })),
          maxKeys: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'GetConfigurationMaxKeys known in advance: not asked.' })),
        },
        { additionalProperties: false, description: 'How automatic setup treats this model.' },
      ),
    ),
    notes: Type.Optional(Type.String({ description: 'What an installer should know, in words.' })),
    sources: Type.Array(Type.String({ minLength: 1, description: 'A URL (vendor document, an integration\'s issue or code) or "FACTS.md: The field".' }), {
      minItems: 1,
      description: 'Where each statement comes from.',
    }),
  },
  { additionalProperties: false },
);

export type ProfileFile = Static<typeof ProfileSchema>;

export interface ChargerProfile extends Omit<ProfileFile, 'quirks'> {
  /** The file name without .yaml. */
  id: string;
  quirks: Partial<Record<QuirkName, boolean>>;
  patterns: { vendor: RegExp; model?: RegExp }[];
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

function compileValidator(): Validate {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  ajv.addKeyword('allowed'); // our wording of what a value may be (as in the config schema)
  return ajv.compile(JSON.parse(JSON.stringify(ProfileSchema)) as object) as Validate;
}

/** One profile from its text; every problem of the file in one ConfigError. */
export function parseProfile(text: string, source: string, validate: Validate = compileValidator()): ChargerProfile {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => `invalid YAML: ${e.message.split(' at line ')[0]}`), source);
  const data = doc.toJS() as unknown;
  const problems: Problem[] = [];
  if (!validate(data)) problems.push(...problemsFromAjv((validate.errors ?? []) as never, data, () => false));
  const file = data as ProfileFile;
  const patterns: ChargerProfile['patterns'] = [];
  if (problems.length === 0) {
    file.match.forEach((m, i) => {
      const vendor = regex(m.vendor, ['match', i, 'vendor'], problems);
      const model = m.model === undefined ? undefined : regex(m.model, ['match', i, 'model'], problems);
      if (vendor) patterns.push({ vendor, ...(model ? { model } : {}) });
    });
    const s = file.setup;
    if (s?.minSampleInterval !== undefined && s.maxSampleInterval !== undefined && s.minSampleInterval > s.maxSampleInterval) {
      problems.push({ path: ['setup', 'minSampleInterval'], text: `${s.minSampleInterval} is above maxSampleInterval ${s.maxSampleInterval}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map(problemLine), source);
  const { quirks, ...rest } = file;
  return { ...rest, id: basename(source).replace(/\.ya?ml$/, ''), quirks: { ...(quirks ?? {}) }, patterns };
}

function regex(text: string, path: (string | number)[], problems: Problem[]): RegExp | undefined {
  try {
    return new RegExp(text, 'i');
  } catch (err) {
    problems.push({ path, text: `not a valid regular expression (${(err as Error).message}), got ${JSON.stringify(text)}` });
    return undefined;
  }
}

/** Every profile in a folder, in file-name order; all broken files reported at once. */
export function loadProfiles(dir = PROFILE_DIR): ChargerProfile[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch (err) {
    throw new ConfigError([`cannot read the vendor profiles (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], dir);
  }
  const profiles: ChargerProfile[] = [];
  const problems: string[] = [];
  const validate = compileValidator();
  for (const f of files) {
    try {
      profiles.push(parseProfile(readFileSync(join(dir, f), 'utf8'), join(dir, f), validate));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems.map((p) => `${f}: ${p}`));
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, dir);
  return profiles;
}

/**
 * The profile for a BootNotification's vendor and model. Each `match` entry's vendor pattern
 * must match chargePointVendor and its model pattern (if any) chargePointModel; an entry with a
 * model pattern is more specific than one without and wins; among equals, the first file.
 */
export function matchProfile(profiles: readonly ChargerProfile[], vendor: string, model: string): ChargerProfile | undefined {
  let best: { profile: ChargerProfile; specific: boolean } | undefined;
  for (const profile of profiles) {
    for (const p of profile.patterns) {
      if (!p.vendor.test(vendor) || (p.model && !p.model.test(model))) continue;
      const specific = p.model !== undefined;
      if (!best || (specific && !best.specific)) best = { profile, specific };
    }
  }
  return best?.profile;
}
