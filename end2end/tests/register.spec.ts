import { expect, test } from "@playwright/test";
import { fillRegistration, registerViaApi, uniqueUser, waitForHydration } from "./accounts";

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("registering logs in and lands on the start page", async ({ page }) => {
      const user = uniqueUser();
      await page.goto("/register");
      if (javaScriptEnabled) await waitForHydration(page);
      await fillRegistration(page, user);
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.locator(".site-header .user-name")).toHaveText(user.name);
      await expect(page).toHaveURL((url) => url.pathname === "/");
      // The start page is an empty todo list.
      await expect(page.locator(".todoapp .new-todo")).toBeVisible();
      await expect(page.locator(".todo-list li")).toHaveCount(0);
    });

    test("a taken username is shown next to its field, and what was typed stays", async ({ page, request }) => {
      const taken = await registerViaApi(request);
      const user = { ...uniqueUser(), username: taken.username.toUpperCase() };
      await page.goto("/register");
      if (javaScriptEnabled) await waitForHydration(page);
      await fillRegistration(page, user);
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.locator("#register-username-error")).toHaveText("This username is taken.");
      await expect(page.locator(".site-header .user-name")).toHaveCount(0);
      await expect(page.getByLabel("Email", { exact: true })).toHaveValue(user.email);
      await expect(page.getByLabel("Username (letters and digits)")).toHaveValue(user.username);
      await expect(page.getByLabel("Name", { exact: true })).toHaveValue(user.name);
      if (!javaScriptEnabled) {
        // The page was reloaded: passwords are never sent back.
        await expect(page.getByLabel("Password (8 characters or more)")).toHaveValue("");
      }
    });
  });
}

test("the browser checks each field as soon as it is left, before any request", async ({ page }) => {
  await page.goto("/register");
  await waitForHydration(page);
  let posted = false;
  page.on("request", (request) => {
    if (request.method() === "POST") posted = true;
  });
  await page.getByLabel("Email", { exact: true }).fill("not an email");
  await page.getByLabel("Username (letters and digits)").focus();
  await expect(page.locator("#register-email-error")).toContainText("is not a valid email address");
  await page.getByLabel("Username (letters and digits)").fill("a b");
  await page.getByLabel("Name", { exact: true }).focus();
  await expect(page.locator("#register-username-error")).toHaveText(
    "A username uses only the letters a–z and digits 0–9.",
  );
  await page.getByLabel("Password (8 characters or more)").fill("password1");
  await page.getByLabel("Confirm password").focus();
  await expect(page.locator("#register-password-error")).toContainText("most commonly used");
  await page.getByLabel("Email", { exact: true }).fill("fixed@example.com");
  await expect(page.locator("#register-email-error")).toHaveText("");
  // Submitting a form that breaks a rule sends nothing: every message shows and the first field in error
  // (the username, since the email is now fine) gets the focus.
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Username (letters and digits)")).toBeFocused();
  await expect(page.locator("#register-name-error")).toHaveText("Enter your name.");
  expect(posted).toBe(false);
});
