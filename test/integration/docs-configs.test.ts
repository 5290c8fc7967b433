/**
 * Every example config (config/*.example.yaml, and the compose example's) passes `chargegate
 * config check` with the secrets it names set, and is consistent with itself: Home Assistant's
 * Start button (mqtt.startIdTag) uses an idTag the config lets charge (issue 18: the car-park
 * example's was not in its own list, so the button's session was refused).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfigFile } from '../../src/config/load.js';
import { chargegate } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
t.setTimeout(240_000);

t.test('every example config passes config check and is consistent', async (t) => {
  const files = [
    ...readdirSync(join(ROOT, 'config')).filter((f) => f.endsWith('.example.yaml')).map((f) => `config/${f}`),
    'deploy/chargegate.compose.yaml',
  ];
  t.ok(files.includes('config/home.example.yaml'), 'the home example is there');
  await Promise.all(
    files.map(async (file) => {
      // Each secret the file names gets a value, as the user's environment would give it.
      const env = Object.fromEntries([...readFileSync(join(ROOT, file), 'utf8').matchAll(/\$\{([A-Z0-9_]+)\}/g)].map(([, name]) => [name!, `${name!.toLowerCase()}-0123456789abcdef`]));
      const run = await chargegate(['config', 'check', file], env);
      t.equal(run.code, 0, `${file}: config check exit 0 ${run.stderr}`);
      t.match(run.stdout, `${file}: valid.`);
      const config = loadConfigFile(join(ROOT, file), env);
      const startIdTag = config.mqtt?.startIdTag;
      if (startIdTag !== undefined) {
        const listed = config.authorization.list.find((e) => e.idTag.toLowerCase() === startIdTag.toLowerCase());
        t.ok(
          config.authorization.mode === 'accept-all' || (listed !== undefined && (listed.status ?? 'Accepted') === 'Accepted'),
          `${file}: the Start button's idTag (mqtt.startIdTag ${startIdTag}) may charge`,
        );
      }
    }),
  );
});

