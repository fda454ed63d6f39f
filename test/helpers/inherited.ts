// What test/fixtures/inherited.mjs prints: the servers it took (fd://,
// systemd://, handover://) and how, or the error it got.
export interface InheritedReport {
  pid: number;
  error?: { name: string; code?: string; syscall?: string; message: string };
  env: Record<string, string | null>;
  servers: Array<{
    kind: string;
    listening?: boolean;
    backlog?: number | null;
    origin: { via: string; fd: number; name?: string; pid?: number };
    address: { port?: number; path?: string };
  }>;
}
