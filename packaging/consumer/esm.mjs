// A new user's ES module: the core and the PHP facade each serve one
// node:net client; `import` and `require` see the same names and objects.
import * as net from 'node:net';
import { createRequire } from 'node:module';
import * as core from 'stream-socket-server';
import { openServer } from 'stream-socket-server';
import * as php from 'stream-socket-server/php';

const require = createRequire(import.meta.url);
for (const [name, imported] of [
  ['stream-socket-server', core],
  ['stream-socket-server/php', php],
]) {
  const required = require(name);
  const missing = Object.keys(required).filter((key) => imported[key] !== required[key]);
  if (missing.length > 0) throw new Error(`import of ${name} lacks or differs in: ${missing.join(', ')}`);
}

function fetch(port) {
  return new Promise((resolve, reject) => {
    let text = '';
    net
      .connect(port, '127.0.0.1')
      .setEncoding('utf8')
      .on('data', (d) => (text += d))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

const server = openServer('tcp://127.0.0.1:0');
const reply = fetch(server.address.port);
for await (const conn of server) {
  conn.end('core');
  break;
}
const queue = server.queue();
server.close();

const errno = php.ref(0);
const errstr = php.ref('');
const socket = php.stream_socket_server('tcp://127.0.0.1:0', errno, errstr);
if (!socket) throw new Error(`${errstr.value} (${errno.value})`);
const port = Number(php.stream_socket_get_name(socket, false).split(':').pop());
const phpReply = fetch(port);
const conn = await php.stream_socket_accept(socket, 5);
conn.end('php');
php.fclose(socket);

console.log(JSON.stringify({ script: 'esm', core: await reply, php: await phpReply, queue }));
