// The user note's stream_client.php, the client of its stream_select()
// server, ported line for line (examples/php/stream-client.php is the PHP
// original). stream_socket_client() is not in the facade (PHP's server side):
// examples/php-builtins.ts makes the connection with node:net; fwrite(),
// feof(), fgets() and fclose() are the facade's.
//
//   <?php
//   $fp = stream_socket_client("tcp://127.0.0.1:8000", $errno, $errstr, 30);
//   if (!$fp) {
//       echo "$errstr ($errno)<br />\n";
//   } else {
//       fwrite($fp, "Aloha");
//       while (!feof($fp)) {
//           var_dump(fgets($fp, 1024));
//       }
//       fclose($fp);
//   }
//
//   node dist/examples/php-stream-client.js [tcp://127.0.0.1:8000]
import { fclose, feof, fgets, fwrite, ref } from '../lib/php/index.js';
import { echo, stream_socket_client, var_dump } from './php-builtins.js';

const errno = ref(0);
const errstr = ref('');
const fp = await stream_socket_client(process.argv[2] ?? 'tcp://127.0.0.1:8000', errno, errstr, 30);
if (!fp) {
  echo(`${errstr.value} (${errno.value})<br />\n`);
} else {
  await fwrite(fp, 'Aloha');
  while (!feof(fp)) {
    var_dump(await fgets(fp, 1024));
  }
  fclose(fp);
}
