// Mutation testing of the pure cores: `npm run test:mutation` (docs/testing.md).
// A pure core moved, renamed or added: edit `mutate` only.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/**/scorer.ts',
    'src/**/rule-validation.ts',
    'src/**/lifecycle.ts',
    'src/**/stays.ts',
    'src/config/config.ts',
    // Pure definitions by name, in any module (metrics.definitions.ts, and any later <noun>.definitions.ts).
    'src/**/*.definitions.ts',
    // Insights: every file of the module without a role suffix (.service, .resolver, .entity, .inputs, .types)
    // is a pure core by the project's naming; index.ts only re-exports.
    'src/modules/insights/!(*.*|index).ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // test/unit only; the schema snapshot test builds the whole GraphQL schema and tests no pure core.
    config: { roots: ['<rootDir>/test/unit'], testPathIgnorePatterns: ['/node_modules/', '/schema-drift\\.test\\.ts$'] },
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
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
