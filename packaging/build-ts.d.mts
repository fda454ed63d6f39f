/** Compiles to dist/ and marks dist/lib/ as CommonJS; tsc's exit code and output. */
export function buildTs(): { status: number | null; output: string };
