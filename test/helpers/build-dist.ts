// Vitest globalSetup: compiles lib/ (with examples/ and bench/) to dist/
// before any test file runs. Tests import lib/ through vitest, while child
// processes (test/fixtures/*.mjs, test/php/runner.mjs, the examples) load
// dist/ through the package's own name: compiling here, on every vitest run,
// however it is started (npm test, npx vitest run <file>), keeps those two
// the same code. A type error fails the run before any test.
// It also builds the benchmark's C programs into bench/build/ (make -C bench,
// as `npm run build:bench`; a user's `npm install` does not build them), which
// some tests drive (test/listen.test.ts: connect_burst). make rebuilds only
// what changed, so this costs nothing once they are built.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildTs } from '../../packaging/build-ts.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default function buildDist(): void {
  const built = buildTs();
  if (built.status !== 0) {
    throw new Error(`tsc -p tsconfig.json failed (exit ${built.status}); dist/ would be stale:\n${built.output}`);
  }
  const tools = spawnSync('make', ['-s', '-C', 'bench'], { cwd: ROOT, encoding: 'utf8' });
  if (tools.status !== 0) {
    const why = tools.error ? `${tools.error.message} (is make installed?)` : `exit ${tools.status ?? tools.signal}`;
    throw new Error(
      `make -C bench (npm run build:bench) failed: ${why}; the tests that drive bench/build/* need it:\n${tools.stdout}${tools.stderr}`,
    );
  }
}
