<?php
/*
 * PHP side of the differential runner (see PROTOCOL.md beside this file).
 *
 * Reads one JSON object on stdin: {"case": {...}, "tmp": "/abs/dir", "port": N, "port2": M}
 * (placeholders already substituted), runs the case against PHP's own
 * stream_socket_server() family and prints exactly one JSON observation on stdout.
 * Diagnostics go to stderr. Every wait is bounded and a watchdog ends the process
 * if something blocks anyway.
 */

declare(strict_types=0);

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');

require __DIR__ . '/common.php';
require __DIR__ . '/io-probes.php';

const CLIENT_CONNECT_TIMEOUT = 2.0;
const IO_TIMEOUT = 2;
// Last-resort bound on the whole run (seconds); SSS_RUNNER_WATCHDOG overrides it.
define('WATCHDOG_SECONDS', max(1, (int)(getenv('SSS_RUNNER_WATCHDOG') ?: 30)));

/** Output object being built; the watchdog prints whatever is there. */
$GLOBALS['OUT'] = [];
/** Things kept open for the whole case (occupying sockets, servers, fds). */
$GLOBALS['KEEP'] = [];

function diag(string $msg): void
{
    fwrite(STDERR, "runner.php: $msg\n");
}


/** Run $fn with every diagnostic dropped. */
function quiet(callable $fn)
{
    [$result, , $exception] = capture($fn);
    if ($exception !== null) {
        diag("ignored exception: $exception");
    }
    return $result;
}

// ---------------------------------------------------------------- watchdog

if (function_exists('pcntl_async_signals') && function_exists('pcntl_signal') && function_exists('pcntl_alarm')) {
    pcntl_async_signals(true);
    pcntl_signal(SIGALRM, function () {
        diag('watchdog fired after ' . WATCHDOG_SECONDS . ' s');
        $out = $GLOBALS['OUT'];
        $out['runner_error'] = 'watchdog timeout';
        emit($out);
        exit(3);
    }, false);
    pcntl_alarm(WATCHDOG_SECONDS);
}

// ---------------------------------------------------------------- helpers

/** PHP's own scheme detection (spec 2.1): [A-Za-z0-9+.-]{2,} followed by "://". */
function split_url(string $url): array
{
    $n = strspn($url, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.');
    if ($n >= 2 && substr($url, $n, 3) === '://') {
        return [substr($url, 0, $n), substr($url, $n + 3)];
    }
    return [null, $url];
}

function is_unix_transport(?string $scheme): bool
{
    return $scheme === 'unix' || $scheme === 'udg';
}

/** The filesystem path of a unix target: cut at the first NUL and to 107 bytes. */
function unix_fs_path(string $target): string
{
    $nul = strpos($target, "\0");
    if ($nul !== false) {
        $target = substr($target, 0, $nul);
    }
    return substr($target, 0, 107);
}

function file_info(string $path): array
{
    clearstatcache();
    $st = @lstat($path);
    if ($st === false) {
        return ['exists' => false, 'type' => 'missing'];
    }
    $mode = $st['mode'];
    switch ($mode & 0170000) {
        case 0140000: $type = 'socket'; break;
        case 0100000: $type = 'regular'; break;
        case 0040000: $type = 'directory'; break;
        case 0120000: $type = 'symlink'; break;
        case 0010000: $type = 'fifo'; break;
        case 0020000: $type = 'char'; break;
        case 0060000: $type = 'block'; break;
        default: $type = 'other';
    }
    return ['exists' => true, 'type' => $type, 'perms' => sprintf('%04o', $mode & 07777)];
}

function octal_mode($mode, int $default): int
{
    if ($mode === null) {
        return $default;
    }
    if (is_int($mode)) {
        return $mode;
    }
    return octdec((string)$mode);
}

function make_context($arr)
{
    if (!is_array($arr)) {
        $arr = [];
    }
    return stream_context_create($arr);
}

/** Run a shell command with a bounded runtime and return its stdout ('' on failure). */
function run_cmd(string $cmd, float $timeout = 3.0): string
{
    $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']];
    $pipes = [];
    $proc = quiet(function () use ($cmd, $spec, &$pipes) {
        return proc_open($cmd, $spec, $pipes);
    });
    if (!is_resource($proc)) {
        return '';
    }
    stream_set_blocking($pipes[1], false);
    $out = '';
    $deadline = microtime(true) + $timeout;
    while (true) {
        $r = [$pipes[1]];
        $w = $e = null;
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            proc_terminate($proc, 9);
            break;
        }
        $n = quiet(fn() => stream_select($r, $w, $e, 0, (int)min(200000, $left * 1e6)));
        if ($n) {
            $chunk = fread($pipes[1], 65536);
            if ($chunk === '' || $chunk === false) {
                if (feof($pipes[1])) {
                    break;
                }
            } else {
                $out .= $chunk;
            }
        } elseif (feof($pipes[1])) {
            break;
        }
    }
    fclose($pipes[1]);
    proc_close($proc);
    return $out;
}

/**
 * The ss row of a listening socket: ['recvq' => int, 'sendq' => int] or null.
 * Matched by socket inode (fstat of the stream), falling back to the local address.
 */
function ss_listener($stream, bool $unix, $name): ?array
{
    if (!is_resource($stream)) {
        return null;
    }
    $st = quiet(fn() => fstat($stream));
    $ino = is_array($st) ? (string)$st['ino'] : null;
    if ($unix) {
        $out = run_cmd('ss -Hlxn');
        foreach (explode("\n", $out) as $line) {
            // Netid State Recv-Q Send-Q Local(path, may contain spaces) Inode Peer PeerPort
            if (!preg_match('/^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(.*?)\s+(\d+)\s+(\S+)\s+(\S+)\s*$/', $line, $m)) {
                continue;
            }
            if ($m[2] !== 'LISTEN') {
                continue;
            }
            if (($ino !== null && $ino !== '0' && $m[6] === $ino)
                || ($ino === null && is_string($name) && $m[5] === $name)) {
                return ['recvq' => (int)$m[3], 'sendq' => (int)$m[4]];
            }
        }
        return null;
    }
    $out = run_cmd('ss -Hltne');
    $byAddr = null;
    foreach (explode("\n", $out) as $line) {
        // State Recv-Q Send-Q Local Peer ... ino:N ...
        if (!preg_match('/^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(.*)$/', $line, $m)) {
            continue;
        }
        if ($m[1] !== 'LISTEN') {
            continue;
        }
        $row = ['recvq' => (int)$m[2], 'sendq' => (int)$m[3]];
        if ($ino !== null && preg_match('/\bino:(\d+)\b/', $m[6], $im) && $im[1] === $ino) {
            return $row;
        }
        if ($byAddr === null && is_string($name) && $m[4] === $name) {
            $byAddr = $row;
        }
    }
    return $ino === null ? $byAddr : null;
}

// ---------------------------------------------------------------- setup steps

function setup_socket(array $s): void
{
    if (!function_exists('socket_create')) {
        diag('ext/sockets missing: cannot run setup socket step');
        return;
    }
    $family = ['inet' => AF_INET, 'inet6' => AF_INET6, 'unix' => AF_UNIX][$s['family'] ?? 'inet'] ?? AF_INET;
    $type = ($s['type'] ?? 'stream') === 'dgram' ? SOCK_DGRAM : SOCK_STREAM;
    $sock = quiet(fn() => socket_create($family, $type, 0));
    if ($sock === false || $sock === null) {
        diag('setup socket: socket_create failed');
        return;
    }
    if (!empty($s['reuseaddr'])) {
        quiet(fn() => socket_set_option($sock, SOL_SOCKET, SO_REUSEADDR, 1));
    }
    if (!empty($s['reuseport']) && defined('SO_REUSEPORT')) {
        quiet(fn() => socket_set_option($sock, SOL_SOCKET, SO_REUSEPORT, 1));
    }
    if ($family === AF_UNIX) {
        $ok = quiet(fn() => socket_bind($sock, (string)($s['path'] ?? '')));
    } else {
        $ok = quiet(fn() => socket_bind($sock, (string)($s['addr'] ?? ($family === AF_INET6 ? '::1' : '127.0.0.1')), (int)($s['port'] ?? 0)));
    }
    if (!$ok) {
        diag('setup socket: bind failed: ' . socket_strerror(socket_last_error($sock)));
    }
    $listen = $s['listen'] ?? ($type === SOCK_STREAM);
    if ($listen && $type === SOCK_STREAM) {
        if (!quiet(fn() => socket_listen($sock, 32))) {
            diag('setup socket: listen failed: ' . socket_strerror(socket_last_error($sock)));
        }
    }
    $GLOBALS['KEEP'][] = $sock;
}

function setup_stale_socket(string $path): void
{
    if (function_exists('socket_create')) {
        $sock = quiet(fn() => socket_create(AF_UNIX, SOCK_STREAM, 0));
        if ($sock) {
            if (!quiet(fn() => socket_bind($sock, $path))) {
                diag('stale-socket: bind failed');
            }
            quiet(fn() => socket_listen($sock, 1));
            socket_close($sock);
        }
        return;
    }
    $s = quiet(fn() => stream_socket_server('unix://' . $path));
    if (is_resource($s)) {
        fclose($s);
    }
}

function setup_server(array $s): void
{
    $url = (string)($s['url'] ?? '');
    $flags = array_key_exists('flags', $s) ? (int)$s['flags'] : (STREAM_SERVER_BIND | STREAM_SERVER_LISTEN);
    $srv = quiet(function () use ($url, $flags, $s) {
        if (array_key_exists('context', $s)) {
            return stream_socket_server($url, $errno, $errstr, $flags, make_context($s['context']));
        }
        return stream_socket_server($url, $errno, $errstr, $flags);
    });
    if (!is_resource($srv)) {
        diag("setup server $url failed");
        return;
    }
    $GLOBALS['KEEP'][] = $srv;
}

/** Opens fds until EMFILE; returns the list of handles and the rlimit to restore. */
function exhaust_fds(array $s): array
{
    $restore = null;
    $limit = isset($s['limit']) ? (int)$s['limit'] : 0;
    if ($limit > 0 && function_exists('posix_getrlimit') && function_exists('posix_setrlimit')) {
        // PROTOCOL: lower RLIMIT_NOFILE (soft and hard) to `limit` when given. The old
        // values are restored afterwards when allowed (raising the hard limit needs root).
        $rl = posix_getrlimit();
        if (is_array($rl) && isset($rl['soft openfiles'], $rl['hard openfiles'])) {
            $soft = $rl['soft openfiles'] === 'unlimited' ? POSIX_RLIMIT_INFINITY : (int)$rl['soft openfiles'];
            $hard = $rl['hard openfiles'] === 'unlimited' ? POSIX_RLIMIT_INFINITY : (int)$rl['hard openfiles'];
            $newHard = ($hard === POSIX_RLIMIT_INFINITY || $hard > $limit) ? $limit : $hard;
            $newSoft = min($limit, $newHard);
            if (quiet(fn() => posix_setrlimit(POSIX_RLIMIT_NOFILE, $newSoft, $newHard))) {
                $restore = [$soft, $hard];
            } else {
                diag('exhaust-fds: posix_setrlimit failed; exhausting the current limit');
            }
        }
    }
    $fds = [];
    $max = 1 << 20;
    while (count($fds) < $max) {
        $f = quiet(fn() => fopen('/dev/null', 'r'));
        if (!is_resource($f)) {
            break;
        }
        $fds[] = $f;
    }
    return [$fds, $restore];
}

function release_fds(array &$state): void
{
    [$fds, $restore] = $state;
    foreach ($fds as $f) {
        if (is_resource($f)) {
            fclose($f);
        }
    }
    if ($restore !== null) {
        quiet(fn() => posix_setrlimit(POSIX_RLIMIT_NOFILE, $restore[0], $restore[1]));
    }
    $state = [[], null];
}

// ---------------------------------------------------------------- server context

final class Srv
{
    /** @var resource|null */
    public $stream = null;
    public ?string $scheme = null;   // as written in the URL (null: none → tcp)
    public string $target = '';
    public bool $unix = false;
    /** @var string|false|null */
    public $name = null;
    public bool $closed = false;
    public array $case = [];
    public $context = null;          // the context resource passed to the call, if any

    public function transport(): string
    {
        return $this->scheme ?? 'tcp';
    }

    /** URL a client uses to reach the server's actual address. */
    public function clientUrl(): string
    {
        $t = $this->transport();
        if ($this->unix) {
            $path = is_string($this->name) ? $this->name : $this->target;
            return $t . '://' . $path;
        }
        $addr = is_string($this->name) ? $this->name : $this->target;
        $cs = (strtolower($t) === 'udp') ? 'udp' : 'tcp';
        return $cs . '://' . $addr;
    }

    /** The server's own name as a URL of its own transport. */
    public function ownUrl(): string
    {
        $addr = is_string($this->name) ? $this->name : $this->target;
        return $this->transport() . '://' . $addr;
    }
}

function connect_client(Srv $srv, ?int &$errno = null, ?string &$errstr = null)
{
    $errno = 0;
    $errstr = '';
    $url = $srv->clientUrl();
    $c = quiet(function () use ($url, &$errno, &$errstr) {
        return stream_socket_client($url, $errno, $errstr, CLIENT_CONNECT_TIMEOUT);
    });
    if (is_resource($c)) {
        stream_set_timeout($c, IO_TIMEOUT);
        return $c;
    }
    return false;
}

function read_exact($stream, int $len): string
{
    $ignored = [];
    $read = read_collect($stream, $len, $ignored);
    return $read === false ? '' : $read;
}

/** Timeout argument handling shared by accept probes: returns [args-after-server, effective-seconds]. */
function accept_timeout_args(array $p, $default)
{
    $t = array_key_exists('timeout', $p) ? $p['timeout'] : $default;
    $ini = (float)ini_get('default_socket_timeout');
    if ($t === 'omit') {
        return [[], isset($p['expect_wait']) ? (float)$p['expect_wait'] : $ini, true];
    }
    if ($t === null) {
        return [[null], isset($p['expect_wait']) ? (float)$p['expect_wait'] : $ini, false];
    }
    return [[(float)$t], (float)$t, false];
}

// ---------------------------------------------------------------- probes

function probe_connect(Srv $srv, array $p): array
{
    $c = connect_client($srv, $errno, $errstr);
    $ok = is_resource($c);
    if ($ok) {
        fclose($c);
    }
    return ['probe' => 'connect', 'ok' => $ok, 'errno' => (int)$errno];
}

function probe_accept(Srv $srv, array $p): array
{
    $res = ['probe' => 'accept'];
    if (!empty($p['nonblocking_server'])) {
        quiet(fn() => stream_set_blocking($srv->stream, false));
    }
    $client = null;
    if (($p['client'] ?? true) !== false) {
        $client = connect_client($srv);
        if (is_resource($client)) {
            quiet(fn() => fwrite($client, 'ping'));
        } else {
            diag('accept probe: client could not connect');
        }
    }
    [$targs] = accept_timeout_args($p, 2);
    $noPeer = !empty($p['no_peer_arg']);
    $peer = 'unset';
    $server = $srv->stream;
    [$conn, $warnings, $exception] = capture(function () use ($server, $targs, $noPeer, &$peer) {
        if ($noPeer) {
            return stream_socket_accept($server, ...$targs);
        }
        if (count($targs) === 0) {
            // "omit" cannot be combined with a peer argument; pass the ini default explicitly.
            return stream_socket_accept($server, null, $peer);
        }
        return stream_socket_accept($server, $targs[0], $peer);
    });
    $ok = is_resource($conn);
    $res['ok'] = $ok;
    $res['warnings'] = $warnings;
    $res['exception'] = $exception;
    if (!$ok) {
        // The by-ref peer as PHP left it ("unset" on every failure, e.g. on udp/udg servers).
        $res['peer'] = $peer;
    }
    if ($ok) {
        stream_set_timeout($conn, IO_TIMEOUT);
        $local = quiet(fn() => stream_socket_get_name($conn, false));
        $remote = quiet(fn() => stream_socket_get_name($conn, true));
        if ($srv->unix && is_string($peer) && $peer !== 'unset'
            && ($remote === false || $peer === '' || !mb_check_encoding_compat($peer))) {
            // Unbound unix peer: PHP formats an uninitialised buffer; normalised to "".
            $peer = '';
        }
        $res['peer'] = $peer;
        $res['accepted'] = ['local' => $local, 'remote' => $remote];
        $serverRead = read_exact($conn, 4);
        quiet(fn() => fwrite($conn, 'pong'));
        $clientRead = is_resource($client) ? read_exact($client, 4) : '';
        $res['exchange'] = ['server_read' => $serverRead, 'client_read' => $clientRead];
        fclose($conn);
    }
    if (is_resource($client)) {
        fclose($client);
    }
    return $res;
}

function mb_check_encoding_compat(string $s): bool
{
    if (function_exists('mb_check_encoding')) {
        return mb_check_encoding($s, 'UTF-8');
    }
    return preg_match('//u', $s) === 1;
}

function probe_accept_timing(Srv $srv, array $p): array
{
    [$targs, $expect] = accept_timeout_args($p, 2);
    $server = $srv->stream;
    $t0 = microtime(true);
    [$conn, $warnings, $exception] = capture(fn() => stream_socket_accept($server, ...$targs));
    $elapsed = microtime(true) - $t0;
    $ok = is_resource($conn);
    if ($ok) {
        fclose($conn);
    }
    return [
        'probe' => 'accept-timing',
        'ok' => $ok,
        'warnings' => $warnings,
        'exception' => $exception,
        'waited_expected' => $elapsed >= 0.8 * $expect,
    ];
}

function probe_second_server(Srv $srv, array $p): array
{
    $url = $srv->ownUrl();
    $case = $srv->case;
    $hasFlags = array_key_exists('flags', $p) || array_key_exists('flags', $case);
    $flags = array_key_exists('flags', $p) ? (int)$p['flags']
        : (array_key_exists('flags', $case) ? (int)$case['flags'] : (STREAM_SERVER_BIND | STREAM_SERVER_LISTEN));
    $ctx = $srv->context;
    $errno = null;
    $errstr = null;
    [$s2, $warnings, $exception] = capture(function () use ($url, $flags, $hasFlags, $ctx, &$errno, &$errstr) {
        if ($ctx !== null) {
            return stream_socket_server($url, $errno, $errstr, $flags, $ctx);
        }
        if ($hasFlags) {
            return stream_socket_server($url, $errno, $errstr, $flags);
        }
        return stream_socket_server($url, $errno, $errstr);
    });
    $ok = is_resource($s2);
    $res = [
        'probe' => 'second-server',
        'ok' => $ok,
        'errno' => $errno,
        'errstr' => $errstr,
        'warnings' => $warnings,
        'exception' => $exception,
    ];
    if ($ok) {
        // Only when it succeeded (udp with SO_REUSEADDR): the second server's own name.
        $res['name'] = quiet(fn() => stream_socket_get_name($s2, false));
        fclose($s2);
    }
    return $res;
}

function probe_fill_backlog(Srv $srv, array $p): array
{
    $n = (int)($p['clients'] ?? 0);
    $url = $srv->clientUrl();
    $clients = [];
    for ($i = 0; $i < $n; $i++) {
        $c = quiet(function () use ($url) {
            return stream_socket_client($url, $errno, $errstr, CLIENT_CONNECT_TIMEOUT,
                STREAM_CLIENT_CONNECT | STREAM_CLIENT_ASYNC_CONNECT);
        });
        if (is_resource($c)) {
            $clients[] = $c;
        }
    }
    usleep(300000);
    $row = ss_listener($srv->stream, $srv->unix, $srv->name);
    $queued = $row === null ? null : $row['recvq'];
    $accepted = 0;
    $conns = [];
    $server = $srv->stream;
    while ($accepted < $n + 64) {
        $conn = quiet(fn() => stream_socket_accept($server, 0.2));
        if (!is_resource($conn)) {
            break;
        }
        $conns[] = $conn;
        $accepted++;
    }
    foreach ($conns as $c) {
        fclose($c);
    }
    foreach ($clients as $c) {
        fclose($c);
    }
    return ['probe' => 'fill-backlog', 'clients' => $n, 'queued_before_accept' => $queued, 'accepted' => $accepted];
}

function probe_shutdown(Srv $srv, array $p): array
{
    $how = $p['how'] ?? STREAM_SHUT_RDWR;
    $res = ['probe' => 'shutdown'];
    $target = $srv->stream;
    $conn = null;
    $client = null;
    if (($p['on'] ?? 'server') === 'accepted') {
        $client = connect_client($srv);
        $conn = quiet(fn() => stream_socket_accept($srv->stream, 2));
        if (is_resource($conn)) {
            $target = $conn;
        } else {
            diag('shutdown probe: could not accept a connection to shut down');
        }
    }
    [$r, $warnings, $exception] = capture(fn() => stream_socket_shutdown($target, $how));
    $res['result'] = $r;
    $res['warnings'] = $warnings;
    $res['exception'] = $exception;
    if (($p['on'] ?? 'server') === 'accepted') {
        // What the peer sees after the shutdown: up to 100 bytes within 1 s ("" if nothing),
        // then feof() of the client. null when there was no client.
        if (is_resource($client)) {
            stream_set_timeout($client, 1);
            $got = quiet(fn() => fread($client, 100));
            $res['client_read'] = is_string($got) ? $got : '';
            $res['client_eof'] = quiet(fn() => feof($client));
        } else {
            $res['client_read'] = null;
            $res['client_eof'] = null;
        }
    }
    if (!empty($p['accept_after'])) {
        $server = $srv->stream;
        [$c2, $w2] = capture(fn() => stream_socket_accept($server, 0.2));
        $ok2 = is_resource($c2);
        if ($ok2) {
            fclose($c2);
        }
        $res['accept_after'] = ['ok' => $ok2, 'warnings' => $w2];
    }
    if (is_resource($conn)) {
        fclose($conn);
    }
    if (is_resource($client)) {
        fclose($client);
    }
    return $res;
}

/**
 * True for servers whose stream is a plain connection-oriented socket (tcp://, unix://, or no
 * scheme). shutdown {on: accepted} only runs on those; the recvfrom/sendto probes run on those
 * and on datagram servers (below).
 */
function plain_stream_server(Srv $srv): bool
{
    $t = strtolower($srv->transport());
    return $t === 'tcp' || $t === 'unix';
}

/** True for udp:// and udg:// servers (an unconnected datagram socket, never listening). */
function datagram_server(Srv $srv): bool
{
    $t = strtolower($srv->transport());
    return $t === 'udp' || $t === 'udg';
}

/** Normalises a unix peer address PHP formatted from an unbound peer (uninitialised buffer). */
function unix_addr_norm(Srv $srv, $addr, $client)
{
    if (!$srv->unix || !is_string($addr)) {
        return $addr;
    }
    $own = is_resource($client) ? quiet(fn() => stream_socket_get_name($client, false)) : null;
    if (!is_string($own) || $own === '' || !mb_check_encoding_compat($addr)) {
        return '';
    }
    return $addr;
}

/** Readable within $seconds (bounded select on the PHP stream)? */
function wait_readable($stream, float $seconds): bool
{
    $rd = [$stream];
    $wr = $ex = null;
    $sec = (int)floor($seconds);
    $usec = (int)(($seconds - $sec) * 1e6);
    return (bool)quiet(fn() => stream_select($rd, $wr, $ex, $sec, $usec));
}

/**
 * Sends every `send` item on the client: string → fwrite; {data, flags?} →
 * stream_socket_sendto($client, data, flags ?? 0). On a datagram client each item is one
 * datagram. Returns the number of items sent.
 */
function send_items($client, array $items, string $what): int
{
    $n = 0;
    foreach ($items as $item) {
        if (is_array($item)) {
            $data = (string)($item['data'] ?? '');
            $flags = (int)($item['flags'] ?? 0);
            [, $w, $ex] = capture(fn() => stream_socket_sendto($client, $data, $flags));
        } else {
            $data = (string)$item;
            [, $w, $ex] = capture(fn() => fwrite($client, $data));
        }
        if ($w || $ex !== null) {
            diag("$what: send: " . json_encode([$w, $ex]));
        }
        $n++;
    }
    return $n;
}

/**
 * Runs the `reads` of a recvfrom probe on $stream, in order; returns [results, raw addr of the
 * last read (normalised for unix peers; null when none or no_addr)].
 * A blocking read with len > 0 is only made when the stream is readable within 1 s (otherwise
 * it would block forever); if not, the read reports runner_error instead. On a connection
 * (not datagram) socket, OOB reads are exempt (urgent data does not make the socket readable).
 */
function run_reads(Srv $srv, $stream, array $reads, $client, bool $datagram): array
{
    $out = [];
    $lastAddr = null;
    $blocking = (bool)(stream_get_meta_data($stream)['blocked'] ?? true);
    foreach ($reads as $r) {
        if (!is_array($r)) {
            $r = ['len' => $r];
        }
        $len = (int)($r['len'] ?? 0);
        $flags = (int)($r['flags'] ?? 0);
        // Each read states its own mode (`nonblocking` → non-blocking, else blocking).
        $wantBlocking = empty($r['nonblocking']);
        if ($wantBlocking !== $blocking) {
            quiet(fn() => stream_set_blocking($stream, $wantBlocking));
            $blocking = $wantBlocking;
        }
        if ($blocking && $len > 0 && ($datagram || !($flags & STREAM_OOB)) && !wait_readable($stream, 1.0)) {
            $out[] = ['data' => null, 'addr' => null, 'warnings' => [], 'exception' => null,
                'runner_error' => 'not readable within 1 s; blocking read not made'];
            $lastAddr = null;
            continue;
        }
        $addr = null;
        $noAddr = !empty($r['no_addr']);
        [$data, $warnings, $exception] = capture(function () use ($stream, $len, $flags, $noAddr, &$addr) {
            if ($noAddr) {
                return stream_socket_recvfrom($stream, $len, $flags);
            }
            return stream_socket_recvfrom($stream, $len, $flags, $addr);
        });
        $addr = $noAddr ? 'unset' : unix_addr_norm($srv, $addr, $client);
        $lastAddr = $noAddr ? null : $addr;
        $out[] = [
            'data' => $data,
            'addr' => $addr,
            'warnings' => $warnings,
            'exception' => $exception,
        ];
    }
    return [$out, $lastAddr];
}

/**
 * recvfrom {send: [string | {data, flags?}], reads: [{len, flags?, nonblocking?, no_addr?}],
 *           reply?: {data, flags?, to?}}
 * → {probe, client_ok, reads: [{data, addr, warnings, exception}], reply?}.
 * tcp/unix: a client connects and sends every item, the server accepts (2 s), waits 100 ms,
 * then runs the reads on the accepted stream. udp/udg: see probe_recvfrom_dgram.
 */
function probe_recvfrom(Srv $srv, array $p): array
{
    if (datagram_server($srv)) {
        return probe_recvfrom_dgram($srv, $p);
    }
    $res = ['probe' => 'recvfrom'];
    $client = connect_client($srv);
    $res['client_ok'] = is_resource($client);
    $res['reads'] = [];
    if (!is_resource($client)) {
        diag('recvfrom probe: client could not connect');
        return $res;
    }
    send_items($client, (array)($p['send'] ?? []), 'recvfrom probe');
    $server = $srv->stream;
    $conn = quiet(fn() => stream_socket_accept($server, 2));
    if (!is_resource($conn)) {
        diag('recvfrom probe: accept failed');
        fclose($client);
        return $res;
    }
    usleep(100000);
    [$res['reads']] = run_reads($srv, $conn, (array)($p['reads'] ?? []), $client, false);
    fclose($conn);
    fclose($client);
    return $res;
}

/**
 * recvfrom on a udp/udg server: a datagram client (stream_socket_client('udp://NAME') /
 * stream_socket_client('udg://PATH'), unbound) sends every item as one datagram; the runner
 * waits (≤ 1 s) until the server is readable, then runs the reads on the server stream itself
 * (`nonblocking` → stream_set_blocking($server, false) first; `no_addr` → 3 arguments, addr
 * "unset"). Then, with `reply` {data, flags?, to?}: stream_socket_sendto($server, data,
 * flags ?? 0, to ?? addr of the last read) ("{client_port}" in `to` → the client's local port)
 * → reply: {result, warnings, exception, client_read?}; client_read (only when result > 0) is
 * one fread($client, 8192) made when the client is readable within 1 s ("" otherwise).
 */
function probe_recvfrom_dgram(Srv $srv, array $p): array
{
    $res = ['probe' => 'recvfrom'];
    $client = connect_client($srv);
    $res['client_ok'] = is_resource($client);
    $res['reads'] = [];
    if (!is_resource($client)) {
        diag('recvfrom probe: datagram client could not be made');
        return $res;
    }
    $server = $srv->stream;
    if (send_items($client, (array)($p['send'] ?? []), 'recvfrom probe') > 0) {
        wait_readable($server, 1.0);
    }
    [$res['reads'], $lastAddr] = run_reads($srv, $server, (array)($p['reads'] ?? []), $client, true);
    if (isset($p['reply']) && is_array($p['reply'])) {
        $rp = $p['reply'];
        $data = (string)($rp['data'] ?? '');
        $flags = (int)($rp['flags'] ?? 0);
        if (array_key_exists('to', $rp) && $rp['to'] !== null) {
            $to = (string)$rp['to'];
            if (strpos($to, '{client_port}') !== false) {
                $own = quiet(fn() => stream_socket_get_name($client, false));
                $port = (is_string($own) && ($c = strrpos($own, ':')) !== false) ? substr($own, $c + 1) : '';
                $to = str_replace('{client_port}', $port, $to);
            }
        } else {
            $to = $lastAddr;
        }
        [$result, $warnings, $exception] = capture(function () use ($server, $data, $flags, $to) {
            if (is_string($to)) {
                return stream_socket_sendto($server, $data, $flags, $to);
            }
            return stream_socket_sendto($server, $data, $flags);
        });
        $reply = ['result' => $result, 'warnings' => $warnings, 'exception' => $exception];
        if (is_int($result) && $result > 0) {
            $got = wait_readable($client, 1.0) ? quiet(fn() => fread($client, 8192)) : '';
            $reply['client_read'] = is_string($got) ? $got : '';
        }
        $res['reply'] = $reply;
    }
    fclose($client);
    return $res;
}

/**
 * recvfrom-direct {len, flags?, nonblocking?} → {probe, data, addr, warnings, exception}:
 * stream_socket_recvfrom on the server stream itself. On tcp/unix this never blocks: a
 * listening or unconnected socket fails at once (ENOTCONN/EINVAL), a socketless one with EBADF.
 * On a blocking udp/udg server a read with len > 0 is only made when a datagram is pending
 * within 1 s (else runner_error).
 */
function probe_recvfrom_direct(Srv $srv, array $p): array
{
    $server = $srv->stream;
    if (!empty($p['nonblocking'])) {
        quiet(fn() => stream_set_blocking($server, false));
    }
    $len = (int)($p['len'] ?? 0);
    $flags = (int)($p['flags'] ?? 0);
    if (datagram_server($srv) && $len > 0 && (stream_get_meta_data($server)['blocked'] ?? true)
        && !wait_readable($server, 1.0)) {
        return ['probe' => 'recvfrom-direct', 'data' => null, 'addr' => null, 'warnings' => [],
            'exception' => null, 'runner_error' => 'no datagram pending within 1 s; blocking read not made'];
    }
    $addr = null;
    [$data, $warnings, $exception] = capture(function () use ($server, $len, $flags, &$addr) {
        return stream_socket_recvfrom($server, $len, $flags, $addr);
    });
    if ($exception !== null) {
        $data = null;
        $addr = null;
    }
    return [
        'probe' => 'recvfrom-direct',
        'data' => $data,
        'addr' => unix_addr_norm($srv, $addr, null),
        'warnings' => $warnings,
        'exception' => $exception,
    ];
}

/** sendto {data, target?, flags?} → {probe, result, warnings, exception}: on the server stream. */
function probe_sendto(Srv $srv, array $p): array
{
    $server = $srv->stream;
    $data = (string)($p['data'] ?? '');
    $flags = (int)($p['flags'] ?? 0);
    $target = (string)($p['target'] ?? '');
    [$result, $warnings, $exception] = capture(fn() => stream_socket_sendto($server, $data, $flags, $target));
    return ['probe' => 'sendto', 'result' => $result, 'warnings' => $warnings, 'exception' => $exception];
}

// ---------------------------------------------------------------- tls probes

const TLS_CLIENT_SCRIPT = __DIR__ . '/tls-client.php';
/** How long the runner waits for the client's TCP connection before it calls accept. */
const TLS_CONNECT_WAIT = 5.0;
/** Bound on waiting for tls-client.php to answer (it ends itself after 15 s). */
const TLS_CLIENT_WAIT = 17.0;

/**
 * Starts tls-client.php with $input on its stdin. Returns [proc, stdout-pipe] or null.
 * The client runs without the case's ini settings (plain `php tls-client.php`).
 */
function tls_client_start(array $input): ?array
{
    $spec = [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR];
    $pipes = [];
    $proc = quiet(function () use ($spec, &$pipes) {
        return proc_open([PHP_BINARY, TLS_CLIENT_SCRIPT], $spec, $pipes);
    });
    if (!is_resource($proc)) {
        diag('tls probe: cannot start tls-client.php');
        return null;
    }
    quiet(fn() => fwrite($pipes[0], json_encode($input, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n"));
    fclose($pipes[0]);
    stream_set_blocking($pipes[1], false);
    return [$proc, $pipes[1]];
}

/**
 * Waits until a connection is pending on the server (it is readable), at most TLS_CONNECT_WAIT
 * seconds, and no longer once the client process has ended (a connection it made would be
 * pending already).
 */
function tls_wait_pending($server, ?array $client): void
{
    if ($client === null) {
        return;
    }
    $deadline = microtime(true) + TLS_CONNECT_WAIT;
    while (microtime(true) < $deadline) {
        if (wait_readable($server, 0.05)) {
            return;
        }
        $st = quiet(fn() => proc_get_status($client[0]));
        if (!is_array($st) || !$st['running']) {
            return;
        }
    }
}

/** Waits (bounded) for the client's JSON line; returns the decoded object or a runner_error. */
function tls_client_finish(?array $client): array
{
    if ($client === null) {
        return ['runner_error' => 'tls-client.php could not be started'];
    }
    [$proc, $stdout] = $client;
    $text = '';
    $deadline = microtime(true) + TLS_CLIENT_WAIT;
    while (!feof($stdout) && microtime(true) < $deadline) {
        if (!wait_readable($stdout, 0.2)) {
            continue;
        }
        $chunk = quiet(fn() => fread($stdout, 65536));
        if (is_string($chunk)) {
            $text .= $chunk;
        }
    }
    $timedOut = !feof($stdout);
    fclose($stdout);
    if ($timedOut) {
        proc_terminate($proc, 9);
    }
    proc_close($proc);
    $lines = array_values(array_filter(explode("\n", trim($text)), fn($l) => $l !== ''));
    $obj = $lines ? json_decode((string)end($lines), true) : null;
    if (!is_array($obj)) {
        return ['runner_error' => $timedOut ? 'tls-client.php did not answer' : 'tls-client.php gave no JSON'];
    }
    return $obj;
}

/**
 * Reads up to $len bytes from $stream (IO_TIMEOUT bound), collecting warnings into $warnings.
 * Returns the bytes, or false when the first read failed.
 */
function read_collect($stream, int $len, array &$warnings)
{
    $buf = '';
    $deadline = microtime(true) + IO_TIMEOUT;
    while (strlen($buf) < $len && microtime(true) < $deadline) {
        [$chunk, $w] = capture(fn() => fread($stream, $len - strlen($buf)));
        array_push($warnings, ...$w);
        if ($chunk === false || $chunk === null) {
            return $buf === '' ? false : $buf;
        }
        if ($chunk === '') {
            $meta = stream_get_meta_data($stream);
            if ($meta['eof'] || $meta['timed_out']) {
                break;
            }
            usleep(10000);
            continue;
        }
        $buf .= $chunk;
    }
    return $buf;
}

/**
 * Runs OpenSSL's one-time set-up in this process (first SSL_CTX, DRBG seeding, provider
 * fetches: ~1.5 ms cold, ~0.3 ms warm) with a throwaway client handshake start on a
 * loopback pair, before the probe's client is started. A server that fails before the
 * handshake (tls-missing-key-file) races the client's ClientHello: closing first gives a FIN
 * (the client sees only "Failed to enable crypto", as recorded); the ClientHello arriving first
 * turns the close into a RST (an extra "SSL: Connection reset by peer"). Warm, the server wins
 * by about a millisecond (cold it mostly loses); only a CPU-saturated machine still flips it.
 * Nothing observable changes: the throwaway handshake uses its own sockets and context.
 */
function tls_warm_up(): void
{
    static $done = false;
    if ($done) {
        return;
    }
    $done = true;
    quiet(function () {
        $l = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        if (!is_resource($l)) {
            return;
        }
        $ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
        $c = stream_socket_client('tcp://' . stream_socket_get_name($l, false), $errno, $errstr, 1, STREAM_CLIENT_CONNECT, $ctx);
        $a = is_resource($c) ? stream_socket_accept($l, 1) : false;
        if (is_resource($c)) {
            stream_set_blocking($c, false);
            stream_socket_enable_crypto($c, true, STREAM_CRYPTO_METHOD_TLS_CLIENT);
            fclose($c);
        }
        if (is_resource($a)) {
            fclose($a);
        }
        fclose($l);
    });
}

/**
 * tls {client_url, client_ssl?, client_hold?, client_io?, client_send?, server_enable?,
 *      server_ssl?, accept_timeout?, accept_elapsed_between?, capture?}
 * → {probe, server: {...}, client: {...}}; see PROTOCOL.md.
 */
function probe_tls(Srv $srv, array $p): array
{
    $server = $srv->stream;
    $addr = is_string($srv->name) ? $srv->name : $srv->target;
    $input = ['url' => str_replace('{addr}', $addr, (string)($p['client_url'] ?? ''))];
    if (isset($p['client_ssl']) && is_array($p['client_ssl'])) {
        $input['ssl'] = $p['client_ssl'];
    }
    if (isset($p['client_hold'])) {
        $input['hold'] = (float)$p['client_hold'];
    }
    if (array_key_exists('client_io', $p) && $p['client_io'] !== null) {
        $input['io'] = (bool)$p['client_io'];
    }
    if (isset($p['client_send'])) {
        $input['send'] = (string)$p['client_send'];
    }
    tls_warm_up();
    $client = tls_client_start($input);

    // Accept only once the client's TCP connection is pending, so that the accept timeout
    // covers the accept (and handshake), not the client's start-up.
    tls_wait_pending($server, $client);
    $timeout = isset($p['accept_timeout']) ? (float)$p['accept_timeout'] : 5.0;
    $t0 = microtime(true);
    [$conn, $warnings, $exception] = capture(fn() => stream_socket_accept($server, $timeout));
    $elapsed = microtime(true) - $t0;
    $ok = is_resource($conn);
    $sres = ['accept_ok' => $ok, 'accept_warnings' => $warnings, 'accept_exception' => $exception];
    if (isset($p['accept_elapsed_between']) && is_array($p['accept_elapsed_between'])) {
        [$lo, $hi] = array_map('floatval', array_values($p['accept_elapsed_between']) + [0, INF]);
        $sres['accept_elapsed_in_range'] = $elapsed >= $lo && $elapsed <= $hi;
    }
    if ($ok) {
        stream_set_timeout($conn, IO_TIMEOUT);
        $enabled = true;
        if (isset($p['server_enable'])) {
            if (isset($p['server_ssl']) && is_array($p['server_ssl'])) {
                foreach ($p['server_ssl'] as $k => $v) {
                    quiet(fn() => stream_context_set_option($conn, 'ssl', (string)$k, $v));
                }
            }
            $method = (int)$p['server_enable'];
            [$r, $w, $e] = capture(fn() => stream_socket_enable_crypto($conn, true, $method));
            $sres['enable_result'] = $r;
            $sres['enable_warnings'] = $w;
            $sres['enable_exception'] = $e;
            $enabled = $r === true;
        }
        $meta = stream_get_meta_data($conn);
        $sres['stream_type'] = $meta['stream_type'] ?? null;
        $sres['crypto'] = $meta['crypto'] ?? null;
        if ($enabled) {
            $io = [];
            $sres['read'] = read_collect($conn, 4, $io);
            [, $w] = capture(fn() => fwrite($conn, 'pong'));
            array_push($io, ...$w);
            $sres['io_warnings'] = $io;
        }
    }
    if (!empty($p['capture'])) {
        // The server's context, which its accepted streams share: what a refused peer left shows too.
        $sres['captured'] = tls_captured(stream_context_get_options($server)['ssl'] ?? []);
    }
    $cres = tls_client_finish($client);
    if ($ok && is_resource($conn)) {
        quiet(fn() => fclose($conn));
    }
    return ['probe' => 'tls', 'server' => $sres, 'client' => $cres];
}

/** What capture_peer_cert(_chain) left in the context: subject CNs, or "absent". */
function tls_captured(array $ssl): array
{
    $cn = fn($cert) => openssl_x509_parse($cert)['subject']['CN'] ?? null;
    $out = [];
    foreach (['peer_certificate', 'peer_certificate_chain'] as $key) {
        if (!array_key_exists($key, $ssl)) {
            $out[$key] = 'absent';
        } elseif (is_array($ssl[$key])) {
            $out[$key] = array_map($cn, $ssl[$key]);
        } else {
            $out[$key] = $ssl[$key] === null ? null : $cn($ssl[$key]);
        }
    }
    return $out;
}

/**
 * enable-crypto {method?, enable?=true} → {probe, result, warnings, exception}:
 * stream_socket_enable_crypto on the server stream itself (method absent → not passed).
 */
function probe_enable_crypto(Srv $srv, array $p): array
{
    $server = $srv->stream;
    $enable = (bool)($p['enable'] ?? true);
    $hasMethod = isset($p['method']);
    $method = $hasMethod ? (int)$p['method'] : null;
    [$result, $warnings, $exception] = capture(function () use ($server, $enable, $hasMethod, $method) {
        if ($hasMethod) {
            return stream_socket_enable_crypto($server, $enable, $method);
        }
        return stream_socket_enable_crypto($server, $enable);
    });
    return ['probe' => 'enable-crypto', 'result' => $result, 'warnings' => $warnings, 'exception' => $exception];
}

/** set-timeout {seconds} → {probe, result}: stream_set_timeout on the server stream (it bounds TLS handshakes). */
function probe_set_timeout(Srv $srv, array $p): array
{
    [$result, $warnings] = capture(fn() => stream_set_timeout($srv->stream, (int)($p['seconds'] ?? 0)));
    return ['probe' => 'set-timeout', 'result' => $result, 'warnings' => $warnings];
}

function probe_close(Srv $srv, array $p): array
{
    if (is_resource($srv->stream)) {
        fclose($srv->stream);
    }
    $srv->closed = true;
    $exists = null;
    if ($srv->unix) {
        $path = unix_fs_path($srv->target);
        if ($path !== '') {
            clearstatcache();
            $exists = @lstat($path) !== false;
        } else {
            $exists = false;
        }
    }
    return ['probe' => 'close', 'file_exists_after_close' => $exists];
}

function run_probe(Srv $srv, array $p): array
{
    $name = (string)($p['probe'] ?? '');
    $known = ['connect', 'accept', 'accept-timing', 'second-server', 'fill-backlog', 'shutdown', 'close',
        'recvfrom', 'recvfrom-direct', 'sendto', 'tls', 'enable-crypto', 'set-timeout', 'io'];
    if (!in_array($name, $known, true)) {
        return ['probe' => $name, 'skipped' => true];
    }
    // Data probes only on plain tcp/unix and on udp/udg servers (ssl/tls stay skipped);
    // shutdown {on: accepted} only on tcp/unix.
    $dataProbe = in_array($name, ['recvfrom', 'recvfrom-direct', 'sendto'], true);
    if ($dataProbe && !plain_stream_server($srv) && !datagram_server($srv)) {
        return ['probe' => $name, 'skipped' => true];
    }
    if ($name === 'shutdown' && ($p['on'] ?? 'server') === 'accepted' && !plain_stream_server($srv)) {
        return ['probe' => $name, 'skipped' => true];
    }
    if ($srv->closed || !is_resource($srv->stream)) {
        return ['probe' => $name, 'skipped' => true, 'reason' => 'server closed'];
    }
    switch ($name) {
        case 'connect': return probe_connect($srv, $p);
        case 'accept': return probe_accept($srv, $p);
        case 'accept-timing': return probe_accept_timing($srv, $p);
        case 'second-server': return probe_second_server($srv, $p);
        case 'fill-backlog': return probe_fill_backlog($srv, $p);
        case 'shutdown': return probe_shutdown($srv, $p);
        case 'close': return probe_close($srv, $p);
        case 'recvfrom': return probe_recvfrom($srv, $p);
        case 'recvfrom-direct': return probe_recvfrom_direct($srv, $p);
        case 'sendto': return probe_sendto($srv, $p);
        case 'tls': return probe_tls($srv, $p);
        case 'enable-crypto': return probe_enable_crypto($srv, $p);
        case 'set-timeout': return probe_set_timeout($srv, $p);
        case 'io': return probe_io($srv, $p); // io-probes.php
    }
    return ['probe' => $name, 'skipped' => true];
}

// ---------------------------------------------------------------- main

function main(): int
{
    $raw = stream_get_contents(STDIN);
    $input = json_decode((string)$raw, true);
    if (!is_array($input) || !is_array($input['case'] ?? null)) {
        emit(['ok' => false, 'runner_error' => 'bad input: ' . json_last_error_msg()]);
        return 2;
    }
    $case = $input['case'];

    if (array_key_exists('default_context', $case)) {
        quiet(fn() => stream_context_set_default(is_array($case['default_context']) ? $case['default_context'] : []));
    }

    $kind = $case['kind'] ?? null;
    if ($kind === 'transports') {
        emit(['transports' => stream_get_transports()]);
        return 0;
    }
    if ($kind === 'constants') {
        $consts = [];
        foreach (($case['names'] ?? []) as $n) {
            if (is_string($n) && strncmp($n, 'STREAM_', 7) === 0 && defined($n)) {
                $consts[$n] = constant($n);
            }
        }
        emit(['constants' => (object)$consts]);
        return 0;
    }

    // Setup steps.
    $fdState = null;
    foreach (($case['setup'] ?? []) as $step) {
        if (!is_array($step)) {
            continue;
        }
        $k = $step['kind'] ?? '';
        $path = isset($step['path']) ? (string)$step['path'] : '';
        switch ($k) {
            case 'mkdir':
                if (!quiet(fn() => mkdir($path))) {
                    diag("mkdir $path failed");
                }
                quiet(fn() => chmod($path, octal_mode($step['mode'] ?? null, 0755)));
                break;
            case 'chmod':
                quiet(fn() => chmod($path, octal_mode($step['mode'] ?? null, 0755)));
                break;
            case 'file':
                if (quiet(fn() => file_put_contents($path, '')) === false) {
                    diag("file $path failed");
                }
                break;
            case 'symlink':
                if (!quiet(fn() => symlink((string)($step['target'] ?? ''), $path))) {
                    diag("symlink $path failed");
                }
                break;
            case 'chdir':
                if (!quiet(fn() => chdir($path))) {
                    diag("chdir $path failed");
                }
                break;
            case 'stale-socket':
                setup_stale_socket($path);
                break;
            case 'socket':
                setup_socket($step);
                break;
            case 'server':
                setup_server($step);
                break;
            case 'exhaust-fds':
                $fdState = 'pending';
                $GLOBALS['EXHAUST_STEP'] = $step;
                break;
            default:
                diag("unknown setup step " . json_encode($k));
        }
    }

    $url = (string)($case['url'] ?? '');
    [$scheme, $target] = split_url($url);
    $srv = new Srv();
    $srv->scheme = $scheme;
    $srv->target = $target;
    $srv->unix = is_unix_transport($scheme);
    $srv->case = $case;

    $hasFlags = array_key_exists('flags', $case);
    $hasContext = array_key_exists('context', $case);
    $flags = $hasFlags ? (int)$case['flags'] : (STREAM_SERVER_BIND | STREAM_SERVER_LISTEN);
    if ($hasContext) {
        $srv->context = make_context($case['context']);
    }
    $ctx = $srv->context;

    if ($fdState === 'pending') {
        $fdState = exhaust_fds($GLOBALS['EXHAUST_STEP']);
    }
    $errno = null;
    $errstr = null;
    [$server, $warnings, $exception] = capture(function () use ($url, $flags, $hasFlags, $hasContext, $ctx, &$errno, &$errstr) {
        if ($hasContext) {
            return stream_socket_server($url, $errno, $errstr, $flags, $ctx);
        }
        if ($hasFlags) {
            return stream_socket_server($url, $errno, $errstr, $flags);
        }
        return stream_socket_server($url, $errno, $errstr);
    });
    if (is_array($fdState)) {
        release_fds($fdState);
    }

    $ok = is_resource($server);
    global $OUT;
    $OUT = ['ok' => $ok, 'errno' => $errno, 'errstr' => $errstr, 'warnings' => $warnings];
    $out = &$OUT;
    if ($exception !== null) {
        $out['exception'] = $exception;
    }

    if ($ok) {
        $srv->stream = $server;
        $srv->name = quiet(fn() => stream_socket_get_name($server, false));
        $row = ss_listener($server, $srv->unix, $srv->name);
        $meta = stream_get_meta_data($server);
        $out['server'] = [
            'name' => $srv->name,
            'meta' => array_intersect_key($meta, array_flip(['stream_type', 'mode', 'blocked', 'timed_out', 'eof'])),
            'backlog' => $row === null ? null : $row['sendq'],
        ];
    }

    if ($srv->unix && $target !== '' && $target[0] !== "\0") {
        $out['file'] = file_info(unix_fs_path($target));
    }

    if ($ok && !empty($case['probes']) && is_array($case['probes'])) {
        $out['probes'] = [];
        foreach ($case['probes'] as $p) {
            if (!is_array($p)) {
                $p = ['probe' => (string)$p];
            }
            try {
                $out['probes'][] = run_probe($srv, $p);
            } catch (\Throwable $e) {
                $out['probes'][] = ['probe' => (string)($p['probe'] ?? ''), 'runner_error' => get_class($e) . ': ' . $e->getMessage()];
            }
        }
    }

    emit($out);
    return 0;
}

try {
    $rc = main();
} catch (\Throwable $e) {
    diag('fatal: ' . get_class($e) . ': ' . $e->getMessage());
    $out = $GLOBALS['OUT'];
    $out['runner_error'] = get_class($e) . ': ' . $e->getMessage();
    emit($out);
    $rc = 1;
}
exit($rc);
