// messages() hands out the datagrams of each batch one by one (dgram/flatten.ts),
// and a batch's datagrams are views of one Buffer: every datagram must still
// arrive whole, in order, with its own size and truncation, whatever the reader does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServer, type Datagram, type DatagramServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';

const track = checkSocketLeaks();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sss-dgram-msgs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Datagram i: `size(i)` bytes, each the low byte of i + its offset. */
const size = (i: number) => 1 + ((i * 37) % 2500);
const payload = (i: number) => Buffer.from(Array.from({ length: size(i) }, (_, k) => (i + k) & 0xff));

/** A udg:// pair (unix datagrams are never dropped: a full receiver makes the sender wait). */
function pair(): { server: DatagramServer; sender: DatagramServer; path: string } {
  const path = join(dir, 'server.sock');
  const server = track(openServer(`udg://${path}`));
  const sender = track(openServer(`udg://${join(dir, 'sender.sock')}`));
  return { server, sender, path };
}

/** Sends datagrams first..last-1, a few at a time, letting the reader catch up (EAGAIN means: wait). */
async function send(sender: DatagramServer, path: string, first: number, last: number): Promise<void> {
  for (let i = first; i < last;) {
    try {
      sender.sendto(payload(i), { path });
      i++;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

function check(d: Datagram, i: number, maxLength: number): void {
  expect(d.size).toBe(size(i));
  expect(d.truncated).toBe(size(i) > maxLength);
  expect(d.data.equals(payload(i).subarray(0, maxLength))).toBe(true);
  expect(d.from).toMatchObject({ family: 'unix', path: join(dir, 'sender.sock') });
}

describe('messages() and batches()', () => {
  it('hand out 600 datagrams of mixed sizes whole and in order, truncated ones marked', async () => {
    const { server, sender, path } = pair();
    const maxLength = 2000;
    const sending = send(sender, path, 0, 600);
    let i = 0;
    for await (const d of server.messages({ batch: 64, maxLength })) {
      check(d, i, maxLength);
      if (++i === 600) break;
    }
    await sending;
    const truncated = Array.from({ length: 600 }, (_, k) => size(k) > maxLength).filter(Boolean).length;
    expect(server.stats()).toMatchObject({ received: 600, truncated });
    // A datagram kept past its batch keeps its bytes (the batch's Buffer lives on with it).
    expect(server.stats().receiveCalls).toBeLessThan(600);
  });

  it('batches() yields arrays whose datagrams are each whole', async () => {
    const { server, sender, path } = pair();
    const sending = send(sender, path, 0, 100);
    const seen: Datagram[] = [];
    for await (const batch of server.batches({ batch: 32, maxLength: 1000 })) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(32);
      seen.push(...batch);
      if (seen.length === 100) break;
    }
    await sending;
    seen.forEach((d, i) => check(d, i, 1000));
  });

  it('next() calls made before anything arrives resolve in order, one datagram each', async () => {
    const { server, sender, path } = pair();
    const it = server.messages({ batch: 4, maxLength: 4096 });
    const pending = Array.from({ length: 10 }, () => it.next());
    await send(sender, path, 0, 10);
    const results = await Promise.all(pending);
    results.forEach((r, i) => {
      expect(r.done).toBe(false);
      check(r.value as Datagram, i, 4096);
    });
    await it.return(undefined);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('a reader that breaks leaves the server open: a new iterator reads what is sent next', async () => {
    const { server, sender, path } = pair();
    await send(sender, path, 0, 1);
    for await (const d of server) {
      check(d, 0, 65535);
      break;
    }
    await send(sender, path, 1, 3);
    const next = server.messages();
    check((await next.next()).value as Datagram, 1, 65535);
    check((await next.next()).value as Datagram, 2, 65535);
    await next.return(undefined);
  });

  it('return() and throw() wait for a next() already under way: it gets its datagram, as with an async generator', async () => {
    const { server, sender, path } = pair();
    const it = server.messages();
    const first = it.next();
    const ending = it.return(undefined);
    await send(sender, path, 0, 1);
    check((await first).value as Datagram, 0, 65535);
    expect(await ending).toEqual({ done: true, value: undefined });
    const other = server.messages();
    const second = other.next();
    const thrown = other.throw(new Error('stop'));
    await send(sender, path, 1, 2);
    check((await second).value as Datagram, 1, 65535);
    await expect(thrown).rejects.toThrow('stop');
    // It is an async iterator as async generators are: `for await` takes it, and so does `await using` where Node has it.
    const third = server.messages();
    expect(third[Symbol.asyncIterator]()).toBe(third);
    const dispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
    if (dispose !== undefined && dispose in Object.getPrototypeOf((async function* () {})())) {
      expect(typeof (third as unknown as Record<symbol, unknown>)[dispose]).toBe('function');
    }
  });

  it('close() ends a waiting iterator; throw() ends it with the error', async () => {
    const { server } = pair();
    const waiting = server.messages().next();
    const other = server.messages();
    await expect(other.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(await other.next()).toEqual({ done: true, value: undefined });
    server.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
