/**
 * The named one-line mutations `npm run mutate` checks (scripts/mutate.mjs; how to add one:
 * docs/development.md). Each breaks one rule the field taught us; the tests named must catch it.
 *
 *   name     short, unique, kebab-case: `npm run mutate -- --only <name>`
 *   rule     the rule it breaks, in words
 *   file     the source file it changes
 *   find     text that occurs exactly once in that file (else the run stops: a refactor cannot
 *            silently disable a mutation; fix the anchor instead)
 *   replace  what it becomes
 *   tests    the test files that must fail with it (and only these run)
 */
export default [
  // ---- 1. Fuse and phase mapping (src/balancer/allocate.ts) --------------------------------
  {
    name: 'phase-rotation-ignored',
    rule: 'a measured charger phase loads the site phase its rotation wires it to',
    file: 'src/balancer/allocate.ts',
    find: 'code = (code << 2) | charger.rotation[i]!;',
    replace: 'code = (code << 2) | i;',
    tests: ['test/unit/balancer/allocate.rotation.test.ts', 'test/unit/balancer/allocate.fuse.test.ts'],
  },
  {
    name: 'supply-margin-dropped',
    rule: "the supply's room is its limit minus the margin (and the other load)",
    file: 'src/balancer/allocate.ts',
    find: 'const room = limit - supply.margin - (other?.currents[p] ?? 0);',
    replace: 'const room = limit - (other?.currents[p] ?? 0);',
    tests: ['test/unit/balancer/allocate.test.ts'],
  },
  {
    name: 'fixed-not-counted',
    rule: 'connectors whose limit cannot change (offline, uncontrolled) are counted first',
    file: 'src/balancer/allocate.ts',
    find: 'for (const item of items) if (item.input.fixed) take(item, item.input.fixed.amps, remaining);',
    replace: 'for (const item of items) if (item.input.fixed) item.level = item.input.fixed.amps;',
    tests: ['test/unit/balancer/allocate.test.ts'],
  },

  // ---- 2. Decreases before increases: the budget gate (src/balancer/budget.ts) -------------
  {
    name: 'every-increase-admitted',
    rule: 'an increase goes out only while every constraint holds with it',
    file: 'src/balancer/budget.ts',
    find: 'cons.some((c) => table.remaining[c]! - delta < -EPS)',
    replace: 'false',
    tests: ['test/unit/balancer/budget.test.ts'],
  },
  {
    name: 'decrease-waits-for-room',
    rule: 'a decrease always goes out at once, even with the site over its limit',
    file: 'src/balancer/budget.ts',
    find: 'for (const o of orders) if (o.amps <= o.from) out.add(o.key);',
    replace: 'for (const o of orders) if (o.amps <= o.from && overloads(site, supplyRoom, loads).every((x) => x <= EPS)) out.add(o.key);',
    tests: ['test/unit/balancer/budget.test.ts'],
  },
  {
    name: 'exposure-ignores-in-flight',
    rule: 'a limit sent and not answered yet counts in the exposure',
    file: 'src/balancer/budget.ts',
    find: 'return Math.max(known, k.inFlight ?? 0, k.doubt ?? 0, drawing);',
    replace: 'return Math.max(known, k.doubt ?? 0, drawing);',
    tests: ['test/unit/balancer/budget.test.ts'],
  },
  {
    name: 'exposure-ignores-unanswered',
    rule: 'a limit whose answer never came (timeout, lost connection) counts until a later one is accepted',
    file: 'src/balancer/budget.ts',
    find: 'return Math.max(known, k.inFlight ?? 0, k.doubt ?? 0, drawing);',
    replace: 'return Math.max(known, k.inFlight ?? 0, drawing);',
    tests: ['test/unit/balancer/budget.test.ts'],
  },
  {
    name: 'exposure-unknown-as-zero',
    rule: 'a session with no limit accepted yet counts at its maximum, not 0 A',
    file: 'src/balancer/budget.ts',
    find: 'const known = k.accepted ?? k.max;',
    replace: 'const known = k.accepted ?? 0;',
    tests: ['test/unit/balancer/budget.test.ts'],
  },

  // ---- 3. No charger holds up another (src/balancer/loop.ts) -------------------------------
  {
    name: 'orders-wait-for-any-in-flight',
    rule: "no charger holds up another: an order waits only for its own connector's answer",
    file: 'src/balancer/loop.ts',
    find: 'if (inFlight.has(a.key) || !reachable(a.chargerId)) continue;',
    replace: 'if (inFlight.size > 0 || !reachable(a.chargerId)) continue;',
    tests: ['test/integration/balancer-no-stall.test.ts'],
  },
  {
    name: 'runs-wait-for-answers',
    rule: 'no charger holds up another: a run never waits for the answers to the previous run',
    file: 'src/balancer/loop.ts',
    find: 'const delay = paceDelay(lastRun, now, pacing, cause);',
    replace: 'const delay = paceDelay(lastRun, now, pacing, cause); if (inFlight.size > 0) return;',
    tests: ['test/integration/balancer-no-stall.test.ts'],
  },

  // ---- 4. A StopTransaction is never rejected ----------------------------------------------
  {
    name: 'invalid-stop-refused',
    rule: 'a schema-invalid StopTransaction that names its transaction, meter and time is taken',
    file: 'src/gateway/tolerance.ts',
    find: 'if (!transaction) return null;',
    replace: "if (!transaction || action === 'StopTransaction') return null;",
    tests: ['test/integration/frames.test.ts'],
  },
  {
    name: 'session-ignores-its-rescue',
    rule: 'the OCPP session asks its rescue (gateway/tolerance.ts) before refusing a schema-invalid CALL',
    file: 'src/ocpp/session.ts',
    find: 'const rescued = (await this.opts.rescue?.({ id, action, payload }, invalid)) ?? null;',
    replace: 'const rescued = null as Rescue | null;',
    tests: ['test/unit/ocpp/session.test.ts'],
  },
  {
    name: 'unknown-stop-refused',
    rule: 'a Stop for a transaction this gateway never started is accepted and kept apart',
    file: 'src/gateway/handlers/transactions.ts',
    find: "ctx.logger.warn({ transactionId: req.transactionId }, 'StopTransaction for a transaction this gateway never started: recorded');",
    replace: "throw new Error('StopTransaction for a transaction this gateway never started');",
    tests: ['test/unit/gateway/handlers/transactions.test.ts'],
  },

  // ---- 5. The replayed-StartTransaction key: each of its five fields ------------------------
  {
    name: 'replay-key-without-charger',
    rule: "a replayed Start is the same charger's: another charger's start is a new session",
    file: 'src/store/sqlite/sessions.ts',
    find: 'WHERE charger_id = @chargerId AND connector_id',
    replace: 'WHERE connector_id',
    tests: ['test/unit/store/sqlite.test.ts'],
  },
  {
    name: 'replay-key-without-connector',
    rule: 'a replayed Start is on the same connector',
    file: 'src/store/sqlite/sessions.ts',
    find: 'AND connector_id = @connectorId AND id_tag',
    replace: 'AND id_tag',
    tests: ['test/unit/store/sqlite.test.ts'],
  },
  {
    name: 'replay-key-without-id-tag',
    rule: 'a replayed Start carries the same idTag',
    file: 'src/store/sqlite/sessions.ts',
    find: 'AND id_tag = @idTag',
    replace: '',
    tests: ['test/unit/store/sqlite.test.ts'],
  },
  {
    name: 'replay-key-without-started-at',
    rule: "a replayed Start carries the same timestamp (the charger's)",
    file: 'src/store/sqlite/sessions.ts',
    find: 'AND started_at = @startedAt AND meter_start',
    replace: 'AND meter_start',
    tests: ['test/unit/store/sqlite.test.ts'],
  },
  {
    name: 'replay-key-without-meter-start',
    rule: 'a replayed Start carries the same meterStart',
    file: 'src/store/sqlite/sessions.ts',
    find: 'AND started_at = @startedAt AND meter_start = @meterStart',
    replace: 'AND started_at = @startedAt',
    tests: ['test/unit/store/sqlite.test.ts'],
  },

  // ---- 6. The outbox goes up in the order it was written -----------------------------------
  {
    name: 'outbox-order-reversed',
    rule: 'the upstream outbox is a FIFO: messages go up in the order they were written',
    file: 'src/store/sqlite/upstream.ts',
    find: 'AND seq <= ? ORDER BY seq LIMIT ?',
    replace: 'AND seq <= ? ORDER BY seq DESC LIMIT ?',
    tests: ['test/unit/upstream/courier.test.ts'],
  },

  // ---- 7. A Start goes up before its Stop ----------------------------------------------------
  {
    name: 'stop-without-its-start',
    rule: 'a session started before the upstream was configured: its Start goes up first',
    file: 'src/upstream/upstream.ts',
    find: 'if (!idmap.get(session.transactionId)) port.transactionStarted(session);',
    replace: '// (mutated: the Start of a session begun before the upstream is never sent)',
    tests: ['test/integration/upstream-start-first.test.ts'],
  },

  // ---- 8. An unknown charger is refused ------------------------------------------------------
  {
    name: 'frame-depth-unlimited',
    rule: 'a frame nested deeper than 64 levels is refused with FormationViolation before anything handles it (writing it back overflowed the stack: a Start, Stop or MeterValues got an InternalError and was not kept)',
    file: 'src/ocpp/frame.ts',
    find: 'if (opensMoreThan(text, MAX_FRAME_DEPTH) && nestsDeeperThan(text, MAX_FRAME_DEPTH)) {',
    replace: 'if (false) {',
    tests: ['test/integration/frames.test.ts'],
  },
  {
    name: 'unknown-charger-accepted',
    rule: 'a charger not in chargers.list is refused unless allowUnknown',
    file: 'src/gateway/credentials.ts',
    find: 'if (allowUnknown) return { ok: true };',
    replace: 'return { ok: true };',
    tests: ['test/unit/gateway/credentials.test.ts'],
  },
  {
    name: 'auth-decision-ignored',
    rule: 'the OCPP server refuses the upgrade when authentication fails',
    file: 'src/ocpp/server.ts',
    find: 'if (!decision.ok) {',
    replace: 'if (false) {',
    tests: ['test/integration/connection.test.ts'],
  },
  {
    name: 'profile-downgrade-accepted',
    rule: 'a security profile 2 or 3 charger is refused over plain ws:// (no downgrade)',
    file: 'src/gateway/security-profile.ts',
    find: 'if (!transport.secure) return `security profile',
    replace: 'if (false) return `security profile',
    tests: ['test/unit/gateway/security-profile.test.ts', 'test/integration/security-profiles.test.ts'],
  },
  {
    name: 'client-certificate-name-ignored',
    rule: "a profile 3 charger's client certificate must name it (subject CN = its id)",
    file: 'src/gateway/security-profile.ts',
    find: 'if (cert.commonName !== identity)',
    replace: 'if (false)',
    tests: ['test/unit/gateway/security-profile.test.ts', 'test/integration/security-profiles.test.ts'],
  },

  {
    name: 'overdraw-counted-only-when-flagged',
    rule: 'a charger drawing above the limit it accepted is counted at its draw from its first reading after responseTime, not only once flagged',
    file: 'src/balancer/loop.ts',
    find: 'if (d && d.at >= since + responseMs && d.amps > known + fs.overdrawTolerance) {',
    replace: 'if (false) {',
    tests: ['test/integration/balancer-overdraw.test.ts'],
  },
  {
    name: 'overdrawer-counted-twice-after-flag',
    rule: 'a charger flagged as uncontrolled is paired with the grid meter at its whole reading: what it draws above its limit is counted once, and its neighbours get back the room the double count took',
    file: 'src/balancer/draw.ts',
    find: 'if (!changing && c.limit && c.controlled) {',
    replace: 'if (!changing && c.limit) {',
    tests: ['test/integration/overdraw-with-meter.test.ts'],
  },
  {
    name: 'nothing-to-hold-pairs-the-most',
    rule: 'a meter reading with no earlier estimate to hold (after a silent meter) is paired with the least the changing cars may draw: the house load never comes out smaller than it is',
    file: 'src/balancer/failsafe.ts',
    find: 'if (!previous) return otherLoadOf(meter, leastDraw);',
    replace: 'if (!previous) return otherLoadOf(meter, chargerDraw);',
    tests: ['test/unit/balancer/failsafe.test.ts', 'test/integration/balancer-e2e.test.ts'],
  },
  {
    name: 'quiet-meter-phase-looks-fresh',
    rule: 'an MQTT meter with one topic per phase takes a reading only once every phase has sent a value since the last, as old as its oldest phase: a quiet phase makes the meter silent (failsafe), and a new value is never paired with the other phases\' old ones',
    file: 'src/meters/mqtt.ts',
    find: 'times.fill(undefined);',
    replace: 'times.fill(at);',
    tests: ['test/integration/meter-mqtt.test.ts', 'test/unit/meters/phase-round.test.ts'],
  },
  {
    name: 'retained-meter-value-taken-as-reading',
    rule: "a grid meter value the MQTT broker retained is not a reading: its age is unknown, and a dead meter's last values must not be trusted at start",
    file: 'src/meters/mqtt.ts',
    find: 'if (packet.retain) {',
    replace: 'if (packet.retain && false) {',
    tests: ['test/integration/meter-mqtt.test.ts'],
  },
  {
    name: 'late-reading-subtracted-whole',
    rule: "a controlled charger's reading above its limit, after its response time, is late: paired with the meter at no more than its limit",
    file: 'src/balancer/draw.ts',
    find: 'if (!changing && c.limit && c.controlled) {',
    replace: 'if (false) {',
    tests: ['test/unit/balancer/draw.test.ts', 'test/integration/balancer-late-reading.test.ts'],
  },
  {
    name: 'charger-reading-dropped-with-the-meter',
    rule: "a charger's latest reading counts as its car's draw for 1.5 × the sample interval chargegate sets, not only the grid meter's timeout: between reports of a charger every 30–60 s its car is not house load",
    file: 'src/balancer/draw.ts',
    find: 'return Math.max(meterTimeoutS, 1.5 * sampleIntervalS) * 1000;',
    replace: 'return meterTimeoutS * 1000;',
    tests: ['test/unit/balancer/draw.test.ts', 'test/integration/slow-metervalues.test.ts'],
  },
  {
    name: 'raise-judged-by-a-reading-from-before-the-old-limit',
    rule: 'after a raise, a car counts as taking no more only by a reading taken once it had its response time under the old limit (a slow charger may send none in a whole ramp)',
    file: 'src/balancer/draw.ts',
    find: 'const readUnderFrom = startedUnder || (c.limit.fromAcceptedAt !== undefined && c.reported.at >= c.limit.fromAcceptedAt + s.responseMs);',
    replace: 'const readUnderFrom = true;',
    tests: ['test/unit/balancer/draw.test.ts', 'test/integration/slow-metervalues.test.ts'],
  },
  {
    name: 'release-forgotten-between-reports',
    rule: "what a car takes less than offered stays with the others for as long as its charger's reading counts (1.5 × the sample interval), not six meter timeouts",
    file: 'src/balancer/loop.ts',
    find: 'now - m.at <= readingMs) input.measured = m;',
    replace: 'now - m.at <= fs.meterTimeout * 1000 * 6) input.measured = m;',
    tests: ['test/integration/slow-metervalues.test.ts'],
  },
  {
    name: 'house-load-held-while-a-car-changes',
    rule: 'while a car changes, the house load on its phases may rise but not fall: a car that takes its current again before its charger reports shows on the meter as house load, and the next limits end the overload',
    file: 'src/balancer/failsafe.ts',
    find: '(inTransition[p] ? Math.max(a, previous[p]!) : a)',
    replace: '(inTransition[p] ? Math.min(a, previous[p]!) : a)',
    tests: ['test/unit/balancer/failsafe.test.ts', 'test/integration/unreported-drop.test.ts'],
  },
  {
    name: 'discovery-move-empties-first',
    rule: 'a change of discovery format flags the old topics before the new config and empties them only after it (Home Assistant migration order), so the entities keep their ids',
    file: 'src/mqtt/announcer.ts',
    find: 'for (const flag of move.flags) publisher.event(flag.topic, flag.payload);',
    replace: 'for (const flag of move.flags) publisher.clear(flag.topic);',
    tests: ['test/integration/mqtt-discovery-format.test.ts'],
  },
  {
    name: 'discovery-format-not-kept',
    rule: 'with mqtt.homeAssistant.format not set, an install keeps the format it published before: an upgrade moves no entity',
    file: 'src/mqtt/discovery-format.ts',
    find: 'const format = configured ?? previous ?? NEW_INSTALL_FORMAT;',
    replace: 'const format = configured ?? NEW_INSTALL_FORMAT;',
    tests: ['test/integration/mqtt-discovery-format.test.ts'],
  },
  {
    name: 'new-install-leaves-old-configs',
    rule: "a new install on the site's broker sweeps the other format's configs a wiped install may have left, so Home Assistant does not keep them and refuse the new ones",
    file: 'src/mqtt/discovery-format.ts',
    find: ': brokerKeepsRetained ? otherFormat(format) : undefined;',
    replace: ': undefined;',
    tests: ['test/integration/mqtt-discovery-format.test.ts'],
  },
  {
    name: 'device-config-without-shared-availability',
    rule: 'a device config says the availability its entities share (chargegate and the charger connected), so each entity is unavailable as in the per-entity format',
    file: 'src/mqtt/device-discovery.ts',
    find: 'origin: chargegateOrigin(version), ...chargerAvailability(topics, charger.id) }',
    replace: 'origin: chargegateOrigin(version) }',
    tests: ['test/unit/mqtt/device-discovery.test.ts'],
  },
  {
    name: 'solar-surplus-pairs-the-old-reading',
    rule: 'the solar surplus counts a car that was given a new limit at that limit until it reports, not at its old reading (a raise is not a loss of surplus)',
    file: 'src/balancer/draw.ts',
    find: 'return car.currents.map((a) => Math.min(a, cap));',
    replace: 'return c.reported ? c.reported.currents.slice(0, s.phases) : car.currents;',
    tests: ['test/integration/slow-metervalues.test.ts'],
  },

  // ---- 8b. A local user's charging profiles: caps of the balancer, never above it ------------
  {
    name: 'user-profile-cap-ignored',
    rule: "a local user's charging profile is a cap the balancer honours (the smallest of fuse share, cloud cap, user cap)",
    file: 'src/control/user-profiles.ts',
    find: '    balancer: deps.balancer,',
    replace: "    balancer: () => { const b = deps.balancer(); return b && { ...b, setCap: () => ({ accepted: true, reason: 'ignored' }) }; },",
    tests: ['test/integration/user-profiles.test.ts', 'test/unit/control/user-profiles.test.ts'],
  },
  {
    name: 'user-profile-sent-to-charger',
    rule: "with a balancer, a local user's SetChargingProfile never reaches the charger (it could outrank the balancer's and exceed the fuse)",
    file: 'src/app.ts',
    find: '  userProfiles?.register(ocpp);',
    replace: '  void userProfiles;',
    tests: ['test/integration/user-profiles.test.ts'],
  },

  // ---- 9. Durable before answering -----------------------------------------------------------
  {
    name: 'start-answered-before-durable',
    rule: 'a StartTransaction is answered only after its session is durably committed',
    file: 'src/gateway/handlers/transactions.ts',
    find: 'const writing = ctx.store.durably(() => {',
    replace: 'const writing = (<T,>(work: () => T) => Promise.resolve(work()))(() => {',
    tests: ['test/unit/gateway/handlers/transactions.test.ts'],
  },
  {
    name: 'stop-answered-before-durable',
    rule: 'a StopTransaction is answered only after its close is durably committed',
    file: 'src/gateway/handlers/transactions.ts',
    find: 'const { outcome, endSamples } = await ctx.store.durably(() => {',
    replace: 'const { outcome, endSamples } = await (<T,>(work: () => T) => Promise.resolve(work()))(() => {',
    tests: ['test/unit/gateway/handlers/transactions-durable.test.ts'],
  },
  {
    name: 'durable-before-fsync',
    rule: 'group commit: a caller hears "durable" only after the WAL fsync that covers its write',
    file: 'src/store/sqlite/group-commit.ts',
    find: 'unsynced.push(...settled);',
    replace: 'for (const w of settled) w.resolve();',
    tests: ['test/unit/store/group-commit.test.ts'],
  },
];
