/**
 * Progress reporting: a bar on an interactive terminal, JSON events on stderr with
 * --progress json (the PowerShell module turns them into Write-Progress), nothing on a pipe.
 */
export interface ProgressReporter {
  start(activity: string, total: number): void;
  update(done: number, detail?: string): void;
  end(): void;
}

export type ProgressMode = 'auto' | 'json' | 'bar' | 'none';

export function createProgress(mode: ProgressMode, stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressReporter {
  const effective = mode === 'auto' ? (stream.isTTY ? 'bar' : 'none') : mode;
  if (effective === 'none') return { start() {}, update() {}, end() {} };
  let activity = '';
  let total = 0;
  let last = 0;
  if (effective === 'json') {
    return {
      start(a, t) {
        activity = a;
        total = t;
        stream.write(JSON.stringify({ type: 'progress', activity, done: 0, total }) + '\n');
      },
      update(done, detail) {
        const now = Date.now();
        if (done < total && now - last < 250) return;
        last = now;
        stream.write(JSON.stringify({ type: 'progress', activity, done, total, ...(detail ? { detail } : {}) }) + '\n');
      },
      end() {
        stream.write(JSON.stringify({ type: 'progress', activity, done: total, total, completed: true }) + '\n');
      },
    };
  }
  let drawn = false;
  return {
    start(a, t) {
      activity = a;
      total = t;
    },
    update(done) {
      const now = Date.now();
      if ((!total || done < total) && now - last < 100) return;
      last = now;
      drawn = true;
      if (!total) {
        // Unknown total (a listing whose size Zivver tells only at the end): a counter, no bar.
        stream.write(`\r\x1b[K${activity}... ${done}`);
        return;
      }
      const width = 30;
      const frac = Math.min(1, done / total);
      const filled = Math.round(frac * width);
      stream.write(`\r\x1b[K${activity} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
