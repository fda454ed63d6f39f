// messages() on top of batches(): the datagrams of one receive handed out one
// by one. An async generator with `yield*` would cost three promise steps per
// datagram; this costs one already-resolved promise, and goes back to the
// batches only when the current one is used up. It behaves as an async
// generator does: calls complete in order (a return() waits for a next()
// already under way), and it inherits %AsyncIteratorPrototype% (so
// `[Symbol.asyncIterator]`, and `await using` where Node has it).

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** The prototype async generators share: [Symbol.asyncIterator] and, on newer Nodes, [Symbol.asyncDispose]. */
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())) as object;

/** The items of each array `batches` yields, one at a time, as an async generator. */
export function flatten<T>(batches: AsyncGenerator<T[], void, undefined>): AsyncGenerator<T, void, undefined> {
  let batch: T[] = [];
  let index = 0;
  let done = false;
  /** The fetch of the next batch, while one is under way: later calls queue behind it. */
  let fetching: Promise<unknown> | undefined;

  const fetch = (): Promise<IteratorResult<T, void>> => {
    const next = batches.next().then(
      (result) => {
        fetching = undefined;
        if (result.done === true || done) {
          done = true;
          return DONE;
        }
        batch = result.value;
        index = 0;
        return take();
      },
      (error: unknown) => {
        fetching = undefined;
        done = true;
        throw error;
      },
    );
    fetching = next;
    return next;
  };

  const take = (): IteratorResult<T, void> | Promise<IteratorResult<T, void>> => {
    if (done) return DONE;
    if (index < batch.length) return { done: false, value: batch[index++]! };
    // Several next() calls can be queued on one fetch: the first to find the
    // batch used up fetches, the others queue behind that fetch in turn.
    if (fetching !== undefined) return fetching.then(take, take);
    return fetch();
  };

  /** Ends it once the calls before have completed; the rest of the current batch goes with it. */
  const finish = async (): Promise<void> => {
    while (fetching !== undefined) await fetching.then(undefined, () => undefined);
    done = true;
    batch = [];
    await batches.return(undefined);
  };

  const generator = Object.create(AsyncIteratorPrototype) as AsyncGenerator<T, void, undefined>;
  return Object.assign(generator, {
    next: () => Promise.resolve(take()),
    return: async () => {
      await finish();
      return DONE;
    },
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
  });
}
