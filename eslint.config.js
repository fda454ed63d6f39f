// ESLint (flat config): `npm run lint` runs it with prettier --check and a
// clang-format check; `npm run format` writes. Formatting is prettier's
// (eslint-config-prettier turns off the rules it owns). Rules: the
// recommended sets of ESLint and typescript-eslint (not the type-checked
// ones), two type-aware promise rules on the TypeScript files, and no default
// imports of Node built-ins in lib/.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'build/', 'build-cmake/', 'bench/build/', 'bench/results/', 'prebuilds/', 'test/.snippets/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `_`-prefixed names are unused on purpose (rest-omission, ignored parameters, `for await (const _ of …)`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Type information for the rules below: each file gets its nearest tsconfig.json.
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'packaging/consumer/main.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // CommonJS files are what a CommonJS user writes.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // lib/'s declarations reach users with any TypeScript setup: a default
    // import of a Node built-in breaks those without esModuleInterop (TS1192).
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^node:/] > ImportDefaultSpecifier',
          message: "Import Node built-ins by name or as a namespace (import * as net from 'node:net'), never by default.",
        },
      ],
    },
  },
  prettier,
);
