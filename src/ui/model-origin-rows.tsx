/**
 * The "Source" and "Original" rows of an installed user model on the options page (ResNet-50 or LSTM alike):
 * where the file came from, and what it was (format, size, SHA-256).
 */
import type { ComponentChildren } from 'preact';
import { formatMb } from '../model-install/download.ts';
import type { InstalledModelInfo } from '../model-store/user-model-store.ts';

type OriginInfo = Pick<InstalledModelInfo, 'origin' | 'from' | 'sourceBytes' | 'sourceSha256'>;

export function ModelOriginRows({
  info,
  sourceTestId,
  children,
}: {
  info: OriginInfo;
  sourceTestId: string;
  /** Appended to the source (e.g. that the published file's checksum was verified). */
  children?: ComponentChildren;
}) {
  return (
    <>
      <dt>Source</dt>
      <dd data-testid={sourceTestId}>
        {info.origin.kind === 'download' ? `Downloaded from ${info.origin.url}` : `File ${info.origin.name}`}
        {children}
      </dd>
      <dt>Original</dt>
      <dd>
        {info.from === 'pytorch' ? 'PyTorch state_dict' : 'ONNX'}, {formatMb(info.sourceBytes)}, SHA-256{' '}
        <code>{info.sourceSha256}</code>
      </dd>
    </>
  );
}
