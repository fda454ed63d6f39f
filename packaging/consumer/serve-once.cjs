// What the consumer scripts (esm.mjs, cjs.cjs) do with the package, handed in
// as each loaded it: the core and the PHP facade each serve one node:net
// client; resolves to what the clients read and the queue seen after accept.
const net = require('node:net');

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

async function serveOnce(core, php) {
  const server = core.openServer('tcp://127.0.0.1:0');
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
  const phpReply = fetch(Number(php.stream_socket_get_name(socket, false).split(':').pop()));
  const conn = await php.stream_socket_accept(socket, 5);
  conn.end('php');
  php.fclose(socket);

  return { core: await reply, php: await phpReply, queue };
}

module.exports = { serveOnce };
