import { defineConfig } from 'wxt';

// The extension itself arrives with the extension issue; this config already names the project layout.
export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'entrypoints',
  modules: ['@wxt-dev/webextension-polyfill'],
  manifest: {
    name: 'Affect Lens',
    description: 'Facial emotion recognition for whatever you watch, computed on your own machine.',
  },
});
