/**
 * Unloads an engine nobody has used for a while: its models, runtime and (in Chrome) the whole offscreen
 * document hold tens of MiB and a renderer process, and a service-worker-based extension cannot keep a timer
 * of its own alive. So an alarm (chrome.alarms survives the service worker stopping) checks the engine's own
 * `idleMs` every minute while an engine runs, and is cleared once there is none. The next request starts the
 * engine again: a cold start (a few seconds on a 2-core machine, `npm run bench:e2e`) after `idleMs` without
 * any frame, image or configuration.
 */
import type { EngineClient } from './engine-client.ts';

/** How long an engine may sit unused before it is unloaded, ms. */
export const ENGINE_IDLE_MS = 5 * 60_000;
export const ENGINE_IDLE_ALARM = 'affect-lens-engine-idle';
/** The alarm's period, minutes (Chrome's minimum is 0.5). */
const CHECK_EVERY_MINUTES = 1;

/** The part of `browser.alarms` used here. */
export interface AlarmsLike {
  get: (name: string) => Promise<unknown>;
  create: (name: string, info: { periodInMinutes: number }) => unknown;
  clear: (name: string) => Promise<unknown>;
}

export interface IdleUnloaderDeps {
  alarms: AlarmsLike;
  /** Closes the offscreen document (Chrome) or frees the engine of the background page (Firefox). */
  unload: () => Promise<void>;
  idleMs?: number;
}

export interface IdleUnloader {
  /** The client, with every call that starts or uses the engine also arming the idle check. */
  watch: (engine: EngineClient) => EngineClient;
  /**
   * The alarm fired: unloads the engine when it has been idle for `idleMs` (default: the unloader's);
   * true when it did.
   */
  check: (engine: EngineClient, idleMs?: number) => Promise<boolean>;
}

export function createIdleUnloader(deps: IdleUnloaderDeps): IdleUnloader {
  const idleMs = deps.idleMs ?? ENGINE_IDLE_MS;

  // get-then-create: create() on an existing alarm would restart its period, and an engine used more often
  // than once a period would then never be checked.
  const arm = async (): Promise<void> => {
    if (!(await deps.alarms.get(ENGINE_IDLE_ALARM))) {
      await deps.alarms.create(ENGINE_IDLE_ALARM, { periodInMinutes: CHECK_EVERY_MINUTES });
    }
  };
  const armed = <T>(call: Promise<T>): Promise<T> => {
    arm().catch((error: unknown) => console.warn('Affect Lens: could not arm the idle check', error));
    return call;
  };

  return {
    watch: (engine) => ({
      ...engine,
      ensure: () => armed(engine.ensure()),
      configure: (config) => armed(engine.configure(config)),
      analyzeImage: (req) => armed(engine.analyzeImage(req)),
    }),
    async check(engine, atLeastMs = idleMs) {
      const status = await engine.status();
      if (status.state === 'absent') {
        await deps.alarms.clear(ENGINE_IDLE_ALARM);
        return false;
      }
      if (status.state === 'loading' || status.idleMs < atLeastMs) return false;
      await deps.unload();
      await deps.alarms.clear(ENGINE_IDLE_ALARM);
      console.info(
        `Affect Lens: the engine was unused for ${Math.round(status.idleMs / 1000)} s; unloaded it.`,
      );
      return true;
    },
  };
}
