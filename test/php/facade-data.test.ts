// The facade's data path after stream_socket_accept(), against PHP itself:
// fclose() delivers every byte, half-close, a peer's FIN leaves the stream
// usable, accepted sockets flow, resources are invalid after fclose(), and
// bad arguments are refused before anything happens.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../lib/index.js';
import {
  fclose,
  ref,
  stream_context_create,
  stream_context_get_options,
  stream_context_set_option,
  stream_get_meta_data,
  stream_set_blocking,
  stream_set_timeout,
  stream_socket_accept,
  stream_socket_enable_crypto,
  stream_socket_get_name,
  stream_socket_recvfrom,
  stream_socket_sendto,
  stream_socket_server,
  stream_socket_shutdown,
  STREAM_CRYPTO_METHOD_TLS_CLIENT,
  STREAM_CRYPTO_METHOD_TLS_SERVER,
  STREAM_CRYPTO_METHOD_TLSv1_2_SERVER,
  type ContextOptions,
  type PhpServerStream,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { captureFacade, phpJson } from '../helpers/php.js';
import { phpAvailable } from './harness.js';

// What a test opened is closed after it, passed or failed, before the leak check looks.
const track = checkSocketLeaks();

const hasPhp = phpAvailable();
if (!hasPhp && process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');

const dir = mkdtempSync(join(tmpdir(), 'sss-facade-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { cert, key } = selfSignedCertificate({ commonName: 'localhost' });
const certFile = join(dir, 'cert.pem');
writeFileSync(certFile, cert + key, { mode: 0o600 });
const SSL: ContextOptions = { ssl: { local_cert: certFile } };
const CLIENT_SSL = "stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]])";

/** A facade server that fcloses itself after the test, whatever happened. */
function serve(url: string, options?: ContextOptions): { server: PhpServerStream; address: string } {
  const server = stream_socket_server(url, null, null, 12, options ? stream_context_create(options) : null);
  if (server === false) throw new Error(`cannot serve ${url}`);
  track(server);
  return { server, address: stream_socket_get_name(server, false) as string };
}

async function accepted(server: PhpServerStream): Promise<net.Socket> {
  const conn = await stream_socket_accept(server, 10);
  if (conn === false) throw new Error('accept failed');
  return conn;
}

const SIZE = 32 * 1024 * 1024;

describe.runIf(hasPhp)('fclose() delivers everything written before it', () => {
  // A slow PHP client: connects, reads nothing for 1.5 s (the server has long since fclose()d), then reads to EOF.
  const reader = (url: string) =>
    phpJson<{ bytes: number }>(
      `$c = stream_socket_client($argv[1], $e, $es, 10, STREAM_CLIENT_CONNECT, ${CLIENT_SSL});
       usleep(1500000); $n = 0; while (!feof($c)) { $d = fread($c, 1 << 16); if ($d === false) break; $n += strlen($d); }
       emit(['bytes' => $n]);`,
      [url],
      60_000,
    );

  for (const transport of ['tcp', 'unix', 'ssl'] as const) {
    it(`${transport}: write(32 MiB) then fclose() reaches a PHP client whole`, async () => {
      const url = transport === 'unix' ? `unix://${dir}/fclose.sock` : `${transport}://127.0.0.1:0`;
      const { server, address } = serve(url, transport === 'ssl' ? SSL : undefined);
      const client = reader(transport === 'unix' ? url : `${transport}://${address}`);
      const conn = await accepted(server);
      conn.write(Buffer.alloc(SIZE, 0x61));
      expect(fclose(conn)).toBe(true);
      expect((await client).bytes).toBe(SIZE);
    });
  }

  it("PHP's own server does the same (the behaviour the facade follows)", async () => {
    const nameFile = join(dir, 'php-server-name');
    const phpServer = phpJson(
      `$s = stream_socket_server("tcp://127.0.0.1:0"); file_put_contents($argv[1], stream_socket_get_name($s, false));
       $c = stream_socket_accept($s, 10); fwrite($c, str_repeat('a', ${SIZE})); fclose($c); emit([]);`,
      [nameFile],
      60_000,
    );
    const name = await waitForFile(nameFile);
    const bytes = await new Promise<number>((resolve, reject) => {
      let n = 0;
      net
        .connect(Number(name.split(':')[1]), '127.0.0.1')
        .on('data', (d: Buffer) => (n += d.length))
        .on('end', () => resolve(n))
        .on('error', reject);
    });
    await phpServer;
    expect(bytes).toBe(SIZE);
  });
});

/** Waits until a file has content (the test's own timeout bounds it). */
async function waitForFile(path: string): Promise<string> {
  for (;;) {
    try {
      const text = readFileSync(path, 'utf8');
      if (text !== '') return text;
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.runIf(hasPhp)("after the peer's FIN, as PHP", () => {
  // The client sends a line, half-closes (PHP's stream_socket_shutdown WR), and reads to EOF.
  const halfCloser = (url: string) =>
    phpJson<{ read: string }>(
      `$c = stream_socket_client($argv[1], $e, $es, 10, STREAM_CLIENT_CONNECT, ${CLIENT_SSL});
       fwrite($c, "ping\\n"); stream_socket_shutdown($c, STREAM_SHUT_WR);
       $r = ''; while (!feof($c)) { $d = fread($c, 8192); if ($d === false) break; $r .= $d; }
       emit(['read' => $r]);`,
      [url],
    );

  for (const transport of ['tcp', 'unix'] as const) {
    it(`${transport}: the server still writes after the client's shutdown(SHUT_WR)`, async () => {
      const url = transport === 'unix' ? `unix://${dir}/half.sock` : 'tcp://127.0.0.1:0';
      const { server, address } = serve(url);
      const client = halfCloser(transport === 'unix' ? url : `tcp://${address}`);
      const conn = await accepted(server);
      expect(String(await stream_socket_recvfrom(conn, 100))).toBe('ping\n');
      expect(String(await stream_socket_recvfrom(conn, 100))).toBe(''); // the FIN
      conn.write('after the fin, ');
      expect(stream_socket_sendto(conn, 'and more')).toBe(8);
      fclose(conn);
      expect((await client).read).toBe('after the fin, and more');
    });
  }

  // What a server stream answers once its client has closed: run by PHP and by the facade.
  // What a server stream answers once its client has closed, run by PHP and by the facade. On ssl://
  // PHP's recvfrom/sendto bypass TLS (a documented difference), so there the facade's own answers are checked.
  const CLOSED_PEER_PROBES = `
    $out['local'] = stream_socket_get_name($c, false) !== false;
    $out['remote'] = stream_socket_get_name($c, true) !== false;
    $out['crypto'] = isset(stream_get_meta_data($c)['crypto']);
    $out['recv'] = stream_socket_recvfrom($c, 100);
    $out['sendto'] = capture(fn () => stream_socket_sendto($c, 'x'));`;

  for (const transport of ['tcp', 'ssl'] as const) {
    it(`${transport}: a closed client leaves the stream's name, crypto, recvfrom "" and sendto`, async () => {
      const client = (url: string) =>
        phpJson(
          `$c = stream_socket_client($argv[1], $e, $es, 10, STREAM_CLIENT_CONNECT, ${CLIENT_SSL}); fwrite($c, "bye"); fclose($c); emit([]);`,
          [url],
        );
      // PHP's side
      const php = await phpJson(
        `$s = stream_socket_server("${transport}://127.0.0.1:0", $e, $es, 12, stream_context_create(['ssl' => ['local_cert' => $argv[1], 'crypto_method' => STREAM_CRYPTO_METHOD_TLSv1_2_SERVER]]));
         $name = stream_socket_get_name($s, false);
         $p = proc_open([PHP_BINARY, '-r', '$c = stream_socket_client($argv[1], $e, $es, 10, STREAM_CLIENT_CONNECT, stream_context_create(["ssl" => ["verify_peer" => false, "verify_peer_name" => false]])); fwrite($c, "bye"); fclose($c);', '${transport}://' . $name], [], $pipes);
         $c = stream_socket_accept($s, 10);
         $out = ['first' => stream_socket_recvfrom($c, 100)];
         proc_close($p);
         ${CLOSED_PEER_PROBES}
         emit($out);`,
        [certFile],
      );
      // the facade's side
      // TLS 1.2: its session ticket comes inside the handshake. A TLS 1.3 ticket arrives after it, and a client
      // that closes with it unread resets the connection, after which Node has closed the fd (see php-facade.md).
      const { server, address } = serve(`${transport}://127.0.0.1:0`, {
        ssl: { ...SSL.ssl, crypto_method: STREAM_CRYPTO_METHOD_TLSv1_2_SERVER },
      });
      const done = client(`${transport}://${address}`);
      const c = await accepted(server);
      const out: Record<string, unknown> = { first: String(await stream_socket_recvfrom(c, 100)) };
      await done;
      out.local = stream_socket_get_name(c, false) !== false;
      out.remote = stream_socket_get_name(c, true) !== false;
      out.crypto = 'crypto' in stream_get_meta_data(c);
      out.recv = String(await stream_socket_recvfrom(c, 100));
      const sent = await captureFacade(() => stream_socket_sendto(c, 'x'));
      out.sendto = [sent.result, sent.warnings, sent.exception];
      fclose(c);
      // ssl: whether the peer's name survives depends on whether its close was a reset (unread session tickets): a race in PHP too.
      const bypassed = transport === 'ssl' ? ['first', 'recv', 'sendto', 'remote'] : [];
      const without = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !bypassed.includes(k)));
      expect(without(out)).toEqual(without(php));
      expect(without(out)).toEqual(
        without({ first: 'bye', local: true, remote: true, crypto: transport === 'ssl', recv: '', sendto: [1, [], null] }),
      );
      if (transport === 'ssl')
        expect({ first: out.first, recv: out.recv, sendto: out.sendto }).toEqual({ first: 'bye', recv: '', sendto: [1, [], null] });
    });
  }
});

describe('accepted connections behave like node:net server sockets', () => {
  for (const transport of ['tcp', 'unix'] as const) {
    it(`${transport}: a 'data' listener alone gets the client's bytes`, async () => {
      const url = transport === 'unix' ? `unix://${dir}/flow.sock` : 'tcp://127.0.0.1:0';
      const { server, address } = serve(url);
      const client = transport === 'unix' ? net.connect(`${dir}/flow.sock`) : net.connect(Number(address.split(':')[1]), '127.0.0.1');
      track(client);
      client.write('hello');
      const conn = await accepted(server);
      const got = await new Promise<string>((resolve) => conn.on('data', (d: Buffer) => resolve(String(d))));
      expect(got).toBe('hello');
      fclose(conn);
    });
  }

  it('end() instead of fclose(): the socket closes once the client closes, even though nobody reads', async () => {
    const { server, address } = serve('tcp://127.0.0.1:0');
    const client = net.connect(Number(address.split(':')[1]), '127.0.0.1');
    track(client);
    client.write('a request nobody reads');
    const conn = await accepted(server);
    const got = new Promise<string>((resolve) => {
      let text = '';
      client.on('data', (d: Buffer) => (text += d)).on('end', () => (client.end(), resolve(text)));
    });
    conn.end('the answer');
    expect(await got).toBe('the answer');
    await new Promise((resolve) => conn.once('close', resolve)); // without the drain this never comes
    expect(conn.destroyed).toBe(true);
  });

  it("a write to a client that is gone is PHP's warning later, never an uncaught 'error'", async () => {
    const { server, address } = serve('tcp://127.0.0.1:0');
    const client = net.connect(Number(address.split(':')[1]), '127.0.0.1');
    const conn = await accepted(server);
    await new Promise((resolve) => client.on('connect', resolve));
    client.resetAndDestroy();
    // Writes until the reset is seen: Node reports EPIPE/ECONNRESET to the socket, which must not throw.
    while (!conn.destroyed) {
      conn.write('x');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { result, warnings } = await captureFacade(() => stream_socket_sendto(conn, 'y'));
    expect(result).toBe(-1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^stream_socket_sendto\(\): (Broken pipe|Connection reset by peer)\n$/);
    fclose(conn);
  });
});

describe.runIf(hasPhp)('a resource after fclose(), as PHP', () => {
  const CALLS: Array<[string, string, (s: never) => unknown]> = [
    ['stream_set_timeout', 'stream_set_timeout($x, 1)', (s) => stream_set_timeout(s, 1)],
    ['fclose', 'fclose($x)', (s) => fclose(s)],
    ['stream_socket_sendto', 'stream_socket_sendto($x, "a")', (s) => stream_socket_sendto(s, 'a')],
    ['stream_socket_recvfrom', 'stream_socket_recvfrom($x, 1)', (s) => stream_socket_recvfrom(s, 1)],
    ['stream_socket_get_name', 'stream_socket_get_name($x, false)', (s) => stream_socket_get_name(s, false)],
    ['stream_get_meta_data', 'stream_get_meta_data($x)', (s) => stream_get_meta_data(s)],
    ['stream_socket_shutdown', 'stream_socket_shutdown($x, 1)', (s) => stream_socket_shutdown(s, 1)],
    ['stream_set_blocking', 'stream_set_blocking($x, false)', (s) => stream_set_blocking(s, false)],
    [
      'stream_socket_enable_crypto',
      'stream_socket_enable_crypto($x, true, STREAM_CRYPTO_METHOD_TLS_SERVER)',
      (s) => stream_socket_enable_crypto(s, true, STREAM_CRYPTO_METHOD_TLS_SERVER),
    ],
    ['stream_context_get_options', 'stream_context_get_options($x)', (s) => stream_context_get_options(s)],
    ['stream_context_set_option', 'stream_context_set_option($x, "ssl", "a", 1)', (s) => stream_context_set_option(s, 'ssl', 'a', 1)],
    ['stream_socket_accept', 'stream_socket_accept($x, 0)', (s) => stream_socket_accept(s, 0)],
  ];

  it('every stream function throws the TypeError PHP throws, on a closed connection and a closed server', async () => {
    const php = await phpJson<Record<string, unknown>>(`
      $s = stream_socket_server("tcp://127.0.0.1:0");
      $c = stream_socket_client("tcp://" . stream_socket_get_name($s, false));
      $a = stream_socket_accept($s);
      fclose($a); fclose($s);
      $out = [];
      foreach ([${CALLS.map(([name, call]) => `${JSON.stringify(name)} => fn ($x) => ${call}`).join(', ')}] as $name => $f) {
        foreach (['conn' => $a, 'server' => $s] as $kind => $x) $out["$name $kind"] = capture(fn () => $f($x));
      }
      emit($out);`);
    const { server, address } = serve('tcp://127.0.0.1:0');
    const client = net.connect(Number(address.split(':')[1]), '127.0.0.1');
    track(client);
    const conn = await accepted(server);
    fclose(conn);
    fclose(server);
    const facade: Record<string, unknown> = {};
    for (const [name, , call] of CALLS) {
      for (const [kind, stream] of [
        ['conn', conn],
        ['server', server],
      ] as const) {
        const { result, warnings, exception } = await captureFacade(() => call(stream as never));
        facade[`${name} ${kind}`] = [exception === null ? result : null, warnings, exception];
      }
    }
    expect(facade).toEqual(php);
  });
});

describe.runIf(hasPhp)('stream_socket_enable_crypto() on a listening tcp:// stream, as PHP', () => {
  it('a client method fails at once (Broken pipe), then TLS counts as set up; a server method times out, then answers 0', async () => {
    const php = await phpJson(`
      $s = stream_socket_server("tcp://127.0.0.1:0"); stream_set_timeout($s, 1);
      $t = stream_socket_server("tcp://127.0.0.1:0"); stream_set_timeout($t, 1);
      emit([
        capture(fn () => stream_socket_enable_crypto($s, true, STREAM_CRYPTO_METHOD_TLS_CLIENT)),
        capture(fn () => stream_socket_enable_crypto($s, true, STREAM_CRYPTO_METHOD_TLS_CLIENT)),
        capture(fn () => stream_socket_enable_crypto($s, false)),
        capture(fn () => stream_socket_enable_crypto($s, true, STREAM_CRYPTO_METHOD_TLS_SERVER)),
        capture(fn () => stream_socket_enable_crypto($t, true, STREAM_CRYPTO_METHOD_TLS_SERVER)),
        capture(fn () => stream_socket_enable_crypto($t, true, STREAM_CRYPTO_METHOD_TLS_SERVER)),
        capture(fn () => stream_socket_enable_crypto($t, true, STREAM_CRYPTO_METHOD_TLS_CLIENT)),
      ]);`);
    const { server: s } = serve('tcp://127.0.0.1:0');
    const { server: t } = serve('tcp://127.0.0.1:0');
    stream_set_timeout(s, 1);
    stream_set_timeout(t, 1);
    const facade = [];
    for (const [stream, enable, method] of [
      [s, true, STREAM_CRYPTO_METHOD_TLS_CLIENT],
      [s, true, STREAM_CRYPTO_METHOD_TLS_CLIENT],
      [s, false, undefined],
      [s, true, STREAM_CRYPTO_METHOD_TLS_SERVER],
      [t, true, STREAM_CRYPTO_METHOD_TLS_SERVER],
      [t, true, STREAM_CRYPTO_METHOD_TLS_SERVER],
      [t, true, STREAM_CRYPTO_METHOD_TLS_CLIENT],
    ] as const) {
      const { result, warnings, exception } = await captureFacade(() => stream_socket_enable_crypto(stream, enable, method));
      facade.push([result, warnings, exception]);
    }
    expect(facade).toEqual(php);
  });

  it('with no read timeout, a server method waits, and fclose() ends the wait', async () => {
    const { server } = serve('tcp://127.0.0.1:0');
    stream_set_timeout(server, 0);
    let settled = false;
    const pending = captureFacade(() => stream_socket_enable_crypto(server, true, STREAM_CRYPTO_METHOD_TLS_SERVER)).finally(
      () => (settled = true),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    fclose(server);
    expect(await pending).toEqual({
      result: false,
      warnings: ['stream_socket_enable_crypto(): SSL: Bad file descriptor'],
      exception: null,
    });
  });
});

describe.runIf(hasPhp)('ssl options with NUL bytes, as PHP', () => {
  for (const option of ['local_cert', 'local_pk'] as const) {
    it(`${option}: PHP's two texts, then the accept fails`, async () => {
      const php = await phpJson<{ warnings: string[] }>(
        `
        $ctx = stream_context_create(['ssl' => ['local_cert' => $argv[1], '${option}' => "/tmp/a\\0b.pem"]]);
        $s = stream_socket_server("ssl://127.0.0.1:0", $e, $es, 12, $ctx);
        $c = stream_socket_client("tcp://" . stream_socket_get_name($s, false), $e, $es, 5, STREAM_CLIENT_ASYNC_CONNECT | STREAM_CLIENT_CONNECT);
        [$r, $w] = capture(fn () => stream_socket_accept($s, 5));
        emit(['result' => $r, 'warnings' => $w]);`,
        [certFile],
      );
      const { server, address } = serve('ssl://127.0.0.1:0', { ssl: { local_cert: certFile, [option]: '/tmp/a\0b.pem' } });
      const client = net.connect(Number(address.split(':')[1]), '127.0.0.1').on('error', () => {});
      track(client);
      const facade = await captureFacade(() => stream_socket_accept(server, 5));
      expect({ result: facade.result, warnings: facade.warnings }).toEqual(php);
      expect(php.warnings[0]).toBe(
        `stream_socket_accept(): Path for ${option} in ssl stream context option must not contain any null bytes`,
      );
      expect(php.warnings.join('')).not.toContain('\0');
    });
  }
});

describe('arguments refused before anything happens', () => {
  for (const peer of [true, 1, 'name', {}]) {
    it(`stream_socket_accept() with peer_name ${JSON.stringify(peer)}: a TypeError, and the connection stays queued`, async () => {
      const { server, address } = serve('tcp://127.0.0.1:0');
      const client = net.connect(Number(address.split(':')[1]), '127.0.0.1');
      track(client);
      await new Promise((resolve) => client.on('connect', resolve));
      await expect(stream_socket_accept(server, 5, peer as never)).rejects.toThrow(
        new TypeError('stream_socket_accept(): Argument #3 ($peer_name) could not be passed by reference'),
      );
      const name = ref<string | false>('');
      const conn = await stream_socket_accept(server, 5, name);
      expect(conn).not.toBe(false);
      expect(name.value).toBe(`127.0.0.1:${client.localPort}`);
      fclose(conn as net.Socket);
    });
  }

  it('stream_socket_sendto() takes the bytes of any ArrayBufferView and refuses other values with a TypeError', async () => {
    const { server, address } = serve('tcp://127.0.0.1:0');
    const client = net.connect(Number(address.split(':')[1]), '127.0.0.1');
    track(client);
    const received: Buffer[] = [];
    client.on('data', (d: Buffer) => received.push(d));
    const conn = await accepted(server);
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const views = [
      new DataView(bytes.buffer, 2, 4),
      new Uint16Array(bytes.buffer, 4, 2),
      new Float64Array(bytes.buffer, 8, 1),
      new BigInt64Array(bytes.buffer, 0, 1),
      Buffer.from([0xff]),
    ];
    let expected = 0;
    for (const view of views) {
      expect(stream_socket_sendto(conn, view)).toBe(view.byteLength);
      expected += view.byteLength;
    }
    for (const bad of [42, null, {}, [1, 2]]) {
      expect(() => stream_socket_sendto(conn, bad as never)).toThrow(TypeError);
    }
    expect(() => stream_socket_sendto(conn, new ArrayBuffer(4) as never)).toThrow(
      'stream_socket_sendto(): Argument #2 ($data) must be of type string, ArrayBuffer given',
    );
    fclose(conn);
    await new Promise((resolve) => client.on('end', resolve));
    expect(Buffer.concat(received)).toEqual(
      Buffer.from([3, 4, 5, 6, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 7, 8, 0xff]),
    );
    expect(expected).toBe(25);
  });
});
