<?php
/*
 * The clients of the `io` probe (io-probes.php, PROTOCOL.md "I/O probes"): they run in a
 * child forked from runner.php, one after another in the order of the case's `client` steps,
 * with PHP's stream_socket_client. The child reports its reads as one "R:<json>" line over
 * the sync pair, once the server side has said "end", and ends itself with SIGKILL (no PHP
 * shutdown, nothing on stdout).
 */

/** The URL a client of this server connects to: tls transports as ssl://, udp as udp://. */
function io_client_url(Srv $srv, bool $dgram): string
{
    $t = strtolower($srv->transport());
    $addr = is_string($srv->name) ? $srv->name : $srv->target;
    if ($srv->unix) {
        return $t . '://' . $addr;
    }
    if ($dgram) {
        return 'udp://' . $addr;
    }
    return (in_array($t, ['ssl', 'tls', 'tlsv1.0', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'], true) ? 'ssl' : 'tcp') . '://' . $addr;
}

/** A connected client (TLS: without verification), or false (recorded in $out). */
function io_client_connect(string $url, array &$out, int $i)
{
    $ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
    $c = quiet(fn() => stream_socket_client($url, $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx));
    if (!is_resource($c)) {
        $out[] = ['c' => $i, 'connect' => false];
        return false;
    }
    stream_set_timeout($c, IO_CLIENT_READ_WAIT);
    return $c;
}

/** All the bytes on a stream client; one datagram on a datagram client. */
function io_client_send($c, string $data, bool $dgram): void
{
    if ($dgram) {
        quiet(fn() => fwrite($c, $data));
        return;
    }
    while ($data !== '') {
        $n = quiet(fn() => fwrite($c, $data));
        if (!is_int($n) || $n <= 0) {
            return;
        }
        $data = (string)substr($data, $n);
    }
}

/**
 * Up to `n` bytes (or "all": until the end of the stream), bounded by IO_CLIENT_READ_WAIT.
 * `eof`: the read stopped at the end of the stream before it had `n` bytes.
 */
function io_client_read($c, $n): array
{
    $want = $n === 'all' ? PHP_INT_MAX : (int)$n;
    $buf = '';
    $eof = false;
    $deadline = microtime(true) + IO_CLIENT_READ_WAIT;
    while (strlen($buf) < $want && microtime(true) < $deadline) {
        $chunk = quiet(fn() => fread($c, (int)min(65536, $want - strlen($buf))));
        if (!is_string($chunk) || $chunk === '') {
            if (quiet(fn() => feof($c))) {
                $eof = true;
                break;
            }
            if ($chunk === false) {
                break;
            }
            usleep(10000);
            continue;
        }
        $buf .= $chunk;
    }
    return ['read' => $buf, 'eof' => $eof];
}

/**
 * Closes a client: what the server sent is read first (a plain close then sends a FIN, as
 * Node's, which reads as data comes, does); `reset` sets SO_LINGER 0 (an RST instead).
 */
function io_client_close($c, bool $reset): void
{
    if ($reset) {
        $sock = quiet(fn() => socket_import_stream($c));
        if ($sock) {
            quiet(fn() => socket_set_option($sock, SOL_SOCKET, SO_LINGER, ['l_onoff' => 1, 'l_linger' => 0]));
        }
    } else {
        quiet(fn() => stream_set_blocking($c, false));
        while (is_string($d = quiet(fn() => fread($c, 65536))) && $d !== '') {
        }
    }
    quiet(fn() => fclose($c));
}

/** The child's whole life: connect, run the client steps, report, end. Never returns. */
function io_client_main(Srv $srv, array $p, IoSync $sync, int $n, bool $dgram): void
{
    pcntl_signal(SIGALRM, fn() => posix_kill(posix_getpid(), SIGKILL));
    pcntl_alarm(25);
    $url = io_client_url($srv, $dgram);
    $clients = [];
    $out = [];
    for ($i = 0; $i < $n; $i++) {
        $clients[$i] = io_client_connect($url, $out, $i);
    }
    foreach ($p['client'] ?? [] as $step) {
        $i = (int)($step['c'] ?? 0);
        $c = $clients[$i] ?? null;
        if (isset($step['connect'])) {
            $clients[$i] = io_client_connect($url, $out, $i);
        } elseif (isset($step['signal'])) {
            $sync->send((string)$step['signal']);
        } elseif (isset($step['wait'])) {
            $sync->wait((string)$step['wait']);
        } elseif (isset($step['sleep'])) {
            usleep((int)$step['sleep'] * 1000);
        } elseif (!is_resource($c)) {
            continue;
        } elseif (array_key_exists('send', $step)) {
            io_client_send($c, (string)io_dec($step['send']), $dgram);
        } elseif (isset($step['shutdown'])) {
            quiet(fn() => stream_socket_shutdown($c, STREAM_SHUT_WR));
        } elseif (isset($step['close']) || isset($step['reset'])) {
            io_client_close($c, isset($step['reset']));
        } elseif (isset($step['read'])) {
            $got = io_client_read($c, $step['read']);
            $read = empty($step['length']) ? ['read' => io_enc($got['read'])] : ['length' => strlen($got['read'])];
            $out[] = ['c' => $i] + $read + ['eof' => $got['eof']];
        }
    }
    $sync->wait('end');
    foreach ($clients as $c) {
        if (is_resource($c)) {
            io_client_close($c, false);
        }
    }
    $sync->send('R:' . json_encode($out, JSON_OUT_FLAGS));
    posix_kill(posix_getpid(), SIGKILL);
}
