import { execFileSync } from "node:child_process";
import { expect, type APIRequestContext, type Browser, type Locator, type Page } from "@playwright/test";

export const PASSWORD = "a long and unusual passphrase";

/** A user no other test uses, so tests can run in parallel against one server. */
export function uniqueUser() {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return { email: `user${id}@example.com`, username: `user${id}`, name: `Tester ${id}` };
}

/** Fills the registration form on the current page. */
export async function fillRegistration(page: Page, user: { email: string; username: string; name: string }) {
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Username (letters and digits)").fill(user.username);
  await page.getByLabel("Name", { exact: true }).fill(user.name);
  await page.getByLabel("Password (8 characters or more)").fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
}

/** Registers through the JSON API with a client that does not share the page's cookies. */
export async function registerViaApi(request: APIRequestContext) {
  const user = uniqueUser();
  const response = await request.post("/api/auth/register", {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(response.status()).toBe(201);
  await request.post("/api/auth/logout");
  return user;
}

/**
 * Waits until the wasm bundle has brought the page's interactive parts (its islands) to life. A page without
 * islands is plain HTML and forms: it is ready as it loads.
 */
export async function waitForHydration(page: Page) {
  if ((await page.locator("leptos-island").count()) > 0) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
}

/** Fills and submits the login form on the current page. */
export async function submitLogin(page: Page, login: string, password: string) {
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Grants a role with the operator's command, on the database the test server is serving, while it serves. */
export function grantRole(role: string, username: string) {
  execFileSync("../target/release/leptodo", ["--config", "../Leptos.toml", "roles", "grant", role, username], {
    env: { ...process.env, LEPTODO_DATABASE_URL: process.env.E2E_DATABASE_URL ?? "sqlite://../target/e2e/leptodo.db" },
  });
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the keyboard focus, as a keyboard user moves through a page;
 * fails if it is not reached within `limit` presses, which is how an unreachable control shows.
 */
export async function tabTo(page: Page, target: Locator, { backwards = false, limit = 40 } = {}) {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  await expect(target).toBeFocused();
}

/** A new page in its own browser context (its own cookies), logged in as `login`. */
export async function loggedInPage(browser: Browser, login: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  await waitForHydration(page);
  await submitLogin(page, login, PASSWORD);
  await expect(page.locator(".site-header .user-name")).toBeVisible();
  return page;
}
