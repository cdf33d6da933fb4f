import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (clients/js/dist/test/it → ../../../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const moduleDir = join(repoRoot, 'clients/js');

export interface Stack {
  /** The gateway: WebSocket, REST and the demo at /demo/. */
  baseUrl: string;
  /** push-service (admin broadcasts). */
  pushUrl: string;
  dataDir: string;
  /** An HS256 token signed with the stack's secret, as an app's backend signs them. */
  token(userId: string, options?: { ttlSeconds?: number; admin?: boolean; name?: string }): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Two consecutive free ports (Kafka's broker and controller). */
async function freePair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    const next = await new Promise<boolean>((ok) => {
      const s = createServer();
      s.on('error', () => ok(false));
      s.listen(port + 1, '127.0.0.1', () => s.close(() => ok(true)));
    });
    if (next) {
      return port;
    }
  }
  throw new Error('no two consecutive free ports');
}

/**
 * Starts the whole system the way `./im start` does (deploy/local's LocalStack: Kafka, PostgreSQL and the five packaged
 * services), on free ports and in a fresh data directory under target/, and waits until it says it is up.
 */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const launcher = join(repoRoot, 'deploy/local/target');
  const classpathFile = join(launcher, 'classpath.txt');
  if (!existsSync(classpathFile)) {
    throw new Error(`${classpathFile} missing: build the repository first (./mvnw -DskipTests install)`);
  }
  mkdirSync(join(moduleDir, 'target'), { recursive: true });
  const dataDir = mkdtempSync(join(moduleDir, 'target', 'stack-'));
  const ports = {
    IM_GATEWAY_PORT: await freePort(),
    IM_ROUTING_PORT: await freePort(),
    IM_HISTORY_PORT: await freePort(),
    IM_MEDIA_PORT: await freePort(),
    IM_PUSH_PORT: await freePort(),
    IM_PG_PORT: await freePort(),
    IM_KAFKA_PORT: await freePair(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    IM_KAFKA_CONTROLLER_PORT: String(ports.IM_KAFKA_PORT + 1),
    IM_DATA_DIR: dataDir,
    IM_DEMO_DIR: join(moduleDir, 'dist/demo'),
    ...extraEnv,
  };
  delete env.IM_JWT_SECRET;
  mkdirSync(join(dataDir, 'tmp'), { recursive: true });
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      `-Djava.io.tmpdir=${join(dataDir, 'tmp')}`,
      `-Dim.root=${repoRoot}`,
      '-cp',
      `${join(launcher, 'classes')}:${readFileSync(classpathFile, 'utf8').trim()}`,
      'im.deploy.LocalStack',
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  let output = '';
  const started = Date.now();
  await new Promise<void>((resolveUp, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not up after 240 s:\n${output.slice(-4000)}`)), 240_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('IM local stack is up.')) {
        clearTimeout(timer);
        resolveUp();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
  console.log(`# stack up in ${Math.round((Date.now() - started) / 1000)} s: gateway ${ports.IM_GATEWAY_PORT}, data ${dataDir}`);
  const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
  return {
    baseUrl: `http://localhost:${ports.IM_GATEWAY_PORT}`,
    pushUrl: `http://localhost:${ports.IM_PUSH_PORT}`,
    dataDir,
    token: (userId, options = {}) => signToken(secret, userId, options),
    stop: async () => {
      await stopProcess(child, killOnExit);
      // keep the logs, drop the bulk (Kafka log, PostgreSQL cluster, media, scratch)
      for (const dir of ['kafka', 'postgres', 'media', 'tmp']) {
        rmSync(join(dataDir, dir), { recursive: true, force: true });
      }
    },
  };
}

async function stopProcess(child: ChildProcess, killOnExit: () => void): Promise<void> {
  process.off('exit', killOnExit);
  if (child.exitCode !== null) {
    return;
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  await exited;
  clearTimeout(timer);
}

export function signToken(secret: string, userId: string, options: { ttlSeconds?: number; admin?: boolean; name?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({
    sub: userId,
    name: options.name ?? userId,
    iat: now,
    exp: now + (options.ttlSeconds ?? 3600),
    ...(options.admin ? { groups: ['admin'] } : {}),
  });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Waits until `condition` holds (polling), or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A user id no other test uses. */
export function uniqueUser(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}
