// Faults against sprig serve: each gets its 4xx with an OpenAI-style error object (or a clean
// close), and the server keeps serving: a normal request after each succeeds.
// usage: node faults_test.mjs SPRIG CHAT_MODEL
import { check, failureCount, metric, raw, request, startServer, stopServer } from './server.mjs';

const [sprig, chatModel] = process.argv.slice(2);
const messages = [{ role: 'user', content: 'Tell me a story about a dog named Max.' }];
// Long generations: <|im_end|> (513 in stories260K-chat, its only stop token) banned, so a reply
// runs to max_tokens, and 20 alternatives per token make every chunk a few KB.
const long = { temperature: 0, max_tokens: 1900, logprobs: true, top_logprobs: 20, logit_bias: { 513: -100 } };

async function post(url, body, headers = {}, ms = 30000) {
  const r = await request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body }, ms);
  let json = null;
  try { json = await r.json(); } catch { /* checked by the caller */ }
  return { status: r.status, json, headers: r.headers };
}
const isError = (r, status) =>
  r.status === status && typeof r.json?.error?.message === 'string' && typeof r.json.error.type === 'string';

const server = await startServer(sprig, ['-m', chatModel, '--slots', '2', '--queue', '1', '--timeout', '1']);
const chat = `${server.url}/v1/chat/completions`;
async function stillServing(after) {
  const r = await post(chat, JSON.stringify({ messages, temperature: 0, max_tokens: 8 }));
  check(`after ${after}: a normal request succeeds`, r.status === 200 && r.json.choices[0].message.content.length > 0);
}
const metricsNow = async () => (await request(`${server.url}/metrics`)).text();

try {
  // --- malformed bodies -------------------------------------------------------------------------
  const cases = [
    ['malformed JSON', '{"messages": [', 400, null],
    ['a body that is not an object', '[1, 2]', 400, null],
    ['no messages', '{}', 400, 'messages'],
    ['messages of the wrong type', '{"messages": "hi"}', 400, 'messages'],
    ['temperature of the wrong type', JSON.stringify({ messages, temperature: 'hot' }), 400, 'temperature'],
    ['temperature out of range', JSON.stringify({ messages, temperature: 7 }), 400, 'temperature'],
    ['max_tokens of the wrong type', JSON.stringify({ messages, max_tokens: 1.5 }), 400, 'max_tokens'],
    ['n = 2', JSON.stringify({ messages, n: 2 }), 400, 'n'],
    ['an unknown role', JSON.stringify({ messages: [{ role: 'wizard', content: 'hi' }] }), 400, 'messages[0].role'],
    ['a message without content', JSON.stringify({ messages: [{ role: 'user' }] }), 400, 'messages[0]'],
    ['a non-text content part', JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }), 400,
     'messages[0].content'],
    ['stop of the wrong type', JSON.stringify({ messages, stop: 5 }), 400, 'stop'],
    ['logit_bias for a token outside the vocabulary', JSON.stringify({ messages, logit_bias: { 99999: 1 } }), 400, 'logit_bias'],
    ['logit_bias with a key that is no token id', JSON.stringify({ messages, logit_bias: { dog: 1 } }), 400, 'logit_bias'],
    ['JSON nested 10000 deep', `{"messages": ${'['.repeat(10000)}${']'.repeat(10000)}}`, 400, null],
  ];
  for (const [name, body, status, param] of cases) {
    const r = await post(chat, body);
    check(`${name}: ${status} with an error object${param ? ` naming '${param}'` : ''}`,
          isError(r, status) && (param === null || r.json.error.param === param), JSON.stringify(r.json));
  }
  // Invalid UTF-8 inside a JSON string (0xC3 0x28 is not a character).
  const invalid = Buffer.concat([Buffer.from('{"messages": [{"role": "user", "content": "'), Buffer.from([0xc3, 0x28, 0xff]),
                                 Buffer.from('"}]}')]);
  const r8 = await post(chat, invalid);
  check('invalid UTF-8: 400 with an error object', isError(r8, 400), JSON.stringify(r8.json));
  await stillServing('malformed bodies');

  // --- sizes --------------------------------------------------------------------------------------
  const big = JSON.stringify({ messages: [{ role: 'user', content: 'a'.repeat(10 << 20) }] });
  let bigResult;
  try {
    bigResult = await post(chat, big);
  } catch (e) {
    bigResult = { status: 0, error: e.cause?.code ?? e.name };
  }
  check('a 10 MiB body: 413 with an error object, or a clean close',
        isError(bigResult, 413) || ['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(bigResult.error), JSON.stringify(bigResult));
  const longText = JSON.stringify({ messages: [{ role: 'user', content: 'The dog ran to the park. '.repeat(600) }] });
  const overflow = await post(chat, longText);
  check('a conversation longer than the context: 400 context_length_exceeded with the token counts',
        isError(overflow, 400) && overflow.json.error.code === 'context_length_exceeded' &&
        /context is 2048 tokens.*requested \d+ tokens \(\d+ in the prompt/.test(overflow.json.error.message),
        JSON.stringify(overflow.json));
  const tooMany = await post(chat, JSON.stringify({ messages, max_tokens: 5000 }));
  check('max_tokens beyond the context: 400 naming max_tokens', isError(tooMany, 400) && tooMany.json.error.param === 'max_tokens');
  await stillServing('oversized requests');

  // --- half a request, then silence: the server times out and closes -------------------------------
  const t0 = Date.now();
  const half = await raw(server.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"mess',
                         { ms: 6000 });
  const waited = Date.now() - t0;
  check('half a request then a stall: the server closes it after its timeout (1 s), within 4 s',
        half.closed && waited < 4000, `closed ${half.closed} after ${waited} ms`);
  const halfHeader = await raw(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n', { ms: 6000 });
  check('half a header then a stall: closed too', halfHeader.closed);
  await stillServing('stalled requests');

  // --- a client that disconnects mid-stream stops its generation -----------------------------------
  const before = await metricsNow();
  const streamBody = JSON.stringify({ messages, ...long, stream: true });
  const streamRequest = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                        `Content-Length: ${Buffer.byteLength(streamBody)}\r\n\r\n${streamBody}`;
  const cut = await raw(server.port, streamRequest, { ms: 5000, until: (t) => t.includes('"content":') });
  check('the stream began before the client hung up', cut.text.startsWith('HTTP/1.1 200'));
  let after = before;
  for (let i = 0; i < 50 && metric(after, 'sprig_generations_cancelled_total') === metric(before, 'sprig_generations_cancelled_total'); ++i) {
    await new Promise((r) => setTimeout(r, 100));
    after = await metricsNow();
  }
  const generated = metric(after, 'sprig_generated_tokens_total') - metric(before, 'sprig_generated_tokens_total');
  check('the disconnect cancelled the generation before its 1900 tokens',
        metric(after, 'sprig_generations_cancelled_total') === metric(before, 'sprig_generations_cancelled_total') + 1 &&
        generated < 1900, `generated ${generated}`);
  console.log(`disconnect: generation stopped after ${generated} tokens`);

  // --- a slow reader holds only its own slot ---------------------------------------------------------
  let paused;
  const slow = raw(server.port, streamRequest, { ms: 4000, onSocket: (s) => { paused = s; s.pause(); } });
  await new Promise((r) => setTimeout(r, 200));
  const h = await (await request(`${server.url}/health`)).json();
  check('while a reader stalls, /health answers', h.status === 'ok');
  await stillServing('a slow reader (while it stalls)');
  paused?.resume();
  await slow;
  await stillServing('a slow reader');

  // --- the queue is bounded: beyond slots + queue, 503 with Retry-After -------------------------------
  const burst = await Promise.all(Array.from({ length: 8 }, () =>
    post(chat, JSON.stringify({ messages, ...long, max_tokens: 300 }))));
  const busy = burst.filter((r) => r.status === 503);
  const served = burst.filter((r) => r.status === 200);
  console.log(`burst of 8 on 2 slots + 1 queued: ${served.length} served, ${busy.length} turned away`);
  check('a burst beyond the slots and the queue: the rest get 503 with Retry-After and an error object',
        busy.length > 0 && served.length >= 2 && served.length + busy.length === 8 &&
        busy.every((r) => isError(r, 503) && r.headers.get('retry-after') === '1'));
  await stillServing('a full queue');

  // --- unknown routes, wrong methods ------------------------------------------------------------------
  const missing = await post(`${server.url}/v1/embeddings`, '{}');
  check('an unknown route: 404 with an error object', isError(missing, 404));
} finally {
  // --- SIGTERM while a stream is in flight: it finishes, then exit 0 -----------------------------------
  const body = JSON.stringify({ messages, ...long, stream: true });
  let signalled = false;
  const inFlight = raw(server.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
                                    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, {
    ms: 10000,
    until: (t) => {
      if (!signalled && t.includes('"content":')) {
        signalled = true;
        server.kill('SIGTERM');
      }
      return false;
    },
  });
  const exitCode = new Promise((resolve) => server.once('exit', resolve));
  const streamed = await inFlight;
  const code = await Promise.race([exitCode, new Promise((r) => setTimeout(() => r('timeout'), 10000))]);
  check('SIGTERM during a stream: the stream finishes with [DONE]', signalled && streamed.text.includes('data: [DONE]'));
  check('SIGTERM: the server exits 0', code === 0, String(code));
  if (code !== 0) await stopServer(server);
}
process.exit(failureCount() ? 1 : 0);
