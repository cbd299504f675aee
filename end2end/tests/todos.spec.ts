// The todo page beyond TodoMVC's spec: JavaScript off, accounts, errors from the server, history.
import { expect, test } from "@playwright/test";
import { PASSWORD, submitLogin, uniqueUser, waitForHydration } from "./accounts";
import { addTodos, count, item, items, newTodo, openTodosAsNewUser, settled } from "./todos";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("every action works by form POST", async ({ page }) => {
    await openTodosAsNewUser(page, "/", { javaScript: false });
    await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
    for (const title of ["one", "two", "three"]) {
      await newTodo(page).fill(title);
      await newTodo(page).press("Enter");
      await expect(items(page).last()).toHaveText(title);
    }
    await expect(count(page)).toHaveText("3 items left");

    // Toggle: the round checkbox area is a submit button without JavaScript.
    await item(page, "two").locator(".toggle-button").click();
    await expect(item(page, "two")).toHaveClass("completed");
    await expect(item(page, "two").locator(".toggle")).toBeChecked();

    // Edit through the link that stands in for double-click.
    await item(page, "one").hover();
    await item(page, "one").getByRole("link", { name: "Edit" }).click();
    await expect(page).toHaveURL(/\?edit=\d+$/);
    const editing = page.locator(".todo-list li.editing .edit");
    await expect(editing).toHaveValue("one");
    await editing.fill("  first  ");
    await editing.press("Enter");
    await expect(page).toHaveURL((url) => url.pathname === "/" && url.search === "");
    await expect(items(page)).toHaveText(["first", "two", "three"]);

    // Delete.
    await item(page, "three").hover();
    await item(page, "three").locator(".destroy").click();
    await expect(items(page)).toHaveText(["first", "two"]);

    // Filters are plain links to server-rendered pages.
    await page.getByRole("link", { name: "Completed" }).click();
    await expect(items(page)).toHaveText(["two"]);
    await page.getByRole("link", { name: "Active" }).click();
    await expect(items(page)).toHaveText(["first"]);
    await page.getByRole("link", { name: "All" }).click();

    // Toggle all, then clear completed.
    await page.locator(".toggle-all-button").click();
    await expect(items(page)).toHaveClass(["completed", "completed"]);
    await expect(page.locator("#toggle-all")).toBeChecked();
    await page.getByRole("button", { name: "Clear completed" }).click();
    await expect(page.locator(".main")).toHaveCount(0);
  });

  test("a refused title is explained and what was typed stays", async ({ page }) => {
    await openTodosAsNewUser(page, "/", { javaScript: false });
    const long = "y".repeat(501);
    await newTodo(page).fill(long);
    await newTodo(page).press("Enter");
    await expect(page.getByRole("alert")).toHaveText("A todo has at most 500 characters.");
    // Kept up to the field's own limit: what a visitor can park on the server is bounded.
    await expect(newTodo(page)).toHaveValue(long.slice(0, 500));
    await page.goto("/");
    await expect(page.getByRole("alert")).toHaveCount(0);
  });

  test("emptying a title in the edit form deletes the todo", async ({ page }) => {
    await openTodosAsNewUser(page, "/", { javaScript: false });
    await newTodo(page).fill("short-lived");
    await newTodo(page).press("Enter");
    await item(page, "short-lived").hover();
    await item(page, "short-lived").getByRole("link", { name: "Edit" }).click();
    await page.locator(".todo-list li.editing .edit").fill("");
    await page.locator(".todo-list li.editing .edit").press("Enter");
    await expect(page.locator(".main")).toHaveCount(0);
  });
});

test("visitors are sent to log in, and back to their filter afterwards", async ({ page }) => {
  const user = uniqueUser();
  const response = await page.request.post("/api/auth/register", {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(response.status()).toBe(201);
  await page.request.post("/api/auth/logout");

  await page.goto("/active");
  await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/active");
  await waitForHydration(page);
  await submitLogin(page, user.username, PASSWORD);
  await expect(page).toHaveURL(/\/active$/);
  await expect(page.locator(".todoapp h1")).toHaveText("todos");
});

test("two users never see each other's todos", async ({ browser }) => {
  const ann = await browser.newPage();
  const bob = await browser.newPage();
  await openTodosAsNewUser(ann);
  await openTodosAsNewUser(bob);
  await addTodos(ann, "ann's secret");
  await addTodos(bob, "bob's plan");
  await settled(ann);
  await ann.reload();
  await bob.reload();
  await expect(items(ann)).toHaveText(["ann's secret"]);
  await expect(items(bob)).toHaveText(["bob's plan"]);
  await ann.close();
  await bob.close();
});

test("a change the server refuses is undone with a visible message", async ({ page }) => {
  // Without live updates the page learns of the deletion only by the refusal. The stream is held unanswered
  // (as by a proxy that buffers it): refused outright, the page would reload its list at each retry and could
  // learn of the deletion that way before the click.
  await page.route("**/api/events", () => {});
  await openTodosAsNewUser(page);
  await addTodos(page, "gone elsewhere", "stays");
  await settled(page);
  // Another client (same account) deletes the todo behind the page's back.
  const list = await (await page.request.get("/api/todos")).json();
  const gone = list.find((todo: { title: string }) => todo.title === "gone elsewhere");
  expect((await page.request.delete(`/api/todos/${gone.id}`)).status()).toBe(204);

  await item(page, "gone elsewhere").locator(".toggle").click();
  await expect(page.getByRole("alert")).toHaveText(
    "A todo you changed was deleted elsewhere, so your change to it was dropped.",
  );
  await expect(items(page)).toHaveText(["stays"]);
});

test("a todo added and changed at once reaches the server in order", async ({ page }) => {
  await openTodosAsNewUser(page);
  await newTodo(page).fill("quick");
  await newTodo(page).press("Enter");
  // No waiting for the server: the toggle and the rename are queued behind the creation.
  await item(page, "quick").locator(".toggle").check();
  await item(page, "quick").locator("label").dblclick();
  await item(page, "quick").locator(".edit").fill("quick, renamed");
  await item(page, "quick").locator(".edit").press("Enter");
  await settled(page);
  await page.reload();
  await expect(items(page)).toHaveText(["quick, renamed"]);
  await expect(items(page)).toHaveClass(["completed"]);
});

test("the browser console stays free of errors", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await openTodosAsNewUser(page);
  await addTodos(page, "one");
  await item(page, "one").locator(".toggle").check();
  await page.getByRole("link", { name: "Completed" }).click();
  await expect(items(page)).toHaveText(["one"]);
  expect(errors).toEqual([]);
});
