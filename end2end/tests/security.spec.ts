// The Content-Security-Policy is in force in the browser, and the app works under it.
import { expect, test } from "@playwright/test";
import { addTodos, openTodosAsNewUser } from "./todos";

test("the app hydrates and works under its Content-Security-Policy, with no violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  const response = await page.goto("/login");
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  await openTodosAsNewUser(page);
  await addTodos(page, "works under the policy");
  expect(violations).toEqual([]);
});

test("an injected inline script without the nonce does not run", async ({ page }) => {
  await openTodosAsNewUser(page);
  const injected = page.addScriptTag({ content: "window.injected = true;" }).catch((error) => error);
  await injected;
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
});

test("the site refuses to be framed", async ({ page }) => {
  const response = await page.goto("/login");
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(response?.headers()["x-frame-options"]).toBe("DENY");
});
