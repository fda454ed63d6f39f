// The prebuilds promise to load on glibc 2.28 with GCC 8's libstdc++ (what
// Node 20 itself needs). Checked here on the addon built from these sources
// with this machine's toolchain, and the checker (packaging/check-floor.mjs,
// run on the prebuilds in CI) shown to catch a shared object that asks for more.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOOR, readFloor } from '../packaging/check-floor.mjs';

const ADDON = new URL('../build/Release/stream_socket_server.node', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sss-floor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cc(args: string[]): void {
  const result = spawnSync('cc', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cc ${args.join(' ')}: ${result.stderr}`);
}

describe('the glibc / libstdc++ floor of the addon', () => {
  it('the addon built here asks for nothing newer than glibc 2.28 and GCC 8 libstdc++', () => {
    const floor = readFloor(ADDON);
    expect(floor.over).toEqual([]);
    expect(floor.foreign).toEqual([]);
    expect(floor.needs.GLIBC).toBeDefined();
    expect(FLOOR).toEqual({ GLIBC: '2.28', GLIBCXX: '3.4.25', CXXABI: '1.3.11', GCC: '8.0.0' });
  });

  it('the checker names each symbol that asks for more, whatever glibc this machine has', () => {
    // A stand-in library whose symbols carry versions above the floor (a
    // linker version script), and an object that uses them.
    writeFileSync(join(dir, 'versions.map'), 'GLIBC_2.99 { global: raised; local: *; };\nGLIBCXX_3.4.30 { global: raised_cxx; };\n');
    writeFileSync(join(dir, 'stand-in.c'), 'int raised(void) { return 1; }\nint raised_cxx(void) { return 2; }\n');
    cc(['-shared', '-fPIC', '-Wl,--version-script=versions.map', '-Wl,-soname,libstandin.so', '-o', 'libstandin.so', 'stand-in.c']);
    writeFileSync(join(dir, 'user.c'), 'int raised(void); int raised_cxx(void);\nint use(void) { return raised() + raised_cxx(); }\n');
    cc(['-shared', '-fPIC', '-o', 'user.so', 'user.c', '-L.', '-lstandin']);
    const floor = readFloor(join(dir, 'user.so'));
    expect(floor.over.sort()).toEqual(['raised@GLIBC_2.99', 'raised_cxx@GLIBCXX_3.4.30']);
    expect(floor.needs.GLIBC).toBe('2.99');
    expect(floor.foreign).toEqual(['libstandin.so']);
  });
});
