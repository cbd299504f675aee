import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type Page } from "@playwright/test";

// axe runs inside the page, so "JavaScript off" is played by never loading the app's own scripts: the page
// stays as the server rendered it, which is what a browser without JavaScript shows.

/** axe-core's tags for the WCAG 2.0, 2.1 and 2.2 A and AA rules. */
export const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Runs axe on the page as it is now; fails, listing rule, help and selectors, on any WCAG A/AA violation. */
export async function expectNoViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = violations.map((violation) => ({
    rule: violation.id,
    help: violation.help,
    where: violation.nodes.map((node) => node.target.join(" ")),
  }));
  expect(found).toEqual([]);
}

/** A page of a new context whose app scripts never load: the server-rendered page, as without JavaScript. */
export async function withoutScripts(browser: Browser, storageState?: Awaited<ReturnType<Page["context"]>["storageState"]>) {
  const page = await (await browser.newContext({ storageState })).newPage();
  await page.route("**/pkg/*.{js,wasm}", (route) => route.abort());
  return page;
}
