// Stream contexts: PHP's option bags, two levels deep (wrapper -> option).
import type * as net from 'node:net';
import { connectionState, isClosed } from './stream-state.js';
import { StreamContext, type ContextOptions } from './stream-context.js';

export { StreamContext, type ContextOptions };

/** The context each server stream carries (accepted connections keep theirs in stream-state.ts). */
const streamContexts = new WeakMap<object, StreamContext>();

export function attachContext(stream: object, context: StreamContext): void {
  streamContexts.set(stream, context);
}

/** A context argument: a context, or a stream whose context is meant (as PHP allows). */
function contextOf(fn: string, parameter: string, target: StreamContext | object): StreamContext {
  if (target instanceof StreamContext) return target;
  if (isClosed(target)) throw new TypeError(`${fn}(): Argument #1 (${parameter}) must be a valid stream/context`);
  const context = streamContexts.get(target) ?? connectionState(target as net.Socket)?.context;
  if (context === undefined) throw new TypeError(`${fn}(): Argument #1 ($stream_or_context) must be a stream context or a stream`);
  return context;
}

function checkOptions(fn: string, options: unknown): ContextOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${fn}(): Argument #1 ($options) must be of type ?array, ${typeof options} given`);
  }
  for (const [wrapper, opts] of Object.entries(options)) {
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(`${fn}(): Options should have the form ["wrappername"]["optionname"] = $value (wrapper "${wrapper}")`);
    }
  }
  return options as ContextOptions;
}

export function stream_context_create(options?: ContextOptions | null): StreamContext {
  return new StreamContext(checkOptions('stream_context_create', options));
}

let defaultContext = new StreamContext();

export function stream_context_get_default(options?: ContextOptions | null): StreamContext {
  if (options) stream_context_set_option(defaultContext, checkOptions('stream_context_get_default', options));
  return defaultContext;
}

/** Merges options into the default context, as PHP does, and returns it. */
export function stream_context_set_default(options: ContextOptions): StreamContext {
  stream_context_set_option(defaultContext, checkOptions('stream_context_set_default', options));
  return defaultContext;
}

/** @internal For tests: forget the default context's options. */
export function resetDefaultContext(): void {
  defaultContext = new StreamContext();
}

export function stream_context_get_options(context: StreamContext | object): ContextOptions {
  return copyValue(contextOf('stream_context_get_options', '$stream_or_context', context).options) as ContextOptions;
}

/**
 * PHP hands arrays and strings out by value, objects (a captured
 * certificate) by handle: copies arrays, plain objects and Buffers, keeps
 * other objects, and leaves undefined entries out (PHP has no such value).
 */
function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .map(([key, inner]) => [key, copyValue(inner)]),
  );
}

/** stream_context_set_option(ctx|stream, wrapper, option, value) or (ctx|stream, [wrapper => [option => value]]). */
export function stream_context_set_option(
  target: StreamContext | object,
  wrapperOrOptions: string | ContextOptions,
  option?: string,
  value?: unknown,
): true {
  const context = contextOf('stream_context_set_option', '$context', target);
  if (typeof wrapperOrOptions === 'string') {
    if (option === undefined)
      throw new TypeError(
        'stream_context_set_option(): Argument #3 ($option_name) cannot be null when argument #2 ($wrapper_or_options) is a string',
      );
    (context.options[wrapperOrOptions] ??= {})[option] = value;
    return true;
  }
  for (const [wrapper, opts] of Object.entries(checkOptions('stream_context_set_option', wrapperOrOptions))) {
    Object.assign((context.options[wrapper] ??= {}), opts);
  }
  return true;
}
