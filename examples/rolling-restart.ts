// N worker processes (node:cluster), each with its own listener on one port
// through SO_REUSEPORT, rolled one at a time: a replacement starts listening
// first, then the old worker drains (server.drain()) and exits. The kernel
// spreads new connections over the group; with net.ipv4.tcp_migrate_req=1 the
// queue of a closing listener moves to the others, so no client sees a
// refusal or a reset (docs/operations.md has the numbers).
//
//   node dist/examples/rolling-restart.js [--port 8000] [--workers 2] [--rolls 4] [--every 500]
//
// The primary prints "ready PORT", "rolled OLD -> NEW {drain's counts}" per
// replacement and "rolled all"; it keeps serving until SIGTERM, then drains
// every worker and prints "done".
import cluster, { type Worker } from 'node:cluster';
import { parseArgs } from 'node:util';
import { openServer, type DrainResult } from '../lib/index.js';

type FromWorker = { ready: number } | { drained: DrainResult };

async function worker(): Promise<void> {
  const server = openServer(`tcp://127.0.0.1:${process.env.PORT}`, { reusePort: true, backlog: 1024 });
  let drained: Promise<unknown> = Promise.resolve();
  process.on('message', (message) => {
    if (message !== 'drain') return;
    drained = server
      .drain({ timeout: 5000 })
      .then((result) => new Promise((sent) => process.send!({ drained: result }, undefined, {}, sent)));
  });
  process.send!({ ready: server.port });
  for await (const conn of server) {
    conn.on('error', () => conn.destroy());
    conn.end(`hello from worker ${process.pid}\n`);
  }
  // drain() closed the listener and the connections handed out are answered: report, then leave.
  await drained;
  process.disconnect();
}

function next(w: Worker, key: 'ready' | 'drained'): Promise<FromWorker> {
  return new Promise((resolve) => {
    const onMessage = (message: FromWorker): void => {
      if (!(key in message)) return;
      w.off('message', onMessage);
      resolve(message);
    };
    w.on('message', onMessage);
  });
}

async function start(port: number): Promise<{ worker: Worker; port: number }> {
  const w = cluster.fork({ PORT: String(port) });
  const message = (await next(w, 'ready')) as { ready: number };
  return { worker: w, port: message.ready };
}

async function drain(w: Worker): Promise<DrainResult> {
  const exited = new Promise((resolve) => w.once('exit', resolve));
  w.send('drain');
  const { drained } = (await next(w, 'drained')) as { drained: DrainResult };
  await exited;
  return drained;
}

async function primary(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      workers: { type: 'string', default: '2' },
      rolls: { type: 'string', default: '4' },
      every: { type: 'string', default: '500' },
    },
  });
  let port = Number(values.port);
  const workers: Worker[] = [];
  for (let i = 0; i < Number(values.workers); i++) {
    const started = await start(port);
    port = started.port; // port 0: the first worker's pick, shared by the rest
    workers.push(started.worker);
  }
  console.log(`ready ${port}`);
  const stop = new Promise((resolve) => process.once('SIGTERM', resolve));
  for (let i = 0; i < Number(values.rolls); i++) {
    await new Promise((resolve) => setTimeout(resolve, Number(values.every)));
    const old = workers.shift()!;
    const fresh = await start(port); // listening before the old one leaves: the group is never empty
    workers.push(fresh.worker);
    console.log(`rolled ${old.process.pid} -> ${fresh.worker.process.pid} ${JSON.stringify(await drain(old))}`);
  }
  console.log('rolled all');
  await stop;
  for (const w of workers) console.log(`stopped ${w.process.pid} ${JSON.stringify(await drain(w))}`);
  console.log('done');
}

await (cluster.isPrimary ? primary() : worker());
