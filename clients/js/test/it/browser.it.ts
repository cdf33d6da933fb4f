import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import puppeteer, { type Browser, type Page } from 'puppeteer-core';

import { stack } from './context.js';
import { png } from './png.js';
import { moduleDir, uniqueUser, waitFor } from './stack.js';

const CHROMIUM = process.env.IM_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(moduleDir, 'target/screenshots');

/**
 * A TCP hop between one browser and the gateway that the test can cut: every open connection dies and new ones are
 * refused until it is restored (the browser's own offline mode does not reliably end open WebSockets).
 */
class Cable {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private server!: Server;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = createConnection(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const done = () => {
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  unplug(): void {
    this.cut = true;
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  plug(): void {
    this.cut = false;
  }

  async stop(): Promise<void> {
    this.unplug();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function signIn(page: Page, url: string, userId: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#user-id');
  await page.$eval('#user-id', (el) => ((el as HTMLInputElement).value = ''));
  await page.type('#user-id', userId);
  await page.click('#sign-in');
  await page.waitForSelector('[data-testid="status"].connected', { timeout: 30_000 });
}

async function openChat(page: Page, id: string, type: 'peer' | 'group' | 'room' = 'peer'): Promise<void> {
  await page.type('#new-chat-id', id);
  await page.select('#new-chat-type', type);
  await page.click('#new-chat-go');
  await page.waitForSelector('#composer-input');
}

async function say(page: Page, text: string): Promise<void> {
  await page.type('#composer-input', text);
  await page.keyboard.press('Enter');
}

/** Texts of the message bubbles shown, in order. */
function bubbles(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="message"] .bubble', (els) => els.map((e) => (e.textContent ?? '').trim()));
}

async function waitForTexts(page: Page, what: string, predicate: (texts: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  let last: string[] = [];
  await waitFor(what, async () => predicate((last = await bubbles(page))), timeoutMs).catch((e: Error) => {
    throw new Error(`${e.message}; shown: ${JSON.stringify(last)}`);
  });
  return last;
}

describe('demo app in headless Chromium', { timeout: 600_000 }, () => {
  let browser: Browser;
  let profile: string;
  let cable: Cable;

  before(async () => {
    const s = await stack();
    cable = new Cable(Number(new URL(s.baseUrl).port));
    await cable.start();
    profile = mkdtempSync(join(tmpdir(), 'im-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        `--user-data-dir=${profile}`,
      ],
      defaultViewport: { width: 1200, height: 760, deviceScaleFactor: 1 },
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await cable?.stop();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('two users chat, one goes offline and comes back, an image goes with its progress bar', async () => {
    const s = await stack();
    const alice = uniqueUser('alice');
    const bob = uniqueUser('bob');
    const aliceContext = await browser.createBrowserContext();
    const bobContext = await browser.createBrowserContext();
    const a = await aliceContext.newPage();
    const b = await bobContext.newPage();
    const errors: string[] = [];
    for (const page of [a, b]) {
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if ((m.type() === 'warn' || m.type() === 'error') && !m.text().includes('ERR_INTERNET_DISCONNECTED') && !m.text().includes('ERR_CONNECTION')) {
          console.log(`# browser ${m.type()}: ${m.text()}`);
        }
      });
    }

    await signIn(a, `${s.baseUrl}/demo/`, alice);
    // bob's traffic goes through a cable the test can pull
    await signIn(b, `http://127.0.0.1:${cable.port}/demo/`, bob);

    // alice starts the chat
    await openChat(a, bob);
    await say(a, 'Hi Bob! Lunch at noon?');
    await a.waitForFunction(() => [...document.querySelectorAll('[data-testid="state"]')].some((e) => e.textContent === 'Sent'));

    // bob sees an unread badge, opens the conversation, and alice sees it read
    const badge = await b.waitForSelector(`.conv[data-conv="peer:${alice}"] [data-testid="badge"]`, { timeout: 20_000 });
    assert.equal(await badge!.evaluate((e) => e.textContent), '1');
    // a locator retries when live updates re-render the list between finding the row and clicking it
    await b.locator(`.conv[data-conv="peer:${alice}"]`).click();
    await waitForTexts(b, 'bob sees the message', (t) => t.includes('Hi Bob! Lunch at noon?'));
    await b.waitForFunction((id) => !document.querySelector(`.conv[data-conv="peer:${id}"] [data-testid="badge"]`), {}, alice);
    await a.waitForFunction(() => [...document.querySelectorAll('[data-testid="state"]')].some((e) => e.textContent === 'Read'), { timeout: 20_000 });

    // bob types: alice sees the typing indicator; then bob answers
    await b.type('#composer-input', 'Sure');
    await a.waitForFunction(() => document.querySelector('[data-testid="typing"]')?.textContent === 'typing…', { timeout: 20_000 });
    await b.keyboard.type(', see you there');
    await b.keyboard.press('Enter');
    await waitForTexts(a, 'alice gets the answer', (t) => t.includes('Sure, see you there'));

    console.log('# step: offline');
    // bob's network goes away; alice keeps writing
    cable.unplug();
    await b.setOfflineMode(true);
    await b.waitForSelector('[data-testid="status"]:not(.connected)', { timeout: 20_000 });
    const whileAway = ['Are you there?', 'I booked a table', 'Table for two at 12:00'];
    for (const text of whileAway) {
      await say(a, text);
    }
    await a.waitForFunction((n) => [...document.querySelectorAll('[data-testid="state"]')].filter((e) => e.textContent !== 'Sending…').length >= n, {}, 4);

    console.log('# step: online');
    // back online: everything shows up once, in order
    cable.plug();
    await b.setOfflineMode(false);
    await b.waitForSelector('[data-testid="status"].connected', { timeout: 30_000 });
    const shown = await waitForTexts(b, 'bob catches up', (t) => whileAway.every((w) => t.includes(w)));
    const expected = ['Hi Bob! Lunch at noon?', 'Sure, see you there', ...whileAway];
    assert.deepEqual(
      shown.filter((t) => expected.includes(t)),
      expected,
      'every message once, in order',
    );

    console.log('# step: photo');
    // alice sends a photo over a slow uplink: a progress bar, then the thumbnail on both sides
    const file = join(SCREENSHOTS, 'photo.png');
    writeFileSync(file, png(720, 480, true));
    const cdp = await a.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 192 * 1024 });
    const input = (await a.$('#file-input')) as import('puppeteer-core').ElementHandle<HTMLInputElement>;
    await input!.uploadFile(file);
    await a.waitForSelector('[data-testid="upload-progress"]', { timeout: 10_000 });
    await a.waitForFunction(() => (window as unknown as { __im: { progress: number[] } }).__im.progress.some((p) => p > 0.2 && p < 0.9), { timeout: 20_000 });
    await a.screenshot({ path: join(SCREENSHOTS, 'demo-upload.png') });
    await a.waitForSelector('[data-testid="upload-progress"]', { hidden: true, timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const progress = await a.evaluate(() => (window as unknown as { __im: { progress: number[] } }).__im.progress);
    assert.ok(progress.length >= 3, `several progress events: ${progress.length}`);
    assert.equal(progress.at(-1), 1);
    await b.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="thumbnail"]');
      return !!img && img.complete && img.naturalWidth > 0 && img.src.includes('/thumbnail');
    }, { timeout: 30_000 });

    console.log('# step: room');
    // a room with barrage, and an operator's broadcast banner
    const room = `lobby-${alice}`;
    await openChat(b, room, 'room');
    await openChat(a, room, 'room');
    await waitFor('barrage flies on bob\'s screen', async () => {
      await say(a, 'Hello room!');
      return (await b.$$('[data-testid="barrage"]')).length > 0;
    });
    // a locator retries when live updates re-render the list between finding the row and clicking it
    await b.locator(`.conv[data-conv="peer:${alice}"]`).click();
    await waitForTexts(b, 'bob back in the chat', (t) => t.includes('Table for two at 12:00'));
    const admin = s.token('ops', { admin: true });
    await waitFor('the broadcast banner shows', async () => {
      await fetch(`${s.pushUrl}/v1/admin/broadcasts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: { type: 'text', text: 'Scheduled maintenance Sunday 02:00 UTC' } }),
      });
      return (await b.$('[data-testid="banner"]')) !== null;
    });
    await b.screenshot({ path: join(SCREENSHOTS, 'demo.png') });
    // a locator retries when live updates re-render the list between finding the row and clicking it
    await a.locator(`.conv[data-conv="peer:${bob}"]`).click();
    await a.waitForSelector('[data-testid="thumbnail"]');
    await a.screenshot({ path: join(SCREENSHOTS, 'demo-alice.png') });
    assert.deepEqual(errors, []);
    await aliceContext.close();
    await bobContext.close();
  });
});
