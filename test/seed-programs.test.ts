// The manual page's programs (plain sockets), each run as its PHP original
// with PHP 8.2 and as its port with node, driven by the same PHP client: the
// client must read the same thing from both (times and ports masked).
// TLS programs: test/seed-programs-tls.test.ts.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, run } from './helpers/peers.js';
import { mask, serve, SIDES, varDumpLengthsHold, warnings, withBoth, type Side } from './helpers/programs.js';
import { phpAvailable } from './php/harness.js';

const hasPhp = phpAvailable();
if (!hasPhp && process.env.CI) throw new Error('php is required in CI: .ci/run installs php-cli');

const php = (file: string, args: string[], timeoutMs = 20_000) => run('php', [join(ROOT, 'examples', 'php', file), ...args], { timeoutMs });
const phpCode = (code: string, args: string[]) => run('php', ['-r', code, '--', ...args], { timeoutMs: 20_000 });
/** The note's client prints bool(false) last only when the server's FIN came after its last feof() asked: a race, not an answer. */
const settled = (out: string) => out.replace(/bool\(false\)\n$/, '');

const dir = mkdtempSync(join(tmpdir(), 'seed-programs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(hasPhp)("the manual's Example 1: a TCP time server (fwrite, fclose)", () => {
  it("PHP's client reads the same line from PHP and from the port", async () => {
    const read = '$c = stream_socket_client($argv[1], $e, $s, 5); echo stream_get_contents($c), "|eof=", var_export(feof($c), true);';
    const got = await withBoth(
      (side) => serve(side, 'time-server', ['tcp://127.0.0.1:0']),
      async (p, q) => Promise.all([p, q].map(async (s) => (await phpCode(read, [`tcp://${s.address}`])).stdout)),
    );
    expect(got[0]).toMatch(/^The local time is \d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d (am|pm)\n\|eof=true$/);
    expect(mask(got[1]!)).toBe(mask(got[0]!));
  });
});

describe.runIf(hasPhp)("the manual's Example 2: a UDP time server", () => {
  it('answers a datagram with the date and prints the peer, as PHP does', async () => {
    const ask =
      '$c = stream_socket_client("udp://$argv[1]", $e, $s, 5); stream_set_timeout($c, 5); fwrite($c, "x"); echo fread($c, 100), "|", stream_socket_get_name($c, false);';
    const runs = await withBoth(
      (side) => serve(side, 'udp-time-server', ['udp://127.0.0.1:0']),
      async (p, q) =>
        Promise.all(
          [p, q].map(async (s) => {
            const client = (await phpCode(ask, [s.address])).stdout;
            while (!s.stdout().includes(client.split('|')[1]!)) await new Promise((r) => setTimeout(r, 10));
            return { client, server: s.stdout() };
          }),
        ),
    );
    for (const { client, server } of runs) expect(server).toContain(`\n${client.split('|')[1]}\n`); // echo "$peer\n"
    expect(runs[0]!.client).toMatch(/^\w{3} \w{3} \d{1,2} \d\d:\d\d:\d\d \d{4}\r\n\|127\.0\.0\.1:\d+$/);
    expect(mask(runs[1]!.client)).toBe(mask(runs[0]!.client));
    expect(mask(runs[1]!.server)).toBe(mask(runs[0]!.server));
  });
});

describe.runIf(hasPhp)('the note on port 0', () => {
  it('prints the address the system picked, and ends', async () => {
    const [a, b] = await Promise.all([php('port-zero.php', []), run(process.execPath, ['dist/examples/php-port-zero.js'])]);
    expect(a.stdout).toMatch(/^127\.0\.0\.1:[1-9]\d*\n$/);
    expect(mask(b.stdout)).toBe(mask(a.stdout));
    expect([a.code, b.code]).toEqual([0, 0]);
  });
});

describe.runIf(hasPhp)("the note's stream_select() server, as printed (for … $read[$i])", () => {
  it('greets the first client, then dies on its data with the TypeError of fread(null): PHP and the port', async () => {
    const runs = await withBoth(
      (side) => serve(side, 'stream-select-server', ['tcp://127.0.0.1:0']),
      async (p, q) =>
        Promise.all(
          [p, q].map(async (s) => {
            const client = await php('stream-client.php', [`tcp://${s.address}`]);
            const { code } = await s.exited; // it dies by itself
            const second = await php('stream-client.php', [`tcp://${s.address}`]);
            return { client: client.stdout, code, stderr: s.stderr(), stdout: s.stdout(), second: second.stdout };
          }),
        ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(settled(fromPhp.client)).toMatch(/^string\(\d+\) "Hello! The time is [^"]+\n"\n$/);
    expect(mask(settled(fromPort.client))).toBe(mask(settled(fromPhp.client)));
    const typeError = 'TypeError: fread(): Argument #1 ($stream) must be of type resource, null given';
    // PHP's engine warns of the missing key (for the === test and for fread()); JS reads undefined silently.
    expect([warnings(fromPhp.stderr), warnings(fromPort.stderr)]).toEqual([['Undefined array key 0', 'Undefined array key 0'], []]);
    expect(fromPhp.stderr).toContain(`Uncaught ${typeError}`);
    expect(fromPort.stderr).toContain(typeError);
    expect([fromPhp.code, fromPort.code]).toEqual([255, 1]); // PHP's fatal error, node's uncaught exception
    expect(mask(fromPort.stdout)).toBe(mask(fromPhp.stdout)); // "listening on" alone: it died before var_dump()
    for (const r of runs) expect(r.second).toBe('Connection refused (111)<br />\n');
  });
});

describe.runIf(hasPhp)("the note's stream_select() server, corrected (foreach ($read as $r))", () => {
  const start = (side: Side) => serve(side, 'stream-select-server-foreach', ['tcp://127.0.0.1:0']);
  const hangUp = '$c = stream_socket_client($argv[1], $e, $s, 5); echo fgets($c); fclose($c);';

  it('answers one client after another, and a client that hangs up, as PHP does (client and server output)', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const first = await php('stream-client.php', [`tcp://${s.address}`]);
          const quiet = await phpCode(hangUp, [`tcp://${s.address}`]);
          const second = await php('stream-client.php', [`tcp://${s.address}`]);
          // The hang-up is seen when its fread() gets "": wait for the server's var_dump of it.
          while ((s.stdout().match(/string\(5\) "Aloha"\n/g) ?? []).length < 4) await new Promise((r) => setTimeout(r, 10));
          return { clients: [first.stdout, quiet.stdout, second.stdout].map(settled).join('--\n'), server: s.stdout() };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const greeting = 'string(<n>) "Hello! The time is <n/j/Y g:i a>\n"\n';
    expect(mask(fromPhp.clients)).toBe(
      `${greeting}string(<n>) "You have sent :[Aloha]\n"\n--\nHello! The time is <n/j/Y g:i a>\n--\n${greeting}string(<n>) "You have sent :[Aloha]\n"\n`,
    );
    expect(mask(fromPort.clients)).toBe(mask(fromPhp.clients));
    expect(fromPhp.server).toContain('string(0) ""\n');
    for (const r of runs) expect(varDumpLengthsHold(r.clients) && varDumpLengthsHold(r.server)).toBe(true);
    expect(mask(fromPort.server)).toBe(mask(fromPhp.server));
  });

  it('serves 8 clients at once', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all([p, q].map((s) => Promise.all(Array.from({ length: 8 }, () => php('stream-client.php', [`tcp://${s.address}`]))))),
    );
    for (const clients of runs) {
      for (const c of clients)
        expect(mask(settled(c.stdout))).toBe('string(<n>) "Hello! The time is <n/j/Y g:i a>\n"\nstring(<n>) "You have sent :[Aloha]\n"\n');
    }
  });

  it("the ported client (stream_client.php) reads what PHP's client reads, from either server", async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => ({
          php: (await php('stream-client.php', [`tcp://${s.address}`])).stdout,
          port: (await run(process.execPath, ['dist/examples/php-stream-client.js', `tcp://${s.address}`])).stdout,
        })),
      ),
    );
    for (const r of runs) expect(mask(settled(r.port))).toBe(mask(settled(r.php)));
    const refused = await run(process.execPath, ['--no-warnings', 'dist/examples/php-stream-client.js', 'tcp://127.0.0.1:1']);
    expect(refused.stdout).toBe((await php('stream-client.php', ['tcp://127.0.0.1:1'])).stdout); // Connection refused (111)<br />
  });
});

describe.runIf(hasPhp)('the note on unix sockets and umask()', () => {
  const hello = '$c = stream_socket_client($argv[1], $e, $s, 5); echo stream_get_contents($c);';
  it.each([
    ['umask(0) under a umask of 077 (the note)', undefined, 'umask 077', 0o777],
    ['umask(022)', '022', undefined, 0o755],
    ['umask(077)', '077', undefined, 0o700],
    ['umask(0707)', '0707', undefined, 0o070],
  ])('%s: the socket file has the mode PHP gives it', async (_name, mask, shell, mode) => {
    const modes = await Promise.all(
      SIDES.map(async (side) => {
        const path = join(dir, `${side}-${mask ?? 'note'}.sock`);
        const args = [`unix://${path}`, ...(mask === undefined ? [] : [mask])];
        const s = await serve(side, 'unix-umask-server', args, shell === undefined ? {} : { shell });
        try {
          expect((await phpCode(hello, [`unix://${path}`])).stdout).toBe('hello from a socket anyone may write to\n');
          expect(s.stdout()).toBe(`listening on ${path} mode ${(0o140000 | mode).toString(8)}\n`);
          return statSync(path).mode;
        } finally {
          s.child.kill('SIGTERM');
          await s.exited;
        }
      }),
    );
    expect(modes).toEqual([0o140000 | mode, 0o140000 | mode]);
  });
});

describe.runIf(hasPhp)('the note on 8 KiB buffers and a slow reader', () => {
  const start = (side: Side) => serve(side, 'slow-reader-server', ['tcp://127.0.0.1:0']);

  it('a fast writer sends 1 MiB, the server reads 1 KiB a millisecond: every byte arrives, in PHP and in the port', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const client = await php('fast-writer-client.php', [`tcp://${s.address}`, String(1 << 20)]);
          await s.exited;
          return { client: client.stdout, server: s.stdout() };
        }),
      ),
    );
    const md5 = 'be10cd92f3fc4c63068ef2bcabd7258f';
    for (const r of runs) {
      expect(r.client).toBe(`wrote 1048576 of 1048576 bytes, md5 ${md5}\nserver: 1048576 bytes, md5 ${md5}\n`);
      // One fread() of 1 KiB each time (PHP takes 8 KiB from the kernel and hands them out 1 KiB at a time), then feof().
      expect(Number(/read 1048576 bytes in (\d+) reads/.exec(r.server)?.[1])).toBeGreaterThanOrEqual(1024);
    }
  });

  it("fread() with fewer bytes buffered than asked reads the socket once more, as PHP's does", async () => {
    // 1500 bytes, then the FIN 300 ms later. PHP: fread(1024) gets 1024 of its 8 KiB chunk; the next fread(1024)
    // takes the 476 left and, wanting more, waits on the socket until the FIN: 2 reads, feof() true.
    const late =
      '$c = stream_socket_client($argv[1], $e, $s, 5); fwrite($c, str_repeat("z", 1500)); usleep(300000); stream_socket_shutdown($c, STREAM_SHUT_WR); echo stream_get_contents($c);';
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const client = await phpCode(late, [`tcp://${s.address}`]);
          await s.exited;
          return { client: client.stdout, server: s.stdout() };
        }),
      ),
    );
    const [fromPhp, fromPort] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(fromPhp.client).toBe(`1500 bytes, md5 ${createHash('md5').update('z'.repeat(1500)).digest('hex')}\n`);
    expect(fromPort.client).toBe(fromPhp.client);
    expect(mask(fromPhp.server)).toBe('listening on 127.0.0.1:<port>\nread 1500 bytes in 2 reads\n');
    // The facade's fread() returns the 476 bytes at once, and a third fread() gets "" at the FIN.
    expect(mask(fromPort.server)).toBe(mask(fromPhp.server));
  });

  it('a non-blocking writer that ignores what fwrite() returns loses the rest on its own side, never in the reader', async () => {
    const runs = await withBoth(start, async (p, q) =>
      Promise.all(
        [p, q].map(async (s) => {
          const client = await php('fast-writer-client.php', [`tcp://${s.address}`, String(8 << 20), 'nonblocking']);
          await s.exited;
          return client.stdout;
        }),
      ),
    );
    for (const out of runs) {
      const m = /^wrote (\d+) of 8388608 bytes, md5 (\w+)\nserver: (\d+) bytes, md5 (\w+)\n$/.exec(out);
      expect(m, out).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(8 << 20); // what the kernel took at once
      expect([m![3], m![4]]).toEqual([m![1], m![2]]); // and the reader got exactly that
    }
  }, 60_000);
});
