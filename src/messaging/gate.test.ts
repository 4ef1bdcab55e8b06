/**
 * The gate of the one listener: every message of the protocol, from every kind of sender, is delivered
 * exactly when MESSAGES lists the sender's role for it; every payload check refuses what its handler could
 * not take. The table is MESSAGES itself, so a new message is covered the day it is added.
 */
import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it, vi } from 'vitest';
import { gate } from './messenger.ts';
import { refusal, senderRole } from './sender-role.ts';
import { MESSAGES, type MessageSender, type MessageType, type SenderRole } from '../protocol/protocol-map.ts';
import { PAYLOAD_CHECKS, payloadProblem } from '../protocol/payload-checks.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const ID = fakeBrowser.runtime.id;
const ORIGIN = fakeBrowser.runtime.getURL('/').slice(0, -1);
const tab = { id: 4 } as MessageSender['tab'];

const SENDERS: Record<SenderRole, MessageSender> = {
  page: { id: ID, url: `${ORIGIN}/popup.html` },
  content: { id: ID, url: 'https://video.example/watch', tab, frameId: 0 },
  background: { id: ID, url: `${ORIGIN}/background.js` },
  engine: { id: ID, url: `${ORIGIN}/offscreen.html` },
};

const buffer = new ArrayBuffer(8);
/** A payload each handler accepts, for every message (a missing one is a type error). */
const VALID: Record<MessageType, unknown> = {
  ensureEngine: undefined,
  getEngineStatus: undefined,
  getTabState: { tabId: 3 },
  setOverlay: { tabId: 3, enabled: true },
  getSiteAccess: { tabId: 3 },
  getOverlayForSender: undefined,
  captureTabRegion: {
    region: { x: 0, y: 10, width: 320, height: 180 },
    viewport: { width: 1280, height: 720 },
  },
  analyzeSnapshot: { bytes: buffer, type: 'image/png' },
  userModelsChanged: undefined,
  engineConfigure: { classifierId: null, minScore: 0.5, backend: 'auto', temporal: false, wasmThreads: 0 },
  engineStatus: undefined,
  engineAnalyzeImage: { bytes: buffer, type: '' },
  analyzeFrame: {
    encoding: 'jpeg',
    bytes: buffer,
    sourceId: 'v1',
    width: 320,
    height: 180,
    sourceWidth: 1280,
    sourceHeight: 720,
    encodeMs: 1,
    sentAtEpochMs: 2,
  },
  endSource: { sourceId: 'v1' },
  engineModelsChanged: undefined,
  engineClassifyCrop: { classifierId: 'c', width: 2, height: 2, pixels: new Uint8ClampedArray(16) },
  overlaySetEnabled: { enabled: false },
  overlayShowImageResult: { srcUrl: 'https://x.example/a.jpg', state: 'pending' },
  overlayAnalyzeImage: { srcUrl: 'https://x.example/a.jpg' },
  overlayDescribe: undefined,
  timelineDescribe: { src: 'https://x.example/v.mp4' },
};

/** Payloads that must be refused: a content script (or a bug) sending the wrong thing. */
const INVALID: [MessageType, unknown][] = [
  ['getTabState', { tabId: -1 }],
  ['getTabState', { tabId: 1.5 }],
  ['getTabState', '3'],
  ['setOverlay', { tabId: 3, enabled: 'yes' }],
  ['setOverlay', { tabId: 3 }],
  [
    'captureTabRegion',
    { region: { x: 0, y: 0, width: Infinity, height: 1 }, viewport: { width: 1, height: 1 } },
  ],
  ['captureTabRegion', { region: null, viewport: { width: 1, height: 1 } }],
  ['analyzeSnapshot', { bytes: new Uint8Array(4), type: 'image/png' }],
  ['analyzeSnapshot', { bytes: buffer }],
  ['engineConfigure', { classifierId: null, minScore: 2, backend: 'auto', temporal: false, wasmThreads: 0 }],
  [
    'engineConfigure',
    { classifierId: null, minScore: 0.5, backend: 'webgl', temporal: false, wasmThreads: 0 },
  ],
  ['engineConfigure', { classifierId: 7, minScore: 0.5, backend: 'auto', temporal: false, wasmThreads: 0 }],
  [
    'engineConfigure',
    { classifierId: null, minScore: 0.5, backend: 'auto', temporal: false, wasmThreads: 1.5 },
  ],
  [
    'engineConfigure',
    { classifierId: null, minScore: 0.5, backend: 'auto', temporal: false, wasmThreads: 9 },
  ],
  ['engineConfigure', null],
  ['analyzeFrame', { ...(VALID.analyzeFrame as object), encoding: 'png' }],
  ['analyzeFrame', { ...(VALID.analyzeFrame as object), width: 0 }],
  ['analyzeFrame', { ...(VALID.analyzeFrame as object), sourceId: 5 }],
  ['engineClassifyCrop', { classifierId: 'c', width: 2, height: 2, pixels: [1, 2, 3] }],
  ['overlaySetEnabled', {}],
  [
    'overlayShowImageResult',
    { srcUrl: 'u', state: 'done', route: 'page', analysis: { width: 0, height: 1, faces: [] } },
  ],
  ['overlayShowImageResult', { srcUrl: 'u', state: 'lost' }],
  [
    'overlayShowImageResult',
    { srcUrl: 'u', state: 'done', route: 'ftp', analysis: { width: 1, height: 1, faces: [] } },
  ],
  ['overlayAnalyzeImage', { srcUrl: null }],
  ['timelineDescribe', { src: 4 }],
  ['ensureEngine', { anything: true }],
];

describe('senderRole', () => {
  it('tells each of our contexts and content scripts apart by the browser-set sender', () => {
    for (const [role, sender] of Object.entries(SENDERS)) expect(senderRole(sender)).toBe(role);
    // The options page opened in a tab is still an extension page.
    expect(senderRole({ id: ID, url: `${ORIGIN}/options.html`, tab })).toBe('page');
    // Firefox's background page.
    expect(senderRole({ id: ID, url: `${ORIGIN}/_generated_background_page.html` })).toBe('background');
  });

  it('gives no role to another extension, a sender without a tab, or one without a URL', () => {
    expect(senderRole({ id: 'other-extension', url: `${ORIGIN}/popup.html` })).toBeNull();
    expect(senderRole({ id: ID, url: 'https://video.example/' })).toBeNull();
    expect(senderRole({ id: ID, tab })).toBeNull();
    expect(senderRole({})).toBeNull();
  });

  it('names who may send a message when it refuses', () => {
    expect(refusal('setOverlay', ['page'], 'content')).toBe(
      '"setOverlay" may be sent by an extension page, not by a content script.',
    );
    expect(refusal('setOverlay', ['page'], null)).toMatch(/not by a sender that is not part of Affect Lens/);
  });
});

describe('gate', () => {
  const types = Object.keys(MESSAGES) as MessageType[];

  it.each(types)('delivers "%s" from exactly the roles MESSAGES lists', (type) => {
    const allowed: readonly SenderRole[] = MESSAGES[type].from;
    for (const [role, sender] of Object.entries(SENDERS) as [SenderRole, MessageSender][]) {
      const problem = gate(type, VALID[type], sender);
      if (allowed.includes(role)) expect(problem, `${type} from ${role}`).toBeNull();
      else expect(problem, `${type} from ${role}`).toMatch(/may be sent by/);
    }
    expect(gate(type, VALID[type], { id: 'other-extension' })).toMatch(/not part of Affect Lens/);
  });

  it('keeps content scripts away from the engine and from other tabs', () => {
    for (const type of types) {
      const fromContent = (MESSAGES[type].from as readonly SenderRole[]).includes('content');
      if (MESSAGES[type].to === 'engine' && MESSAGES[type].via === 'runtime') expect(fromContent).toBe(false);
    }
    // Messages naming a tab come only from extension pages; content scripts speak for sender.tab.
    expect(MESSAGES.getTabState.from).toEqual(['page']);
    expect(MESSAGES.setOverlay.from).toEqual(['page']);
    expect(MESSAGES.getSiteAccess.from).toEqual(['page']);
  });

  it.each(INVALID)('refuses a bad "%s" payload: %j', (type, data) => {
    expect(payloadProblem(type, data)).toMatch(new RegExp(`^"${type}" payload refused: .+\\.$`));
    const sender = SENDERS[MESSAGES[type].from[0]];
    expect(gate(type, data, sender)).toMatch(/payload refused/);
  });

  it('has a check for every message and accepts every valid sample', () => {
    expect(Object.keys(PAYLOAD_CHECKS).sort()).toEqual([...types].sort());
    for (const type of types) expect(payloadProblem(type, VALID[type]), type).toBeNull();
  });
});
