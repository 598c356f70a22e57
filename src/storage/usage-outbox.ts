import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '../kernel/types.js';
import type { LedgerStore } from './ports/ledger-store.js';
import { storableEvent } from './storable-event.js';

/**
 * The usage writer's write-ahead file: every event is appended as one JSON line to this process's
 * current segment (`usage-<host>-<pid>-<startId>-<seq>.jsonl`) with a synchronous write before it is
 * kept in memory. The write lands in the kernel's page cache, so it survives the process being killed
 * (SIGKILL, OOM) though not the machine losing power. A flush rotates the segment; once its batch is
 * committed the covered segments are deleted. Segments of processes that are gone are replayed:
 * on this host, a pid that no longer runs (or this pid with another start id: a restart); from
 * another host or container sharing the directory (pids mean nothing there), segments untouched for
 * `foreignMinAgeMs` (an open segment is at most one flush interval old: a flush closes it).
 */
export interface UsageOutbox {
  /** Appends one event (one write call). Throws if the disk refuses (the caller keeps the event in memory). */
  append(event: UsageEvent): void;
  /** Closes the current segment and returns the names of every segment written since the last rotate. */
  rotate(): string[];
  /** Deletes segments whose events are committed. */
  remove(segments: readonly string[]): void;
  /**
   * Appends the events of dead processes' segments (and this pid's leftovers from an earlier start)
   * to the ledger, then deletes those segments. Returns how many events were read.
   */
  replay(ledger: LedgerStore): Promise<number>;
  /** Closes the open segment (its file stays until removed). */
  close(): void;
}

export interface UsageOutboxOptions {
  readonly dir: string;
  readonly pid?: number;
  /** Host part of segment names (default: this host's name, as file-name characters). */
  readonly host?: string;
  /** Segments of another host are replayed once unmodified this long (default 60 s). */
  readonly foreignMinAgeMs?: number;
  /** Tells this process's segments from those of an earlier process with the same pid. */
  readonly startId?: string;
  /** Whether a process id is alive (default: `process.kill(pid, 0)`; EPERM counts as alive). */
  readonly isAlive?: (pid: number) => boolean;
  /** A line that is not an event (a torn last line is skipped silently). */
  readonly onBadLine?: (segment: string, line: number) => void;
  /** Events per ledger append during replay. */
  readonly replayBatch?: number;
}

const SEGMENT = /^usage-([0-9a-z_]+)-(\d+)-([0-9a-z]+)-(\d+)\.jsonl$/;

/**
 * The host part of segment names. A long name keeps a prefix and a hash of the whole: Kubernetes pod
 * names differ at their end (`…-statefulset-0`, `…-statefulset-1`), and two hosts with one tag would
 * take each other's live segments for their own leftovers.
 */
function hostTag(name: string): string {
  const tag = name.toLowerCase().replace(/[^0-9a-z]+/g, '_');
  if (tag.length <= 48) return tag || 'host';
  return `${tag.slice(0, 35)}_${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A replayed line back to an event; undefined when it is not one (older files may miss newer fields). */
function eventOf(value: unknown): UsageEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<UsageEvent>;
  if (typeof e.requestId !== 'string' || typeof e.ts !== 'number' || typeof e.team !== 'string' || typeof e.costMicros !== 'number') return undefined;
  return storableEvent({ ...(e as UsageEvent), tags: e.tags ?? {}, savingsMicros: e.savingsMicros ?? 0 });
}

function ignoreMissing(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function createUsageOutbox(options: UsageOutboxOptions): UsageOutbox {
  const { dir } = options;
  const pid = options.pid ?? process.pid;
  const host = hostTag(options.host ?? hostname());
  const foreignMinAgeMs = options.foreignMinAgeMs ?? 60_000;
  const startId = options.startId ?? randomBytes(6).toString('hex');
  const isAlive = options.isAlive ?? processAlive;
  const replayBatch = options.replayBatch ?? 1000;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let seq = 0;
  let fd: number | undefined;
  let written: string[] = [];

  function current(): number {
    if (fd === undefined) {
      const name = `usage-${host}-${pid}-${startId}-${++seq}.jsonl`;
      fd = openSync(join(dir, name), 'a', 0o600);
      written.push(name);
    }
    return fd;
  }

  function closeCurrent(): void {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  }

  function orphaned(name: string): boolean {
    const m = SEGMENT.exec(name);
    if (!m) return false;
    if (m[1] !== host) {
      try {
        return Date.now() - statSync(join(dir, name)).mtimeMs >= foreignMinAgeMs;
      } catch {
        return false;
      }
    }
    const owner = Number(m[2]);
    if (owner === pid) return m[3] !== startId;
    return !isAlive(owner);
  }

  function read(name: string): UsageEvent[] {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // another process replayed it
      throw err;
    }
    const lines = text.split('\n');
    const out: UsageEvent[] = [];
    lines.forEach((line, i) => {
      if (line === '') return;
      let event: UsageEvent | undefined;
      try {
        event = eventOf(JSON.parse(line));
      } catch {
        event = undefined;
      }
      // The last line without its newline was cut by the crash: expected, skipped quietly.
      if (event) out.push(event);
      else if (i < lines.length - 1) options.onBadLine?.(name, i + 1);
    });
    return out;
  }

  return {
    append(event) {
      const line = `${JSON.stringify(event)}\n`;
      const target = current();
      try {
        // One write call; a short write (a full disk, a signal) is finished from a byte copy.
        const written = writeSync(target, line);
        if (written < line.length || written < Buffer.byteLength(line)) {
          const bytes = Buffer.from(line);
          for (let done = written; done < bytes.length; ) done += writeSync(target, bytes, done);
        }
      } catch (err) {
        // Part of the line may be in the file: start a fresh segment, so the next line is whole.
        closeCurrent();
        throw err;
      }
    },
    rotate() {
      closeCurrent();
      const out = written;
      written = [];
      return out;
    },
    remove(segments) {
      for (const name of segments) ignoreMissing(() => unlinkSync(join(dir, name)));
    },
    async replay(ledger) {
      let replayed = 0;
      let failure: unknown;
      const names = readdirSync(dir).filter(orphaned).sort();
      for (const name of names) {
        try {
          const events = read(name);
          for (let i = 0; i < events.length; i += replayBatch) await ledger.appendBatch(events.slice(i, i + replayBatch));
          ignoreMissing(() => unlinkSync(join(dir, name)));
          replayed += events.length;
        } catch (err) {
          // Kept for the next replay; the segments after it are not held back by it.
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
      return replayed;
    },
    close() {
      closeCurrent();
    },
  };
}
