// Lint for the whole repository: typescript-eslint's recommended rules; Prettier owns the layout
// (eslint-config-prettier turns off every rule it would fight). `npm run lint` allows no warnings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * Layers, and which way imports go: src/modules/<m>/ use src/model/ (the entities and pure domain cores several
 * modules share), which uses src/db/, src/config/ and GraphQL's leaf helpers only. A module is reached from
 * outside only through its index.ts, the model only through src/model/index.ts, `import type` included. The
 * model imports nothing from src/modules, src/server, src/main.ts or GraphQL's wiring, so every module can use it
 * without closing a load-order cycle (madge checks the cycles). src/db imports nothing from src/graphql. Tests,
 * benchmarks and scripts may import any file.
 */
const THROUGH_INDEX = 'Import another module through its index.ts (its public face), not one of its files.';
const MODEL_THROUGH_INDEX = 'Import the model through src/model/index.ts (its public face), not one of its files.';
const BELOW_MODULES =
  'src/model sits below the modules: it imports no module, server or GraphQL wiring (only errors, scalars, ' +
  'connection and pagination from src/graphql).';
function moduleBoundaries() {
  const deepModule = { regex: '(^|/)modules/[^/]+/.+', message: THROUGH_INDEX };
  const deepSibling = { regex: '^\\.\\./(?!\\.\\.)[^/]+/.+', message: THROUGH_INDEX };
  const deepModel = { regex: '^(\\.\\.?/)+model/.+', message: MODEL_THROUGH_INDEX };
  const rule = (...patterns) => ['error', { patterns }];
  return [
    { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': rule(deepModule, deepModel) } },
    { files: ['src/modules/*/**/*.ts'], rules: { 'no-restricted-imports': rule(deepModule, deepModel, deepSibling) } },
    {
      files: ['src/model/**/*.ts'],
      rules: {
        'no-restricted-imports': rule(
          { regex: '^(\\.\\./)+(modules|server)(/|$)', message: BELOW_MODULES },
          { regex: '^(\\.\\./)+main$', message: BELOW_MODULES },
          { regex: '^(\\.\\./)+graphql/(?!(errors|scalars|connection|pagination)$)', message: BELOW_MODULES },
        ),
      },
    },
    {
      files: ['src/db/**/*.ts'],
      rules: {
        'no-restricted-imports': rule(deepModule, deepModel, {
          regex: '^(\\.\\./)+graphql(/|$)',
          message: 'src/db imports nothing from src/graphql.',
        }),
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'console/dist/**',
      'console/node_modules/**',
      'reports/**',
      'coverage/**',
      '.stryker-tmp/**',
      'data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter a signature requires, or a field dropped by `{ field: _field, ...rest }`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Imports used only as types say so: they vanish at run time and cannot form a load-order cycle.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Prettier cannot break comments, strings or template literals: those stay within the print width.
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Type-aware rules for promises, the mistakes that pass the type checker.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'migrations/**/*.ts', 'ormconfig.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...moduleBoundaries(),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['console/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Tests and benchmarks read GraphQL responses and raw rows as untyped JSON and check their shape by
    // assertion or comparison; typing every response would restate the schema in each of them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
