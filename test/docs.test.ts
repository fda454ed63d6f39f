// The documentation's code runs: every ```ts / ```js / ```mjs block of
// README.md and docs/*.md is written to a module under test/.snippets/ and
// imported here, one test per block (named file:line), with the usual check
// that no socket outlives it. The blocks import the package as a user does
// ('stream-socket-server', 'stream-socket-server/php'); the runner points
// those specifiers at lib/ (lib/index.ts and lib/php/index.ts) so the current
// sources run. A block must end by itself, within seconds; one that is not
// meant to run takes another fence (```sh, ```text, ```ini).
// DOCS_SNIPPET_OUTPUT=1 shows what each block printed (to compare with its comments).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkSocketLeaks } from './helpers/leaks.js';
import { ROOT } from './helpers/peers.js';

/** The documents whose code must run. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/** Fences that run, and the file extension their module gets. */
const RUNNABLE: Record<string, 'ts' | 'mjs'> = { ts: 'ts', js: 'mjs', mjs: 'mjs' };
/** Fences that are shown, never run: commands, configuration, output. */
const SHOWN = new Set(['sh', 'text', 'ini', 'json', 'php', 'c']);

/** What the block's package specifiers stand for here (the package's exports, as sources). */
const SPECIFIERS: Record<string, string> = {
  'stream-socket-server': join(ROOT, 'lib', 'index.ts'),
  'stream-socket-server/php': join(ROOT, 'lib', 'php', 'index.ts'),
};

interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence![0] === '`' ? '`' : '~'}{${fence!.length},}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
      j++;
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a code fence that is never closed`);
    blocks.push({ file, line: i + 1, lang: info!.trim().split(/\s+/)[0] ?? '', code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const blocks = DOCUMENTS.flatMap(blocksOf);

/** The document's lines outside code fences (fenced lines blanked, so line numbers stay). */
function prose(file: string): string[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  let fence: string | null = null;
  return lines.map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker !== undefined) {
      fence = marker;
      return '';
    }
    if (fence !== null) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
      return '';
    }
    return line;
  });
}

/** GitHub's anchors for a document's headings. */
function anchors(file: string): Set<string> {
  const slugs = new Set<string>();
  for (const line of prose(file)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined)
      slugs.add(
        heading
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return slugs;
}
const runnable = blocks.filter((b) => b.lang in RUNNABLE);

/** Per process, so that two test runs in one checkout do not share files. */
const SNIPPETS = join(ROOT, 'test', '.snippets', String(process.pid));
const moduleName = (b: Block) => `${b.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${b.line}.${RUNNABLE[b.lang]}`;

/** A module specifier after `from`, `import` or `import(`: the lead, the quote, the specifier. */
const IMPORT_FROM = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g;

/** The block as a module: the package's specifiers point at lib/; `export {}` makes it a module even without imports. */
function moduleText(b: Block): string {
  const code = b.code.replace(IMPORT_FROM, (whole, lead: string, quote: string, specifier: string) => {
    const target = SPECIFIERS[specifier];
    if (target === undefined) return whole;
    let path = relative(SNIPPETS, target);
    if (!path.startsWith('.')) path = `./${path}`;
    return `${lead}${quote}${path}${quote}`;
  });
  return `${code}\nexport {};\n`;
}

function writeModules(): void {
  mkdirSync(SNIPPETS, { recursive: true });
  for (const b of runnable) writeFileSync(join(SNIPPETS, moduleName(b)), moduleText(b));
}

/** Names the PHP facade exports: a block takes them from 'stream-socket-server/php', never from the core's entry point. */
const FACADE_NAMES = new Set(Object.keys(await import('../lib/php/index.js')));

/** Named imports of `specifier` in a block. */
function importedNames(code: string, specifier: string): string[] {
  const names: string[] = [];
  const pattern = /import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2/g;
  for (const m of code.matchAll(pattern)) {
    if (m[3] !== specifier) continue;
    for (const part of m[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name !== '') names.push(name);
    }
  }
  return names;
}

beforeAll(writeModules);

afterAll(() => {
  rmSync(SNIPPETS, { recursive: true, force: true });
  try {
    // The shared parent goes too once no other run uses it.
    if (readdirSync(dirname(SNIPPETS)).length === 0) rmSync(dirname(SNIPPETS), { recursive: true, force: true });
  } catch {
    // gone already
  }
});

describe('documentation code blocks', () => {
  it('are fenced with a language: a runnable one or a shown one', () => {
    const bad = blocks.filter((b) => !(b.lang in RUNNABLE) && !SHOWN.has(b.lang)).map((b) => `${b.file}:${b.line} \`\`\`${b.lang}`);
    expect(bad).toEqual([]);
    expect(runnable.length).toBeGreaterThan(0);
  });

  it('link to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of DOCUMENTS) {
      prose(file).forEach((line, i) => {
        for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
          const [path, anchor] = target!.split('#') as [string, string | undefined];
          const linked = path === '' ? file : join(dirname(file), path);
          if (!existsSync(join(ROOT, linked))) broken.push(`${file}:${i + 1} ${target}: no such file`);
          else if (anchor !== undefined && linked.endsWith('.md') && !anchors(linked).has(anchor))
            broken.push(`${file}:${i + 1} ${target}: no such heading`);
        }
      });
    }
    expect(broken).toEqual([]);
  });

  it('import what a user can: node: built-ins and the package', () => {
    const foreign = runnable.flatMap((b) =>
      [...b.code.matchAll(IMPORT_FROM)]
        .map((m) => m[3]!)
        .filter((s) => !s.startsWith('node:') && !(s in SPECIFIERS))
        .map((s) => `${b.file}:${b.line} ${s}`),
    );
    expect(foreign).toEqual([]);
  });

  it('import the facade from stream-socket-server/php and the core from stream-socket-server', () => {
    const misplaced = runnable.flatMap((b) =>
      importedNames(b.code, 'stream-socket-server')
        .filter((n) => FACADE_NAMES.has(n))
        .map((n) => `${b.file}:${b.line} ${n}`),
    );
    expect(misplaced).toEqual([]);
  });

  it('type-check as user code (strict, against lib/)', () => {
    const files = runnable.filter((b) => RUNNABLE[b.lang] === 'ts').map(moduleName);
    const config = {
      extends: relative(SNIPPETS, join(ROOT, 'tsconfig.json')),
      compilerOptions: {
        noEmit: true,
        allowImportingTsExtensions: true,
        rootDir: relative(SNIPPETS, ROOT),
        sourceMap: false,
        declaration: false,
      },
      include: [],
      files,
    };
    writeFileSync(join(SNIPPETS, 'tsconfig.json'), JSON.stringify(config, null, 2));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const checked = spawnSync(process.execPath, [tsc, '-p', join(SNIPPETS, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
    // Name the document's line, not the temporary module's.
    const byModule = new Map(runnable.map((b) => [moduleName(b), b]));
    const report = `${checked.stdout}${checked.stderr}`.replace(
      /\S*\.snippets\/\d+\/([^(\s]+)\((\d+),(\d+)\)/g,
      (whole, name: string, row: string, col: string) => {
        const b = byModule.get(name);
        return b === undefined ? whole : `${b.file}:${b.line + Number(row)}:${col}`;
      },
    );
    expect(report.trim()).toBe('');
    expect(checked.status).toBe(0);
  }, 60_000);
});

describe.each(DOCUMENTS.filter((file) => runnable.some((b) => b.file === file)))('%s', (file) => {
  checkSocketLeaks();

  it.each(runnable.filter((b) => b.file === file).map((b) => [`${b.file}:${b.line} (${b.lang})`, b] as const))(
    '%s runs and ends',
    async (_name, b) => {
      const output: string[] = [];
      const spies = (['log', 'info', 'warn', 'error'] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(format(...args))),
      );
      try {
        await import(pathToFileURL(join(SNIPPETS, moduleName(b))).href);
      } catch (error) {
        if (error instanceof Error) error.message += `\n--- ${b.file}:${b.line} printed:\n${output.join('\n')}`;
        throw error;
      } finally {
        for (const spy of spies) spy.mockRestore();
        if (process.env.DOCS_SNIPPET_OUTPUT) console.info(`--- ${b.file}:${b.line} printed:\n${output.join('\n')}`);
      }
    },
    10_000,
  );
});
