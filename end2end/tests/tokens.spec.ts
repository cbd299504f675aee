// Personal access tokens from the account page, then used by a "script" (a request without cookies).
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { waitForHydration } from "./accounts";
import { openTodosAsNewUser } from "./todos";

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("a token is created, shown once, works for a script, and is revoked", async ({ page, baseURL }) => {
      await openTodosAsNewUser(page, "/account/sessions", { javaScript: javaScriptEnabled });
      await expect(page.locator(".no-tokens")).toHaveText("No tokens yet.");
      await page.getByLabel("Token name").fill("backup script");
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = page.locator(".token-secret");
      await expect(secret).toHaveText(/^ltd_[0-9a-f]{64}$/);
      const token = (await secret.textContent()) ?? "";
      await expect(page.locator(".token-list .token-name")).toHaveText(["backup script"]);

      const script = await playwrightRequest.newContext({
        baseURL,
        extraHTTPHeaders: { Authorization: `Bearer ${token}` },
      });
      const created = await script.post("/api/todos", { data: { title: "from the script" } });
      expect(created.status()).toBe(201);

      await page.reload();
      if (javaScriptEnabled) await waitForHydration(page);
      await expect(page.locator(".token-secret")).toHaveCount(0);
      await expect(page.locator(".token-list td").nth(2)).not.toHaveText("never");
      await page.getByRole("button", { name: "Revoke" }).click();
      await expect(page.locator(".no-tokens")).toBeVisible();
      expect((await script.get("/api/todos")).status()).toBe(401);
      await script.dispose();
    });
  });
}

test("a blank token name is refused with a message", async ({ page }) => {
  await openTodosAsNewUser(page, "/account/sessions");
  await page.getByLabel("Token name").fill("   ");
  // `required` only stops an empty field; blanks reach the server's rule.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("alert")).toContainText("Name the token.");
  await expect(page.getByLabel("Token name")).toHaveAccessibleDescription("Name the token.");
  await expect(page.locator(".no-tokens")).toBeVisible();
});
