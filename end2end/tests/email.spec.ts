import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { fillRegistration, PASSWORD, registerViaApi, submitLogin, uniqueUser, waitForHydration } from "./accounts";
import { linkPath, mailsTo, waitForMail, type Mail } from "./mail";

const NEW_PASSWORD = "an entirely new passphrase";

/** No WCAG 2.2 A/AA violation that axe-core can detect on the page as it is now. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
}

/** Logs in through the form, as a visitor would. */
async function logIn(page: Page, login: string, password: string) {
  await page.goto("/login");
  await waitForHydration(page);
  await submitLogin(page, login, password);
}

test("a new account confirms its address from the mail; the banner offers the link until then", async ({ page }) => {
  const user = uniqueUser();
  await page.goto("/register");
  await waitForHydration(page);
  await fillRegistration(page, user);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/");
  // The first link is awaited here: mails are delivered side by side, so the resent one may arrive first.
  const first = await waitForMail(user.email, "Confirm your email address");

  const banner = page.getByRole("complementary", { name: "Email confirmation" });
  await expect(banner).toContainText(user.email);
  await expectAccessible(page);
  await banner.getByRole("button", { name: "Send the link again" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a new confirmation link to ${user.email}`);

  await expect.poll(async () => (await mailsTo(user.email)).length).toBe(2);
  const resent = (await mailsTo(user.email)).find((mail) => mail.text !== first.text) as Mail;
  await page.goto(linkPath(resent, "/confirm/"));
  await expect(page.getByRole("heading", { name: "Confirm your email address" })).toBeVisible();
  await expect(page.getByRole("main").getByText(user.email)).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page).toHaveURL("/account");
  await expect(page.getByText(`${user.email} is confirmed as your address.`)).toBeVisible();
  await expect(page.locator(".email-status")).toHaveText("(confirmed)");
  await expect(banner).toHaveCount(0);
});

test("a mail to a non-ASCII address arrives with its sender's name, subject and parts decoded", async ({ page }) => {
  const user = uniqueUser();
  const address = `zoë.${user.username}@example.com`;
  await page.goto("/register");
  await waitForHydration(page);
  await fillRegistration(page, { ...user, email: address, name: "Zoë Ñúñez" });
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL("/");

  const mail = await waitForMail(address, "Confirm your email address — Leptodo");
  expect(mail.recipients).toEqual([address]);
  expect(mail.subject).toBe("Confirm your email address — Leptodo");
  // The sender's name as playwright.config.ts sets it (mail_from): a header that must be encoded.
  expect(mail.from).toEqual({ name: "Léa’s Leptodo", address: "noreply@leptodo.test" });
  for (const part of [mail.text, mail.html]) {
    expect(part).toContain(address);
    expect(part).toContain("— Leptodo");
    expect(part).not.toContain("Zoë Ñúñez");
  }
  expect(mail.html).toContain("<a href=");
  await page.goto(linkPath(mail, "/confirm/"));
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByText(`${address} is confirmed as your address.`)).toBeVisible();
});

test("a link that does not work gets one clear page, whatever is wrong with it", async ({ page }) => {
  for (const path of ["/confirm/abc", `/reset/${"0".repeat(64)}`, `/change-email/${"f".repeat(64)}`]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(400);
    await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Ask for a new password-reset link" })).toBeVisible();
  }
  await expectAccessible(page);
});

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("a forgotten password is reset from the mailed link, then used to log in", async ({ page, request }) => {
      const user = await registerViaApi(request);
      await page.goto("/login");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await expect(page).toHaveURL("/forgot");
      await page.getByLabel("Email").fill(user.email);
      await page.getByRole("button", { name: "Send me a link" }).click();
      await expect(page.getByRole("status")).toContainText("If an account uses that address");

      const mail = await waitForMail(user.email, "Reset your password");
      await page.goto(linkPath(mail, "/reset/"));
      await page.getByLabel("New password", { exact: true }).fill("short");
      await page.getByLabel("Confirm new password").fill("short");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await expect(page.getByRole("alert")).toContainText("at least");

      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Set the new password" }).click();
      await expect(page).toHaveURL("/login");
      await expect(page.getByRole("status")).toContainText("Log in with your new password");
      await waitForMail(user.email, "password was changed");

      await submitLogin(page, user.username, NEW_PASSWORD);
      await expect(page).toHaveURL("/");
      await page.goto(linkPath(mail, "/reset/"));
      await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
    });
  });
}

test("the address is changed from the account page by keyboard alone", async ({ page, request }) => {
  const user = await registerViaApi(request);
  await logIn(page, user.username, PASSWORD);
  await expect(page).toHaveURL("/");
  await page.goto("/account");
  await waitForHydration(page);
  await expectAccessible(page);
  const newEmail = `new.${user.email}`;

  const field = page.getByLabel("New email address");
  await field.focus();
  await page.keyboard.type(newEmail);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Your password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Send the link", exact: true })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText(`We sent a link to ${newEmail}`);

  const notice = await waitForMail(user.email, "change of your email address");
  expect(notice.text).toContain(newEmail);
  expect(notice.text).not.toContain("/change-email/");
  const mail = await waitForMail(newEmail, "Confirm your new email address");
  await page.goto(linkPath(mail, "/change-email/"));
  await expect(page.getByRole("heading", { name: "Change your email address" })).toBeVisible();
  const use = page.getByRole("button", { name: "Use this address" });
  await use.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL("/account");
  await expect(page.getByText(`Your email address is changed to ${newEmail}`)).toBeVisible();
  await expect(page.locator(".account-details .email")).toContainText(newEmail);
  await expect(page.locator(".email-status")).toHaveText("(confirmed)");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("opening a change-of-address link changes nothing; its button does", async ({ page, request }) => {
    const user = await registerViaApi(request);
    await page.goto("/login");
    await submitLogin(page, user.username, PASSWORD);
    await expect(page).toHaveURL("/");
    await page.goto("/account");
    const newEmail = `new.${user.email}`;
    await page.getByLabel("New email address").fill(newEmail);
    await page.getByLabel("Your password").fill(PASSWORD);
    await page.getByRole("button", { name: "Send the link", exact: true }).click();
    await expect(page.getByRole("status")).toContainText(`We sent a link to ${newEmail}`);
    const mail = await waitForMail(newEmail, "Confirm your new email address");

    // As a mail scanner would: the page opens, names the address, and nothing changes.
    await page.goto(linkPath(mail, "/change-email/"));
    await expect(page.getByRole("heading", { name: "Change your email address" })).toBeVisible();
    await expect(page.getByText(newEmail)).toBeVisible();
    await page.goto("/account");
    await expect(page.locator(".account-details .email")).not.toContainText(newEmail);

    await page.goto(linkPath(mail, "/change-email/"));
    await page.getByRole("button", { name: "Use this address" }).click();
    await expect(page).toHaveURL("/account");
    await expect(page.getByText(`Your email address is changed to ${newEmail}`)).toBeVisible();
    await expect(page.locator(".account-details .email")).toContainText(newEmail);
    await expect(page.locator(".email-status")).toHaveText("(confirmed)");
  });
});

test("the forgotten-password page is accessible and usable by keyboard alone", async ({ page, request }) => {
  const user = await registerViaApi(request);
  await page.goto("/forgot");
  await expectAccessible(page);
  await page.getByLabel("Email").focus();
  await page.keyboard.type(user.email);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("If an account uses that address");
  const mail = await waitForMail(user.email, "Reset your password");
  await page.goto(linkPath(mail, "/reset/"));
  await expectAccessible(page);
  await page.getByLabel("New password", { exact: true }).focus();
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press("Tab");
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL("/login");
});
