// Two-factor sign-in in the browser: set up from the account page by reading the setup key off the page and
// computing the code here (Node's crypto, tests/totp.ts), then signing in with a code and with a recovery
// code; with and without JavaScript, by keyboard alone, and axe-clean on every page of the flow.
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, submitLogin, tabTo, waitForHydration } from "./accounts";
import { expectNoViolations } from "./axe";
import { Authenticator } from "./totp";
import { openTodosAsNewUser } from "./todos";

/** From the account page of a freshly registered user: sets up two-factor sign-in; answers the app and codes. */
async function setUp(page: Page, javaScript: boolean) {
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  if (javaScript) await waitForHydration(page);
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  const phone = new Authenticator((await page.locator(".setup-key").textContent()) ?? "");
  await expect(page.locator(".otpauth-uri")).toHaveText(/^otpauth:\/\/totp\/Leptodo:user/, { useInnerText: false });
  await page.getByLabel("Code from your app").fill(phone.wrongCode());
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.getByRole("alert")).toContainText("not right");
  await page.getByLabel("Code from your app").fill(await phone.nextCode());
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor\/recovery-codes$/);
  const codes = await page.locator(".recovery-code-list code").allTextContents();
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  const download = page.getByRole("link", { name: "Download" });
  await expect(download).toHaveAttribute("download", "leptodo-recovery-codes.txt");
  expect(decodeURIComponent((await download.getAttribute("href")) ?? "")).toContain(codes[0]);
  return { phone, codes };
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.locator(".site-header").getByRole("link", { name: "Log in" })).toBeVisible();
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("set up from the account page, then sign in with a code and with a recovery code", async ({ page }) => {
      const user = await openTodosAsNewUser(page, "/account/security", { javaScript });
      const { phone, codes } = await setUp(page, javaScript);
      await page.getByRole("link", { name: "I have saved them" }).click();
      await expect(page.locator(".two-factor-status")).toContainText("10 recovery codes left");
      // Shown once: the page does not show them again.
      await page.goto("/account/two-factor/recovery-codes");
      await expect(page.locator(".recovery-code-list")).toHaveCount(0);
      await page.goto("/account/security");
      await logOut(page);

      await page.goto("/login");
      await submitLogin(page, user.username, PASSWORD);
      await expect(page).toHaveURL(/\/login\/code/);
      const code = page.getByLabel("Code from your app");
      await expect(code).toHaveAttribute("autocomplete", "one-time-code");
      await expect(code).toHaveAttribute("inputmode", "numeric");
      await code.fill(await phone.nextCode());
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
      await logOut(page);

      await page.goto("/login");
      await submitLogin(page, user.email, PASSWORD);
      await page.getByLabel("Recovery code").fill(codes[4].toUpperCase());
      await page.getByRole("button", { name: "Use recovery code" }).click();
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
      await page.goto("/account/security");
      await expect(page.locator(".two-factor-status")).toContainText("9 recovery codes left");
    });
  });
}

test("the second step's page says when no sign-in waits", async ({ page }) => {
  await page.goto("/login/code");
  await expect(page.getByRole("status")).toContainText("No sign-in is waiting");
  await expect(page.getByRole("link", { name: "Log in again" })).toBeVisible();
});

test("the flow is done by keyboard alone and every page of it is axe-clean", async ({ page }) => {
  const user = await openTodosAsNewUser(page, "/account/security");
  await expectNoViolations(page);
  await tabTo(page, page.getByRole("button", { name: "Set up two-factor sign-in" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await waitForHydration(page);
  await expectNoViolations(page);
  const phone = new Authenticator((await page.locator(".setup-key").textContent()) ?? "");
  await tabTo(page, page.getByLabel("Code from your app"));
  await page.keyboard.type(await phone.nextCode());
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/recovery-codes$/);
  await expectNoViolations(page);
  await tabTo(page, page.getByRole("link", { name: "I have saved them" }));
  await page.keyboard.press("Enter");
  await expect(page.locator(".two-factor-status")).toBeVisible();
  await expectNoViolations(page);
  await tabTo(page, page.getByRole("button", { name: "Log out" }), { limit: 80 });
  await page.keyboard.press("Enter");
  await expect(page.locator(".site-header").getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/login");
  await submitLogin(page, user.username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/code/);
  await waitForHydration(page);
  await expectNoViolations(page);
  await tabTo(page, page.getByLabel("Code from your app"));
  await page.keyboard.type(phone.wrongCode());
  await page.keyboard.press("Enter");
  await expect(page.locator(".error-summary")).toBeFocused();
  await expectNoViolations(page);
  await tabTo(page, page.getByLabel("Code from your app"));
  await page.keyboard.type(await phone.nextCode());
  await tabTo(page, page.getByLabel(/Remember this browser/));
  await page.keyboard.press("Space");
  await page.keyboard.press("Enter");
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);

  // Remembered: the next sign-in in this browser needs the password only.
  await tabTo(page, page.getByRole("button", { name: "Log out" }));
  await page.keyboard.press("Enter");
  await expect(page.locator(".site-header").getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/login");
  await submitLogin(page, user.username, PASSWORD);
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
});
