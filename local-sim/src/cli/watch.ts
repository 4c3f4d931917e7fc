/**
 * `ha-sim start --watch`: notice changes to the app's sources (or to a cloud assembly written by
 * someone else) and report them, debounced, so that the caller re-synthesizes and reloads once per burst
 * of saves. Which files count follows cdk.json "watch" { include, exclude }, the settings `cdk watch`
 * reads; like `cdk watch`, dot-files, node_modules and output folders never count.
 */
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';

/** Always ignored, whatever cdk.json says (as `cdk watch` does): dot-files and -folders, dependencies. */
const ALWAYS_EXCLUDED = ['**/.*', '**/.*/**', '**/node_modules/**', 'node_modules', 'cdk.out', 'cdk.out/**'];

export interface SourceWatcher {
  /** Resolves once the initial scan is done and changes are being reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchSettings {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Which project-relative paths count as sources (exported for tests). */
export function sourceFilter(settings: WatchSettings, extraExcludes: readonly string[] = []) {
  const opts = { dot: true };
  const include = picomatch([...settings.include], opts);
  const exclude = picomatch([...settings.exclude, ...ALWAYS_EXCLUDED, ...extraExcludes], opts);
  // A folder is skipped when it is excluded itself or everything below it is.
  const excludeDir = picomatch(
    [...ALWAYS_EXCLUDED, ...extraExcludes, ...settings.exclude].map((p) => p.replace(/\/\*\*$/, '')),
    opts,
  );
  return {
    /** A file that counts as a source. */
    file: (rel: string): boolean => include(rel) && !exclude(rel),
    /** A folder not worth descending into. */
    skipDir: (rel: string): boolean => rel !== '' && (excludeDir(rel) || exclude(rel)),
  };
}

function debounced(onChange: (paths: string[]) => void, ms: number): (p: string) => void {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  return (p) => {
    pending.add(p);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const paths = [...pending];
      pending = new Set();
      timer = undefined;
      onChange(paths);
    }, ms);
  };
}

function started(watcher: FSWatcher): SourceWatcher {
  return {
    ready: new Promise((resolve) => watcher.once('ready', () => resolve())),
    close: () => watcher.close(),
  };
}

/**
 * Watch `dir` for changes of source files. `extraExcludes` (project-relative globs) add to cdk.json's
 * exclude list, e.g. the folder ha-sim synthesizes into. `onChange` gets the changed relative paths.
 */
export function watchSources(
  dir: string,
  settings: WatchSettings,
  extraExcludes: readonly string[],
  onChange: (paths: string[]) => void,
  debounceMs = 300,
): SourceWatcher {
  const filter = sourceFilter(settings, extraExcludes);
  const report = debounced(onChange, debounceMs);
  const watcher = watch(dir, {
    ignoreInitial: true,
    ignored: (absolute, stats) => {
      const rel = path.relative(dir, absolute).split(path.sep).join('/');
      if (rel.startsWith('..')) return true;
      if (stats?.isFile()) return !filter.file(rel);
      return filter.skipDir(rel);
    },
  });
  const onEvent = (absolute: string): void => {
    const rel = path.relative(dir, absolute).split(path.sep).join('/');
    if (filter.file(rel)) report(rel);
  };
  watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
  return started(watcher);
}

/** Watch a cloud-assembly directory that another tool writes (`cdk synth`, `cdk watch`): its manifest. */
export function watchAssembly(dir: string, onChange: () => void, debounceMs = 300): SourceWatcher {
  const report = debounced(() => onChange(), debounceMs);
  const watcher = watch(path.join(dir, 'manifest.json'), { ignoreInitial: true });
  watcher.on('add', report).on('change', report);
  return started(watcher);
}
