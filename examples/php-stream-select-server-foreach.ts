// The user note's stream_select() server for many clients (stream_server.php)
// with the loop the note means, ported line for line:
// `foreach ($read as $r)` in place of `for ($i = 0; $i < $mod_fd; ++$i)` over
// `$read[$i]`, since stream_select() keeps the keys of the streams that are
// ready. examples/php/stream-select-server-foreach.php is the PHP original;
// examples/php-stream-select-server.ts is the loop as printed (and broken).
//
//   <?php
//   $master = array();
//   $socket = stream_socket_server("tcp://0.0.0.0:8000", $errno, $errstr);
//   if (!$socket) {
//       echo "$errstr ($errno)<br />\n";
//   } else {
//       $master[] = $socket;
//       $read = $master;
//       while (1) {
//           $read = $master;
//           $_w = NULL; $_e = NULL;
//           $mod_fd = stream_select($read, $_w, $_e, 5);
//           if ($mod_fd === FALSE) {
//               break;
//           }
//           foreach ($read as $r) {
//               if ($r === $socket) {
//                   $conn = stream_socket_accept($socket);
//                   fwrite($conn, "Hello! The time is ".date("n/j/Y g:i a")."\n");
//                   $master[] = $conn;
//               } else {
//                   $sock_data = fread($r, 1024);
//                   var_dump($sock_data);
//                   if (strlen($sock_data) === 0) { // connection closed
//                       $key_to_del = array_search($r, $master, TRUE);
//                       fclose($r);
//                       unset($master[$key_to_del]);
//                   } else if ($sock_data === FALSE) {
//                       echo "Something bad happened";
//                       $key_to_del = array_search($r, $master, TRUE);
//                       unset($master[$key_to_del]);
//                   } else {
//                       echo "The client has sent :"; var_dump($sock_data);
//                       fwrite($r, "You have sent :[".$sock_data."]\n");
//                       fclose($r);
//                       unset($master[array_search($r, $master)]);
//                   }
//               }
//           }
//       }
//   }
//
//   node dist/examples/php-stream-select-server-foreach.js [tcp://127.0.0.1:8000]
import {
  fclose,
  fread,
  fwrite,
  ref,
  stream_select,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpStream,
} from '../lib/php/index.js';
import { array_search, cat, date, echo, strlen, var_dump } from './php-builtins.js';

// A PHP array of streams: a JS array whose unset() keys are holes.
const master: PhpStream[] = [];
const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'tcp://0.0.0.0:8000', errno, errstr);
if (!socket) {
  echo(`${errstr.value} (${errno.value})<br />\n`);
} else {
  echo(`listening on ${stream_socket_get_name(socket, false)}\n`);
  master.push(socket);
  const read = ref<PhpStream[] | null>(master.slice()); // slice(): PHP copies arrays on assignment, holes stay holes
  for (;;) {
    read.value = master.slice();
    const _w = ref(null);
    const _e = ref(null);
    const mod_fd = await stream_select(read, _w, _e, 5);
    if (mod_fd === false) {
      break;
    }
    for (const r of Object.values(read.value!)) {
      if (r === socket) {
        const conn = (await stream_socket_accept(socket)) as PhpStream;
        await fwrite(conn, 'Hello! The time is ' + date('n/j/Y g:i a') + '\n');
        master.push(conn);
      } else {
        const sock_data = await fread(r, 1024);
        var_dump(sock_data);
        if (strlen(sock_data) === 0) {
          // connection closed
          const key_to_del = array_search(r, master, true);
          fclose(r);
          delete master[key_to_del as number];
        } else if (sock_data === false) {
          echo('Something bad happened');
          const key_to_del = array_search(r, master, true);
          delete master[key_to_del as number];
        } else {
          echo('The client has sent :');
          var_dump(sock_data);
          await fwrite(r, cat('You have sent :[', sock_data, ']\n'));
          fclose(r);
          delete master[array_search(r, master) as number];
        }
      }
    }
  }
}
