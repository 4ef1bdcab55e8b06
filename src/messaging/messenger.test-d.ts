/**
 * Type tests of the protocol, checked by `npm run typecheck` (tsc) and by `vitest --typecheck`: call sites
 * get each message's payload and result types, wrong payloads and wrong channels do not compile, and a
 * handler table must answer every message of its receiver, no more.
 */
import { expectTypeOf, test } from 'vitest';
import type { HandlersFor, MessagesTo, MessagesVia } from '../protocol/protocol-map.ts';
import { sendMessage, sendToTab } from './messenger.ts';
import type { EngineStatus } from '../protocol/engine-status.ts';
import type { FrameAnalysis } from '../protocol/frames.ts';
import type { ImageResult, OverlaySnapshot, TabState } from '../protocol/overlay.ts';

test('senders are typed by message', () => {
  expectTypeOf(sendMessage<'ensureEngine'>).returns.resolves.toEqualTypeOf<EngineStatus>();
  expectTypeOf(sendMessage<'getTabState'>)
    .parameter(1)
    .toEqualTypeOf<{ tabId: number }>();
  expectTypeOf(sendMessage<'setOverlay'>).returns.resolves.toEqualTypeOf<TabState>();
  expectTypeOf(sendToTab<'overlayDescribe'>).returns.resolves.toEqualTypeOf<OverlaySnapshot>();
  expectTypeOf(sendToTab<'overlayShowImageResult'>)
    .parameter(2)
    .toEqualTypeOf<ImageResult>();
});

test('wrong payloads and channels do not compile', () => {
  const never = () => {
    // @ts-expect-error: getTabState needs { tabId }
    void sendMessage('getTabState');
    // @ts-expect-error: tabId must be a number
    void sendMessage('setOverlay', { tabId: '1', enabled: true });
    // @ts-expect-error: analyzeFrame travels over the frames port, not runtime.sendMessage
    void sendMessage('analyzeFrame', undefined as never);
    // @ts-expect-error: content messages go to a tab
    void sendMessage('overlayDescribe');
    // @ts-expect-error: not a message
    void sendMessage('noSuchMessage');
  };
  expectTypeOf(never).toBeFunction();
});

test('receivers and channels partition the messages', () => {
  expectTypeOf<MessagesTo<'content'>>().toEqualTypeOf<
    | 'overlaySetEnabled'
    | 'overlayShowImageResult'
    | 'overlayAnalyzeImage'
    | 'overlayDescribe'
    | 'timelineDescribe'
  >();
  expectTypeOf<MessagesVia<'frames-port'>>().toEqualTypeOf<'analyzeFrame' | 'endSource'>();
  expectTypeOf<ReturnType<HandlersFor<'engine'>['analyzeFrame']>>().toEqualTypeOf<
    FrameAnalysis | Promise<FrameAnalysis>
  >();
});

test("a handler table answers exactly its receiver's messages", () => {
  const incomplete = () => {
    // @ts-expect-error: overlayDescribe is missing
    const handlers: HandlersFor<'content'> = {
      overlaySetEnabled: () => undefined,
      overlayShowImageResult: () => ({ matched: 0 }),
    };
    return handlers;
  };
  const extra = () => {
    const handlers: HandlersFor<'content'> = {
      overlaySetEnabled: () => undefined,
      overlayShowImageResult: () => ({ matched: 0 }),
      overlayDescribe: () => ({ enabled: false, overlays: [] }),
      timelineDescribe: () => null,
      // @ts-expect-error: ensureEngine is the background's
      ensureEngine: () => undefined,
    };
    return handlers;
  };
  expectTypeOf(incomplete).toBeFunction();
  expectTypeOf(extra).toBeFunction();
});
