// A seeded random source: the same seed gives the same sequence of calls, so
// any finding replays from its seed alone. sfc32 (fast, 128-bit state) seeded
// through cyrb128, so string seeds such as "7:3" (run seed : child index) work.

function cyrb128(text) {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

export class Rng {
  #a;
  #b;
  #c;
  #d;

  constructor(seed) {
    [this.#a, this.#b, this.#c, this.#d] = cyrb128(String(seed));
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32() {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n) {
    return n <= 0 ? 0 : this.u32() % n;
  }

  /** An integer in [min, max]. */
  range(min, max) {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p) {
    return this.u32() / 4294967296 < p;
  }

  pick(list) {
    return list[this.int(list.length)];
  }

  /** Picks by weight from [[weight, value], ...]. */
  weighted(entries) {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let x = this.int(total);
    for (const [w, value] of entries) {
      if (x < w) return value;
      x -= w;
    }
    return entries[entries.length - 1][1];
  }
}
