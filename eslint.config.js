// ESLint (flat config): typescript-eslint's recommended rules, plus the few this codebase relies on.
// Layering and import cycles are held by test/unit/architecture.test.ts, which sees the whole graph.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'test-results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Unused names hide dead code; a leading underscore marks a parameter kept for its position.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Type-only imports stay type-only (verbatimModuleSyntax erases them).
      '@typescript-eslint/consistent-type-imports': 'error',
      // Money is decimal text and Money objects: a stray == between them would compare references.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // Validation refuses control characters on purpose, with regular expressions that name them.
      'no-control-regex': 'off',
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: false }],
    },
  },
  {
    // Migrations are frozen in time and see the schema as it was then: Kysely documents `Kysely<any>` for them.
    files: ['migrations/**', 'src/persistence/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read documents whose shape they are checking: `any` there is the point.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    // Command-line tools and the benchmark print to stdout by design.
    files: ['src/cli/**', 'test/bench/**'],
    rules: { 'no-console': 'off' },
  },
);
