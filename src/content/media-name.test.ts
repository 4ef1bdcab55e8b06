// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { mediaNameOf } from './media-name.ts';

const page = (html: string) => {
  document.body.innerHTML = html;
  return document.querySelector('video')!;
};

describe('mediaNameOf', () => {
  afterEach(() => document.body.replaceChildren());

  it.each([
    ['its title', '<video title="Keynote, day 2"></video>', 'Keynote, day 2'],
    ['its aria-label', '<video aria-label="Camera of Ana"></video>', 'Camera of Ana'],
    ['aria-labelledby', '<h3 id="t">Interview</h3><video aria-labelledby="t"></video>', 'Interview'],
    ['a figure caption', '<figure><video></video><figcaption>The cat</figcaption></figure>', 'The cat'],
    ['a call tile participant', '<div class="tile"><video></video><span>Ben Ortiz</span></div>', 'Ben Ortiz'],
    ['a labelled tile', '<div aria-label="Ana (host)"><div><video></video></div></div>', 'Ana (host)'],
  ])('names a video by %s', (_what, html, want) => {
    expect(mediaNameOf(page(html), 0, 1)).toBe(want);
  });

  it('names a canvas the page draws a video into like a video', () => {
    document.body.innerHTML =
      '<div class="tile"><canvas></canvas><span>Ana Ruiz</span></div><canvas></canvas>';
    const [tile, bare] = document.querySelectorAll('canvas');
    expect(mediaNameOf(tile!, 0, 2)).toBe('Ana Ruiz');
    expect(mediaNameOf(bare!, 1, 2)).toMatch(/^Video 2 of 2 on /);
  });

  it('falls back to its place on the page', () => {
    const video = page('<div><video></video><video></video></div><p>' + 'long text '.repeat(20) + '</p>');
    expect(mediaNameOf(video, 1, 3)).toMatch(/^Video 2 of 3 on /);
  });

  it('does not take a paragraph or a shared container for a name', () => {
    const video = page(
      '<section><video></video><p>' + 'a very long description '.repeat(5) + '</p></section>',
    );
    expect(mediaNameOf(video, 0, 1)).toMatch(/^Video 1 of 1 on /);
  });
});
