// The official OpenAI client against sprig serve: chat completions (streamed and not) equal
// `sprig chat --conversation` greedy on the same messages, text completions equal `sprig run`,
// logprobs equal `sprig probs` within 1e-6, and a conversation's second turn reuses its cache.
// usage: node openai_test.mjs SPRIG CHAT_MODEL BASE_MODEL WORK_DIR
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { check, failureCount, sprigCli, startServer, stopServer, request } from './server.mjs';

const [sprig, chatModel, baseModel, work] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const key = 'test-key-1234';

// `sprig chat --conversation` greedy: the reply (stdout without its final newline).
function chatReference(messages, maxTokens) {
  const file = path.join(work, `conversation_${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(messages));
  return sprigCli(sprig, ['chat', '-m', chatModel, '--conversation', file, '-n', String(maxTokens), '--temp', '0'])
    .replace(/\n$/, '');
}

const chat = await startServer(sprig, ['-m', chatModel, '--slots', '2', '--api-key', key]);
const base = await startServer(sprig, ['-m', baseModel, '--slots', '1', '--api-key', key]);
try {
  const client = new OpenAI({ baseURL: `${chat.url}/v1`, apiKey: key, timeout: 20000, maxRetries: 0 });
  const baseClient = new OpenAI({ baseURL: `${base.url}/v1`, apiKey: key, timeout: 20000, maxRetries: 0 });
  check('the start-up line states the memory of every slot', /2 slot\(s\) x [0-9.]+ MiB \(KV cache/.test(chat.log()), chat.log());

  // --- authentication --------------------------------------------------------------------------
  const anonymous = await request(`${chat.url}/v1/models`);
  const anonymousBody = await anonymous.json();
  check('a request without the API key gets 401 and an error object',
        anonymous.status === 401 && anonymousBody.error?.type === 'authentication_error');
  const wrongKey = new OpenAI({ baseURL: `${chat.url}/v1`, apiKey: 'wrong', timeout: 5000, maxRetries: 0 });
  let status = 0;
  try { await wrongKey.models.list(); } catch (e) { status = e.status; }
  check('the client with a wrong key gets AuthenticationError (401)', status === 401);
  const models = await client.models.list();
  check('/v1/models lists the model', models.data.length === 1 && models.data[0].id === path.basename(chatModel, '.sprig'));
  const health = await (await request(`${chat.url}/health`)).json();
  check('/health answers without a key', health.status === 'ok' && health.slots === 2);

  // --- chat: non-streamed and streamed equal sprig chat ------------------------------------------
  const messages = [
    { role: 'system', content: 'You are a kind storyteller.' },
    { role: 'user', content: 'Tell me a story about a dog named Max.' },
  ];
  const expected = chatReference(messages, 200);
  const reply = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 200 });
  const text = reply.choices[0].message.content;
  check('non-streamed chat equals sprig chat --conversation (greedy)', text === expected,
        `\n  server: ${JSON.stringify(text)}\n  cli:    ${JSON.stringify(expected)}`);
  check('the reply ended at the stop token: finish_reason stop', reply.choices[0].finish_reason === 'stop');
  check('usage counts prompt and completion tokens',
        reply.usage.prompt_tokens > 10 && reply.usage.completion_tokens > 10 &&
        reply.usage.total_tokens === reply.usage.prompt_tokens + reply.usage.completion_tokens);

  const stream = await client.chat.completions.create({
    model: 'x', messages, temperature: 0, max_tokens: 200, stream: true, stream_options: { include_usage: true },
  });
  let streamed = '';
  let chunks = 0, finish = null, usage = null, role = null;
  for await (const chunk of stream) {
    if (++chunks > 1000) break;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.role) role = choice.delta.role;
    streamed += choice.delta.content ?? '';
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  check('streamed chat equals sprig chat --conversation (greedy)', streamed === expected,
        `\n  server: ${JSON.stringify(streamed)}\n  cli:    ${JSON.stringify(expected)}`);
  check('the stream came in many chunks, role first, finish_reason stop, usage at the end',
        chunks > 10 && role === 'assistant' && finish === 'stop' && usage?.completion_tokens === reply.usage.completion_tokens);
  check('the identical second request reused the cache', usage?.prompt_tokens_details?.cached_tokens > 0);

  // --- a second turn reuses the first's cache -----------------------------------------------------
  const turn2 = [...messages, { role: 'assistant', content: text }, { role: 'user', content: 'What did Max do next?' }];
  const expected2 = chatReference(turn2, 100);
  const reply2 = await client.chat.completions.create({ model: 'x', messages: turn2, temperature: 0, max_tokens: 100 });
  const cached = reply2.usage.prompt_tokens_details.cached_tokens;
  console.log(`turn 2: ${reply2.usage.prompt_tokens} prompt tokens, ${cached} cached; prefill ${reply2.timings.prefill_tokens} ` +
              `tokens in ${reply2.timings.prefill_ms.toFixed(3)} ms`);
  check('turn 2 equals sprig chat on the whole conversation', reply2.choices[0].message.content === expected2,
        `\n  server: ${JSON.stringify(reply2.choices[0].message.content)}\n  cli:    ${JSON.stringify(expected2)}`);
  check('turn 2 reused turn 1 (system, user and most of the reply): cached_tokens > prompt of turn 1',
        cached > reply.usage.prompt_tokens && reply2.timings.prefill_tokens === reply2.usage.prompt_tokens - cached);

  // --- Korean and emoji in and out: whole characters in every chunk ------------------------------
  const hangul = await client.chat.completions.create({
    model: 'x', messages: [{ role: 'user', content: '안녕하세요 🙂 Tell me a story.' }], temperature: 0, max_tokens: 30,
    stream: true,
  });
  let replacement = false, hangulText = '';
  for await (const chunk of hangul) {
    const piece = chunk.choices[0]?.delta?.content ?? '';
    if (piece.includes('\uFFFD')) replacement = true;
    hangulText += piece;
  }
  const hangulExpected = chatReference([{ role: 'user', content: '안녕하세요 🙂 Tell me a story.' }], 30);
  check('a Korean/emoji prompt streams the same reply as sprig chat, no broken characters',
        hangulText === hangulExpected && !replacement);

  // --- text completions on the base model equal sprig run ------------------------------------------
  const prompt = 'Once upon a time';
  const runExpected = sprigCli(sprig, ['run', '-m', baseModel, '-p', prompt, '-n', '40', '--temp', '0']);
  const completion = await baseClient.completions.create({ model: 'x', prompt, temperature: 0, max_tokens: 40 });
  check('/v1/completions equals sprig run (greedy)', completion.choices[0].text === runExpected,
        `\n  server: ${JSON.stringify(completion.choices[0].text)}\n  cli:    ${JSON.stringify(runExpected)}`);
  check('40 tokens asked, finish_reason length', completion.choices[0].finish_reason === 'length' &&
        completion.usage.completion_tokens === 40);
  const completionStream = await baseClient.completions.create({ model: 'x', prompt, temperature: 0, max_tokens: 40, stream: true });
  let completionStreamed = '';
  let steps = 0;
  for await (const chunk of completionStream) {
    if (++steps > 1000) break;
    completionStreamed += chunk.choices[0]?.text ?? '';
  }
  check('streamed /v1/completions equals sprig run', completionStreamed === runExpected);

  // --- logprobs equal sprig probs ----------------------------------------------------------------------
  const probsSteps = 8;
  const probs = JSON.parse(sprigCli(sprig, ['probs', '-m', baseModel, '-p', prompt, '-k', '5', '--steps', String(probsSteps), '--json']));
  const withLogprobs = await baseClient.completions.create({
    model: 'x', prompt, temperature: 0, max_tokens: probsSteps, logprobs: 5,
  });
  const lp = withLogprobs.choices[0].logprobs;
  let worst = 0, compared = 0, sameTokens = true;
  for (let i = 0; i < probsSteps; ++i) {
    const top = probs.steps[i].top;
    if (lp.tokens[i] !== top[0].token) sameTokens = false;
    worst = Math.max(worst, Math.abs(Math.exp(lp.token_logprobs[i]) - top[0].probability));
    for (const t of top) {
      const mine = lp.top_logprobs[i][t.token];
      if (mine === undefined) { sameTokens = false; continue; }
      worst = Math.max(worst, Math.abs(Math.exp(mine) - t.probability));
      ++compared;
    }
  }
  console.log(`logprobs: ${compared} probabilities over ${probsSteps} steps, largest difference from sprig probs ${worst.toExponential(2)}`);
  check('completion logprobs: the same top-5 tokens as sprig probs at every step, probabilities within 1e-6',
        sameTokens && compared === 5 * probsSteps && worst <= 1e-6);

  const chatLogprobs = await client.chat.completions.create({
    model: 'x', messages, temperature: 0, max_tokens: 5, logprobs: true, top_logprobs: 3,
  });
  const content = chatLogprobs.choices[0].logprobs.content;
  check('chat logprobs: one entry per token with 3 alternatives, the chosen one most likely',
        content.length === 5 && content.every((c) => c.top_logprobs.length === 3 && c.top_logprobs[0].token === c.token &&
                                                 c.logprob <= 0 && Math.abs(c.logprob - c.top_logprobs[0].logprob) < 1e-12));

  // --- stop strings, seeds ---------------------------------------------------------------------------
  const stopAt = expected.indexOf('Max', 20);
  const stopped = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 200, stop: ['Max'] });
  check('a stop string ends the text before it, finish_reason stop',
        stopped.choices[0].message.content === expected.slice(0, expected.indexOf('Max')) && stopped.choices[0].finish_reason === 'stop',
        JSON.stringify(stopped.choices[0].message.content));
  const seeded = async () => (await client.chat.completions.create({
    model: 'x', messages, temperature: 0.9, top_p: 0.95, seed: 42, max_tokens: 40 })).choices[0].message.content;
  const s1 = await seeded(), s2 = await seeded();
  check('the same seed samples the same reply', s1 === s2 && s1.length > 0 && stopAt > 0);

  // --- min_p and penalties reach the sampler ---------------------------------------------------------
  // min_p 1 keeps only the most likely token, so even temperature 1.5 samples the greedy reply.
  const minP = await client.chat.completions.create({ model: 'x', messages, temperature: 1.5, min_p: 1, seed: 3, max_tokens: 200 });
  check('min_p 1 at temperature 1.5 gives the greedy reply', minP.choices[0].message.content === expected);
  const penalised = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 60,
                                                           frequency_penalty: 2, presence_penalty: 2 });
  const words = (t) => t.split(/\s+/).filter(Boolean);
  const repeats = (t) => words(t).length - new Set(words(t)).size;
  check('frequency and presence penalties change the greedy reply and repeat fewer words',
        penalised.choices[0].message.content !== expected.slice(0, penalised.choices[0].message.content.length) &&
        repeats(penalised.choices[0].message.content) < repeats(expected),
        JSON.stringify(penalised.choices[0].message.content));

  // logit_bias -100 bans <|im_end|> (513, the model's stop token): the same greedy text runs past
  // where it stopped, to max_tokens.
  const banned = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 250,
                                                        logit_bias: { 513: -100 } });
  check('logit_bias -100 on the stop token: the greedy reply goes on past it to max_tokens',
        banned.choices[0].finish_reason === 'length' && banned.choices[0].message.content.startsWith(expected) &&
        banned.choices[0].message.content.length > expected.length && banned.usage.completion_tokens === 250);

  // --- tokenize and detokenize -------------------------------------------------------------------------
  const tokens = await (await request(`${base.url}/tokenize`, { method: 'POST', headers: { Authorization: `Bearer ${key}` },
    body: JSON.stringify({ content: prompt, add_special: true }) })).json();
  const back = await (await request(`${base.url}/detokenize`, { method: 'POST', headers: { Authorization: `Bearer ${key}` },
    body: JSON.stringify({ tokens: tokens.tokens }) })).json();
  check('/tokenize counts what /v1/completions counted, /detokenize gives the text back',
        tokens.tokens.length === completion.usage.prompt_tokens && back.content === prompt, JSON.stringify([tokens, back]));
  const metricsText = await (await request(`${chat.url}/metrics`, { headers: { Authorization: `Bearer ${key}` } })).text();
  check('/metrics counts requests and tokens in Prometheus text',
        /^# TYPE sprig_requests_total counter$/m.test(metricsText) && /^sprig_generated_tokens_total [1-9]/m.test(metricsText) &&
        /^sprig_prompt_tokens_cached_total [1-9]/m.test(metricsText));
} finally {
  const codes = [await stopServer(chat), await stopServer(base)];
  check('SIGTERM: both servers exit 0', codes.every((c) => c === 0), JSON.stringify(codes));
}
process.exit(failureCount() ? 1 : 0);
