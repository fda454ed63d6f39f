// The two campaigns of `npm run fuzz`: each runs worker processes one after
// another (child k gets seed "<seed>:<k>") until the deadline, and turns what
// the supervisor saw (crash, hang, no exit, bad exit) and what the workers
// reported into one list of findings. A native crash or hang is also tried
// alone in a fresh process, to tell a one-call reproduction from a sequence.
import { fileURLToPath } from 'node:url';
import { Findings } from './verdict.mjs';
import { runWorker, whyDied } from './supervise.mjs';

const NATIVE = fileURLToPath(new URL('./native-worker.mjs', import.meta.url));
const API = fileURLToPath(new URL('./api-worker.mjs', import.meta.url));

/** How long a child may run: to the deadline plus a little (a child stops itself at the deadline; this only bounds a slow one). */
const budgetMs = (deadline) => Math.max(deadline + 3000 - Date.now(), 5000);

function fnOf(step) {
  try {
    return JSON.parse(step.call).fn;
  } catch {
    return '?';
  }
}

/** What the supervisor saw go wrong with a child, as a finding (null if it ended well). */
function outcomeFinding(run) {
  const { code, signal, hung, lingered, budget, step, stderr } = run;
  if (budget) return null;
  if (hung)
    return {
      kind: 'hang',
      why: hung.phase === 'close' ? `closing up took > ${hung.blockedMs} ms` : `a call blocked > ${hung.blockedMs} ms`,
      step: hung,
    };
  if (lingered)
    return { kind: 'no-exit', why: `finished but did not exit within ${lingered.afterMs} ms (something holds the event loop)`, step };
  if (signal) return { kind: 'crash', why: `killed by ${signal}: ${whyDied(stderr)}`, step };
  if (code !== 0) return { kind: 'exit', why: `exit code ${code}: ${whyDied(stderr)}`, step };
  return null;
}

export async function nativeCampaign({ seed, deadline, paths, callsPerChild, dir, onChild }) {
  const findings = new Findings();
  let calls = 0;
  let children = 0;
  const slowest = {};
  for (let k = 0; Date.now() < deadline - 1500; k++) {
    const childSeed = `${seed}:${k}`;
    const args = [
      '--seed',
      childSeed,
      '--calls',
      String(callsPerChild),
      '--addon',
      paths.addon,
      '--dist',
      paths.dist,
      '--stop-at',
      String(deadline - 1000),
    ];
    const run = await runWorker({ script: NATIVE, args, dir, name: `native-${k}`, limitMs: budgetMs(deadline) });
    children++;
    if (run.result) {
      calls += run.result.calls;
      findings.merge(run.result.findings);
      for (const [fn, ms] of Object.entries(run.result.slowest)) slowest[fn] = Math.max(slowest[fn] ?? 0, ms);
    }
    findings.merge(run.early);
    const bad = outcomeFinding(run);
    if (bad) {
      const index = Number(bad.step?.index ?? -1);
      if (!run.result && index >= 0) calls += index + 1;
      const example = { seed: childSeed, index, text: bad.step?.text ?? '(no call recorded)', call: bad.step?.call };
      const where = bad.step?.call ? fnOf(bad.step) : 'process';
      // Tried alone for the first few of each finding only: each try costs a process.
      const tryAlone =
        (bad.kind === 'crash' || bad.kind === 'hang') && findings.count(bad.kind, where, bad.why) < 3 && Date.now() < deadline;
      if (bad.step?.call && tryAlone) {
        const alone = await runWorker({
          script: NATIVE,
          args: ['--call', bad.step.call, '--addon', paths.addon, '--dist', paths.dist],
          dir,
          name: `alone-${k}`,
        });
        const again = outcomeFinding(alone);
        example.alone = again ? again.kind : 'no (needs the calls before it)';
      }
      example.replay = `npm run fuzz -- --replay native:${childSeed}:${index}`;
      findings.add(bad.kind, where, bad.why, example);
    }
    onChild?.({ campaign: 'native', calls, children, findings: findings.size });
  }
  return { calls, children, findings, slowest };
}

/**
 * Which sequence a crash or hang of a worker comes from: the last operation's
 * sequence alone in a fresh process; else the sequences that were in flight,
 * half of them at a time (bisecting), down to one alone if it does it alone.
 * Within a minute, and before the deadline.
 */
async function apiAlone({ bad, sequence, childSeed, inflight, paths, dir, name, deadline }) {
  const until = Math.min(Date.now() + 60_000, deadline);
  // Each run within the run's time (as the workers are): at most 20 s, and not past the deadline.
  const limitMs = () => Math.max(3000, Math.min(20_000, deadline + 2000 - Date.now()));
  const common = ['--dist', paths.dist, '--php', paths.php];
  const nodeFlags = ['--expose-gc', '--no-warnings'];
  let runs = 0;
  const does = async (ks) => {
    runs++;
    const args =
      ks.length === 1
        ? ['--sequence', `${childSeed}/${ks[0]}`]
        : ['--seed', childSeed, '--indexes', ks.join(','), '--concurrency', String(ks.length)];
    const run = await runWorker({ script: API, args: [...args, ...common], nodeFlags, dir, name: `${name}-again`, limitMs: limitMs() });
    return outcomeFinding(run)?.kind === bad.kind;
  };
  const replay = (ks) => `npm run fuzz -- --replay api:${childSeed}/${ks.join(',')}`;
  const last = sequence.split('/')[1];
  if (last !== undefined && (await does([last]))) return { alone: bad.kind, replay: replay([last]) };
  let group = inflight.filter((k) => k !== last);
  if (group.length === 0 || Date.now() > until) return { alone: 'no' };
  if (!(await does(inflight))) return { alone: `no, nor with the ${inflight.length} sequences in flight` };
  group = inflight;
  while (group.length > 1 && Date.now() < until) {
    const half = group.slice(0, group.length >> 1);
    const rest = group.slice(half.length);
    if (await does(half)) group = half;
    else if (Date.now() < until && (await does(rest))) group = rest;
    else break; // only together
  }
  const how = group.length === 1 ? bad.kind : `no; these ${group.length} together: ${bad.kind}`;
  return { alone: `${how} (${runs} runs)`, ...(group.length === 1 && { seed: `${childSeed}/${group[0]}` }), replay: replay(group) };
}

export async function apiCampaign({ seed, deadline, paths, sequencesPerChild, concurrency, maxSequences = Infinity, dir, onChild }) {
  const findings = new Findings();
  let sequences = 0;
  let operations = 0;
  let children = 0;
  const tries = [];
  const ends = [];
  // What a child's progress said last ('P' lines), until its result counts instead.
  const partial = new Map();
  const counted = () => {
    let [s, o] = [sequences, operations];
    for (const p of partial.values()) [s, o] = [s + p.sequences, o + p.operations];
    return { sequences: s, operations: o };
  };

  function ended(k, childSeed, run) {
    partial.delete(k);
    children++;
    const totals = run.result ?? run.partial;
    if (totals) {
      sequences += totals.sequences;
      operations += totals.operations;
    }
    if (run.result) findings.merge(run.result.findings);
    findings.merge(run.early);
    const bad = outcomeFinding(run);
    if (bad) {
      // Progress keys are "<sequence seed>#<operation>", with the sequences in flight: the last operation's
      // sequence, or another in flight, may do it alone; or only some of them together.
      const sequence = String(bad.step?.index ?? '').split('#')[0];
      const inflight = /^[\d,]+$/.test(bad.step?.call ?? '') ? bad.step.call.split(',') : [];
      const example = {
        seed: sequence || childSeed,
        text: `${bad.step?.text ?? '(no operation recorded)'}${inflight.length > 1 ? `; in flight: ${inflight.join(',')}` : ''}`,
        // Without an operation (no exit, say): the worker's whole run.
        replay: `npm run fuzz -- --replay api:${sequence || `${childSeed}/0..${Math.max(0, (run.result ?? run.partial)?.sequences - 1 || 0)}`}`,
      };
      if (bad.kind === 'no-exit') example.text += `; ${whyDied(run.stderr)}`;
      if ((bad.kind === 'crash' || bad.kind === 'hang') && tries.length < 3 && Date.now() < deadline - 3000) {
        // Tried in the background: the campaign goes on meanwhile (the tries mostly wait, too).
        tries.push(
          apiAlone({ bad, sequence, childSeed, inflight, paths, dir, name: `api-${k}`, deadline }).then((more) =>
            findings.add(bad.kind, 'api sequence', bad.why, { ...example, ...more }),
          ),
        );
      } else findings.add(bad.kind, 'api sequence', bad.why, example);
    }
    onChild?.({ campaign: 'api', ...counted(), children, findings: findings.size });
  }

  for (let k = 0; Date.now() < deadline - 3000 && counted().sequences < maxSequences; k++) {
    const childSeed = `${seed}:${k}`;
    const args = [
      '--seed',
      childSeed,
      '--sequences',
      String(Math.min(sequencesPerChild, maxSequences - counted().sequences)),
      '--concurrency',
      String(concurrency),
      '--dist',
      paths.dist,
      '--php',
      paths.php,
      '--stop-at',
      String(deadline - 2500),
    ];
    // The next child starts once this one is done (its result printed): one that does not exit
    // (a finding) is watched to its end meanwhile.
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    const run = runWorker({
      script: API,
      args,
      nodeFlags: ['--expose-gc', '--no-warnings'],
      dir,
      name: `api-${k}`,
      limitMs: budgetMs(deadline),
      onDone: (result) => {
        if (result) partial.set(k, result);
        done();
      },
    }).then((result) => ended(k, childSeed, result));
    ends.push(run);
    await Promise.race([run, finished]);
  }
  await Promise.all(ends);
  await Promise.all(tries);
  return { sequences, operations, children, findings };
}
