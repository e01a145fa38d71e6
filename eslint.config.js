const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const { createTypeScriptImportResolver } = require('eslint-import-resolver-typescript');
const { builtinModules } = require('node:module');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * The layout's fences (README → "What runs where"): bridge/ → workflows/ → activities/ over a src/ ground
 * floor that every side uses and that uses none of them; src/cli/ is the one composition root. Imports are
 * matched as written (relative), so each pattern names the sibling folder at any depth.
 */
const side = (name) => [`**/${name}`, `**/${name}/**`, `../${name}`, `../${name}/**`];
const fence = (sides, message) => ({ group: sides.flatMap(side), message });

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', 'examples/packs/**', 'bench/*.js', 'jest.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: __dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.test.json' })],
      // no-cycle parses each imported file itself: with TypeScript's parser, or it skips them silently.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // No import cycles anywhere: a cycle means two files are one concept or a piece sits in the wrong room.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [fence(['bridge', 'workflows', 'activities'], 'src/ is the ground floor: it imports nothing from bridge/, workflows/ or activities/ (only src/cli/ composes them)')] }],
    },
  },
  {
    files: ['bridge/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [fence(['activities'], 'bridge/ and activities/ never import each other: share through src/')] }] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [fence(['bridge', 'workflows'], 'activities/ runs inside the agent: nothing from bridge/ or workflows/')] }] },
  },
  {
    // Workflow code must be deterministic: only @temporalio/workflow, relative modules and the contracts.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not deterministic: keep them out of workflows/' })),
            { name: '../src/temporal/contracts', allowTypeImports: true, message: 'Workflows take only types from the contracts' },
          ],
          patterns: [
            { group: ['pg', 'amqplib', 'execa', 'pino', 'yaml', 'zod', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'No I/O libraries in workflows/' },
            {
              regex: '(^|/)(activities|bridge)(/|$)|^\\.\\./src/(?!temporal/(contracts|names|durations)$)',
              message: 'Workflows reach other code only through src/temporal/contracts (types), src/temporal/names and src/temporal/durations',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process', 'Buffer', 'fetch'],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
