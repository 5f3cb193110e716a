// Lint for the whole repository: typescript-eslint's recommended rules; Prettier owns the layout
// (eslint-config-prettier turns off every rule it would fight). `npm run lint` allows no warnings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * Modules in src/modules/<m>/ are reached only through their index.ts. contacts, lifecycle, activities,
 * scoring and realtime still use each other's files directly: their entities and change journals depend
 * on one another both ways, and routing those imports through the indexes would close load-order cycles.
 * Tests may import any file.
 */
const ENTANGLED = ['contacts', 'lifecycle', 'activities', 'scoring', 'realtime'];
const THROUGH_INDEX = 'Import another module through its index.ts (its public face), not one of its files.';
function moduleBoundaries() {
  const deepSibling = (allowed) =>
    allowed.length ? `^\\.\\./(?!\\.\\.|(?:${allowed.join('|')})/)[^/]+/.+` : '^\\.\\./(?!\\.\\.)[^/]+/.+';
  const rule = (regex) => [
    'error',
    {
      patterns: [
        { regex, message: THROUGH_INDEX },
        { regex: '(^|/)modules/[^/]+/.+', message: THROUGH_INDEX },
      ],
    },
  ];
  return [
    { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': rule('^$') } },
    ...ENTANGLED.map((m) => ({
      files: [`src/modules/${m}/**/*.ts`],
      rules: { 'no-restricted-imports': rule(deepSibling(ENTANGLED.filter((x) => x !== m))) },
    })),
    {
      files: ['src/modules/*/**/*.ts'],
      ignores: ENTANGLED.map((m) => `src/modules/${m}/**`),
      rules: { 'no-restricted-imports': rule(deepSibling([])) },
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
