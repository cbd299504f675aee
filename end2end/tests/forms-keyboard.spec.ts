import { expect, test, type Locator, type Page } from "@playwright/test";
import { grantRole, PASSWORD, registerViaApi, tabTo, uniqueUser, waitForHydration } from "./accounts";
import { openTodosAsNewUser } from "./todos";

// Issue 18: every form by keyboard alone, with JavaScript and without: Tab to each control, type, Enter or
// Space, never a click. A form that comes back refused has a summary at its top that holds the focus and links
// to each field in error, and each such field says why (aria-invalid, aria-describedby), after GOV.UK's pattern.

const NEW_PASSWORD = "another long passphrase";

/** The refused form's summary: it has the focus and says there is a problem, then `message`. */
async function expectSummary(page: Page, message: string) {
  const summary = page.getByRole("alert");
  await expect(summary).toBeFocused();
  await expect(summary).toContainText("There is a problem");
  await expect(summary).toContainText(message);
  return summary;
}

/** From the summary, Tab reaches the link for the field in error and Enter takes the focus to the field. */
async function followSummaryLink(page: Page, message: string, field: Locator) {
  const link = page.getByRole("alert").getByRole("link", { name: message });
  await page.keyboard.press("Tab");
  await expect(link).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(field).toBeFocused();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    async function open(page: Page, path: string) {
      await page.goto(path);
      if (javaScriptEnabled) await waitForHydration(page);
    }

    async function logIn(page: Page, login: string, password: string) {
      await open(page, "/login");
      await tabTo(page, page.getByRole("textbox", { name: "Email or username" }));
      await page.keyboard.type(login);
      await page.keyboard.press("Tab");
      await expect(page.getByLabel("Password")).toBeFocused();
      await page.keyboard.type(password);
      await page.keyboard.press("Enter");
    }

    test("login: a refusal is summarised and focused, both fields say why; then Remember me and in", async ({
      page,
      request,
    }) => {
      const user = await registerViaApi(request);
      await logIn(page, user.email, "not the right passphrase");
      await expectSummary(page, "Wrong email, username or password.");
      const login = page.getByRole("textbox", { name: "Email or username" });
      const password = page.getByLabel("Password");
      for (const field of [login, password]) {
        await expect(field).toHaveAttribute("aria-invalid", "true");
        await expect(field).toHaveAccessibleDescription("Wrong email, username or password.");
      }

      // From the summary the next Tab stops are the form's, with the login kept from before.
      await tabTo(page, login);
      await expect(login).toHaveValue(user.email);
      await page.keyboard.press("Tab");
      await expect(password).toBeFocused();
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press("Tab");
      const remember = page.getByRole("checkbox", { name: "Remember me" });
      await expect(remember).toBeFocused();
      await page.keyboard.press("Space");
      await expect(remember).toBeChecked();
      await page.keyboard.press("Tab");
      await expect(page.getByRole("button", { name: "Log in" })).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    });

    test("register: a taken address comes back summarised with a link to its field; corrected, the account is made", async ({
      page,
      request,
    }) => {
      const taken = await registerViaApi(request);
      const user = uniqueUser();
      await open(page, "/register");
      const email = page.getByRole("textbox", { name: "Email", exact: true });
      await tabTo(page, email);
      await page.keyboard.type(taken.email);
      for (const typed of [user.username, user.name, "", PASSWORD, PASSWORD]) {
        await page.keyboard.press("Tab");
        await page.keyboard.type(typed);
      }
      await page.keyboard.press("Enter");

      const message = "This email address is already registered.";
      await expectSummary(page, message);
      await expect(email).toHaveAttribute("aria-invalid", "true");
      await expect(email).toHaveAccessibleDescription(message);
      await followSummaryLink(page, message, email);
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type(user.email);
      // Passwords are never sent back: they are typed again.
      await tabTo(page, page.getByLabel("Password (8 characters or more)"));
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press("Tab");
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.pathname === "/");
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
    });

    test("account: refused password and address changes are summarised; a token is created and revoked", async ({
      page,
    }) => {
      const user = await openTodosAsNewUser(page, "/account/security", { javaScript: javaScriptEnabled });
      const current = page.getByLabel("Current password");
      await tabTo(page, current);
      await page.keyboard.type("not my password");
      for (const typed of [NEW_PASSWORD, NEW_PASSWORD]) {
        await page.keyboard.press("Tab");
        await page.keyboard.type(typed);
      }
      await page.keyboard.press("Enter");
      const wrong = "This is not your current password.";
      await expectSummary(page, wrong);
      await expect(current).toHaveAccessibleDescription(wrong);
      await followSummaryLink(page, wrong, current);

      // The address is the profile's: reached from the account area's navigation, by keyboard.
      await tabTo(page, page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Profile" }));
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.pathname === "/account");
      if (javaScriptEnabled) await waitForHydration(page);
      const address = page.getByLabel("New email address");
      await tabTo(page, address);
      await page.keyboard.type(`new-${user.email}`);
      await page.keyboard.press("Tab");
      await page.keyboard.type("not my password");
      await page.keyboard.press("Enter");
      await expectSummary(page, wrong);
      const confirming = page.getByLabel("Your password");
      await expect(confirming).toHaveAttribute("aria-invalid", "true");
      await expect(address).not.toHaveAttribute("aria-invalid");
      await followSummaryLink(page, wrong, confirming);

      // Tokens are listed with the devices.
      await tabTo(page, page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Devices" }));
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.pathname === "/account/sessions");
      if (javaScriptEnabled) await waitForHydration(page);
      // `required` stops an empty name but not blanks, which reach the server's rule.
      const tokenName = page.getByRole("textbox", { name: "Token name" });
      await tabTo(page, tokenName);
      await page.keyboard.type("   ");
      await page.keyboard.press("Enter");
      await expectSummary(page, "Name the token.");
      await expect(tokenName).toHaveAccessibleDescription("Name the token.");
      await tabTo(page, tokenName);
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type("backup script");
      await page.keyboard.press("Enter");
      await expect(page.getByRole("status")).toContainText("Token “backup script” created.");
      await tabTo(page, page.getByRole("button", { name: "Revoke ‘backup script’" }));
      await page.keyboard.press("Enter");
      await expect(page.locator(".no-tokens")).toBeVisible();
    });

    test("admin: search, grant and take back a role, deactivate and activate, by keyboard", async ({
      page,
      request,
    }) => {
      const admin = await registerViaApi(request);
      grantRole("admin", admin.username);
      const member = await registerViaApi(request);
      await logIn(page, admin.username, PASSWORD);
      await expect(page.locator(".site-header .user-name")).toHaveText(admin.name);

      await tabTo(page, page.locator(".site-header").getByRole("link", { name: "Admin" }));
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.pathname === "/admin");
      if (javaScriptEnabled) await waitForHydration(page);
      await tabTo(page, page.getByRole("searchbox", { name: "Email or username" }));
      await page.keyboard.type(member.username);
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL((url) => url.searchParams.get("q") === member.username);
      const status = page.getByRole("status");

      const role = page.getByRole("combobox", { name: `Role to grant ${member.username}` });
      await tabTo(page, role);
      const granted = await role.inputValue();
      await page.keyboard.press("Tab");
      await expect(page.getByRole("button", { name: "Grant" })).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(status).toHaveText(`${member.username} now has the role “${granted}”.`);
      await tabTo(page, page.getByRole("button", { name: `Revoke ${granted} from ${member.username}` }));
      await page.keyboard.press("Enter");
      await expect(status).toHaveText(`${member.username} no longer has the role “${granted}”.`);

      await tabTo(page, page.getByRole("button", { name: `Deactivate ${member.username}` }));
      await page.keyboard.press("Enter");
      await expect(status).toHaveText(`${member.username} is deactivated: their sessions and API tokens have ended.`);
      await tabTo(page, page.getByRole("button", { name: `Activate ${member.username}` }));
      await page.keyboard.press("Space");
      await expect(status).toHaveText(`${member.username} is active again.`);
    });
  });
}

test("with JavaScript, registration checks each field before sending and moves the focus to the first wrong one", async ({
  page,
}) => {
  const user = uniqueUser();
  await page.goto("/register");
  await waitForHydration(page);
  await tabTo(page, page.getByRole("textbox", { name: "Email", exact: true }));
  await page.keyboard.type(user.email);
  for (const typed of ["not a username!", user.name, "", "short", "short"]) {
    await page.keyboard.press("Tab");
    await page.keyboard.type(typed);
  }
  await page.keyboard.press("Enter");
  const username = page.getByRole("textbox", { name: "Username (letters and digits)" });
  await expect(username).toBeFocused();
  await expect(username).toHaveAttribute("aria-invalid", "true");
  await expect(username).toHaveAccessibleDescription(/letters/);
  const password = page.getByLabel("Password (8 characters or more)");
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription(/8/);
  await expect(page.getByRole("textbox", { name: "Email", exact: true })).toHaveAttribute("aria-invalid", "false");
  // Nothing was sent: the page is the same one, with no summary from the server.
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);
});
