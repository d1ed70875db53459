/**
 * @fileoverview Model files on disk: the files and directories given to `nmp serve`, loaded at start and, with
 * `--watch`, polled (and on Node nudged by fs.watch) for new or changed `.nmp` files. A change is
 * loaded once the file's size and mtime have held still for `settleMs`, so a writer that writes in place is not read
 * half-way; writing to a temporary name and renaming is still the safe way. Removing a file does not unload its model.
 */

import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isDeno } from './deno.js';
import { ServeError } from './errors.js';
import { checkModelName, type ModelRegistry } from './registry.js';

export interface ModelSource {
  kind: 'file' | 'dir';
  path: string;
  /** Model name for a file (default: its base name without `.nmp`). */
  name?: string;
}

/** `name=path` or `path`; a trailing slash or an existing directory makes a directory source. */
export async function parseSource(arg: string): Promise<ModelSource> {
  const eq = arg.indexOf('=');
  const named = eq > 0 && !arg.slice(0, eq).includes('/');
  const path = named ? arg.slice(eq + 1) : arg;
  const st = await stat(path); // ENOENT reaches the CLI's one-line message
  if (st.isDirectory()) {
    if (named) throw new ServeError('E_MODEL_NAME', `${arg}: a directory's models are named after their files; drop "${arg.slice(0, eq)}="`, 'model');
    return { kind: 'dir', path };
  }
  return { kind: 'file', path, name: checkModelName(named ? arg.slice(0, eq) : modelNameOf(path)) };
}

/** `models/letter.nmp` -> `letter`. */
export function modelNameOf(path: string): string {
  return basename(path).replace(/\.nmp$/i, '');
}

export interface WatchOptions {
  /** Poll period, ms (default 1000). */
  intervalMs?: number;
  /** How long size and mtime must hold still before a changed file is loaded, ms (default 200). */
  settleMs?: number;
  /** Called for every file read that failed (I/O, not validation: the registry reports those itself). */
  log?: (line: string) => void;
}

/**
 * Loads every source now, then keeps watching when `watch` is set. `ready` settles after the first pass: it rejects
 * if a file named explicitly could not be loaded (a directory's bad files are reported, not fatal).
 */
export class ModelFiles {
  readonly ready: Promise<void>;
  readonly #seen = new Map<string, string>();
  readonly #watchers: FSWatcher[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #scanning: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(readonly registry: ModelRegistry, readonly sources: ModelSource[], watch: boolean, readonly options: WatchOptions = {}) {
    this.ready = this.#scan(true);
    if (watch) {
      this.#timer = setInterval(() => void this.rescan(), options.intervalMs ?? 1000);
      this.#timer.unref?.();
      // Not under Deno: its fs.watch can hold the process open after close() until the next file event.
      for (const s of isDeno() ? [] : sources) {
        try {
          const w = fsWatch(s.path, { persistent: false }, () => void this.rescan());
          w.on('error', () => undefined);
          this.#watchers.push(w);
        } catch {
          // No fs.watch here (or not for this path): polling alone still finds changes.
        }
      }
    }
  }

  /** Scans again now (coalesced with a scan in progress). */
  rescan(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = this.#scan(false).finally(() => {
      this.#scanning = null;
      if (this.#again) {
        this.#again = false;
        void this.rescan();
      }
    });
    return this.#scanning;
  }

  async #scan(first: boolean): Promise<void> {
    const files: { path: string; name: string; explicit: boolean }[] = [];
    for (const s of this.sources) {
      if (s.kind === 'file') files.push({ path: s.path, name: s.name ?? modelNameOf(s.path), explicit: true });
      else {
        let names: string[];
        try {
          names = await readdir(s.path);
        } catch (e) {
          if (first) throw e;
          this.options.log?.(`cannot list ${s.path}: ${(e as Error).message}`);
          continue;
        }
        for (const f of names.sort()) {
          if (f.startsWith('.') || !/\.nmp$/i.test(f)) continue;
          files.push({ path: join(s.path, f), name: modelNameOf(f), explicit: false });
        }
      }
    }
    const failures: Error[] = [];
    await Promise.all(files.map(async (f) => {
      try {
        await this.#consider(f.path, f.name, first);
      } catch (e) {
        if (first && f.explicit) failures.push(e as Error);
        else if (!(e instanceof ServeError)) this.options.log?.(`cannot read ${f.path}: ${(e as Error).message}`);
      }
    }));
    if (failures.length) throw failures[0];
  }

  async #consider(path: string, name: string, first: boolean): Promise<void> {
    let st = await stat(path);
    let key = `${st.size}:${st.mtimeMs}`;
    if (this.#seen.get(path) === key) return;
    if (!first) {
      // Wait until the writer is done: size and mtime unchanged over settleMs.
      for (;;) {
        await new Promise((r) => setTimeout(r, this.options.settleMs ?? 200));
        st = await stat(path);
        const now = `${st.size}:${st.mtimeMs}`;
        if (now === key) break;
        key = now;
      }
    }
    this.#seen.set(path, key);
    const bytes = new Uint8Array(await readFile(path));
    await this.registry.load(name, bytes, path);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const w of this.#watchers) w.close();
  }
}
