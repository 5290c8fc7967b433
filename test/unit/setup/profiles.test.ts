/** Vendor profiles (adapters/chargers): every shipped file validates; matching; clear errors. */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { ConfigError } from '../../../src/config/errors.js';
import { PROFILE_DIR, loadProfiles, matchProfile, parseProfile } from '../../../src/setup/profiles.js';

t.test('every shipped profile loads, validates and names its source', async (t) => {
  const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.yaml'));
  const profiles = loadProfiles();
  t.equal(profiles.length, files.length, 'one profile per file');
  t.ok(profiles.length >= 13);
  for (const p of profiles) {
    t.ok(p.sources.length > 0, `${p.id} names a source`);
    t.ok(p.sources.every((s) => /^https:\/\/\S+$/.test(s) || s.startsWith('FACTS.md: The field')), `${p.id}: each source is a URL or FACTS.md "The field"`);
  }
  const names = profiles.map((p) => p.id);
  for (const wanted of ['abb-terra-ac', 'alfen-eve', 'wallbox', 'easee', 'go-e', 'autel', 'keba', 'vestel', 'schneider-evlink', 'legrand', 'grizzl-e', 'en-plus', 'zaptec-go']) t.ok(names.includes(wanted), `ships ${wanted}`);
});

t.test('matching: case-insensitive regular expressions on vendor and model, the one with a model wins', async (t) => {
  const profiles = loadProfiles();
  const id = (vendor: string, model: string) => matchProfile(profiles, vendor, model)?.id;
  t.equal(id('ABB', 'CDT_TACW11::NET_WIFI'), 'abb-terra-ac', 'the model string an ABB Terra AC sends');
  t.equal(id('abb', 'Terra AC W22'), 'abb-terra-ac', 'any case');
  t.equal(id('ABB', 'Terra DC 50'), undefined, 'another ABB model: no profile');
  t.equal(id('Alfen BV', 'NG910-60023'), 'alfen-eve', 'a vendor prefix');
  t.equal(id('Wall Box Chargers', 'PLP1'), 'wallbox');
  t.equal(id('Wallbox', 'Commander 2'), 'wallbox');
  t.equal(id('go-e', 'go-eCharger'), 'go-e');
  t.equal(id('Schneider Electric', 'EVlink Pro AC'), 'schneider-evlink');
  t.equal(id('Schneider Electric', 'Wiser'), undefined, 'the model must match when the entry names one');
  t.equal(id('Zaptec', 'Go 2'), 'zaptec-go');
  t.equal(id('Zaptec', 'Pro'), undefined);
  t.equal(id('EN+', 'AC7'), 'en-plus');
  t.equal(id('United Chargers Inc.', 'Grizzl-E Smart'), 'grizzl-e');
  t.equal(id('VESTEL', 'EVC04-AC22SW'), 'vestel');
  t.equal(id('TestVendor', 'TestModel'), undefined);

  const two = [
    parseProfile("name: Any ACME\nmatch: [{ vendor: '^ACME' }]\nsources: ['FACTS.md: The field']\n", 'a-acme.yaml'),
    parseProfile("name: ACME Rocket\nmatch: [{ vendor: '^ACME', model: 'rocket' }]\nsources: ['FACTS.md: The field']\n", 'b-acme-rocket.yaml'),
  ];
  t.equal(matchProfile(two, 'Acme Corp', 'Rocket 2')?.id, 'b-acme-rocket', 'a model match beats a vendor-only match, whatever the file order');
  t.equal(matchProfile(two, 'Acme Corp', 'Anvil')?.id, 'a-acme');
});

t.test('a broken profile: every problem, with the file and the key', async (t) => {
  const text = "name: Broken\nmatch: [{ vendor: '(' }]\nquirks: { wattOnly: true }\nsetup: { minSampleInterval: 0 }\n";
  const err = t.throws(() => parseProfile(text, 'broken.yaml')) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.problems.join('\n'), /quirks\.wattOnly: unknown key.*did you mean "wattsOnly"/);
  t.match(err.problems.join('\n'), /setup\.minSampleInterval: must be/);
  t.match(err.problems.join('\n'), /sources: required/);
  t.match(err.message, /^broken\.yaml: /);
  const bad = t.throws(() => parseProfile("name: X\nmatch: [{ vendor: '(' }]\nsources: [x]\n", 'x.yaml')) as ConfigError;
  t.match(bad.problems, [/^match\[0\]\.vendor: not a valid regular expression/]);
  t.throws(() => loadProfiles('/nonexistent/folder'), /cannot read the vendor profiles/);
});
