// Load test of sprig serve (not a ctest entry): N streaming clients at once through the official
// OpenAI client, R requests in all, against a server with S slots. Every response must be
// complete and well-formed; prints time to first token (p50/p99), decode tokens/s per slot and
// the server's RSS at start, after a warm-up round and after the load.
// usage: node bench/serve_load.mjs SPRIG MODEL [--slots 4] [--clients 8] [--requests 200] [--max-tokens 128]
// (the openai package comes from tests/e2e/serve/node_modules: run scripts/setup.sh first)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, stopServer } from '../tests/e2e/serve/server.mjs';

const require = createRequire(new URL('../tests/e2e/serve/package.json', import.meta.url));
const OpenAI = require('openai');
const [sprig, model, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const slots = option('--slots', 4), clients = option('--clients', 8), requests = option('--requests', 200);
const maxTokens = option('--max-tokens', 128);

const rss = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const topics = ['a dog named Max', 'a red ball', 'a little bird', 'a big tree', 'a happy cat', 'the sea', 'a lost toy', 'a rainy day'];

const server = await startServer(sprig, ['-m', model, '--slots', String(slots), '--queue', String(clients), '-t', '1']);
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', timeout: 60000, maxRetries: 0 });

// One streamed chat completion; what it measured, or why it is malformed.
async function one(i) {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: 'x', messages: [{ role: 'user', content: `Tell me a story about ${topics[i % topics.length]}.` }],
    temperature: 0.8, seed: i + 1, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true },
  });
  let first = 0, text = '', finish = null, usage = null, timings = null, chunks = 0;
  for await (const chunk of stream) {
    if (++chunks > 100000) throw new Error('unbounded stream');
    if (chunk.usage) { usage = chunk.usage; timings = chunk.timings; }
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta?.content) {
      if (!first) first = performance.now();
      text += choice.delta.content;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (!finish || !usage || !timings || !text || text.includes('\uFFFD'))
    throw new Error(`request ${i}: incomplete (finish ${finish}, usage ${!!usage}, ${text.length} characters)`);
  return { ttft: first - started, total: performance.now() - started, tokens: usage.completion_tokens,
           decodeRate: timings.decode_tokens_per_second, cached: usage.prompt_tokens_details.cached_tokens };
}

const rssStart = rss(server.pid);
await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));  // warm-up: every client once
const rssWarm = rss(server.pid);
let next = 0, failures = 0;
const results = [];
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, async () => {
  while (next < requests) {
    const i = next++;
    try { results.push(await one(i)); } catch (e) { ++failures; console.error(String(e)); }
  }
}));
const seconds = (performance.now() - t0) / 1000;
const rssEnd = rss(server.pid);
const code = await stopServer(server);

const ttft = results.map((r) => r.ttft);
const rates = results.map((r) => r.decodeRate);
const tokens = results.reduce((n, r) => n + r.tokens, 0);
console.log(`sprig serve load: ${slots} slots, ${clients} concurrent streaming clients, ${requests} requests of up to ${maxTokens} tokens`);
console.log(`  complete and well-formed: ${results.length} of ${requests} (${failures} failed); server exit status ${code}`);
console.log(`  time to first token: p50 ${percentile(ttft, 50).toFixed(1)} ms, p99 ${percentile(ttft, 99).toFixed(1)} ms`);
console.log(`  decode per slot: p50 ${percentile(rates, 50).toFixed(0)} tokens/s, p10 ${percentile(rates, 10).toFixed(0)} tokens/s`);
console.log(`  throughput: ${tokens} tokens in ${seconds.toFixed(2)} s = ${(tokens / seconds).toFixed(0)} tokens/s over all slots`);
console.log(`  server RSS: ${rssStart.toFixed(2)} MiB at start, ${rssWarm.toFixed(2)} MiB after the warm-up round, ` +
            `${rssEnd.toFixed(2)} MiB after the load (change ${(rssEnd - rssWarm).toFixed(2)} MiB)`);
process.exit(failures || results.length !== requests || code !== 0 || Math.abs(rssEnd - rssWarm) > 1 ? 1 : 0);
