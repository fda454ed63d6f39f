// The servers of the benchmark's workers round (several processes on one
// port). Each answers every connection with a line and closes it, like the
// tcp round's servers:
//   ours [--port P] [--reuse-port] [--steering]
//        one process with our StreamServer (`for await`); with --reuse-port
//        its own SO_REUSEPORT listener (start one per worker, the first on
//        port 0, the others on its port), --steering adds reusePortCpuSteering
//   net-reuseport [--port P]
//        a plain node:net server listening with { reusePort: true } (Node ≥ 22.12 / 23.1)
//   cluster-rr | cluster-none [--workers 2]
//        node:cluster: this process is the primary, with schedulingPolicy
//        SCHED_RR (the primary accepts and passes each connection to a worker)
//        or SCHED_NONE (the workers accept on the shared socket); the workers
//        run node:net servers. The primary prints "pids A B" (its workers) before "port N".
// Each prints "port N" once listening and exits on SIGTERM (a primary takes its workers along).
import cluster from 'node:cluster';
import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { openServer } from '../../lib/index.js';
import { answerEach, exitWithParent, LINE, ready } from './common.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    'reuse-port': { type: 'boolean', default: false },
    steering: { type: 'boolean', default: false },
    workers: { type: 'string', default: '2' },
  },
});
const mode = positionals[0] ?? '';
const port = Number(values.port);

function nodeServer(): net.Server {
  return net.createServer((conn) => {
    conn.on('error', () => conn.destroy());
    conn.end(LINE);
  });
}

function ours(): Promise<void> {
  const options = { reusePort: values['reuse-port'], ...(values.steering && { reusePortCpuSteering: true }) };
  return answerEach(openServer(`tcp://127.0.0.1:${port}`, options));
}

function netReusePort(): void {
  const server = nodeServer();
  // `reusePort` is in Node's ListenOptions from 22.12 / 23.1 (not in @types/node 20).
  server.listen({ host: '127.0.0.1', port, reusePort: true } as net.ListenOptions, () => ready((server.address() as net.AddressInfo).port));
  process.once('SIGTERM', () => process.exit(0));
}

function clusterPrimary(policy: number): void {
  cluster.schedulingPolicy = policy;
  const count = Number(values.workers);
  const workers = Array.from({ length: count }, () => cluster.fork());
  let listening = 0;
  let stopping = false;
  cluster.on('listening', (_worker, address) => {
    if (++listening < count) return;
    console.log(`pids ${workers.map((w) => w.process.pid).join(' ')}`);
    ready(address.port);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(`cluster worker ${worker.process.pid} exited (${signal ?? code})`);
      process.exit(1);
    }
  });
  const stop = () => {
    stopping = true;
    for (const w of workers) w.process.kill('SIGKILL');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('exit', () => {
    for (const w of workers) w.process.kill('SIGKILL');
  });
}

function clusterWorker(): void {
  nodeServer().listen(0, '127.0.0.1');
}

if (cluster.isWorker) clusterWorker();
else {
  exitWithParent();
  if (mode === 'ours') await ours();
  else if (mode === 'net-reuseport') netReusePort();
  else if (mode === 'cluster-rr') clusterPrimary(cluster.SCHED_RR);
  else if (mode === 'cluster-none') clusterPrimary(cluster.SCHED_NONE);
  else {
    console.error(
      'usage: servers/workers.js ours [--port P] [--reuse-port] [--steering] | net-reuseport [--port P] | cluster-rr | cluster-none',
    );
    process.exit(2);
  }
}
