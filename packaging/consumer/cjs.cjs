// A new user's CommonJS script: the core and the PHP facade each serve one
// node:net client.
const net = require('node:net');
const { openServer } = require('stream-socket-server');
const { ref, stream_socket_server, stream_socket_get_name, stream_socket_accept, fclose } = require('stream-socket-server/php');

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

async function main() {
  const server = openServer('tcp://127.0.0.1:0');
  const reply = fetch(server.address.port);
  for await (const conn of server) {
    conn.end('core');
    break;
  }
  const queue = server.queue();
  server.close();

  const errno = ref(0);
  const errstr = ref('');
  const socket = stream_socket_server('tcp://127.0.0.1:0', errno, errstr);
  if (!socket) throw new Error(`${errstr.value} (${errno.value})`);
  const phpReply = fetch(Number(stream_socket_get_name(socket, false).split(':').pop()));
  const conn = await stream_socket_accept(socket, 5);
  conn.end('php');
  fclose(socket);

  console.log(JSON.stringify({ script: 'cjs', core: await reply, php: await phpReply, queue }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
