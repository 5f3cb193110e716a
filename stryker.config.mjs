// Mutation testing of the pure cores: `npm run test:mutation` (docs/testing.md).
// Which files: tsconfig.stryker.json, the one list to edit when a pure core moves or is added.
import { readFileSync } from 'node:fs';

const TSCONFIG = 'tsconfig.stryker.json';
const { include, exclude } = JSON.parse(readFileSync(new URL(TSCONFIG, import.meta.url), 'utf8'));
const inSrc = (patterns) => patterns.filter((p) => p.startsWith('src/'));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // The type checker must have each mutated file in its project, hence one list for both.
  mutate: [...inSrc(include), ...inSrc(exclude).map((p) => `!${p}`)],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // test/unit only; the schema snapshot test builds the whole GraphQL schema and tests no pure core.
    config: {
      roots: ['<rootDir>/test/unit'],
      testPathIgnorePatterns: ['/node_modules/', '/schema-drift\\.test\\.ts$'],
    },
  },
  checkers: ['typescript'],
  tsconfigFile: TSCONFIG,
  coverageAnalysis: 'perTest',
  // Message text is not behaviour: a changed error message is not a bug the tests must catch.
  mutator: { excludedMutations: ['StringLiteral'] },
  // Results are kept in a committed file; a rerun tries only mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine's two cores are shared; more workers only queue.
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
};
