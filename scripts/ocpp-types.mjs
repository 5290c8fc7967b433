// Shared by scripts/gen-ocpp16-types.mjs and scripts/gen-ocpp201-types.mjs: TypeScript types
// from vendored, unmodified OCA JSON schemas, one Request and one Response type per action.
import { compile } from 'json-schema-to-typescript';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * files: [{ f, dir }] sorted; actionOf(file) → the action; suffix: 'Action16' → 16; banner: the
 * first line; out: the file to write. Shared definitions that the schemas each repeat are emitted
 * once; two that differ (as `same` compares them) stop the generator.
 */
export async function generateTypes({ files, actionOf, suffix, banner, out, same = (a, b) => a === b }) {
  let text = `${banner}\n/* eslint-disable */\n`;
  const actions = [];
  const emitted = new Map();
  const dedupe = (ts) =>
    ts
      .split(/\n(?=(?:\/\*\*[\s\S]*?\*\/\n)?export )/)
      .filter((block) => {
        const name = /export (?:type|interface) (\w+)/.exec(block)?.[1];
        if (!name) return true;
        const seen = emitted.get(name);
        if (seen === undefined) return emitted.set(name, block.trim()), true;
        if (!same(seen, block.trim())) throw new Error(`two different definitions of ${name}`);
        return false;
      })
      .join('\n');
  for (const { f, dir } of files) {
    const schema = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
    const isResponse = f.endsWith('Response.json');
    const action = actionOf(f);
    if (!isResponse) actions.push(action);
    const name = isResponse ? `${action}Response` : `${action}Request`;
    delete schema.$schema;
    delete schema.$id;
    schema.title = name;
    const ts = await compile(schema, name, { bannerComment: '', additionalProperties: false, strictIndexSignatures: true, declareExternallyReferenced: true });
    text += dedupe(ts) + '\n';
  }
  text += `export type Action${suffix} = ${actions.map((a) => `'${a}'`).join(' | ')};\n`;
  text += `export interface Requests${suffix} {\n${actions.map((a) => `  ${a}: ${a}Request;`).join('\n')}\n}\n`;
  text += `export interface Responses${suffix} {\n${actions.map((a) => `  ${a}: ${a}Response;`).join('\n')}\n}\n`;
  writeFileSync(out, text);
}

export function schemaFiles(dirs) {
  return dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ f, dir }))).sort((a, b) => (a.f < b.f ? -1 : a.f > b.f ? 1 : 0));
}
