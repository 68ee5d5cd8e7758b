/** Tests run as ESM; swc strips the types (tsc checks them in `npm run typecheck`). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/spec/**/*.spec.ts'],
  testTimeout: 20000,
  /**
   * Two suites at once, also on 2 cores (jest would take one): the end-to-end suites spend much of
   * their time waiting on real sockets, processes and timers.
   */
  maxWorkers: 2,
  /** Builds dist/ once when the run includes spec/e2e, which spawns the built CLI. */
  globalSetup: '<rootDir>/spec/e2e/global-setup.ts',
};
