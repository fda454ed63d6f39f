// Runs one fuzz worker in a child process and watches it: the child writes
// the step it is about to take into a progress file; a step that does not
// move on within `hangMs` is a hang (the child is killed and the step
// reported), a signal is a crash (the last step is what crashed), and a child
// that finished but does not exit by itself within `exitMs` holds its event
// loop open. Output goes to files, so that fds 0-2 of the child are no sockets.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The first line of the progress file: `index \t call-json \t text` while
 * calling, `close` while closing up and checking fds (slow on purpose: it
 * waits for finalizers), `done` once the result is printed.
 */
export function lastStep(file) {
  if (!existsSync(file)) return null;
  const line = readFileSync(file, 'latin1').split('\n')[0].trimEnd();
  if (line === '') return null;
  const [index, call, text] = line.split('\t');
  if (index === 'done' || index === 'close') return { phase: index };
  if (index.startsWith('close~')) return { phase: 'close', key: index }; // a heartbeat while closing up
  return { index, call, text };
}

export function runWorker({
  script,
  args,
  nodeFlags = ['--expose-gc'],
  dir,
  name,
  hangMs = 2000,
  closeMs = 10_000,
  exitMs = 5000,
  limitMs = 120_000,
  onDone,
}) {
  const progress = join(dir, `${name}.progress`);
  const outFile = join(dir, `${name}.out`);
  const errFile = join(dir, `${name}.err`);
  rmSync(progress, { force: true });
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  const child = spawn(process.execPath, [...nodeFlags, script, ...args, '--progress', progress], { stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  return new Promise((resolve) => {
    let hung = null;
    let lingered = null;
    let budget = false;
    let seen = null;
    let since = Date.now();
    const started = Date.now();
    const watch = setInterval(() => {
      const step = lastStep(progress);
      const key = step ? (step.key ?? step.phase ?? step.index) : null;
      if (key !== seen) {
        seen = key;
        since = Date.now();
        return;
      }
      const still = Date.now() - since;
      if (step?.phase === 'done' && onDone) {
        // Its result is printed: the caller may go on while this one exits (or is found not to).
        onDone(resultOf(readFileSync(outFile, 'utf8')));
        onDone = null;
      }
      if (step?.phase === 'done' && still > exitMs) {
        lingered = { afterMs: still };
        child.kill('SIGKILL');
      } else if (step?.phase === 'close' && still > closeMs) {
        hung = { phase: 'close', blockedMs: still };
        child.kill('SIGKILL');
      } else if (step?.index !== undefined && still > hangMs) {
        hung = { ...step, blockedMs: still };
        child.kill('SIGKILL');
      } else if (Date.now() - started > limitMs) {
        // The run's time budget is spent: stopped, not a finding (what it found so far was streamed).
        budget = true;
        child.kill('SIGKILL');
      }
    }, 100);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      const stdout = readFileSync(outFile, 'utf8');
      const stderr = readFileSync(errFile, 'utf8');
      const step = lastStep(progress);
      for (const file of [progress, outFile, errFile]) rmSync(file, { force: true });
      const result = resultOf(stdout);
      const lines = stdout.trim().split('\n');
      // Findings the worker streamed before it died ("F\t{...}" lines); its summary has them all if it got that far.
      const early = result ? [] : lines.filter((l) => l.startsWith('F\t')).map((l) => JSON.parse(l.slice(2)));
      const counts = lines.filter((l) => l.startsWith('P\t')).map((l) => JSON.parse(l.slice(2)));
      // A temporary directory the worker announced ("R\t<path>"): gone with it, however it ended.
      for (const l of lines) if (l.startsWith('R\t') && l.includes('sss-')) rmSync(l.slice(2), { recursive: true, force: true });
      resolve({ code, signal, hung, lingered, budget, step, stderr, result, early, partial: counts.at(-1) ?? null });
    });
  });
}

/** The worker's result: the last line of its stdout, JSON (null if it did not get that far). */
function resultOf(stdout) {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    return null;
  }
}

/** The lines of stderr that say why a process died (FATAL ERROR, assertion, first stack lines). */
export function whyDied(stderr) {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const fatal = lines.findIndex((l) => /FATAL|Assertion|Abort|Segmentation|terminate|Error:/i.test(l));
  return (fatal >= 0 ? lines.slice(fatal, fatal + 3) : lines.slice(-3)).join(' | ').slice(0, 400);
}
