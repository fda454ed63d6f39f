// The manual page's TLS programs, each run as its PHP original with PHP 8.2
// and as its port with node, driven by the same clients (PHP's ssl:// and
// STARTTLS clients, curl): the clients must read the same thing from both.
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../lib/index.js';
import { hasCommand, ROOT, run } from './helpers/peers.js';
import { mask, serve, until, warnings, withBoth, type Side } from './helpers/programs.js';
import { phpAvailable } from './php/harness.js';

const hasPhp = phpAvailable();
if (!hasPhp && process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');
const hasCurl = hasCommand('curl');
if (!hasCurl && process.env.CI) throw new Error('curl is required in CI');

const dir = mkdtempSync(join(tmpdir(), 'seed-programs-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A working directory of its own for each side (the programs write or read ./*.pem). */
function cwdOf(test: string, side: Side): string {
  const cwd = join(dir, test, side);
  mkdirSync(cwd, { recursive: true });
  return cwd;
}

describe.runIf(hasPhp)("the note's Hello World! HTTPS server (self-signed certificate, passphrase-protected key)", () => {
  const start = (side: Side) => serve(side, 'https-hello-server', ['ssl://127.0.0.1:0'], { cwd: cwdOf('https', side) });
  const get = `
    $ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
    $c = stream_socket_client("ssl://$argv[1]", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx);
    if (!$c) die("$errstr ($errno)\\n");
    fwrite($c, "GET /index.html HTTP/1.0\\r\\nHost: example.com\\r\\n\\r\\n");
    echo stream_get_contents($c), "|eof=", var_export(feof($c), true);`;
  /** A request that comes in pieces, its blank line last: the server's fread() loop collects it. */
  const pieces = `
    $ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
    $c = stream_socket_client("ssl://$argv[1]", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx);
    foreach (["GET / HTTP/1.1\\r\\n", "Host: x\\r\\n", str_repeat("X-Pad: " . str_repeat("p", 90) . "\\r\\n", 40), "\\r\\n"] as $part) {
        fwrite($c, $part);
        usleep(20000);
    }
    echo stream_get_contents($c);`;

  it("PHP's ssl:// client and curl -k read the same page from PHP and from the port", async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const fromPhp = await run('php', ['-r', get, '--', s.address]);
          const inPieces = await run('php', ['-r', pieces, '--', s.address]);
          const curl = hasCurl ? await run('curl', ['-sSk', '--http0.9', `https://${s.address}/`]) : null;
          const strict = hasCurl ? await run('curl', ['-sSk', `https://${s.address}/`]) : null; // "200 OK HTTP/1.1" is no HTTP/1.x status line
          // Every client accepted, and the server back at its accept: it prints "waiting..." only once
          // the last connection is closed, which a client can see a moment before the line arrives here.
          const served = () => (s.stdout().match(/accepted/g) ?? []).length >= (hasCurl ? 4 : 2) && /waiting\.\.\.\s*$/.test(s.stdout());
          while (!served()) await new Promise((r) => setTimeout(r, 10));
          return {
            php: fromPhp.stdout + fromPhp.stderr,
            pieces: inPieces.stdout,
            curl: curl && curl.stdout + curl.stderr,
            strict: strict && `${strict.code} ${strict.stderr}`,
            server: s.stdout(),
            warnings: warnings(s.stderr()).join('\n'),
          };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(mask(fromPhp.php)).toBe(
      '200 OK HTTP/1.1\r\nConnection: close\r\nContent-Type: text/html\r\n\r\nHello World! <microtime>\n' +
        '<pre>GET /index.html HTTP/1.0\r\nHost: example.com\r\n\r\n</pre>|eof=true',
    );
    for (const key of ['php', 'pieces', 'curl', 'strict', 'server', 'warnings'] as const)
      expect(mask(fromPort[key] ?? ''), key).toBe(mask(fromPhp[key] ?? ''));
    expect(fromPhp.pieces).toContain(`${'X-Pad: '.padEnd(97, 'p')}\r\n\r\n</pre>`);
    if (hasCurl)
      expect(fromPhp.curl).toMatch(/^200 OK HTTP\/1\.1\r\n[^]*<pre>GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUser-Agent: curl/);
    // microtime(true) as PHP prints a float: 14 significant digits.
    for (const r of runs) expect(r.php).toMatch(/Hello World! \d{10}(\.\d{1,4})?\n/);
    expect(fromPhp.server).toMatch(/^listening on 127\.0\.0\.1:\d+\n(waiting\.\.\.accepted 127\.0\.0\.1:\d+\n)+waiting\.\.\.$/);
  });

  it('a client that does not speak TLS ends the script: the accept fails, stream_socket_get_name(false) is a TypeError', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const curl = hasCurl ? await run('curl', ['-sS', `http://${s.address}/`]) : null;
          if (!hasCurl)
            await run('php', [
              '-r',
              '$c = stream_socket_client($argv[1]); fwrite($c, "GET / HTTP/1.0\\r\\n\\r\\n"); fread($c, 10);',
              '--',
              `tcp://${s.address}`,
            ]);
          // PHP ends here; a script that serves on says "error." (the wait is for one of the two events).
          const outcome = await Promise.race([
            s.exited.then(({ code }) => `exit ${code}`),
            until(() => s.stdout().includes('error.')).then(() => 'served on'),
          ]);
          return {
            curl: curl && `${curl.code} ${curl.stderr}`,
            outcome,
            stdout: s.stdout(),
            stderr: s.stderr(),
            warnings: warnings(s.stderr()),
          };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(fromPhp.warnings).toEqual([
      'stream_socket_accept(): SSL operation failed with code 1. OpenSSL Error messages:\nerror:0A00009C:SSL routines::http request',
      'stream_socket_accept(): Failed to enable crypto',
      'stream_socket_accept(): Accept failed: Success',
    ]);
    expect(fromPort.warnings).toEqual(fromPhp.warnings);
    expect(fromPort.curl).toBe(fromPhp.curl); // 56 curl: (56) Recv failure: Connection reset by peer
    const typeError = 'TypeError: stream_socket_get_name(): Argument #1 ($socket) must be of type resource, bool given';
    expect(fromPhp.stderr).toContain(`Uncaught ${typeError}`);
    expect(fromPhp.outcome).toBe('exit 255');
    expect(mask(fromPhp.stdout)).toBe('listening on 127.0.0.1:<port>\nwaiting...');
    // Both die of PHP's TypeError on the false the failed accept gave.
    expect({ outcome: fromPort.outcome, stdout: mask(fromPort.stdout) }).toEqual({ outcome: 'exit 1', stdout: mask(fromPhp.stdout) });
    expect(fromPort.stderr).toContain(typeError);
  });

  it('writes ./server.pem: the certificate, then the key encrypted with the passphrase', async () => {
    await withBoth(start, async () => {
      for (const side of ['php', 'port'] as const) {
        const pem = readFileSync(join(cwdOf('https', side), 'server.pem'), 'utf8');
        expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[^]+-----END CERTIFICATE-----\n-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
        expect(() => createPrivateKey({ key: pem, passphrase: 'wrong' })).toThrow();
        expect(createPrivateKey({ key: pem, passphrase: 'comet' }).type).toBe('private');
      }
    });
  });
});

describe.runIf(hasPhp)("the note's STARTTLS server (tcp://, then stream_socket_enable_crypto() on the command)", () => {
  /** cert.pem and key.pem (passphrase 'comet') in each side's directory, the same for both. */
  const { cert, key } = selfSignedCertificate();
  const encrypted = createPrivateKey(key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'comet' });
  const start = (side: Side) => {
    const cwd = cwdOf('starttls', side);
    writeFileSync(join(cwd, 'cert.pem'), cert);
    writeFileSync(join(cwd, 'key.pem'), encrypted, { mode: 0o600 });
    return serve(side, 'starttls-server', ['tcp://127.0.0.1:0'], { cwd });
  };
  const client = join(ROOT, 'examples', 'php', 'starttls-client.php');

  it("PHP's client reads the same from PHP and from the port: TLS 1.3, TLS 1.2 with the server's cipher list, and no STARTTLS", async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const out: string[] = [];
          for (const mode of ['tls', 'tls1.2', 'plain']) out.push((await run('php', [client, `tcp://${s.address}`, mode])).stdout);
          while ((s.stdout().match(/client:/g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 10));
          return { clients: out, server: s.stdout() };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const greeting = 'string(11) "220 ready\r\n"\n';
    const secured = (protocol: string, cipher: string) =>
      `${greeting}string(14) "220 Go ahead\r\n"\nbool(true)\n${protocol} ${cipher}\n` +
      `string(45) "250 over ${protocol}: you said HELO example.com\r\n"\nbool(false)\nbool(true)\n`;
    expect(fromPhp.clients).toEqual([
      secured('TLSv1.3', 'TLS_AES_256_GCM_SHA384'),
      secured('TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256'), // the first of Mozilla's list that fits an EC key
      `${greeting}string(41) "530 Must issue a STARTTLS command first\r\n"\nbool(false)\nbool(true)\n`,
    ]);
    expect(fromPort.clients).toEqual(fromPhp.clients);
    expect(mask(fromPort.server)).toBe(mask(fromPhp.server));
  });

  it('a client that sends STARTTLS and then no TLS: the handshake fails on both, and both serve on', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const plain = `$c = stream_socket_client($argv[1], $e, $s, 5); fgets($c); fwrite($c, "STARTTLS\\r\\n"); echo fgets($c);
            fwrite($c, "HELO in plain text\\r\\n\\r\\n"); var_dump(fgets($c));`;
          const broken = await run('php', ['-r', plain, '--', `tcp://${s.address}`]);
          const after = await run('php', [client, `tcp://${s.address}`, 'tls']);
          return { broken: broken.stdout, after: after.stdout, server: s.stdout(), warnings: warnings(s.stderr()) };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(fromPhp.broken).toBe('220 Go ahead\r\nbool(false)\n');
    expect(fromPort.broken).toBe(fromPhp.broken);
    expect(fromPort.after).toBe(fromPhp.after);
    expect(fromPhp.server).toContain('crypto: false\n');
    expect(fromPhp.warnings).toEqual([
      'stream_socket_enable_crypto(): SSL operation failed with code 1. OpenSSL Error messages:\nerror:0A00010B:SSL routines::wrong version number',
    ]);
    expect(fromPort.warnings).toEqual(fromPhp.warnings);
    expect(mask(fromPort.server)).toBe(mask(fromPhp.server));
  });
});
