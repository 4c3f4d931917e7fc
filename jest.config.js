/** One jest run covers the AWS facts (spec/), the construct library (test/) and the simulator (local-sim/test/). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec/test', '<rootDir>/test', '<rootDir>/local-sim/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumer/app/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // Tests run on the TypeScript sources; the packages' compiled output is for consumers.
  moduleNameMapper: {
    '^ha-load-balancer$': '<rootDir>/lib/index.ts',
    '^@ha-load-balancer/spec$': '<rootDir>/spec/src/index.ts',
    '^@ha-load-balancer/local-sim$': '<rootDir>/local-sim/src/index.ts',
  },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60000,
};
