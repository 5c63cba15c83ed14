// A throw-away PostgreSQL cluster in a temp dir on a free port. The server refuses to run as root,
// so as root it runs as the `postgres` user in a directory that user owns.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Cluster { url(database: string): string; port: number; dir: string; stop(): void }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function asPostgres(command: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

function run(command: string, args: string[]): void {
  const [bin, ...rest] = asPostgres(command, args);
  const result = spawnSync(bin!, rest, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`);
  }
}

/**
 * `durable`: PostgreSQL's own durability settings (fsync, synchronous_commit and full_page_writes
 * on, as in production), for benchmarks; tests turn them off, since a test cluster is thrown away.
 */
export async function startCluster(options: { durable?: boolean } = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'jihuo-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const durability = options.durable ? '' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off ';
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${durability}-c max_connections=300 -c shared_buffers=128MB`;
  run('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    port, dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
