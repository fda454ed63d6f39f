// PHP's own client against servers made with the facade, and the ported
// manual example answering PHP and socat.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fclose,
  ref,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_recvfrom,
  stream_socket_sendto,
  stream_socket_server,
  type PhpServerStream,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { hasCommand, run, startChild } from '../helpers/peers.js';
import { phpAvailable } from './harness.js';

// What the tests open is closed after each test, passed or failed, before the leak check
// (facade servers by their close()).
const track = checkSocketLeaks();
/** stream_socket_server() that must succeed, its server tracked. */
function phpServer(url: string): PhpServerStream {
  const server = stream_socket_server(url);
  if (server === false) throw new Error(`stream_socket_server(${url}) failed`);
  return track(server);
}

const hasPhp = phpAvailable();
if (!hasPhp && process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');

/** A PHP client: connects, sends a line, prints what it reads back until EOF. */
function phpClient(url: string, send: string) {
  const code = `
    $c = stream_socket_client($argv[1], $errno, $errstr, 3);
    if (!$c) { fwrite(STDERR, "connect failed: $errstr ($errno)\\n"); exit(2); }
    fwrite($c, $argv[2]);
    echo stream_get_contents($c);
    echo "|local=", stream_socket_get_name($c, false), "|remote=", stream_socket_get_name($c, true);`;
  return run('php', ['-r', code, url, send], { timeoutMs: 10_000 });
}

/** Serves one connection: reads the client's line, answers, closes. */
async function serveOnce(server: PhpServerStream): Promise<{ heard: string; peer: string | false }> {
  const peer = ref<string | false>('');
  const conn = await stream_socket_accept(server, 5, peer);
  if (conn === false) throw new Error('accept failed');
  track(conn);
  const heard = String(await stream_socket_recvfrom(conn, 100));
  expect(stream_socket_sendto(conn, `you said: ${heard}`)).toBe(`you said: ${heard}`.length);
  conn.end();
  return { heard, peer: peer.value };
}

describe.runIf(hasPhp)('interop with PHP', () => {
  it("PHP's stream_socket_client() talks to a facade tcp server, both ways", async () => {
    const server = phpServer('tcp://127.0.0.1:0');
    const name = stream_socket_get_name(server, false) as string;
    const [served, client] = await Promise.all([serveOnce(server), phpClient(`tcp://${name}`, 'hello from php')]);
    expect(served.heard).toBe('hello from php');
    expect(client.stdout).toMatch(new RegExp(`^you said: hello from php\\|local=127\\.0\\.0\\.1:\\d+\\|remote=${name}$`));
    expect(client.stdout).toContain(`local=${served.peer}`); // PHP's own name for its end = our peer name
    fclose(server);
  });

  it("PHP's stream_socket_client() talks to a facade unix server", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sss-interop-'));
    try {
      const server = phpServer(`unix://${dir}/s.sock`);
      const [served, client] = await Promise.all([serveOnce(server), phpClient(`unix://${dir}/s.sock`, 'over unix')]);
      expect(served.heard).toBe('over unix');
      expect(served.peer).toBe(''); // an unbound unix client has no name
      expect(client.stdout).toBe(`you said: over unix|local=|remote=${dir}/s.sock`);
      fclose(server);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the ported manual Example 1 answers PHP and socat with the date', async () => {
    const { child, match } = await startChild(
      process.execPath,
      ['dist/examples/php-time-server.js', 'tcp://127.0.0.1:0'],
      /listening on (127\.0\.0\.1:\d+)/,
    );
    try {
      const line = /^The local time is \d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (am|pm)\n/;
      expect((await phpClient(`tcp://${match[1]}`, '')).stdout).toMatch(line);
      if (hasCommand('socat')) expect((await run('socat', ['-u', `TCP:${match[1]}`, '-'])).stdout).toMatch(line);
      else if (process.env.CI) throw new Error('socat is required in CI');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it("the ported example prints PHP's error line when the port is taken", async () => {
    const taken = phpServer('tcp://127.0.0.1:0');
    const { stdout, code } = await run(process.execPath, [
      '--no-warnings',
      'dist/examples/php-time-server.js',
      `tcp://${stream_socket_get_name(taken, false)}`,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('Address already in use (98)<br />\n'); // PHP would print "(0)": errno is real here
    fclose(taken);
  });
});

describe.runIf(hasPhp)('the manual Example 1 over ssl:// (a self-signed certificate, as the user notes make it)', () => {
  it("answers PHP's ssl:// client, openssl s_client, and survives a client that is not TLS", async () => {
    const { child, match } = await startChild(
      process.execPath,
      ['--no-warnings', 'dist/examples/php-tls-time-server.js', 'ssl://127.0.0.1:0'],
      /listening on (127\.0\.0\.1:\d+)/,
    );
    try {
      const line = /^The local time is \d{4}-\d\d-\d\dT/;
      // Not TLS: that accept fails after PHP's warnings (the client gets no time), and the example serves on.
      if (hasCommand('socat')) {
        const plain = await run('socat', ['-t', '1', '-', `TCP:${match[1]}`], { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 5000 });
        expect(plain.stdout).not.toMatch(line);
      } else if (process.env.CI) throw new Error('socat is required in CI');
      const php = `
        $ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
        $c = stream_socket_client($argv[1], $errno, $errstr, 3, STREAM_CLIENT_CONNECT, $ctx);
        if (!$c) { fwrite(STDERR, "connect failed: $errstr\\n"); exit(2); }
        echo stream_get_contents($c), stream_get_meta_data($c)['crypto']['protocol'];`;
      const fromPhp = await run('php', ['-r', php, `ssl://${match[1]}`], { timeoutMs: 10_000 });
      expect(fromPhp.stdout).toMatch(line);
      expect(fromPhp.stdout).toMatch(/TLSv1\.3$/);
      expect(fromPhp.stderr).toBe('');
      if (hasCommand('openssl')) {
        const fromOpenssl = await run('openssl', ['s_client', '-quiet', '-connect', match[1]!], { input: '', timeoutMs: 10_000 });
        expect(fromOpenssl.stdout).toMatch(line);
      } else if (process.env.CI) throw new Error('openssl is required in CI');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe.runIf(hasPhp)('the ported manual Example 2 (UDP time server)', () => {
  it("answers PHP's udp client with the date, and prints the peer", async () => {
    const { child, match } = await startChild(
      process.execPath,
      ['dist/examples/udp-time-server.js', 'udp://127.0.0.1:0'],
      /listening on (127\.0\.0\.1:\d+)/,
    );
    try {
      let printed = '';
      const peerLine = new Promise<void>((resolve) => {
        child.stdout!.on('data', (d: Buffer) => {
          printed += d;
          if (printed.includes('\n')) resolve();
        });
      });
      const code = `
        $c = stream_socket_client("udp://$argv[1]", $errno, $errstr, 3);
        stream_set_timeout($c, 3);
        fwrite($c, "x");
        echo fread($c, 100), "|", stream_socket_get_name($c, false);`;
      const { stdout } = await run('php', ['-r', code, match[1]!], { timeoutMs: 10_000 });
      const [answer, clientName] = stdout.split('|');
      expect(answer).toMatch(
        /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} \d{2}:\d{2}:\d{2} \d{4}\r\n$/,
      );
      const now = new Date();
      expect(answer).toContain(String(now.getFullYear()));
      await peerLine;
      expect(printed.trim()).toBe(clientName); // the server echoes its peer, as the PHP original does
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe.runIf(hasPhp)('PHP datagram clients against the core', () => {
  it("PHP's stream_socket_client('udg://…') sends to a udg DatagramServer", async () => {
    const { openServer } = await import('../../lib/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'sss-udg-'));
    try {
      const server = track(openServer(`udg://${dir}/d.sock`));
      const sent = run('php', [
        '-r',
        '$c = stream_socket_client("udg://" . $argv[1], $e, $s, 3); var_dump(fwrite($c, "from php udg"));',
        `${dir}/d.sock`,
      ]);
      const msg = await server.recvfrom(100, { timeout: 3000 });
      expect(msg.data.toString()).toBe('from php udg');
      expect(msg.from).toEqual({ family: 'unix', path: '' }); // PHP's udg client is unbound
      expect((await sent).stdout).toContain('int(12)');
      server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("PHP's stream_socket_client('udp://…') gets an answer from a udp DatagramServer", async () => {
    const { openServer } = await import('../../lib/index.js');
    const server = track(openServer('udp://127.0.0.1:0'));
    const client = run('php', [
      '-r',
      '$c = stream_socket_client("udp://127.0.0.1:" . $argv[1], $e, $s, 3); stream_set_timeout($c, 3); fwrite($c, "hi"); echo fread($c, 100);',
      String(server.port),
    ]);
    const msg = await server.recvfrom(100, { timeout: 3000 });
    server.sendto(`echo ${msg.data}`, msg.from as { address: string; port: number });
    expect((await client).stdout).toBe('echo hi');
    server.close();
  });
});
