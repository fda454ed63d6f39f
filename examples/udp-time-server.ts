// The PHP manual's stream_socket_server() Example 2 (a UDP time server),
// ported line for line through the PHP facade.
//
//   <?php
//   $socket = stream_socket_server("udp://127.0.0.1:1113", $errno, $errstr, STREAM_SERVER_BIND);
//   if (!$socket) {
//       die("$errstr ($errno)");
//   }
//   do {
//       $pkt = stream_socket_recvfrom($socket, 1, 0, $peer);
//       echo "$peer\n";
//       stream_socket_sendto($socket, date("D M j H:i:s Y\r\n"), 0, $peer);
//   } while ($pkt !== false);
//
//   node dist/examples/udp-time-server.js [udp://127.0.0.1:1113]
import {
  fclose,
  ref,
  STREAM_SERVER_BIND,
  stream_socket_get_name,
  stream_socket_recvfrom,
  stream_socket_sendto,
  stream_socket_server,
} from '../lib/php/index.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** PHP's date("D M j H:i:s Y"). */
function date(t = new Date()): string {
  return `${DAYS[t.getDay()]} ${MONTHS[t.getMonth()]} ${t.getDate()} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())} ${t.getFullYear()}`;
}

const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'udp://127.0.0.1:1113', errno, errstr, STREAM_SERVER_BIND);
if (!socket) {
  console.log(`${errstr.value} (${errno.value})`); // die()
  process.exit(1);
}
console.log(`listening on ${stream_socket_get_name(socket, false)}`);
process.once('SIGTERM', () => fclose(socket));
const peer = ref<string | null>(null);
let pkt: Buffer | false;
do {
  pkt = await stream_socket_recvfrom(socket, 1, 0, peer);
  console.log(peer.value ?? '');
  stream_socket_sendto(socket, `${date()}\r\n`, 0, peer.value ?? '');
} while (pkt !== false); // false once fclose()d (SIGTERM)
