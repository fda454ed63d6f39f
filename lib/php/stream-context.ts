// A stream context: PHP's option bag, two levels deep (wrapper -> option).
export type ContextOptions = Record<string, Record<string, unknown>>;

export class StreamContext {
  readonly options: ContextOptions;
  constructor(options: ContextOptions = {}) {
    this.options = {};
    for (const [wrapper, opts] of Object.entries(options)) this.options[wrapper] = { ...opts };
  }

  /** The option, or undefined when absent (a present `null` stays null). */
  get(wrapper: string, option: string): unknown {
    const opts = this.options[wrapper];
    return opts !== undefined && Object.hasOwn(opts, option) ? opts[option] : undefined;
  }

  has(wrapper: string, option: string): boolean {
    const opts = this.options[wrapper];
    return opts !== undefined && Object.hasOwn(opts, option);
  }
}
