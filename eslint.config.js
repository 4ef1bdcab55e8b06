// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.wxt/', 'models/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // onnxruntime-web belongs to src/runtime (../shared/STYLE.md: one adapter owns the inference session).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'onnxruntime-web',
              message:
                'Only src/runtime/ort-backend.ts imports onnxruntime-web: pass what you need as its options.',
            },
          ],
        },
      ],
    },
  },
  {
    // src/ml is pure: no runtime, no Node or browser APIs.
    files: ['src/ml/**/*.ts'],
    ignores: ['src/ml/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'onnxruntime-web', message: 'src/ml is pure: go through InferenceBackend.' }],
          patterns: [{ group: ['node:*', 'fs', 'path', 'sharp'], message: 'src/ml is pure: no Node APIs.' }],
        },
      ],
    },
  },
  {
    files: ['src/runtime/ort-backend.ts', '**/*.test.ts', 'tests/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
