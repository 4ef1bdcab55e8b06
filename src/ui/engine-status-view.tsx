/** The engine's state for people: loading progress, WebGPU or WebAssembly (and why), speed. */
import type { EngineStatus } from '../protocol/engine-status.ts';

const PROVIDER_NAMES = { webgpu: 'WebGPU', wasm: 'WebAssembly' } as const;

export function EngineStatusView({
  status,
  error,
  onRetry,
}: {
  status: EngineStatus | null;
  error: string | null;
  /** Starts the engine again (ensureEngine): offered when it failed or its status cannot be read. */
  onRetry?: () => void;
}) {
  const retry = onRetry && (
    <button type="button" class="retry" data-testid="engine-retry" onClick={onRetry}>
      Retry
    </button>
  );
  if (error)
    return (
      <p class="status error">
        Engine status unavailable: {error} {retry}
      </p>
    );
  if (!status) return <p class="status">Checking the engine…</p>;
  const { stats } = status;
  return (
    <div class="status" data-state={status.state}>
      <div class="status-line">
        <span class={`dot ${status.state}`} aria-hidden="true" />
        {status.state === 'absent' && <span>Engine not started</span>}
        {status.state === 'loading' && (
          <span>
            Loading… {Math.round(status.progress * 100)}%<small> {status.detail}</small>
          </span>
        )}
        {status.state === 'ready' && status.provider && (
          <span>
            Ready on <strong data-testid="provider">{PROVIDER_NAMES[status.provider]}</strong>
          </span>
        )}
        {status.state === 'error' && (
          <span>
            Engine failed: {status.error} {retry}
          </span>
        )}
      </div>
      {status.state === 'loading' && <progress max={1} value={status.progress} />}
      {status.providerNote && <p class="note">{status.providerNote}</p>}
      {status.classifierNote && (
        <p class="note error" data-testid="classifier-note">
          {status.classifierNote}
        </p>
      )}
      {status.adapter && <p class="note">GPU adapter: {status.adapter}</p>}
      {status.state === 'ready' && (
        <dl class="stats" title="Over the last 3 seconds">
          <div>
            <dt>Analysed</dt>
            <dd data-testid="fps">{stats.analyzedFps > 0 ? `${stats.analyzedFps.toFixed(1)} fps` : '–'}</dd>
            {stats.latencyMs > 0 && (
              <dd
                class="capacity"
                data-testid="capacity"
                title="What the engine could analyse: 1000 / latency"
              >
                of {Math.round(1000 / stats.latencyMs)} possible
              </dd>
            )}
          </div>
          <div>
            <dt>Latency</dt>
            <dd data-testid="latency">{stats.latencyMs > 0 ? `${stats.latencyMs.toFixed(0)} ms` : '–'}</dd>
          </div>
          <div>
            <dt>Transport</dt>
            <dd data-testid="transport">
              {stats.transportMs > 0 ? `${stats.transportMs.toFixed(1)} ms` : '–'}
            </dd>
          </div>
          <div>
            <dt>Dropped</dt>
            <dd>{stats.framesDropped}</dd>
          </div>
        </dl>
      )}
    </div>
  );
}
