import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { grantRole, PASSWORD, registerViaApi, submitLogin, waitForHydration } from "./accounts";
import { addTodos, openTodosAsNewUser, settled } from "./todos";

// Issue 18: axe-core's WCAG 2.x A and AA rules on every page and its important states, with JavaScript on and
// off; any violation fails the suite. axe runs inside the page, so "JavaScript off" is played by never loading
// the app's own scripts (the page stays as the server rendered it, which is what a browser without
// JavaScript shows).
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function expectNoViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = violations.map((violation) => ({
    rule: violation.id,
    help: violation.help,
    where: violation.nodes.map((node) => node.target.join(" ")),
  }));
  expect(found).toEqual([]);
}

/** A page of a new context whose app scripts never load: the server-rendered page, as without JavaScript. */
async function withoutScripts(browser: Browser, storageState?: Awaited<ReturnType<Page["context"]>["storageState"]>) {
  const page = await (await browser.newContext({ storageState })).newPage();
  await page.route("**/pkg/*.{js,wasm}", (route) => route.abort());
  return page;
}

for (const path of ["/login", "/register", "/forgot", "/reset/not-a-token", "/confirm/not-a-token", "/nowhere"]) {
  test(`${path} has no WCAG A/AA violation, with and without JavaScript`, async ({ page, browser }) => {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoViolations(page);
    const plain = await withoutScripts(browser);
    await plain.goto(path);
    await expectNoViolations(plain);
  });
}

test("forms that came back with errors have no violation", async ({ page, browser }) => {
  await page.goto("/login");
  await waitForHydration(page);
  await submitLogin(page, "nobody", "not the password");
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoViolations(page);

  const plain = await withoutScripts(browser);
  await plain.goto("/register");
  await plain.getByRole("button", { name: "Create account" }).click();
  await expect(plain.locator("[aria-invalid=true]").first()).toBeVisible();
  await expectNoViolations(plain);

  await openTodosAsNewUser(page, "/account");
  await page.getByLabel("Current password").fill("not my password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator(".error-summary")).toBeFocused();
  await expectNoViolations(page);
});

test("the todo page has no violation: empty, with completed todos, editing, filtered, without JavaScript", async ({
  page,
  browser,
}) => {
  await openTodosAsNewUser(page);
  await expectNoViolations(page);
  await addTodos(page, "one", "two", "three");
  await page.locator(".todo-list li").first().locator(".toggle").check();
  await settled(page);
  await expectNoViolations(page);
  await page.locator(".todo-list li").nth(1).locator("label").dblclick();
  await expect(page.locator(".todo-list li.editing")).toHaveCount(1);
  await expectNoViolations(page);
  await page.keyboard.press("Escape");
  await page.goto("/completed");
  await waitForHydration(page);
  await expectNoViolations(page);
  await page.goto("/account");
  await waitForHydration(page);
  await expectNoViolations(page);

  const plain = await withoutScripts(browser, await page.context().storageState());
  await plain.goto("/");
  await expectNoViolations(plain);
  const id = await plain.locator(".todo-list li input[name=id]").first().getAttribute("value");
  await plain.goto(`/?edit=${id}`);
  await expect(plain.locator(".todo-list li.editing")).toHaveCount(1);
  await expectNoViolations(plain);
});

test("the admin pages have no violation", async ({ browser, request }) => {
  const admin = await registerViaApi(request);
  grantRole("admin", admin.username);
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  await waitForHydration(page);
  await submitLogin(page, admin.username, PASSWORD);
  await expect(page.locator(".site-header .user-name")).toBeVisible();
  for (const path of ["/admin", "/admin/audit"]) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoViolations(page);
  }
});

test("at 320 CSS pixels wide (400 % zoom of a 1280 px window) no page scrolls sideways", async ({ page }) => {
  await openTodosAsNewUser(page);
  await addTodos(page, "a todo with a rather long title that has to wrap somewhere on a narrow screen", "short");
  await page.setViewportSize({ width: 320, height: 640 });
  for (const path of ["/", "/account", "/completed"]) {
    await page.goto(path);
    await waitForHydration(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  const visitor = await (await page.context().browser()!.newContext({ viewport: { width: 320, height: 640 } })).newPage();
  for (const path of ["/login", "/register", "/forgot"]) {
    await visitor.goto(path);
    const overflow = await visitor.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
});

test("with reduced motion asked for, nothing on the page moves", async ({ page }) => {
  await page.emulateMedia({ reducedMotion: "reduce" });
  await openTodosAsNewUser(page);
  await addTodos(page, "still");
  const durations = await page.evaluate(() =>
    [...document.querySelectorAll("*")].map((element) => getComputedStyle(element).transitionDuration),
  );
  expect(durations.filter((duration) => duration !== "0s")).toEqual([]);
});
