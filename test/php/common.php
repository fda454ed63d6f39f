<?php
// Shared by runner.php and tls-client.php: one JSON line out, and PHP's
// diagnostics collected instead of printed.

const JSON_OUT_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE;

$GLOBALS['EMITTED'] = false;
/** Current warning collector (array) or null (warnings dropped). */
$GLOBALS['COLLECT'] = null;

/** Prints $out as the one JSON line of this process (later calls do nothing). */
function emit(array $out): void
{
    if ($GLOBALS['EMITTED']) {
        return;
    }
    $GLOBALS['EMITTED'] = true;
    $json = json_encode($out, JSON_OUT_FLAGS);
    if ($json === false) {
        $json = json_encode(['ok' => false, 'runner_error' => 'json_encode failed: ' . json_last_error_msg()], JSON_OUT_FLAGS);
    }
    fwrite(STDOUT, $json . "\n");
    fflush(STDOUT);
}

set_error_handler(function (int $errno, string $errstr, string $file = '', int $line = 0): bool {
    if ($GLOBALS['COLLECT'] !== null) {
        $GLOBALS['COLLECT'][] = $errstr;
    } elseif (error_reporting() & $errno) {
        fwrite(STDERR, basename($_SERVER['SCRIPT_NAME'] ?? 'php') . ": unexpected diagnostic (ignored): $errstr at $file:$line\n");
    }
    return true;
});

/**
 * Runs $fn collecting every warning/notice it raises and any Error/Exception it throws.
 * Returns [result, warnings, exception-string-or-null].
 */
function capture(callable $fn): array
{
    $prev = $GLOBALS['COLLECT'];
    $GLOBALS['COLLECT'] = [];
    $result = null;
    $exception = null;
    try {
        $result = $fn();
    } catch (\Throwable $e) {
        $exception = get_class($e) . ': ' . $e->getMessage();
    }
    $warnings = $GLOBALS['COLLECT'];
    $GLOBALS['COLLECT'] = $prev;
    return [$result, $warnings, $exception];
}
