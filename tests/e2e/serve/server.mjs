// Starts and stops `sprig serve` for the tests: always on 127.0.0.1, on a port the system picks
// (read back from the start-up line), with every wait bounded.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

export function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exitCode = 1;
}

let failures = 0;
export function check(name, condition, detail = '') {
  if (condition) console.log(`ok: ${name}`);
  else {
    failures++;
    fail(`${name}${detail ? `: ${detail}` : ''}`);
  }
}
export const failureCount = () => failures;

// Resolves once the server prints where it listens; rejects after `ms`.
export function startServer(sprig, args, ms = 10000) {
  return new Promise((resolve, reject) => {
    const child = spawn(sprig, ['serve', '--host', '127.0.0.1', '--port', '0', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${ms} ms:\n${log}`));
    }, ms);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m && !child.port) {
        child.port = Number(m[1]);
        child.url = `http://127.0.0.1:${child.port}`;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.log = () => log;
    child.on('exit', (code) => {
      child.exitCode_ = code;
      if (!child.port) {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${code}:\n${log}`));
      }
    });
  });
}

// SIGTERM, then the exit status (SIGKILL and null after `ms`).
export function stopServer(child, ms = 10000) {
  return new Promise((resolve) => {
    if (child.exitCode_ !== undefined) return resolve(child.exitCode_);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

// Runs the sprig CLI; its stdout.
export function sprigCli(sprig, args) {
  const r = spawnSync(sprig, args, { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`sprig ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

// fetch with a deadline.
export async function request(url, options = {}, ms = 10000) {
  return fetch(url, { ...options, signal: AbortSignal.timeout(ms) });
}

// A raw HTTP exchange over one socket: sends `data`, collects what comes back until the server
// closes, `ms` passes, or `until(text)` says enough. Resolves {text, closed, error}.
export function raw(port, data, { ms = 5000, until = null, onSocket = null } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed, error = null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, error });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('connect', () => {
      if (data) socket.write(data);
      if (onSocket) onSocket(socket);
    });
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until && until(text)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => finish(true, e.code));
  });
}

// The value of a metric in Prometheus text.
export function metric(text, name) {
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}
