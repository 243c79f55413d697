// Shared by the browser suites: every test fails on a page error or a console
// error, and waits for widgets to finish their first computation.
import { test, expect } from '@playwright/test';

/** Registers hooks that collect page and console errors and expect none at the end. */
export function failOnPageErrors() {
  test.beforeEach(async ({ page }) => {
    page.errors = [];
    page.on('pageerror', (error) => page.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => { if (message.type() === 'error') page.errors.push(`console: ${message.text()}`); });
  });
  test.afterEach(async ({ page }) => {
    expect(page.errors).toEqual([]);
  });
}

/** Waits until the element is defined and the matching widgets have drawn once. */
export async function ready(page, selector = 'attention-lab') {
  await page.waitForFunction(() => customElements.get('attention-lab') !== undefined);
  await page.locator(selector).evaluateAll((elements) => Promise.all(elements.map((el) => el.ready)));
}
