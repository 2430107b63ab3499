// The chat page in a real browser: headless Debian chromium driven by puppeteer-core loads the
// page from sprig serve, sends two messages (one Korean with an emoji), sees the streamed replies
// (greedy, equal to sprig chat on the same conversation), colours tokens by probability with the
// alternatives on hover, reloads and finds the conversation. The screenshot stays in WORK_DIR.
// usage: node page_test.mjs SPRIG CHAT_MODEL WORK_DIR
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { check, failureCount, sprigCli, startServer, stopServer } from './server.mjs';

const [sprig, chatModel, work] = process.argv.slice(2);
const chromium = '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  console.log(`NOTICE: skipped the page test: ${chromium} not found (Debian: chromium)`);
  process.exit(0);
}
fs.mkdirSync(work, { recursive: true });
const profile = fs.mkdtempSync(path.join(work, 'profile-'));
const system = 'You are a kind storyteller.';
const questions = ['Tell me a story about a dog named Max.', '안녕 🙂 What did Max do next?'];

function chatReference(messages, maxTokens) {
  const file = path.join(work, `conversation_${messages.length}.json`);
  fs.writeFileSync(file, JSON.stringify(messages));
  return sprigCli(sprig, ['chat', '-m', chatModel, '--conversation', file, '-n', String(maxTokens), '--temp', '0']).replace(/\n$/, '');
}

const server = await startServer(sprig, ['-m', chatModel, '--slots', '1']);
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
  protocolTimeout: 60000,
  timeout: 60000,
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  // Nothing but this server: a request anywhere else fails the test.
  const elsewhere = [];
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.url().startsWith(server.url)) r.continue();
    else { elsewhere.push(r.url()); r.abort(); }
  });
  await page.goto(server.url + '/', { waitUntil: 'load' });
  check('the page loads from the binary', (await page.title()) === 'sprig');
  await page.waitForFunction(() => document.getElementById('model').textContent.includes('context'));

  // Settings: a system prompt, greedy sampling, probability colouring on.
  await page.$eval('details', (d) => { d.open = true; });
  await page.$eval('#system', (e, v) => { e.value = v; e.dispatchEvent(new Event('change')); }, system);
  await page.$eval('#temperature', (e) => { e.value = '0'; e.dispatchEvent(new Event('change')); });
  await page.$eval('#max_tokens', (e) => { e.value = '120'; e.dispatchEvent(new Event('change')); });
  await page.click('#colour');

  const conversation = [{ role: 'system', content: system }];
  for (let turn = 0; turn < 2; ++turn) {
    await page.type('#input', questions[turn]);
    await page.click('#send');
    await page.waitForFunction((n) => {
      const m = document.querySelectorAll('.message.assistant');
      return m.length === n && m[n - 1].dataset.state !== 'streaming';
    }, {}, turn + 1);
    const reply = await page.$$eval('.message.assistant', (m) => {
      const last = m[m.length - 1];
      return { text: [...last.querySelectorAll('.token')].map((t) => t.textContent).join(''), state: last.dataset.state,
               tokens: last.querySelectorAll('.token').length, stats: last.querySelector('.stats')?.textContent || '' };
    });
    conversation.push({ role: 'user', content: questions[turn] });
    const expected = chatReference(conversation, 120);
    conversation.push({ role: 'assistant', content: expected });
    check(`turn ${turn + 1}: the streamed reply equals sprig chat on the same conversation`, reply.text === expected && reply.state === 'done',
          `\n  page: ${JSON.stringify(reply.text)}\n  cli:  ${JSON.stringify(expected)}`);
    check(`turn ${turn + 1}: it came token by token, with tokens/s and the cache reuse shown`,
          reply.tokens > 5 && /tokens\/s/.test(reply.stats) && (turn === 0 || /\([1-9]\d* reused\)/.test(reply.stats)), reply.stats);
  }
  const korean = await page.$$eval('.message.user', (m) => m[1].textContent);
  check('Korean and emoji render as typed', korean.includes('안녕 🙂'));

  // Colouring: every token carries its probability; hovering shows the alternatives.
  const coloured = await page.$$eval('.message.assistant .token', (ts) => ts.every((t) => t.dataset.p && t.style.getPropertyValue('--hue')));
  const token = await page.$('.message.assistant:last-child .token:nth-of-type(3)');
  await token.hover();
  const tip = await page.$eval('#tip', (t) => ({ shown: t.style.display === 'block', text: t.textContent }));
  check('tokens are coloured by probability; hovering shows p and 5 alternatives',
        coloured && tip.shown && /^p = [\d.]+%/.test(tip.text) && tip.text.split('\n').length === 6, JSON.stringify(tip));
  await page.screenshot({ path: path.join(work, 'chat_page.png'), fullPage: true });
  console.log(`screenshot: ${path.join(work, 'chat_page.png')}`);

  // A reload finds the conversation (localStorage), colouring and settings included.
  await page.reload({ waitUntil: 'load' });
  const restored = await page.$$eval('.message', (m) => m.map((e) => e.className + ':' + e.textContent.length));
  const restoredSystem = await page.$eval('#system', (e) => e.value);
  check('after a reload the four messages and the system prompt are back',
        restored.length === 4 && restoredSystem === system && await page.$eval('#colour', (e) => e.checked), JSON.stringify(restored));
  check('the page asked nothing of any other host', elsewhere.length === 0, elsewhere.join(' '));
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
  check('the server exits 0 on SIGTERM', (await stopServer(server)) === 0);
}
process.exit(failureCount() ? 1 : 0);
