import { expect, test } from "@playwright/test";
import { grantRole, loggedInPage, registerViaApi, submitLogin, waitForHydration } from "./accounts";
import { expectNoViolations, withoutScripts } from "./axe";
import { addTodos, openTodosAsNewUser, settled } from "./todos";

// Issue 18: axe-core's WCAG 2.x A and AA rules on every page and its important states, with JavaScript on and
// off (see axe.ts); any violation fails the suite.

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

  await openTodosAsNewUser(page, "/account/security");
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
  const page = await loggedInPage(browser, admin.username);
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
  for (const path of ["/", "/account", "/account/security", "/account/sessions", "/account/activity", "/account/data", "/completed"]) {
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
