// Finds and loads the addon. A source build wins (node-gyp's build/, or
// cmake-js's build-cmake/ in a checkout); otherwise the prebuild for this
// platform, arch and C library from prebuilds/<platform>-<arch>/, chosen by
// node-gyp-build exactly as its install step (`"install": "node-gyp-build"`)
// chose, so what loads at run time is what was tested at install.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireHere = createRequire(__filename);
const nodeGypBuild = requireHere('node-gyp-build') as { resolve(dir: string): string };

const CMAKE_BUILD = join('build-cmake', 'Release', 'stream_socket_server.node');
const FROM_SOURCE =
  'Build it from source with `npm rebuild stream-socket-server --build-from-source` ' +
  '(needs python3, make and a C++17 compiler; see the README, "Install").';

// The folder of our package.json: from dist/lib/binding/ (or lib/binding/
// under the tests) up, past the {"type": "commonjs"} marker of lib/.
function packageRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (requireHere(manifest) as { name?: string }).name === 'stream-socket-server') return dir;
    if (dirname(dir) === dir) throw new Error('stream-socket-server: cannot find its package.json');
  }
}

function addonPath(root: string): string {
  try {
    return nodeGypBuild.resolve(root);
  } catch (error) {
    if (existsSync(join(root, CMAKE_BUILD))) return join(root, CMAKE_BUILD);
    throw new Error(
      `stream-socket-server: no native addon for ${process.platform}-${process.arch} in ${root}: ` +
        `prebuilds cover linux-x64 and linux-arm64 with glibc. ${FROM_SOURCE}`,
      { cause: error },
    );
  }
}

/** The addon's exports; throws an Error that says what to do when none fits or loads. */
export function loadAddon(): unknown {
  const file = addonPath(packageRoot());
  try {
    return requireHere(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `stream-socket-server: the native addon ${file} does not load here (${reason}). ` +
        `The prebuilds need Linux with glibc >= 2.28 and libstdc++ from GCC >= 8. ${FROM_SOURCE}`,
      { cause: error },
    );
  }
}
