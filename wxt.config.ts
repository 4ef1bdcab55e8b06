import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import preact from '@preact/preset-vite';
import { defaultClientConditions } from 'vite';
import { defineConfig, type WxtViteConfig } from 'wxt';

const root = import.meta.dirname;
const ortDist = path.join(root, 'node_modules/onnxruntime-web/dist');

/**
 * The onnxruntime-web runtime files the extension ships (no CDN: the Chrome Web Store rejects remote code),
 * loaded at run time from `ort.env.wasm.wasmPaths` (/ort/, src/runtime/extension-engine.ts):
 * `onnxruntime-web`'s default build (ort.min.mjs, WebGPU through JSEP + wasm, 28 MB of wasm) where WebGPU
 * is used, its wasm-only build (ort.wasm.min.mjs, 14 MB) otherwise, which starts faster (measured in
 * src/runtime/ort-backend.ts).
 */
const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];

/**
 * Where the EMO-AffectNet weights download from (src/ui/use-emo-affectnet-install.ts): Hugging Face and the CDN
 * its resolve URLs redirect to, over CORS, with no host permission.
 */
const DOWNLOAD_HOSTS = 'https://huggingface.co https://*.huggingface.co https://*.hf.co';

export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'entrypoints',
  modules: ['@wxt-dev/webextension-polyfill'],
  // Explicit imports everywhere: what a module uses is visible in the module.
  imports: false,
  vite: () => ({
    // @preact/preset-vite is typed against the workspace's Vite 8; WXT 0.20 builds with its own Vite 7,
    // whose plugin API it also supports.
    plugins: [preact() as WxtViteConfig['plugins']],
    resolve: {
      // Resolve `onnxruntime-web` to ort.min.mjs, which loads its wasm runtime from wasmPaths, instead of the
      // default bundle that makes Vite emit a second, unused 28 MB copy of the .wasm (../shared/ENVIRONMENT.md).
      conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
    },
    build: { chunkSizeWarningLimit: 1024 },
  }),
  webExt: {
    // `npm run dev` opens Chromium with the extension. Chromium refuses to start as root with its sandbox
    // (containers, CI machines): only there it runs without.
    chromiumArgs: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  },
  manifest: ({ browser }) => ({
    name: 'Affect Lens',
    description: 'Facial emotion recognition for whatever you watch, computed on your own machine.',
    permissions: [
      'contextMenus',
      'storage',
      'activeTab',
      'scripting',
      // The idle check that unloads an unused engine (src/background/engine-idle.ts); no install warning.
      'alarms',
      // Chrome hosts the engine in an offscreen document; Firefox runs it in the background page.
      ...(browser === 'firefox' ? [] : ['offscreen']),
    ],
    // No host permission at install: nothing runs in a page until the user asks. The popup's switch, the
    // keyboard command and the context menu grant `activeTab` for that tab, and the background injects the
    // page script then (`scripting`). "Always on for this site" asks for that one origin at run time
    // (src/site-access). The EMO-AffectNet download needs none (Hugging Face serves CORS).
    optional_host_permissions: ['*://*/*'],
    // onnxruntime-web compiles WebAssembly; nothing else is relaxed (no remote code, no eval). Extension pages
    // and the service worker connect only to the extension itself and, for the EMO-AffectNet download the
    // user starts, to Hugging Face and the CDN its resolve URLs redirect to: no frame or image can be sent
    // anywhere else, whatever a bug or a page tries.
    content_security_policy: {
      extension_pages: `script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; connect-src 'self' ${DOWNLOAD_HOSTS};`,
    },
    commands: {
      'toggle-overlay': {
        suggested_key: { default: 'Alt+Shift+E' },
        description: 'Turn the emotion overlay on or off for this tab',
      },
    },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'affect-lens@example.org',
              // 140 (ESR): the first with data_collection_permissions.
              strict_min_version: '140.0',
              // Nothing is collected or transmitted: every frame is analysed on this machine. Required of new
              // add-ons on addons.mozilla.org (https://mzl.la/firefox-builtin-data-consent).
              data_collection_permissions: { required: ['none'] },
            },
            // Firefox for Android has data_collection_permissions from 142.
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {
          // Binary frames (Uint8ClampedArray, ArrayBuffer) survive extension messaging only with structured
          // clone; JSON turns them into one key per byte (../shared/ENVIRONMENT.md). Chrome 148+.
          message_serialization: 'structured_clone',
          minimum_chrome_version: '148',
          // crossOriginIsolated extension pages, so onnxruntime-web's wasm threads (SharedArrayBuffer) work.
          cross_origin_embedder_policy: { value: 'require-corp' },
          cross_origin_opener_policy: { value: 'same-origin' },
        }),
  }),
  hooks: {
    'build:publicAssets': (_wxt, files) => {
      for (const file of ORT_RUNTIME_FILES) {
        files.push({ absoluteSrc: path.join(ortDist, file), relativeDest: `ort/${file}` });
      }
      const models = path.join(root, 'models');
      if (!existsSync(path.join(models, 'manifest.json'))) {
        throw new Error(
          'models/manifest.json is missing: run `npm run models` before building the extension.',
        );
      }
      for (const file of readdirSync(models)) {
        if (file === 'manifest.json' || file.endsWith('.onnx')) {
          files.push({ absoluteSrc: path.join(models, file), relativeDest: `models/${file}` });
        }
      }
    },
  },
});
