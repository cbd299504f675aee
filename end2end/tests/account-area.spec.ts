// Issue 33: the account area (Profile, Password and sign-in, Devices, Activity, Your data) in a real browser:
// the navigation by keyboard, signing a device out (its next page asks for a login, its live stream ends), the
// security log, the export download and deleting the account; axe on every section, with and without JavaScript.
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { loggedInPage, PASSWORD, registerViaApi, submitLogin, tabTo, waitForHydration } from "./accounts";
import { expectNoViolations, withoutScripts } from "./axe";
import { addTodos, openTodosAsNewUser } from "./todos";

const SECTIONS = [
  ["Profile", "/account"],
  ["Password and sign-in", "/account/security"],
  ["Devices", "/account/sessions"],
  ["Activity", "/account/activity"],
  ["Your data", "/account/data"],
] as const;

const accountNav = (page: Page) => page.getByRole("navigation", { name: "Your account" });

test("the sections are reached by keyboard from the navigation, each says where it is, and none has a violation", async ({
  page,
  browser,
}) => {
  await openTodosAsNewUser(page, "/account");
  for (const [name, path] of SECTIONS) {
    const link = accountNav(page).getByRole("link", { name, exact: true });
    await tabTo(page, link);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL((url) => url.pathname === path);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    await expect(accountNav(page).getByRole("link", { name, exact: true })).toHaveAttribute("aria-current", "page");
    await expectNoViolations(page);
  }
  const plain = await withoutScripts(browser, await page.context().storageState());
  for (const [, path] of SECTIONS) {
    await plain.goto(path);
    await expectNoViolations(plain);
  }
});

test.describe("in a reader's own time zone", () => {
  test.use({ timezoneId: "Europe/Berlin", locale: "en-GB" });

  test("times are machine-readable, exact in their title in the reader's zone, and recent ones relative", async ({
    page,
  }) => {
    await openTodosAsNewUser(page, "/account/sessions");
    const signedIn = page.locator(".device.current time").first();
    await expect(signedIn).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expect(signedIn).toHaveText(/just now|minute/);
    // The server's title is UTC; the script puts the exact time in the reader's zone and language there.
    await expect(signedIn).toHaveAttribute("title", /CES?T/);
    await expect(signedIn).not.toHaveAttribute("title", /UTC/);
  });
});

test("a device signed out from another is logged out at its next page, and its live stream ends", async ({
  page,
  browser,
  request,
}) => {
  const user = await registerViaApi(request);
  const laptop = await loggedInPage(browser, user.username);
  // The laptop's own live-update stream, watched from inside the page.
  await laptop.evaluate(() => {
    const stream = new EventSource("/api/events");
    (window as unknown as { stream: EventSource }).stream = stream;
  });
  await expect
    .poll(() => laptop.evaluate(() => (window as unknown as { stream: EventSource }).stream.readyState))
    .toBe(1);

  await page.goto("/login?next=/account/sessions");
  await waitForHydration(page);
  await submitLogin(page, user.username, PASSWORD);
  await expect(page).toHaveURL((url) => url.pathname === "/account/sessions");
  const devices = page.locator(".device-list > li");
  await expect(devices).toHaveCount(2);
  await expect(page.locator(".device.current")).toContainText("This browser");
  const other = devices.filter({ hasNot: page.locator(".badge") });
  await tabTo(page, other.getByRole("button", { name: /^Sign out / }));
  await page.keyboard.press("Enter");
  await expect(devices).toHaveCount(1);

  // EventSource gives up (CLOSED) once the server ends the stream and refuses the reconnect.
  await expect
    .poll(() => laptop.evaluate(() => (window as unknown as { stream: EventSource }).stream.readyState), {
      timeout: 15_000,
    })
    .toBe(2);
  await laptop.goto("/account");
  await expect(laptop).toHaveURL((url) => url.pathname === "/login");
});

test("the security log shows a failed sign-in, by someone, newest first", async ({ page, browser, request }) => {
  const user = await registerViaApi(request);
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto("/login");
  await waitForHydration(stranger);
  await submitLogin(stranger, user.username, "not the password at all");
  await expect(stranger.getByRole("alert").first()).toBeVisible();

  await page.goto("/login?next=/account/activity");
  await waitForHydration(page);
  await submitLogin(page, user.username, PASSWORD);
  await expect(page).toHaveURL((url) => url.pathname === "/account/activity");
  const entries = page.locator(".activity-entry");
  await expect(entries.first()).toContainText("Signed in");
  const failed = entries.filter({ hasText: "Failed sign-in: wrong password" });
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText("Someone");
  await expect(failed).toContainText("from 127.0.0.1");
  await expectNoViolations(page);
});

test("the export downloads by keyboard, with the todos and no hash", async ({ page }) => {
  const user = await openTodosAsNewUser(page, "/");
  await addTodos(page, "Export me", "And me");
  const created = await page.request.post("/api/auth/tokens", { data: { name: "backup" } });
  expect(created.status()).toBe(201);
  const secret = (await created.json()).token as string;
  await page.goto("/account/data");
  await waitForHydration(page);
  const download = page.waitForEvent("download");
  await tabTo(page, page.getByRole("link", { name: "Download your data" }));
  await page.keyboard.press("Enter");
  const file = await (await download).path();
  const text = await readFile(file, "utf8");
  const exported = JSON.parse(text);
  expect(exported.account.username).toBe(user.username);
  expect(exported.todos.map((todo: { title: string }) => todo.title)).toEqual(["Export me", "And me"]);
  expect(text).not.toContain("$argon2");
  expect(exported.api_tokens.map((token: { name: string }) => token.name)).toEqual(["backup"]);
  expect(text).not.toContain(secret);
});

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("deleting the account needs the username, then ends everything; the address can register again", async ({
      page,
      request,
    }) => {
      const user = await openTodosAsNewUser(page, "/account/data", { javaScript });
      const created = await page.request.post("/api/auth/tokens", { data: { name: "script" } });
      expect(created.status()).toBe(201);
      const script = { Authorization: `Bearer ${(await created.json()).token}` };
      expect((await request.get("/api/todos", { headers: script })).status()).toBe(200);
      const confirm = page.getByLabel("Type your username to confirm");
      await tabTo(page, confirm);
      await page.keyboard.type("someone else");
      await page.keyboard.press("Enter");
      await expect(page.locator(".error-summary")).toContainText("Type your username to confirm.");
      await tabTo(page, page.getByLabel("Type your username to confirm"));
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type(user.username);
      await tabTo(page, page.getByRole("button", { name: "Delete my account" }));
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.pathname === "/login");
      await expect(page.getByRole("status")).toContainText("have been deleted");

      await page.goto("/account");
      await expect(page).toHaveURL((url) => url.pathname === "/login");
      const login = await request.post("/api/auth/login", { data: { login: user.username, password: PASSWORD } });
      expect(login.status()).toBe(401);
      expect((await request.get("/api/todos", { headers: script })).status(), "the token is refused").toBe(401);
      const again = await request.post("/api/auth/register", {
        data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
      });
      expect(again.status()).toBe(201);
    });
  });
}

test("the confirmation banner sits in the page's column, styled as a notice, at phone width too", async ({ page }) => {
  await openTodosAsNewUser(page, "/");
  const banner = page.getByRole("complementary", { name: "Email confirmation" });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await expect(banner).toBeVisible();
    const placed = await banner.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const main = document.querySelector("main")!.getBoundingClientRect();
      const style = getComputedStyle(element);
      return { left: box.left, right: box.right, bottom: box.bottom, mainTop: main.top, border: style.borderLeftStyle };
    });
    expect(placed.left, `${width}px: not against the window's edge`).toBeGreaterThanOrEqual(12);
    expect(placed.right).toBeLessThanOrEqual(width - 12);
    expect(placed.bottom, `${width}px: above the page, not over it`).toBeLessThanOrEqual(placed.mainTop);
    expect(placed.border).toBe("solid");
  }
  await expectNoViolations(page);
});
