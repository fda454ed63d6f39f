<?php
/*
 * Client side of the differential runner's `tls` probe (PROTOCOL.md, "tls").
 * Spawned by both runners (runner.php and runner.mjs) as `php tls-client.php`, without the
 * case's ini settings, so the client is real PHP on both sides.
 *
 * stdin: one JSON object
 *   { "url":  "ssl://127.0.0.1:40001",   // client_url with {addr} replaced by the server's name
 *     "ssl":  { ...ssl context options }, // client_ssl (absent/null → {})
 *     "hold": 3,                          // client_hold: connect, send nothing for that many
 *                                         //   seconds, close (absent/null → no hold)
 *     "io":   true,                       // client_io (absent/null → true)
 *     "send": "GET / HTTP/1.0\r\n\r\n" }  // client_send (absent/null → "ping")
 *
 * stdout: exactly one JSON line
 *   { "ok": bool, "errno": int, "errstr": string, "warnings": [..], "exception": null|string,
 *     "crypto": {..}|null,        // only when ok and no hold: stream_get_meta_data()['crypto']
 *     "read": string|false,       // only when ok, no hold, io: what came back (≤ 4 bytes)
 *     "io_warnings": [..] }       // only when ok, no hold, io: warnings of the fwrite/freads
 * Connect: stream_socket_client(url, errno, errstr, 5, STREAM_CLIENT_CONNECT,
 * stream_context_create(['ssl' => ssl])). With io, the client then waits SETTLE_SECONDS,
 * writes `send` unless the server has reset the connection by then (getpeername fails), and
 * reads until it has 4 bytes, EOF, a failed read (false if nothing came before) or READ_TIMEOUT.
 * Exit status 0; never runs longer than ALARM_SECONDS (then prints what it has).
 */

declare(strict_types=0);

require __DIR__ . '/common.php';

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');

const CONNECT_TIMEOUT = 5.0;
const READ_TIMEOUT = 3;
/**
 * Pause between a successful connect and the write. A server may still reject the
 * connection after the client's side of the handshake is done (TLS 1.3: the client is done
 * before the server has checked the client's certificate, or lack of it). A write made at once
 * races that rejection: whether "ping" reaches the server before its close decides between a
 * FIN and a RST, and so what the client observes. After the pause the server's verdict is in;
 * when it was a reset, the write is skipped (it could only fail), so the reads show what the
 * server sent. This makes the client's observation independent of timing.
 */
const SETTLE_SECONDS = 0.2;
const ALARM_SECONDS = 15;

$GLOBALS['OUT'] = ['ok' => false, 'errno' => 0, 'errstr' => '', 'warnings' => [], 'exception' => null];


if (function_exists('pcntl_async_signals')) {
    pcntl_async_signals(true);
    pcntl_signal(SIGALRM, function () {
        $out = $GLOBALS['OUT'];
        $out['runner_error'] = 'tls-client timeout';
        emit($out);
        exit(0);
    });
    pcntl_alarm(ALARM_SECONDS);
}

/**
 * True when the server has already reset the connection: getpeername() fails (ENOTCONN) once
 * a RST has arrived. Nothing is consumed: data the server sent before the reset (e.g. a TLS
 * alert) stays readable (feof() would run SSL_peek and swallow such an alert silently;
 * socket_import_stream() refuses ssl streams).
 */
function reset_by_peer($c): bool
{
    [$peer] = capture(fn() => stream_socket_get_name($c, true));
    return $peer === false;
}

function main(): void
{
    $in = json_decode((string)stream_get_contents(STDIN), true);
    if (!is_array($in)) {
        $GLOBALS['OUT']['runner_error'] = 'bad input: ' . json_last_error_msg();
        emit($GLOBALS['OUT']);
        return;
    }
    $url = (string)($in['url'] ?? '');
    $ssl = is_array($in['ssl'] ?? null) ? $in['ssl'] : [];
    $hold = isset($in['hold']) ? (float)$in['hold'] : null;
    $io = ($in['io'] ?? true) !== false;
    $send = isset($in['send']) ? (string)$in['send'] : 'ping';

    $ctx = stream_context_create(['ssl' => $ssl]);
    $errno = 0;
    $errstr = '';
    [$c, $warnings, $exception] = capture(function () use ($url, $ctx, &$errno, &$errstr) {
        return stream_socket_client($url, $errno, $errstr, CONNECT_TIMEOUT, STREAM_CLIENT_CONNECT, $ctx);
    });
    $ok = is_resource($c);
    $out = &$GLOBALS['OUT'];
    $out = ['ok' => $ok, 'errno' => $errno, 'errstr' => $errstr, 'warnings' => $warnings, 'exception' => $exception];
    if (!$ok) {
        return;
    }
    if ($hold !== null) {
        // A silent client: keeps the connection open, sends nothing, then closes.
        usleep((int)round($hold * 1e6));
        fclose($c);
        return;
    }
    $meta = stream_get_meta_data($c);
    $out['crypto'] = $meta['crypto'] ?? null;
    if (!$io) {
        fclose($c);
        return;
    }
    stream_set_timeout($c, READ_TIMEOUT);
    usleep((int)(SETTLE_SECONDS * 1e6));
    $ioWarnings = [];
    if (!reset_by_peer($c)) {
        [, $w] = capture(fn() => fwrite($c, $send));
        array_push($ioWarnings, ...$w);
    }
    // Up to 4 bytes: stops at EOF, on a failed read (false when nothing came before it)
    // or when READ_TIMEOUT passes without data.
    $read = '';
    $deadline = microtime(true) + READ_TIMEOUT;
    while (strlen($read) < 4 && microtime(true) < $deadline) {
        [$chunk, $w] = capture(fn() => fread($c, 4 - strlen($read)));
        array_push($ioWarnings, ...$w);
        if ($chunk === false || $chunk === null) {
            if ($read === '') {
                $read = false;
            }
            break;
        }
        if ($chunk === '') {
            $m = stream_get_meta_data($c);
            if ($m['eof'] || $m['timed_out'] || feof($c)) {
                break;
            }
            usleep(10000);
            continue;
        }
        $read .= $chunk;
    }
    $out['read'] = $read;
    $out['io_warnings'] = $ioWarnings;
    fclose($c);
}

try {
    main();
} catch (\Throwable $e) {
    $GLOBALS['OUT']['runner_error'] = get_class($e) . ': ' . $e->getMessage();
}
emit($GLOBALS['OUT']);
exit(0);
