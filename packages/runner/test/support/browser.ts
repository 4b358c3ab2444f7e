import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (the CI installs it when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the dashboard tests leave their screenshots (git-ignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-results/screenshots');

/** Headless Chromium; playwright gives every launch a fresh, temporary user-data-dir. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Everything the page reported as an error: console errors, uncaught exceptions, failed same-origin answers. */
export function collectPageErrors(page: Page, origin: string): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 400)
      errors.push(`http ${res.status()}: ${res.url()}`);
  });
  return errors;
}

/** A full-page screenshot, `<name>.png` in SCREENSHOT_DIR. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = resolve(SCREENSHOT_DIR, `${name}.png`);
  // Toasts are transient and would cover what the screenshot is of.
  await page.evaluate(() => {
    for (const t of document.querySelectorAll('.toast')) t.remove();
  });
  // Caret and pulse animations would make two runs' images differ for nothing.
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** Signs the dashboard in with a team API key, as a user types it; resolves once the team's page shows. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator('#api-key').fill(key);
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'New integration' }).first().waitFor();
}
