import { expect, test, type Page } from "@playwright/test";

import { waitForHydration } from "./accounts";

const savedClicks = (page: Page) => page.locator("#saved-clicks");


test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page is rendered on the server", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveTitle("Leptodo");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Leptodo");
    await expect(savedClicks(page)).toContainText(/Saved clicks: \d+ in all, 0 from this session/);
    await expect(page.locator("main")).toHaveAttribute("data-hydrated", "false");
  });

  test("the save form still works by a plain POST", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("button", { name: "Save a click" }).click();
    // The server answers the form POST with a redirect back to the page it came from.
    await expect(savedClicks(page)).toContainText("1 from this session");
    expect(new URL(page.url()).pathname).toBe("/");
  });

  test("the browser-only counter does nothing before hydration", async ({ page }) => {
    await page.goto("/");
    const counter = page.locator("#local-counter");
    await counter.click();
    await expect(counter).toHaveText("Clicked 0 times");
  });
});

test.describe("with JavaScript", () => {
  test("the page hydrates and the reactive counter responds without a reload", async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    // A reload would wipe this marker.
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
    const counter = page.locator("#local-counter");
    await expect(counter).toHaveText("Clicked 0 times");
    await counter.click();
    await expect(counter).toHaveText("Clicked 1 time");
    await counter.click();
    await expect(counter).toHaveText("Clicked 2 times");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");
  });

  test("a saved click is written to the database and survives a reload", async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    const before = Number(/(\d+) in all/.exec((await savedClicks(page).textContent()) ?? "")?.[1]);
    expect(before).toBeGreaterThanOrEqual(0);
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));

    await page.getByRole("button", { name: "Save a click" }).click();
    await expect(savedClicks(page)).toContainText("1 from this session");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");

    await page.reload();
    await expect(savedClicks(page)).toContainText("1 from this session");
    const after = Number(/(\d+) in all/.exec((await savedClicks(page).textContent()) ?? "")?.[1]);
    expect(after).toBeGreaterThan(before);
  });

  test("the browser console stays free of errors", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto("/");
    await waitForHydration(page);
    await page.locator("#local-counter").click();
    await expect(page.locator("#local-counter")).toHaveText("Clicked 1 time");
    expect(errors).toEqual([]);
  });
});

test("an unknown page answers 404 with a way back", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await page.getByRole("link", { name: "Back to the start page" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Leptodo");
});
