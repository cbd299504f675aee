// Passkeys in the browser, answered by Chromium's virtual authenticator (DevTools' WebAuthn domain: a platform
// authenticator with resident keys and user verification, which "touches" itself): add one on the account page,
// sign in with the button and through the username field's autofill, answer the second step with it, remove
// it; by keyboard alone, axe-clean, and the password form still there without JavaScript.
//
// Browsers refuse passkeys on an IP address, so this file opens the site as http://localhost (the server's
// relying party without `site_url`).
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, submitLogin, tabTo, waitForHydration } from "./accounts";
import { expectNoViolations } from "./axe";
import { Authenticator } from "./totp";
import { openTodosAsNewUser } from "./todos";

const port = Number(process.env.E2E_PORT ?? 3100);
test.use({ baseURL: `http://localhost:${port}` });

/**
 * Makes the page's browser one without passkey autofill (as some still are), so that its login page waits for
 * the button: Chromium's virtual authenticator answers an autofill request at once, as if the user had picked it.
 */
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

/** Gives the page's browser a fingerprint reader that always says yes. */
async function virtualAuthenticator(page: Page) {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send("WebAuthn.enable");
  const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { devtools, authenticatorId };
}

async function addPasskey(page: Page, name: string) {
  await page.getByLabel("Passkey name").fill(name);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.locator(".passkey-list .passkey-name")).toContainText([name]);
  await waitForHydration(page);
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.locator(".site-header").getByRole("link", { name: "Log in" })).toBeVisible();
}

test("add a passkey, sign in with the button, rename and remove it", async ({ page }) => {
  await withoutAutofill(page);
  const { devtools, authenticatorId } = await virtualAuthenticator(page);
  const user = await openTodosAsNewUser(page, "/account/security");
  await expect(page.locator(".no-passkeys")).toHaveText("No passkeys yet.");
  await page.getByLabel("Passkey name").fill("   ");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.locator("#passkey-add-error")).toHaveText("Name the passkey.");
  await addPasskey(page, "Laptop");
  await expect(page.locator(".passkey-list li")).toContainText("never used");
  const { credentials } = await devtools.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  await logOut(page);

  await page.goto("/login?next=/account/security");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await expect(page.locator(".passkey-list li")).toContainText("last used");

  await page.getByLabel("New name for ‘Laptop’").fill("Work laptop");
  await page.getByRole("button", { name: "Rename" }).click();
  await expect(page.locator(".passkey-list .passkey-name")).toHaveText(["Work laptop"]);
  // A passkey sign-in is no fresh password: removing asks for it.
  await page.locator(".passkey-list li").getByLabel("Your password, to confirm it is you").fill(PASSWORD);
  await page.getByRole("button", { name: "Remove ‘Work laptop’" }).click();
  await expect(page.locator(".no-passkeys")).toBeVisible();
  await logOut(page);

  // The authenticator still holds it; the site no longer accepts it.
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.locator(".passkey-sign-in [role=alert]")).toContainText("not accepted");
  await expect(page).toHaveURL(/\/login/);
});

test("the username field offers the passkey through autofill", async ({ page }) => {
  await virtualAuthenticator(page);
  const user = await openTodosAsNewUser(page, "/account/security");
  await addPasskey(page, "Phone");
  // Logging out lands on /login, which asks for a conditional passkey as soon as it is live; the virtual
  // authenticator picks the only one, as a user choosing it from the username field's autofill list would, and
  // the sign-in goes on to the start page by itself.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await page.goto("/account/security");
  await expect(page.locator(".passkey-list li")).toContainText("last used");
});

test("a passkey answers the second step of a password sign-in", async ({ page }) => {
  await withoutAutofill(page);
  await virtualAuthenticator(page);
  const user = await openTodosAsNewUser(page, "/account/security");
  await addPasskey(page, "Security key");
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const phone = new Authenticator((await page.locator(".setup-key").textContent()) ?? "");
  await page.getByLabel("Code from your app").fill(await phone.nextCode());
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await page.getByRole("link", { name: "I have saved them" }).click();
  await logOut(page);

  // The passkey's own sign-in skips the second step: it is both factors.
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  await logOut(page);

  await page.goto("/login");
  await submitLogin(page, user.username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/code/);
  await waitForHydration(page);
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
});

test("by keyboard alone, axe-clean", async ({ page }) => {
  await withoutAutofill(page);
  await virtualAuthenticator(page);
  const user = await openTodosAsNewUser(page, "/account/security");
  await expectNoViolations(page);
  await tabTo(page, page.getByLabel("Passkey name"), { limit: 80 });
  await page.keyboard.type("Keyboard key");
  await page.keyboard.press("Enter");
  await expect(page.locator(".passkey-list .passkey-name")).toHaveText(["Keyboard key"]);
  await waitForHydration(page);
  await expectNoViolations(page);
  await tabTo(page, page.getByRole("button", { name: "Log out" }), { limit: 80 });
  await page.keyboard.press("Enter");
  await expect(page.locator(".site-header").getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/login");
  await waitForHydration(page);
  await expectNoViolations(page);
  await tabTo(page, page.getByRole("button", { name: "Sign in with a passkey" }));
  await page.keyboard.press("Enter");
  await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login page is the password form, and the account page says what adding needs", async ({ page }) => {
    const user = await openTodosAsNewUser(page, "/account/security", { javaScript: false });
    await expect(page.getByText("Adding a passkey needs JavaScript")).toBeVisible();
    await expect(page.getByRole("button", { name: "Add a passkey" })).toBeHidden();
    await logOut(page);
    await page.goto("/login");
    await expect(page.getByLabel("Email or username")).toHaveAttribute("autocomplete", "username webauthn");
    await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeHidden();
    await submitLogin(page, user.username, PASSWORD);
    await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
  });
});

test("on an IP address the login page offers no passkeys", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${port}/login`);
  await waitForHydration(page);
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeHidden();
  await expect(page.getByRole("alert").filter({ hasText: /passkey/ })).toHaveCount(0);
});
