// Waits in the API fuzzer: wait options (timeouts, abort signals, valid and
// not) with the bound within which the wait must settle, and the rule that a
// promise-returning method rejects rather than throws.
import { show } from './api-grammar.mjs';
import { Sentinel } from './native-values.mjs';
import { messageOf, nameOf } from './verdict.mjs';

/** A promise-returning method must not throw synchronously: that is a finding of its own. */
export function invoke(world, where, fn) {
  try {
    return fn();
  } catch (error) {
    world.finding(
      'sync-throw',
      where,
      `throws instead of returning a rejected promise (${nameOf(error)})`,
      `${nameOf(error)}: ${messageOf(error)}`,
    );
    return Promise.reject(error);
  }
}

/**
 * A wait in ms: mostly 0-20 (a sequence lasts about as long as its longest
 * wait, and many run side by side), now and then 50-300.
 */
export function shortMs(rng) {
  return rng.chance(0.9) ? rng.pick([0, 0, 1, 2, 5, 10, 20]) : rng.pick([50, 100, 300]);
}

/** Wait options (timeout, signal, …) and the bound within which the wait must settle (null: until close). */
export function waitOptions(rng) {
  const options = {};
  const allowed = [];
  let bound = null;
  if (rng.chance(0.6)) {
    options.timeout = rng.chance(0.1) ? rng.pick([-1, NaN, 2 ** 31, '50', 1.5]) : shortMs(rng);
    if (Number.isInteger(options.timeout) && options.timeout >= 0 && options.timeout < 2 ** 31) bound = options.timeout;
  }
  if (rng.chance(0.3)) {
    const controller = new AbortController();
    const reason = rng.chance(0.7) ? new Sentinel('aborted by the fuzzer') : undefined;
    const delay = rng.chance(0.25) ? 'now' : shortMs(rng);
    if (delay === 'now') controller.abort(reason);
    else setTimeout(() => controller.abort(reason), delay).unref();
    options.signal = controller.signal;
    allowed.push((e) => e === controller.signal.reason);
    bound = delay === 'now' ? 0 : Math.min(bound ?? Infinity, delay);
  } else if (rng.chance(0.1)) {
    options.signal = rng.pick([{}, 'signal', null]);
  }
  if (rng.chance(0.2)) options.paused = rng.chance(0.5);
  if (rng.chance(0.2)) options.allowHalfOpen = rng.pick([true, false, 'yes']);
  return { options, allowed, bound };
}

/** Starts a wait on a server with random wait options, tracked by the world. */
export function wait(world, entry, rng, name, fn) {
  const { options, allowed, bound } = waitOptions(rng);
  world.note(`${entry.kind}.${name}(${show(options)})`);
  world.track(
    `${entry.kind}.${name}`,
    invoke(world, `${entry.kind}.${name}`, () => fn(options)),
    bound,
    allowed,
  );
}
