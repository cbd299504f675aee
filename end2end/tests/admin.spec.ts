import { expect, test } from "@playwright/test";
import { grantRole, loggedInPage, PASSWORD, registerViaApi, submitLogin, waitForHydration } from "./accounts";

test("an admin deactivates a user, whose open page is told at once and whose next request is refused", async ({
  browser,
  request,
}) => {
  const admin = await registerViaApi(request);
  const member = await registerViaApi(request);
  grantRole("admin", admin.username);

  const memberPage = await loggedInPage(browser, member.username);
  await memberPage.goto("/");
  await waitForHydration(memberPage);
  await memberPage.getByPlaceholder("What needs to be done?").fill("written before deactivation");
  await memberPage.getByPlaceholder("What needs to be done?").press("Enter");
  await expect(memberPage.locator(".todo-list li")).toHaveCount(1);

  const adminPage = await loggedInPage(browser, admin.username);
  await adminPage.locator(".site-header").getByRole("link", { name: "Admin" }).click();
  await expect(adminPage).toHaveURL((url) => url.pathname === "/admin");
  await waitForHydration(adminPage);
  await adminPage.getByLabel("Email or username").fill(member.username);
  await adminPage.getByRole("button", { name: "Search" }).click();
  const row = adminPage.locator(`tr[data-username="${member.username}"]`);
  await expect(row.locator(".todos")).toHaveText("1");
  await expect(row.locator(".active")).toHaveText("yes");
  await waitForHydration(adminPage);
  await row.getByRole("button", { name: `Deactivate ${member.username}` }).click();
  await expect(adminPage.getByRole("status")).toHaveText(
    `${member.username} is deactivated: their sessions and API tokens have ended.`,
  );
  await expect(row.locator(".active")).toHaveText("no");

  // The member's page is still open: its live updates end, and it says so without waiting for a click.
  await expect(memberPage.getByRole("alert")).toHaveText("You have been logged out. Reload the page to log in again.");
  await expect(memberPage.locator(".todoapp")).toHaveAttribute("data-live", "closed");
  // The next thing it asks of the server finds the session over.
  await memberPage.getByPlaceholder("What needs to be done?").fill("written after deactivation");
  await memberPage.getByPlaceholder("What needs to be done?").press("Enter");
  await expect(memberPage.getByRole("alert")).toContainText("Please log in");
  await memberPage.reload();
  await expect(memberPage).toHaveURL((url) => url.pathname === "/login");
  await expect(memberPage.locator(".site-header .user-name")).toHaveCount(0);
  await waitForHydration(memberPage);
  await submitLogin(memberPage, member.username, PASSWORD);
  await expect(memberPage.getByRole("alert")).toContainText("This account has been deactivated.");

  // Activated again, the member can log in and finds the list as it was.
  await row.getByRole("button", { name: `Activate ${member.username}` }).click();
  await expect(adminPage.getByRole("status")).toHaveText(`${member.username} is active again.`);
  await submitLogin(memberPage, member.username, PASSWORD);
  await expect(memberPage.locator(".site-header .user-name")).toHaveText(member.name);
  await memberPage.goto("/");
  await expect(memberPage.locator(".todo-list li label")).toHaveText(["written before deactivation"]);

  // The audit log names who did what to whom.
  await adminPage.getByRole("link", { name: "Audit log" }).click();
  const entries = adminPage.locator(".audit-log tbody tr", { hasText: member.username });
  await expect(entries.first().locator(".action")).toHaveText("activate");
  await expect(entries.nth(1).locator(".action")).toHaveText("deactivate");
  await expect(entries.nth(1).locator(".actor")).toHaveText(admin.username);
});

test("roles are granted and revoked from the users table, also without JavaScript", async ({ browser, request }) => {
  const admin = await registerViaApi(request);
  const member = await registerViaApi(request);
  grantRole("admin", admin.username);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await submitLogin(page, admin.username, PASSWORD);
  await page.goto(`/admin?q=${member.username}`);
  const row = page.locator(`tr[data-username="${member.username}"]`);
  await expect(row.locator(".roles .role")).toHaveText(["user×"]);

  await row.getByLabel(`Role to grant ${member.username}`).selectOption("admin");
  await row.getByRole("button", { name: "Grant" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/admin" && url.searchParams.get("q") === member.username);
  await expect(row.locator(".roles .role")).toHaveText(["admin×", "user×"]);

  await row.getByRole("button", { name: `Revoke admin from ${member.username}` }).click();
  await expect(row.locator(".roles .role")).toHaveText(["user×"]);

  // The admin's own row offers no way to deactivate themself.
  await page.goto(`/admin?q=${admin.username}`);
  const own = page.locator(`tr[data-username="${admin.username}"]`);
  await expect(own.getByText("(you)")).toBeVisible();
  await expect(own.getByRole("button", { name: /^Deactivate/ })).toHaveCount(0);
});

test("users without the admin role are refused, and visitors are sent to log in", async ({ page, browser, request }) => {
  await page.goto("/admin");
  await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/admin");

  const member = await registerViaApi(request);
  const memberPage = await loggedInPage(browser, member.username);
  await expect(memberPage.locator(".site-header").getByRole("link", { name: "Admin" })).toHaveCount(0);
  const response = await memberPage.goto("/admin/audit");
  expect(response?.status()).toBe(403);
  await expect(memberPage.getByRole("heading", { name: "Admins only" })).toBeVisible();
  await expect(memberPage.locator(".audit-log")).toHaveCount(0);
});
