import { expect, test } from "@playwright/test";
import { PASSWORD, registerViaApi, waitForHydration } from "./accounts";

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("logging in lands on the start page with the name in the header", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Email or username").fill(user.username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
      expect(new URL(page.url()).pathname).toBe("/");
    });

    test("a wrong password shows one generic message", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Email or username").fill(user.email);
      await page.getByLabel("Password").fill("not the right passphrase");
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page.getByRole("alert")).toHaveText("Wrong email, username or password.");
      await expect(page.locator(".site-header .user-name")).toHaveCount(0);
    });

    test("logging out lands on the login page with a one-time message", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      if (javaScriptEnabled) await waitForHydration(page);
      await page.getByLabel("Email or username").fill(user.username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);

      await page.getByRole("button", { name: "Log out" }).click();
      await expect(page.getByRole("status")).toHaveText("You have been logged out.");
      expect(new URL(page.url()).pathname).toBe("/login");
      await expect(page.locator(".site-header .user-name")).toHaveCount(0);

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
    await waitForHydration(page);
    await page.getByLabel("Email or username").fill(user.username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    const url = new URL(page.url());
    expect(url.origin).toBe(new URL(page.url()).origin);
    expect(url.pathname + url.search).toBe(expected);
  }
});

test("a logged-in visitor of /login is sent to the start page", async ({ page, request }) => {
  const user = await registerViaApi(request);
  await page.goto("/login");
  await page.getByLabel("Email or username").fill(user.username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await page.goto("/login");
  expect(new URL(page.url()).pathname).toBe("/");
});
