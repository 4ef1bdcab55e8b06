/**
 * Every extension message of Affect Lens, as one function signature each (webext-core messaging style).
 * `MESSAGES` says who answers each one and over which channel; the convention test checks that every message
 * has exactly one handler. Payloads are structured-cloned (manifest key `message_serialization`), so typed
 * arrays and ArrayBuffers cross intact; everything else is plain data.
 */
import type { Browser } from 'wxt/browser';
import type { EmotionScores } from '../ml/emotions.ts';
import type { VideoTimeline } from '../timeline/emotion-history.ts';
import type { CaptureRequest, CapturedRegion } from './capture.ts';
import type { EngineConfig, EngineStatus } from './engine-status.ts';
import type { FrameAnalysis, FrameRequest } from './frames.ts';
import type { ImageAnalysis, ImageResult, OverlaySnapshot, SiteAccess, TabState } from './overlay.ts';

export interface ProtocolMap {
  // Answered by the background (sent from content scripts and the popup).
  /** Makes sure the engine host exists and is configured; returns its status. */
  ensureEngine(): EngineStatus;
  /** Status of the engine host without creating it ('absent' when there is none). */
  getEngineStatus(): EngineStatus;
  getTabState(req: { tabId: number }): TabState;
  setOverlay(req: { tabId: number; enabled: boolean }): TabState;
  /** The tab's site and whether it is always on; null where no site permission applies or the URL is hidden. */
  getSiteAccess(req: { tabId: number }): SiteAccess | null;
  /** For a content script: is the overlay on in the sender's tab? */
  getOverlayForSender(): { enabled: boolean };
  /**
   * For a content script, after a user's click: tabs.captureVisibleTab of the sender's tab, cropped to
   * `region` (what the page cannot read, e.g. a cross-origin video without CORS). At most 2 per second.
   */
  captureTabRegion(req: CaptureRequest): CapturedRegion;
  /** For a content script: analyses a snapshot it got from captureTabRegion (the engine's still-image path). */
  analyzeSnapshot(req: { bytes: ArrayBuffer; type: string }): ImageAnalysis;
  /** The options page installed or removed a user model: a running engine reloads its models. */
  userModelsChanged(): EngineStatus;

  // Answered by the engine host (offscreen document in Chrome, background page in Firefox).
  engineConfigure(config: EngineConfig): EngineStatus;
  engineStatus(): EngineStatus;
  /** Decodes an encoded image (JPEG, PNG, WebP, GIF, AVIF, SVG excluded) and analyses it. */
  engineAnalyzeImage(req: { bytes: ArrayBuffer; type: string }): ImageAnalysis;
  /** Over the frames port: one frame of a playing video. */
  analyzeFrame(frame: FrameRequest): FrameAnalysis;
  /** Over the frames port: the video `sourceId` of the sender went (removed, overlay off): its stream ends. */
  endSource(req: { sourceId: string }): void;
  /** Reloads the models, picking up user models installed or removed since the engine loaded. */
  engineModelsChanged(): EngineStatus;
  /**
   * Diagnostics (DevTools, E2E): classifies RGBA pixels that are already a face crop with the given
   * classifier, through the same preprocessing as a detected face. Probabilities by emotion.
   */
  engineClassifyCrop(req: {
    classifierId: string;
    width: number;
    height: number;
    pixels: Uint8ClampedArray;
  }): EmotionScores;

  // Answered by content scripts (sent by the background with tabs.sendMessage).
  overlaySetEnabled(req: { enabled: boolean }): void;
  /** Draws a right-click result over every <img> showing `srcUrl`; returns how many were found. */
  overlayShowImageResult(result: ImageResult): { matched: number };
  /**
   * The context menu's "Analyse emotions" on an image of this frame: reads its pixels (the page's, else a
   * capture of the screen, else a download), has the engine analyse them, draws the result and returns it.
   * Always ends: a result, or `failed` with what happened.
   */
  overlayAnalyzeImage(req: { srcUrl: string }): ImageResult;
  overlayDescribe(): OverlaySnapshot;
  /**
   * The emotion timeline of the video `src` names (VideoTimeline.videos), else of the one most recently
   * analysed in the frame; null when there is none.
   */
  timelineDescribe(req?: { src?: string }): VideoTimeline | null;
}

export type MessageType = keyof ProtocolMap;
export type Receiver = 'background' | 'engine' | 'content';
/** runtime: runtime.sendMessage; tab: tabs.sendMessage; frames-port: the long-lived frames port. */
export type Channel = 'runtime' | 'tab' | 'frames-port';
/**
 * Who sent a message, as src/messaging/sender-role.ts tells from the browser's MessageSender: `page` is an
 * extension page of ours (popup, options page), `content` a content script (of the tab in `sender.tab`),
 * `background` the service worker (Firefox: the background page), `engine` the offscreen document.
 */
export type SenderRole = 'page' | 'content' | 'background' | 'engine';

/**
 * Who answers each message, over which channel, and who may send it: anything else is refused by the one
 * listener (src/messaging). A content script speaks only for its own tab (the handlers read `sender.tab`), so
 * no message from one lets it read or switch another tab, or drive the engine directly.
 */
export const MESSAGES = {
  ensureEngine: { to: 'background', via: 'runtime', from: ['page', 'content'] },
  getEngineStatus: { to: 'background', via: 'runtime', from: ['page'] },
  getTabState: { to: 'background', via: 'runtime', from: ['page'] },
  setOverlay: { to: 'background', via: 'runtime', from: ['page'] },
  getSiteAccess: { to: 'background', via: 'runtime', from: ['page'] },
  getOverlayForSender: { to: 'background', via: 'runtime', from: ['content'] },
  captureTabRegion: { to: 'background', via: 'runtime', from: ['content'] },
  analyzeSnapshot: { to: 'background', via: 'runtime', from: ['content'] },
  userModelsChanged: { to: 'background', via: 'runtime', from: ['page'] },
  engineConfigure: { to: 'engine', via: 'runtime', from: ['background'] },
  engineStatus: { to: 'engine', via: 'runtime', from: ['background'] },
  engineAnalyzeImage: { to: 'engine', via: 'runtime', from: ['background'] },
  analyzeFrame: { to: 'engine', via: 'frames-port', from: ['content'] },
  endSource: { to: 'engine', via: 'frames-port', from: ['content'] },
  engineModelsChanged: { to: 'engine', via: 'runtime', from: ['background'] },
  // Diagnostics: DevTools of the service worker and the E2E tests.
  engineClassifyCrop: { to: 'engine', via: 'runtime', from: ['background'] },
  overlaySetEnabled: { to: 'content', via: 'tab', from: ['background'] },
  overlayShowImageResult: { to: 'content', via: 'tab', from: ['background'] },
  overlayAnalyzeImage: { to: 'content', via: 'tab', from: ['background'] },
  overlayDescribe: { to: 'content', via: 'tab', from: ['background', 'page'] },
  // The popup's timeline view asks the tab directly.
  timelineDescribe: { to: 'content', via: 'tab', from: ['page'] },
} as const satisfies Record<MessageType, { to: Receiver; via: Channel; from: readonly SenderRole[] }>;

type Messages = typeof MESSAGES;
export type MessagesTo<R extends Receiver> = {
  [K in MessageType]: Messages[K]['to'] extends R ? K : never;
}[MessageType];
export type MessagesVia<C extends Channel> = {
  [K in MessageType]: Messages[K]['via'] extends C ? K : never;
}[MessageType];

/** The payload of message K (undefined for messages without one). */
export type DataOf<K extends MessageType> = Parameters<ProtocolMap[K]>[0];
/** Arguments after the message type at a call site: none, or the payload. */
export type ArgsOf<K extends MessageType> = Parameters<ProtocolMap[K]>;
export type ResultOf<K extends MessageType> = Awaited<ReturnType<ProtocolMap[K]>>;

/** Who sent a message (extension page, content script of a tab and frame). */
export type MessageSender = Browser.runtime.MessageSender;

export type Handler<K extends MessageType> = (
  data: DataOf<K>,
  sender: MessageSender,
) => ResultOf<K> | Promise<ResultOf<K>>;

/** Exactly one handler for every message addressed to receiver R (a missing or extra key is a type error). */
export type HandlersFor<R extends Receiver> = { [K in MessagesTo<R>]: Handler<K> };
