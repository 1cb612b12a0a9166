// Lint for everything TypeScript we write (`npm run lint`, part of `npm test`): typescript-eslint's
// type-checked recommendations over the one program tsconfig.json describes.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'bin/**', 'resources/**'] },
  {
    files: ['{src-main,src-renderer,server,test,scripts}/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `import { type X }` still loads the module at run time under verbatimModuleSyntax, while the
      // layer check counts it as type-only: write `import type { X }`.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // Ports that return a Promise (Desktop, KeyProtector, Fastify plugins, token sources) are often
      // met synchronously; `async` keeps a throw a rejection, which is what callers handle.
      '@typescript-eslint/require-await': 'off',
      // String(x) is applied to values known to be scalars but typed unknown (parseArgs options, OData
      // cells, report cells); the rule cannot see that and flags each one.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.test.{ts,tsx}', 'test/**/*.ts', '**/testing.ts', '**/testing/**/*.ts', '**/*.fixture.ts'],
    rules: {
      // Tests assert on JSON the command line, server and double print (any from JSON.parse) and
      // hand-build malformed input on purpose; the assertions are the type check there.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
