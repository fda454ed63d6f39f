// allowHalfOpen: accepted sockets that outlive the peer's FIN (a PHP stream's
// or a C server's behaviour), and node:net's default, which ends them.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../lib/index.js';
import { checkSocketLeaks } from './helpers/leaks.js';

const track = checkSocketLeaks();

/** A client that sends `line`, half-closes, and resolves with everything it reads until the server closes. */
function halfClosingClient(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = track(net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(line)));
    let got = '';
    socket
      .on('data', (d: Buffer) => (got += d))
      .on('end', () => resolve(got))
      .on('error', reject);
  });
}

/** Reads until the peer's FIN. */
function readAll(conn: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    conn.on('data', (d: Buffer) => (got += d)).once('end', () => resolve(got));
  });
}

describe('allowHalfOpen', () => {
  it("server option: after the client shut its side, the iterator's socket still writes", async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { allowHalfOpen: true }));
    const answer = halfClosingClient(server.port, 'question');
    for await (const conn of server) {
      expect(conn.allowHalfOpen).toBe(true);
      const asked = await readAll(conn);
      expect(conn.writable).toBe(true);
      conn.end(`answer to ${asked}`);
      break;
    }
    expect(await answer).toBe('answer to question');
    server.close();
  });

  it("accept() option overrides the server's; the default (false) ends the socket at the peer's FIN, as node:net", async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const first = halfClosingClient(server.port, 'one');
    const conn = track(await server.accept({ allowHalfOpen: true }));
    expect(await readAll(conn)).toBe('one');
    conn.end('still here');
    expect(await first).toBe('still here');

    const second = halfClosingClient(server.port, 'two');
    const plain = track(await server.accept());
    expect(plain.allowHalfOpen).toBe(false);
    expect(await readAll(plain)).toBe('two');
    await new Promise((resolve) => plain.once('close', resolve)); // node:net ends and closes it
    expect(await second).toBe('');
    server.close();
  });

  it('rejects a non-boolean option', () => {
    expect(() => openServer('tcp://127.0.0.1:0', { allowHalfOpen: 'yes' as never })).toThrow(TypeError);
  });
});
