import { expect, test } from "@playwright/test";
import { PASSWORD, registerViaApi, submitLogin, waitForHydration } from "./accounts";

const NEW_PASSWORD = "a completely different passphrase";

test("the account page sends visitors to log in and brings them back", async ({ page, request }) => {
  const user = await registerViaApi(request);
  await page.goto("/account");
  await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/account");
  await expect(page.getByText("Please log in to see that page.")).toBeVisible();
  await waitForHydration(page);
  await submitLogin(page, user.email, PASSWORD);
  await expect(page).toHaveURL((url) => url.pathname === "/account");
  await expect(page.locator(".account .username")).toHaveText(user.username);
  await expect(page.locator(".account .login-count")).toHaveText("2");
  await expect(page.locator(".account .last-login")).toContainText(" from ");
});

test("a password change keeps this session and ends the others", async ({ page, browser, request }) => {
  const user = await registerViaApi(request);
  const other = await browser.newPage();
  for (const tab of [page, other]) {
    await tab.goto("/login");
    await waitForHydration(tab);
    await submitLogin(tab, user.username, PASSWORD);
    await expect(tab.locator(".site-header .user-name")).toHaveText(user.name);
  }

  await page.goto("/account/security");
  await waitForHydration(page);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password has been changed.");

  await page.reload();
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await other.reload();
  await expect(other.locator(".site-header .user-name")).toHaveCount(0);
  await other.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a wrong current password is refused with a message", async ({ page, request }) => {
    const user = await registerViaApi(request);
    await page.goto("/login");
    await submitLogin(page, user.username, PASSWORD);
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    await page.goto("/account/security");
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByRole("alert")).toContainText("This is not your current password.");
  });

  test("a password change is confirmed after the page reloads", async ({ page, request }) => {
    const user = await registerViaApi(request);
    await page.goto("/login");
    await submitLogin(page, user.username, PASSWORD);
    await page.goto("/account/security");
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByRole("status")).toContainText("Your password has been changed.");
    await expect(page).toHaveURL((url) => url.pathname === "/account/security");
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  });
});
