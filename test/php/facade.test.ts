// The facade's own API beyond what the differential suite compares.
import { describe, expect, it } from 'vitest';
import { SocketError } from '../../lib/index.js';
import {
  fclose,
  ini_get,
  ini_set,
  lastSocketError,
  ref,
  stream_context_create,
  stream_context_get_options,
  stream_context_set_default,
  stream_context_set_option,
  stream_get_transports,
  stream_socket_get_name,
  stream_socket_server,
  stream_socket_shutdown,
  ValueError,
  type PhpServerStream,
} from '../../lib/php/index.js';
import { resetDefaultContext } from '../../lib/php/context.js';
import { recordSocketError } from '../../lib/php/diagnostics.js';
import { socketErrorOf } from '../../lib/binding/errors.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

checkSocketLeaks();

describe('PHP facade API', () => {
  it('lastSocketError() keeps the SocketError PHP would lose; reset by the next call', () => {
    const first = stream_socket_server('tcp://127.0.0.1:0') as PhpServerStream;
    const errno = ref(-1);
    const errstr = ref('x');
    expect(stream_socket_server(`tcp://${stream_socket_get_name(first, false)}`, errno, errstr)).toBe(false);
    expect(errno.value).toBe(98);
    expect(errstr.value).toBe('Address already in use');
    const error = lastSocketError()!;
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ errno: 98, code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1' });
    const ok = stream_socket_server('tcp://127.0.0.1:0') as PhpServerStream;
    expect(lastSocketError()).toBeNull();
    fclose(ok);
    fclose(first);
  });

  it('lastSocketError() is a SocketError or null, never another kind of error', () => {
    recordSocketError(socketErrorOf('EPIPE', 'sendto', 'Broken pipe'));
    expect(lastSocketError()).toBeInstanceOf(SocketError);
    recordSocketError(new TypeError('not a syscall failure'));
    expect(lastSocketError()).toBeNull();
    recordSocketError({ code: 'EPIPE', errno: 32 });
    expect(lastSocketError()).toBeNull();
  });

  it('contexts: create, set_option in both forms, get_options; the default context', () => {
    const ctx = stream_context_create({ socket: { backlog: 5 } });
    stream_context_set_option(ctx, 'socket', 'so_reuseport', true);
    stream_context_set_option(ctx, { ssl: { verify_peer: false } });
    expect(stream_context_get_options(ctx)).toEqual({ socket: { backlog: 5, so_reuseport: true }, ssl: { verify_peer: false } });
    expect(() => stream_context_create('nope' as never)).toThrow(TypeError);
    stream_context_set_default({ socket: { backlog: 3 } });
    try {
      const server = stream_socket_server('tcp://127.0.0.1:0') as PhpServerStream;
      expect((server.server as { backlog?: number }).backlog).toBe(3);
      fclose(server);
    } finally {
      resetDefaultContext();
    }
  });

  it('argument errors are thrown as in PHP, not returned', () => {
    expect(() => stream_socket_server(42 as unknown as string)).toThrow(/Argument #1 \(\$address\) must be of type string, int given/);
    expect(() => stream_socket_server('tcp://127.0.0.1:0', null, null, 1.5)).toThrow(TypeError);
    const server = stream_socket_server('tcp://127.0.0.1:0') as PhpServerStream;
    expect(() => stream_socket_shutdown(server, 9)).toThrow(ValueError);
    expect(() => stream_socket_shutdown(server, 9)).toThrow(RangeError);
    fclose(server);
  });

  it('ini default_socket_timeout and the transport list', () => {
    expect(ini_get('default_socket_timeout')).toBe('60');
    expect(ini_set('default_socket_timeout', 5)).toBe('60');
    expect(ini_get('default_socket_timeout')).toBe('5');
    ini_set('default_socket_timeout', '60');
    expect(ini_set('no_such_setting', 1)).toBe(false);
    expect(stream_get_transports()).toEqual(['tcp', 'udp', 'unix', 'udg', 'ssl', 'tls', 'tlsv1.0', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3']);
  });
});
