// The tls round: `openssl s_time -new` on CPU 0 makes one full handshake
// after another (connect, TLS 1.3 handshake with a P-256 certificate, read,
// close) against three servers on CPU 1 (bench/servers.ts): our TlsServer,
// node:tls, and the PHP facade's ssl:// server in a PHP-style
// stream_socket_accept() loop. Main figure: the server's CPU per 1,000
// handshakes, × node:tls. Skipped without openssl.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { interleave, measured, measuredOn, measuredWhat, progress, SERVERS } from '../measure.js';
import { runTool, startServer, stopServer, type Server } from '../procs.js';
import { chartOf, summarize, table, type Contender, type RoundOptions, type RoundResult } from '../summary.js';

const SERVER_CPU = 1;
const CLIENT_CPU = 0;

interface TlsContender extends Contender {
  args: string[];
  server?: Server;
}

/** Sequential full handshakes for `seconds` (s_time counts whole seconds). */
async function handshakes(port: number, seconds: number): Promise<{ handshakes: number; seconds: number }> {
  const time = String(Math.max(1, Math.round(seconds)));
  const r = await runTool(['openssl', 's_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', time], (seconds + 30) * 1000, CLIENT_CPU);
  const m = /(\d+) connections in ([\d.]+) real seconds/.exec(r.stdout);
  if (m === null) throw new Error(`openssl s_time failed: ${r.stdout}${r.stderr}`);
  return { handshakes: Number(m[1]), seconds: Number(m[2]) };
}

export async function tlsRound(o: RoundOptions): Promise<RoundResult> {
  if (spawnSync('sh', ['-c', 'command -v openssl']).status !== 0) {
    return { name: 'tls', md: ['tls round skipped: openssl (s_time) is not installed.'], json: { round: 'tls', skipped: 'no openssl' } };
  }
  const program = join(SERVERS, 'servers.js');
  const contenders: TlsContender[] = [
    { key: 'ours', label: '(g) TlsServer (openServer tls://)', args: [program, 'tls-ours'] },
    { key: 'node', label: '(h) node:tls server', args: [program, 'tls-node'] },
    { key: 'php', label: '(i) PHP facade ssl:// (stream_socket_accept loop)', args: ['--no-warnings', program, 'tls-php'] },
  ].map((c) => ({ ...c, samples: [] }));
  try {
    for (const c of contenders) c.server = await startServer(c.label, [process.execPath, ...c.args], { cpu: SERVER_CPU });
    progress('tls: warm-up');
    for (const c of contenders) if (o.warmup > 0) await handshakes(c.server!.port, o.warmup);
    await interleave('tls', contenders, o.rounds, async (c, round) => {
      const m = await measured([c.server!.pid], SERVER_CPU, () => handshakes(c.server!.port, o.seconds));
      c.samples.push({
        round,
        units: m.result.handshakes,
        seconds: m.result.seconds,
        cpuNs: m.cpuNs,
        ...(m.othersPct !== undefined && { othersPct: m.othersPct }),
      });
    });
  } finally {
    await Promise.all(contenders.map((c) => c.server && stopServer(c.server)));
  }
  const rows = summarize(contenders, 'node');
  const pinning = 'servers on CPU 1, openssl s_time on CPU 0';
  const md = [
    `TLS: \`openssl s_time -new\` (one full handshake after another: TLS 1.3, P-256 certificate), ${o.rounds} × ${Math.max(1, Math.round(o.seconds))} s per server,`,
    `interleaved after a ${o.warmup} s warm-up; ${measuredOn(pinning)}`,
    '',
    ...table(rows, { unit: 'handshakes', base: 'node:tls' }),
    '',
    '![tls round: CPU per handshake, × node:tls](tls.svg)',
  ];
  const svg = chartOf(rows, 'node', {
    title: 'tls round: full TLS 1.3 handshakes, one at a time (openssl s_time -new)',
    subtitles: [`${o.rounds} × ${Math.max(1, Math.round(o.seconds))} s per server, interleaved; ${pinning}`, measuredWhat()],
    unit: 'handshakes',
    base: 'node:tls',
  });
  const json = {
    round: 'tls',
    measured: measuredOn(pinning),
    seconds: o.seconds,
    rounds: o.rounds,
    warmup: o.warmup,
    rows,
    samples: Object.fromEntries(contenders.map((c) => [c.key, c.samples])),
  };
  return { name: 'tls', md, json, svg };
}
