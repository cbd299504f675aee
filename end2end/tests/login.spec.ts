import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, registerViaApi, submitLogin, waitForHydration } from "./accounts";

async function sessionCookie(page: Page) {
  return (await page.context().cookies()).find((cookie) => cookie.name === "leptodo_session");
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("logging in lands on the start page with the name in the header", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await submitLogin(page, user.username, PASSWORD);
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
      await expect(page).toHaveURL((url) => url.pathname === "/");
    });

    test("a wrong password shows one generic message", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await submitLogin(page, user.email, "not the right passphrase");
      await expect(page.getByRole("alert")).toContainText("Wrong email, username or password.");
      await expect(page.locator(".site-header .user-name")).toHaveCount(0);
      await expect(page.getByLabel("Email or username")).toHaveValue(user.email);
    });

    test("logging out lands on the login page with a one-time message", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await submitLogin(page, user.username, PASSWORD);
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);

      const before = await sessionCookie(page);
      expect(before).toBeDefined();
      await page.getByRole("button", { name: "Log out" }).click();
      await expect(page.getByRole("status")).toHaveText("You have been logged out.");
      await expect(page).toHaveURL((url) => url.pathname === "/login");
      await expect(page.locator(".site-header .user-name")).toHaveCount(0);
      // The browser keeps no session id from before, and the old one works nowhere.
      expect((await sessionCookie(page))?.value).not.toBe(before?.value);
      const replayed = await request.get("/api/auth/me", {
        headers: { cookie: `leptodo_session=${before?.value}` },
      });
      expect(replayed.status()).toBe(401);

      await page.reload();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
      await expect(page.getByRole("status")).toHaveCount(0);
    });
  });
}

test("after login a safe next path is followed and an unsafe one is not", async ({ page, request }) => {
  const user = await registerViaApi(request);
  for (const [next, expected] of [
    ["/?from=login", "/?from=login"],
    ["//evil.example/", "/"],
  ]) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    const origin = new URL(page.url()).origin;
    await waitForHydration(page);
    await submitLogin(page, user.username, PASSWORD);
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    await expect(page).toHaveURL((url) => url.origin === origin && url.pathname + url.search === expected);
  }
});

test("a logged-in visitor of /login is sent to the start page", async ({ page, request }) => {
  const user = await registerViaApi(request);
  await page.goto("/login");
  await submitLogin(page, user.username, PASSWORD);
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await page.goto("/login");
  await expect(page).toHaveURL((url) => url.pathname === "/");
});

test("the session cookie lasts as long as the login chose, however many pages are visited", async ({
  page,
  request,
}) => {
  const user = await registerViaApi(request);
  for (const remember of [false, true]) {
    await page.context().clearCookies();
    await page.goto("/login");
    await waitForHydration(page);
    if (remember) await page.getByLabel("Remember me").check();
    await submitLogin(page, user.username, PASSWORD);
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    for (const path of ["/", "/active", "/account", "/completed", "/"]) await page.goto(path);
    const cookie = await sessionCookie(page);
    if (remember) {
      const days = ((cookie?.expires ?? 0) - Date.now() / 1000) / 86400;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);
    } else {
      expect(cookie?.expires).toBe(-1); // ends with the browser
    }
  }
});
