// The PHP facade: PHP's names, argument order and results.
// The types speak Buffer and net.Socket: without @types/node a TypeScript user
// gets one error that names it, not one per use.
/// <reference types="node" preserve="true" />
export * from './constants.js';
export { stream_socket_server, PhpServerStream, ref, PHP_DEFAULT_BACKLOG, type Ref } from './server.js';
export { stream_socket_accept } from './accept.js';
export { stream_socket_recvfrom, stream_socket_sendto } from './transfer.js';
export {
  stream_socket_get_name,
  stream_socket_shutdown,
  stream_get_transports,
  stream_set_blocking,
  stream_set_timeout,
  stream_get_meta_data,
  fclose,
  ValueError,
  type PhpStream,
} from './streams.js';
export {
  StreamContext,
  stream_context_create,
  stream_context_get_default,
  stream_context_set_default,
  stream_context_get_options,
  stream_context_set_option,
  type ContextOptions,
} from './context.js';
export { stream_socket_enable_crypto } from './enable-crypto.js';
export { fread, fgets, fgetc, feof, stream_get_line, stream_get_contents } from './stream-read.js';
export { fwrite, fputs, fflush, stream_set_read_buffer, stream_set_write_buffer, umask } from './stream-write.js';
export { stream_select, type StreamArray } from './select.js';
export { lastSocketError, ini_get, ini_set } from './diagnostics.js';
