/**
 * How long a test waits for an event before it calls it lost. Generous on purpose: tests run on
 * busy boxes (load 15–20 seen), where a boot that takes 50 ms when quiet can take seconds. A
 * passing test never waits this long; only a failing one does, so it costs nothing. Stays under
 * tap's 60 s file timeout, so a lost event still fails with its own message.
 */
export const PATIENCE_MS = 30_000;
