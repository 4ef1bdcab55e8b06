import { defineContentScript } from 'wxt/utils/define-content-script';
import { startContent } from '../../src/content/content-app.ts';

export default defineContentScript({
  matches: ['<all_urls>'],
  allFrames: true,
  runAt: 'document_idle',
  main(ctx) {
    startContent(ctx);
  },
});
