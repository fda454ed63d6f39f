// A new user's TypeScript: compiled as an ES module (module nodenext) and as
// CommonJS (module commonjs), type-checked under node16 and bundler too.
import * as net from 'node:net';
import { openServer, SocketError, type AcceptQueue, type StreamServer } from 'stream-socket-server';
import { fclose, ref, stream_socket_accept, stream_socket_get_name, stream_socket_server } from 'stream-socket-server/php';

function fetch(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    net
      .connect(port, '127.0.0.1')
      .setEncoding('utf8')
      .on('data', (d: string) => (text += d))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const server: StreamServer = openServer('tcp://127.0.0.1:0');
  const address = server.address;
  if (!('port' in address)) throw new Error('a tcp:// server has a port');
  const reply = fetch(address.port);
  for await (const conn of server) {
    const socket: net.Socket = conn;
    socket.end('core');
    break;
  }
  const queue: AcceptQueue = server.queue();
  server.close();
  try {
    openServer('tcp://127.0.0.1:99999999');
  } catch (error) {
    if (!(error instanceof SocketError) && !(error instanceof RangeError) && !(error instanceof TypeError)) throw error;
  }

  const errno = ref(0);
  const errstr = ref('');
  const socket = stream_socket_server('tcp://127.0.0.1:0', errno, errstr);
  if (!socket) throw new Error(`${errstr.value} (${errno.value})`);
  const phpReply = fetch(Number(String(stream_socket_get_name(socket, false)).split(':').pop()));
  const conn = await stream_socket_accept(socket, 5);
  if (!conn) throw new Error('no connection');
  conn.end('php');
  fclose(socket);

  console.log(JSON.stringify({ script: 'ts', core: await reply, php: await phpReply, queue }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
