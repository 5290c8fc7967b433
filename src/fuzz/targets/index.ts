/** Every fuzz target, in the order a run drives them; the ones that need a real gateway share one. */
import { sharedSite } from '../site.js';
import type { Target } from '../target.js';
import { frameTarget } from './frame.js';
import { handlerTarget } from './handlers.js';
import { httpTarget } from './http.js';
import { httpServerTarget } from './http-server.js';
import { mqttTarget } from './mqtt.js';

export function createTargets(): Target<unknown>[] {
  const site = sharedSite();
  return [frameTarget(), handlerTarget({ site }), mqttTarget({ site }), httpTarget({ site }), httpServerTarget({ site })];
}
