// The user note on unix sockets, ported line for line from
// examples/php/unix-umask-server.php: the socket file that
// stream_socket_server() creates follows the process umask, so umask(0)
// before it makes the socket writable by everyone.
//
//   <?php
//   umask(0);
//   $socket = stream_socket_server("unix:///tmp/my.sock", $errno, $errstr);
//   if (!$socket) {
//       die("$errstr ($errno)\n");
//   }
//   $path = stream_socket_get_name($socket, false);
//   clearstatcache();
//   printf("listening on %s mode %o\n", $path, fileperms($path));
//   while ($conn = stream_socket_accept($socket, -1)) {
//       fwrite($conn, "hello from a socket anyone may write to\n");
//       fclose($conn);
//   }
//
//   node dist/examples/php-unix-umask-server.js [unix:///tmp/my.sock [mask, octal; default 0]]
import { statSync } from 'node:fs';
import { fclose, fwrite, ref, stream_socket_accept, stream_socket_get_name, stream_socket_server, umask } from '../lib/php/index.js';
import { die, echo } from './php-builtins.js';

umask(parseInt(process.argv[3] ?? '0', 8)); // the note: umask(0); a test may pass another mask
const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'unix:///tmp/my.sock', errno, errstr);
if (!socket) {
  die(`${errstr.value} (${errno.value})\n`);
}
const path = stream_socket_get_name(socket, false) as string;
echo(`listening on ${path} mode ${statSync(path).mode.toString(8)}\n`); // fileperms(): no stat cache to clear here
let conn;
while ((conn = await stream_socket_accept(socket, -1))) {
  await fwrite(conn, 'hello from a socket anyone may write to\n');
  fclose(conn);
}
