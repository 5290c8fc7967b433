import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

/** The problem lines a config text produces (none when it is valid). */
export function problemsOf(text: string, env: Record<string, string | undefined> = {}, baseDir = '/nonexistent'): string[] {
  try {
    parseConfig(text, { env, baseDir });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
