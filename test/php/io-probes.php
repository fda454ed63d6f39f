<?php
/*
 * The `io` probe of the differential runner (PROTOCOL.md, "I/O probes"), required by
 * runner.php. Two timelines run side by side: the clients' (a forked child process:
 * PHP's stream_socket_client) and the server's (this process: scripted calls of PHP's
 * stream I/O functions on the accepted connections or on the server stream). They meet
 * only at named marks and signals, sent over a socket pair, so no result depends on
 * how fast either side runs.
 */

const IO_SYNC_WAIT = 10.0;        // bound on waiting for the other side's mark or signal
const IO_ACCEPT_TIMEOUT = 10.0;   // accepting the probe's own clients
const IO_CLIENT_READ_WAIT = 5;    // bound on one client read
const IO_SETTLE_US = 30000;       // after a signal: what the client sent has landed
const IO_OPS = ['fread', 'fwrite', 'fputs', 'fgets', 'fgetc', 'feof', 'fflush', 'fclose', 'stream_get_line',
    'stream_get_contents', 'stream_set_read_buffer', 'stream_set_write_buffer', 'stream_set_blocking',
    'stream_set_timeout', 'stream_get_meta_data', 'stream_socket_shutdown', 'stream_select', 'accept'];
const IO_META_KEYS = ['timed_out', 'blocked', 'eof'];

require __DIR__ . '/io-client.php';

/** Bytes as JSON: the string itself when it is valid UTF-8, else {"bytes": [0..255, ...]}. */
function io_enc($v)
{
    if (is_string($v)) {
        return preg_match('//u', $v) ? $v : ['bytes' => array_values(unpack('C*', $v) ?: [])];
    }
    if (is_array($v)) {
        foreach ($v as $k => $x) {
            $v[$k] = io_enc($x);
        }
    }
    return $v;
}

/** A case value as a PHP value: {"bytes": [...]} and {"repeat": [text, n]} are strings, anything else itself. */
function io_dec($v)
{
    if (is_array($v) && array_keys($v) === ['bytes']) {
        return $v['bytes'] === [] ? '' : pack('C*', ...$v['bytes']);
    }
    if (is_array($v) && array_keys($v) === ['repeat']) {
        return str_repeat((string)$v['repeat'][0], (int)$v['repeat'][1]);
    }
    return $v;
}

/** Named marks and signals between the two timelines, one line each over a socket pair. */
final class IoSync
{
    private $s;
    private array $seen = [];
    private string $buf = '';
    public ?string $error = null;

    public function __construct($s)
    {
        $this->s = $s;
    }

    public function send(string $line): void
    {
        quiet(fn() => fwrite($this->s, $line . "\n"));
    }

    /** The next line from the other side; null after IO_SYNC_WAIT or at its end. */
    private function line(): ?string
    {
        $deadline = microtime(true) + IO_SYNC_WAIT;
        while (($nl = strpos($this->buf, "\n")) === false) {
            $left = $deadline - microtime(true);
            if ($left <= 0 || !wait_readable($this->s, $left)) {
                return null;
            }
            $chunk = quiet(fn() => fread($this->s, 65536));
            if (!is_string($chunk) || $chunk === '') {
                return null;
            }
            $this->buf .= $chunk;
        }
        $line = substr($this->buf, 0, $nl);
        $this->buf = substr($this->buf, $nl + 1);
        return $line;
    }

    /** Waits until the other side has sent `name` (now or before). */
    public function wait(string $name): bool
    {
        return $this->first(fn($line) => $line === $name, "'$name'") !== null;
    }

    /** The first line (seen now or before) that `match` accepts; null after IO_SYNC_WAIT. */
    public function first(callable $match, string $what): ?string
    {
        for ($i = 0;; $i++) {
            if ($i === count($this->seen)) {
                $line = $this->line();
                if ($line === null) {
                    $this->error = $this->error ?? "no $what from the other side";
                    return null;
                }
                $this->seen[] = $line;
            }
            if ($match($this->seen[$i])) {
                return $this->seen[$i];
            }
        }
    }
}

/** The stream a step names: a connection index, "server", or {"value": x} (passed as it is). */
function io_target($t, Srv $srv, array $conns)
{
    if (is_array($t) && array_key_exists('value', $t)) {
        return io_dec($t['value']);
    }
    if ($t === 'server') {
        return $srv->stream;
    }
    return $conns[(int)$t] ?? null;
}

/** What the runner calls a stream in its output: its connection index, "server", or the value. */
function io_name($v, Srv $srv, array $conns)
{
    if ($v === $srv->stream) {
        return 'server';
    }
    foreach ($conns as $i => $c) {
        if ($v === $c) {
            return $i;
        }
    }
    return io_enc($v);
}

/** A select set: null, or [[key|null, target], ...] built into a PHP array (null key: appended). */
function io_select_set($pairs, Srv $srv, array $conns): ?array
{
    if ($pairs === null) {
        return null;
    }
    $set = [];
    foreach ($pairs as [$key, $t]) {
        if ($key === null) {
            $set[] = io_target($t, $srv, $conns);
        } else {
            $set[$key] = io_target($t, $srv, $conns);
        }
    }
    return $set;
}

function io_select(array $step, Srv $srv, array $conns): array
{
    $r = io_select_set($step['read'] ?? null, $srv, $conns);
    $w = io_select_set($step['write'] ?? null, $srv, $conns);
    $e = io_select_set($step['except'] ?? null, $srv, $conns);
    $args = $step['args'] ?? [0];
    [$result, $warnings, $exception] = capture(function () use (&$r, &$w, &$e, $args) {
        return stream_select($r, $w, $e, ...$args);
    });
    $out = ['op' => 'stream_select', 'result' => $result, 'warnings' => $warnings, 'exception' => $exception];
    foreach (['read' => $r, 'write' => $w, 'except' => $e] as $k => $set) {
        if (is_array($set)) {
            $out[$k] = [];
            foreach ($set as $key => $v) {
                $out[$k][] = [$key, io_name($v, $srv, $conns)];
            }
        } else {
            $out[$k] = $set;
        }
    }
    return $out;
}

/** One server step's call: {op, on?, args?, keys?} → {op, result, warnings, exception}. */
function io_op(array $step, Srv $srv, array &$conns, bool $dgram): array
{
    $op = (string)$step['op'];
    if (!in_array($op, IO_OPS, true)) {
        return ['op' => $op, 'runner_error' => 'unknown op'];
    }
    if ($op === 'stream_select') {
        return io_select($step, $srv, $conns);
    }
    if ($op === 'accept') {
        $server = $srv->stream;
        [$c, $w, $e] = capture(fn() => stream_socket_accept($server, IO_ACCEPT_TIMEOUT));
        if (is_resource($c)) {
            $conns[] = $c;
        }
        return ['op' => $op, 'result' => is_resource($c), 'warnings' => $w, 'exception' => $e];
    }
    $target = io_target($step['on'] ?? ($dgram ? 'server' : 0), $srv, $conns);
    $args = array_map('io_dec', $step['args'] ?? []);
    $fn = $op;
    [$result, $warnings, $exception] = capture(fn() => $fn($target, ...$args));
    if ($op === 'stream_get_meta_data' && is_array($result)) {
        $meta = [];
        foreach ($step['keys'] ?? IO_META_KEYS as $k) {
            $meta[$k] = $result[$k] ?? null;
        }
        $result = $meta;
    }
    return ['op' => $op, 'result' => io_enc($result), 'warnings' => $warnings, 'exception' => $exception];
}

/**
 * io {clients?=1, late_clients?=0, accept?=true, client: [...], server: [...]}
 * → {probe, accepted, server: [one record per op], client: [one record per client read]}.
 */
function probe_io(Srv $srv, array $p): array
{
    if (!function_exists('pcntl_fork') || !function_exists('posix_kill')) {
        return ['probe' => 'io', 'runner_error' => 'the io probe needs the pcntl and posix extensions'];
    }
    $dgram = datagram_server($srv);
    $n = (int)($p['clients'] ?? 1);
    $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
    $pid = pcntl_fork();
    if ($pid === 0) {
        fclose($pair[0]);
        io_client_main($srv, $p, new IoSync($pair[1]), $n, $dgram);
    }
    fclose($pair[1]);
    $sync = new IoSync($pair[0]);
    $conns = [];
    $accepted = 0;
    if (!$dgram && ($p['accept'] ?? true)) {
        for ($i = 0; $i < $n; $i++) {
            $c = quiet(fn() => stream_socket_accept($srv->stream, IO_ACCEPT_TIMEOUT));
            if (is_resource($c)) {
                $conns[] = $c;
                $accepted++;
            }
        }
    }
    $out = [];
    foreach ($p['server'] ?? [] as $step) {
        if (isset($step['mark'])) {
            $sync->send((string)$step['mark']);
        } elseif (isset($step['wait'])) {
            $sync->wait((string)$step['wait']);
            usleep(IO_SETTLE_US);
        } elseif (isset($step['sleep'])) {
            usleep((int)$step['sleep'] * 1000);
        } else {
            $out[] = io_op($step, $srv, $conns, $dgram);
        }
    }
    foreach ($conns as $c) {
        if (is_resource($c)) {
            quiet(fn() => fclose($c));
        }
    }
    $sync->send('end');
    $line = $sync->first(fn($l) => strncmp($l, 'R:', 2) === 0, 'client result');
    $client = $line === null ? null : json_decode(substr($line, 2), true);
    quiet(fn() => pcntl_waitpid($pid, $status));
    $res = ['probe' => 'io', 'accepted' => $accepted, 'server' => $out, 'client' => $client];
    if ($sync->error !== null) {
        $res['runner_error'] = $sync->error;
    }
    return $res;
}
