/**
 * The bench pages' `<video id="clip">` (ours and the peer's): play, pause, and its playback quality.
 */
import type { Page } from 'playwright-core';
import type { PlaybackQuality } from './stats.ts';

export interface ClipVideo {
  play: () => Promise<void>;
  pause: () => Promise<void>;
  quality: () => Promise<PlaybackQuality>;
}

export function clipVideo(page: Page): ClipVideo {
  const set = (play: boolean) =>
    page.evaluate(async (play) => {
      const v = document.getElementById('clip') as HTMLVideoElement;
      if (play) await v.play();
      else v.pause();
    }, play);
  return {
    play: () => set(true),
    pause: () => set(false),
    quality: () =>
      page.evaluate(() => {
        const q = (document.getElementById('clip') as HTMLVideoElement).getVideoPlaybackQuality();
        return { totalVideoFrames: q.totalVideoFrames, droppedVideoFrames: q.droppedVideoFrames };
      }),
  };
}
