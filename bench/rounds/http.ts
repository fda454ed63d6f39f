// The http round: HTTP/1.1 with a new connection per request, from h2load
// (nghttp2) on CPU 0 against three http.Servers on CPU 1 answering a tiny
// fixed body (bench/servers/http.ts): (a) our iterator feeding the
// http.Server with emit('connection'), (b) our handOff(httpServer),
// (c) plain node:http. Main figure: the server's CPU per 1,000 requests, × node:http.
//
// h2load reconnects when the server closes after a response (it sends
// `Connection: close`; each server counts connections and requests, and the
// round checks they match). Its timing mode (-D) never ends with
// `Connection: close` in nghttp2 1.52 (clients keep reconnecting after the
// duration is over: nghttp2 issue 2250, fixed by its PR 2249 in 2024), so each run is a
// fixed number of requests (-n), the same for every contender, sized in the
// warm-up to last about --seconds.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { interleave, measured, measuredOn, measuredWhat, median, progress, SERVERS, sum } from '../measure.js';
import { ask, runTool, startServer, stopServer, type Server } from '../procs.js';
import { chartOf, summarize, table, type Contender, type RoundOptions, type RoundResult, type Sample } from '../summary.js';

const SERVER_CPU = 1;
const CLIENT_CPU = 0;

interface H2load {
  requests: number;
  seconds: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
  status2xx: number;
}

interface HttpSample extends Sample, H2load {
  /** What the server counted over the run. */
  serverConnections: number;
  serverRequests: number;
}

interface HttpContender extends Contender<HttpSample> {
  mode: string;
  server?: Server;
}

const SECONDS_IN: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1 };

function parseH2load(text: string): H2load {
  const finished = /finished in ([\d.]+)(us|ms|s),/.exec(text);
  const requests = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  const status = /status codes: (\d+) 2xx/.exec(text);
  if (finished === null || requests === null || status === null) throw new Error(`h2load: no summary in its output:\n${text}`);
  return {
    requests: Number(requests[1]),
    seconds: Number(finished[1]) * SECONDS_IN[finished[2]!]!,
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    errored: Number(requests[4]),
    timeout: Number(requests[5]),
    status2xx: Number(status[1]),
  };
}

/** `requests` requests, `concurrency` clients, each request on a new connection. */
async function h2load(port: number, requests: number, concurrency: number): Promise<H2load> {
  const command = ['h2load', '--h1', '-H', 'Connection: close', '-n', String(requests), '-c', String(concurrency), '-t', '1'];
  const r = await runTool([...command, `http://127.0.0.1:${port}/`], 120_000, CLIENT_CPU);
  if (r.code !== 0) throw new Error(`h2load failed (${r.code}): ${r.stdout}${r.stderr}`);
  return parseH2load(r.stdout);
}

const counts = async (server: Server) => {
  const m = await ask(server, /count conns (\d+) reqs (\d+)/);
  return { connections: Number(m[1]), requests: Number(m[2]) };
};

export async function httpRound(o: RoundOptions): Promise<RoundResult> {
  if (spawnSync('sh', ['-c', 'command -v h2load']).status !== 0) {
    return {
      name: 'http',
      md: ['http round skipped: h2load (nghttp2-client) is not installed.'],
      json: { round: 'http', skipped: 'no h2load' },
    };
  }
  const program = join(SERVERS, 'servers', 'http.js');
  const contenders: HttpContender[] = [
    { key: 'iterator', label: "(a) StreamServer iterator → emit('connection')", mode: 'iterator' },
    { key: 'handoff', label: '(b) StreamServer handOff(httpServer)', mode: 'handoff' },
    { key: 'node', label: '(c) node:http server', mode: 'node' },
  ].map((c) => ({ ...c, samples: [] }));
  let requests = 0;
  try {
    for (const c of contenders) c.server = await startServer(c.label, [process.execPath, program, c.mode], { cpu: SERVER_CPU });
    // Warm-up: 2,000 requests each, then about --warmup s each; that second pass sizes the runs.
    let rates: number[] = [];
    for (const pass of [1, 2]) {
      progress(`http: warm-up ${pass}/2`);
      const n = pass === 1 ? 2000 : Math.max(1000, Math.round(median(rates) * o.warmup));
      rates = [];
      for (const c of contenders) {
        const r = await h2load(c.server!.port, n, o.concurrency);
        rates.push(r.requests / r.seconds);
      }
    }
    requests = Math.max(1000, Math.round((median(rates) * o.seconds) / 100) * 100);
    await interleave('http', contenders, o.rounds, async (c, round) => {
      const before = await counts(c.server!);
      const m = await measured([c.server!.pid], SERVER_CPU, () => h2load(c.server!.port, requests, o.concurrency));
      const after = await counts(c.server!);
      c.samples.push({
        round,
        units: m.result.succeeded,
        cpuNs: m.cpuNs,
        ...(m.othersPct !== undefined && { othersPct: m.othersPct }),
        ...m.result,
        serverConnections: after.connections - before.connections,
        serverRequests: after.requests - before.requests,
      });
    });
  } finally {
    await Promise.all(contenders.map((c) => c.server && stopServer(c.server)));
  }
  return report(contenders, o, requests);
}

function report(contenders: HttpContender[], o: RoundOptions, requests: number): RoundResult {
  const rows = summarize(contenders, 'node');
  const byKey = new Map(contenders.map((c) => [c.key, c]));
  const total = (key: string, f: (s: HttpSample) => number) => sum(byKey.get(key)!.samples.map(f));
  const pinning = 'servers on CPU 1, h2load on CPU 0';
  const md = [
    `HTTP/1.1 requests, each on a new connection (h2load --h1 -H 'Connection: close' -c ${o.concurrency} -n ${requests}: ${o.concurrency} in flight), a 6-byte body;`,
    `${o.rounds} runs per server, interleaved after a warm-up (2,000 requests, then about ${o.warmup} s, each); ${measuredOn(pinning)}`,
    '',
    ...table(rows, {
      unit: 'req',
      base: 'node:http',
      extra: {
        headers: ['h2load: succeeded', 'failed', 'errored', 'timeout', 'server: connections', 'server: requests'],
        cells: (r) => [
          String(total(r.key, (s) => s.succeeded)),
          String(total(r.key, (s) => s.failed)),
          String(total(r.key, (s) => s.errored)),
          String(total(r.key, (s) => s.timeout)),
          String(total(r.key, (s) => s.serverConnections)),
          String(total(r.key, (s) => s.serverRequests)),
        ],
      },
    }),
    '',
    '![http round: CPU per request and requests/s, × node:http](http.svg)',
  ];
  const svg = chartOf(rows, 'node', {
    title: `http round: HTTP/1.1, a new connection per request, ${o.concurrency} in flight (h2load)`,
    subtitles: [`${o.rounds} × ${requests} requests per server, interleaved; ${pinning}`, measuredWhat()],
    unit: 'requests',
    base: 'node:http',
  });
  const json = {
    round: 'http',
    measured: measuredOn(pinning),
    concurrency: o.concurrency,
    requestsPerRun: requests,
    rounds: o.rounds,
    warmup: o.warmup,
    rows,
    samples: Object.fromEntries(contenders.map((c) => [c.key, c.samples])),
  };
  return { name: 'http', md, json, svg };
}
