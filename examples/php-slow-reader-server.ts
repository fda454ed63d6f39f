// The user note on "internal fixed 8k buffers that will overflow if you don't
// keep up by reading", ported line for line from
// examples/php/slow-reader-server.php: a server that reads slowly (1 KiB,
// then a millisecond's nap) from one client that writes fast
// (examples/php/fast-writer-client.php), then answers how many bytes it got
// and their MD5. Nothing overflows, in PHP 8.2 or here: TCP's flow control
// holds the writer back while the reader is busy (test/seed-programs.test.ts).
//
//   <?php
//   $socket = stream_socket_server("tcp://127.0.0.1:8000", $errno, $errstr);
//   if (!$socket) {
//       die("$errstr ($errno)\n");
//   }
//   $conn = stream_socket_accept($socket, -1);
//   $received = '';
//   $reads = 0;
//   while (!feof($conn)) {
//       $data = fread($conn, 1024);
//       $received .= $data;
//       ++$reads;
//       usleep(1000);                  // busy with something else: the writer is far ahead
//   }
//   echo "read ", strlen($received), " bytes in $reads reads\n";
//   fwrite($conn, strlen($received) . " bytes, md5 " . md5($received) . "\n");
//   fclose($conn);
//   fclose($socket);
//
//   node dist/examples/php-slow-reader-server.js [tcp://127.0.0.1:8000]
import {
  fclose,
  feof,
  fread,
  fwrite,
  ref,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpStream,
} from '../lib/php/index.js';
import { cat, die, echo, md5, strlen, usleep } from './php-builtins.js';

const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'tcp://127.0.0.1:8000', errno, errstr);
if (!socket) {
  die(`${errstr.value} (${errno.value})\n`);
}
echo('listening on ', stream_socket_get_name(socket, false), '\n');
const conn = (await stream_socket_accept(socket, -1)) as PhpStream; // false: PHP's TypeError in feof(), as there
const chunks: Buffer[] = []; // $received, kept as its pieces: appending to one Buffer copies it every time
let reads = 0;
while (!feof(conn)) {
  const data = await fread(conn, 1024);
  chunks.push(cat(data)); // $received .= $data
  ++reads;
  await usleep(1000); // busy with something else: the writer is far ahead
}
const received = Buffer.concat(chunks);
echo('read ', strlen(received), ` bytes in ${reads} reads\n`);
await fwrite(conn, cat(strlen(received), ' bytes, md5 ', md5(received), '\n'));
fclose(conn);
fclose(socket);
