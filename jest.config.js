/** Unit tests are pure and fast; e2e tests talk to the real PostgreSQL, RabbitMQ and Temporal. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];
module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest }, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // The layout fences and the no-cycle rule, proven by linting probe files (once, on the main Node).
    { displayName: 'lint', testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest }, testMatch: ['<rootDir>/test/lint/**/*.test.ts'] },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts', '<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      // The agent bundle in real root filesystems (empty, busybox, musl, Debian) via unshare + chroot; needs root.
      displayName: 'rootfs',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/rootfs/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/rootfs-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      // The real docker/compose.yaml on a Docker engine; only run by scripts/test-compose.sh, which starts the stack.
      displayName: 'compose',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/compose/**/*.test.ts'],
    },
  ],
  testTimeout: 120000,
};
