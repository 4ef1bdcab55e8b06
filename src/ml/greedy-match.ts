/**
 * The one matcher of every face tracker (temporal-smoother.ts here, src/content/face-tracker.ts for the
 * overlay): each face of a new frame continues at most one track and each track takes at most one face,
 * greedily by box overlap, best IoU first. Ties keep the earlier track and face (a stable sort).
 */
import type { PxBox } from './types.ts';
import { iou } from './weighted-nms.ts';

/**
 * For each face, the index of the track it continues, or -1 for a new face. Only pairs with IoU >= minIoU
 * match; `eligible(f)` false leaves face f unmatched (e.g. a face without features for the temporal model).
 */
export function matchByIoU(
  tracks: readonly { readonly box: PxBox }[],
  faces: readonly { readonly box: PxBox }[],
  minIoU: number,
  eligible: (face: number) => boolean = () => true,
): Int32Array {
  if (!(minIoU > 0 && minIoU <= 1)) throw new Error(`minIoU must be within (0, 1], got ${minIoU}`);
  const pairs: { t: number; f: number; overlap: number }[] = [];
  for (let f = 0; f < faces.length; f++) {
    if (!eligible(f)) continue;
    for (let t = 0; t < tracks.length; t++) {
      const overlap = iou(tracks[t]!.box, faces[f]!.box);
      if (overlap >= minIoU) pairs.push({ t, f, overlap });
    }
  }
  pairs.sort((a, b) => b.overlap - a.overlap || a.t - b.t || a.f - b.f);
  const trackOf = new Int32Array(faces.length).fill(-1);
  const taken = new Uint8Array(tracks.length);
  for (const { t, f } of pairs) {
    if (taken[t] || trackOf[f] !== -1) continue;
    taken[t] = 1;
    trackOf[f] = t;
  }
  return trackOf;
}
