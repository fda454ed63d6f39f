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

export async function apiCampaign({ seed, deadline, paths, sequencesPerChild, dir, onChild }) {
  const findings = new Findings();
  let sequences = 0;
  let operations = 0;
  let children = 0;
  for (let k = 0; Date.now() < deadline - 3000; k++) {
    const childSeed = `${seed}:${k}`;
    const args = [
      '--seed',
      childSeed,
      '--sequences',
      String(sequencesPerChild),
      '--dist',
      paths.dist,
      '--php',
      paths.php,
      '--stop-at',
      String(deadline - 2500),
    ];
    const run = await runWorker({
      script: API,
      args,
      nodeFlags: ['--expose-gc', '--no-warnings'],
      dir,
      name: `api-${k}`,
      limitMs: budgetMs(deadline),
    });
    children++;
    if (run.result) {
      sequences += run.result.sequences;
      operations += run.result.operations;
      findings.merge(run.result.findings);
    } else if (run.partial) {
      sequences += run.partial.sequences;
      operations += run.partial.operations;
    }
    findings.merge(run.early);
    const bad = outcomeFinding(run);
    if (bad) {
      // Progress keys are "<sequence seed>#<operation>": the sequence replays alone.
      const sequence = String(bad.step?.index ?? '').split('#')[0];
      findings.add(bad.kind, 'api sequence', bad.why, {
        seed: sequence || childSeed,
        text: bad.step?.text ?? '(no operation recorded)',
        replay: sequence ? `npm run fuzz -- --replay api:${sequence}` : `(child ${childSeed})`,
      });
    }
    onChild?.({ campaign: 'api', sequences, operations, children, findings: findings.size });
  }
  return { sequences, operations, children, findings };
}
