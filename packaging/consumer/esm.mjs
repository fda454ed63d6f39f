// A new user's ES module: `import` and `require` see the same names and
// objects, and the imported package serves (serve-once.cjs).
import { createRequire } from 'node:module';
import * as core from 'stream-socket-server';
import * as php from 'stream-socket-server/php';
import { serveOnce } from './serve-once.cjs';

const require = createRequire(import.meta.url);
for (const [name, imported] of [
  ['stream-socket-server', core],
  ['stream-socket-server/php', php],
]) {
  const required = require(name);
  const differ = Object.keys(required).filter((key) => imported[key] !== required[key]);
  if (differ.length > 0) throw new Error(`import of ${name} lacks or differs in: ${differ.join(', ')}`);
}

console.log(JSON.stringify({ script: 'esm', ...(await serveOnce(core, php)) }));
