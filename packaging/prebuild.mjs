// npm run prebuild: the addons that ship inside the npm package, in
// node-gyp-build's layout: prebuilds/linux-<arch>/node.napi.glibc.node.
// x64 and arm64 are both built on this machine, the one that is not native
// with Debian's cross toolchain (g++-aarch64-linux-gnu or g++-x86-64-linux-gnu);
// packaging/check-floor.mjs then checks the oldest glibc/libstdc++ each needs.
// Usage: node packaging/prebuild.mjs [x64] [arm64]   (default: both)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const NODE_GYP = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(`${command} ${args.join(' ')} failed: ${why}`);
  }
}

/** The toolchain for `arch`: the machine's own, or the cross one (prefixed by its triplet). */
function toolchain(arch) {
  const prefix = arch === process.arch ? '' : `${TRIPLETS[arch]}-`;
  const tools = { CC: `${prefix}gcc`, CXX: `${prefix}g++`, LINK: `${prefix}g++`, AR: `${prefix}ar`, STRIP: `${prefix}strip` };
  const found = spawnSync(tools.CXX, ['--version'], { stdio: 'ignore' });
  if (found.status !== 0) {
    throw new Error(`${tools.CXX} not found: install Debian's g++-${TRIPLETS[arch].replace(/_/g, '-')} to build the ${arch} prebuild`);
  }
  return tools;
}

// Node's headers: those installed with the running node (Node-API is the
// same in every version the package supports), else node-gyp's download.
function nodedirArgs() {
  const prefix = dirname(dirname(process.execPath));
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function prebuild(arch) {
  const tools = toolchain(arch);
  // A build folder per arch inside the checkout (node-addon-api resolves from
  // here), so the development build in build/ is left alone.
  const dir = `${ROOT}build-prebuild/${arch}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(`${ROOT}binding.gyp`, `${dir}binding.gyp`);
  symlinkSync(`${ROOT}native`, `${dir}native`);
  console.log(`\n== prebuild linux-${arch} with ${tools.CXX}`);
  run(process.execPath, [NODE_GYP, 'rebuild', `--arch=${arch}`, '--jobs=2', ...nodedirArgs()], {
    cwd: dir,
    env: { ...process.env, CC: tools.CC, CXX: tools.CXX, LINK: tools.LINK, AR: tools.AR },
  });
  const out = `${ROOT}prebuilds/linux-${arch}/`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const target = `${out}node.napi.glibc.node`;
  copyFileSync(`${dir}build/Release/stream_socket_server.node`, target);
  run(tools.STRIP, ['--strip-unneeded', target]);
  rmSync(dir, { recursive: true, force: true });
  console.log(`== ${target}`);
}

const wanted = process.argv.slice(2);
for (const arch of wanted.length > 0 ? wanted : Object.keys(TRIPLETS)) {
  if (!(arch in TRIPLETS)) throw new Error(`unknown arch ${arch}: one of ${Object.keys(TRIPLETS).join(', ')}`);
  prebuild(arch);
}
