import { expect, type Page } from "@playwright/test";
import { PASSWORD, uniqueUser, waitForHydration } from "./accounts";

/** Registers a fresh user in the page's own browser context (so the page is logged in) and opens `path`. */
export async function openTodosAsNewUser(page: Page, path = "/", { javaScript = true } = {}) {
  const user = uniqueUser();
  const response = await page.request.post("/api/auth/register", {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(response.status()).toBe(201);
  await page.goto(path);
  if (javaScript) await waitForHydration(page);
  return user;
}

export const newTodo = (page: Page) => page.locator(".new-todo");
export const items = (page: Page) => page.locator(".todo-list li");
export const item = (page: Page, title: string) => items(page).filter({ hasText: title });
export const count = (page: Page) => page.locator(".todo-count");

/** Types each title into the new-todo input and presses Enter, waiting for each to show. */
export async function addTodos(page: Page, ...titles: string[]) {
  for (const title of titles) {
    await newTodo(page).fill(title);
    await newTodo(page).press("Enter");
    await expect(items(page).last()).toHaveText(title.trim());
  }
}

/**
 * Resolves once every change the page made has been answered by the server. Not "networkidle": the page's
 * live-update stream stays open for as long as the page does.
 */
export async function settled(page: Page) {
  await expect(page.locator(".todoapp:not([data-saving])")).toHaveCount(1);
}

/** Leaves a marker on `window` that a page load would wipe. */
export async function markPage(page: Page) {
  await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
}

/** Whether the marker left by `markPage` is still there, i.e. nothing reloaded the page. */
export async function stillSamePage(page: Page) {
  return (await page.evaluate(() => (window as unknown as { marker?: string }).marker)) === "same page";
}
