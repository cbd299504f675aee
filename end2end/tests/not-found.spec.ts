import { expect, test } from "@playwright/test";

test("an unknown page answers 404 with a way back", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await page.getByRole("link", { name: "Back to the start page" }).click();
  // The start page is the todo list, which sends visitors to log in.
  await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/");
});
