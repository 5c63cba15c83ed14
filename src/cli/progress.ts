// Progress bars for long CLI work (import, settlement, key rotation, verification).
import cliProgress from 'cli-progress';

export interface Progress { update(done: number, total?: number): void; stop(): void }

export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY) {
    let lastPercent = -1;
    return {
      update(done, newTotal) {
        const all = newTotal ?? total;
        const percent = all === 0 ? 100 : Math.floor((done / all) * 10) * 10;
        if (percent !== lastPercent) { lastPercent = percent; process.stderr.write(`${label}: ${done}/${all}\n`); }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`, stream: process.stderr },
    cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return {
    update(done, newTotal) { if (newTotal !== undefined) bar.setTotal(newTotal); bar.update(done); },
    stop() { bar.stop(); },
  };
}
