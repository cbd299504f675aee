import { expect, test } from "@playwright/test";
import { tabTo } from "./accounts";
import { openTodosAsNewUser, settled } from "./todos";

// Issue 18: every action on the todo list by keyboard alone (no click), with names that say which todo a
// control acts on, and the focus where a keyboard user expects it after each action.

test("a row is toggled, edited (Edit button or F2), cancelled and deleted with the keyboard alone", async ({ page }) => {
  await openTodosAsNewUser(page);
  const newTodo = page.getByRole("textbox", { name: "New todo" });
  await expect(newTodo).toBeFocused();
  await page.keyboard.type("Buy milk");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Walk the dog");
  await page.keyboard.press("Enter");

  await page.keyboard.press("Tab");
  await expect(page.locator("#toggle-all")).toBeFocused();
  await page.keyboard.press("Tab");
  const milk = page.getByRole("checkbox", { name: "Mark ‘Buy milk’ complete" });
  await expect(milk).toBeFocused();
  await page.keyboard.press("Space");
  await expect(milk).toBeChecked();

  // Another row's controls stay out of sight, yet in the tab order.
  await expect(page.getByRole("button", { name: "Edit ‘Walk the dog’" })).toHaveCSS("opacity", "0");
  await page.keyboard.press("Tab");
  const edit = page.getByRole("button", { name: "Edit ‘Buy milk’" });
  await expect(edit).toBeFocused();
  // Hidden by opacity until the row has the focus (or the pointer): it must show once focused.
  await expect(edit).toHaveCSS("opacity", "1");
  await page.keyboard.press("Enter");
  const input = page.getByRole("textbox", { name: "New title for ‘Buy milk’" });
  await expect(input).toBeFocused();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("Buy oat milk");
  await page.keyboard.press("Enter");
  const renamedEdit = page.getByRole("button", { name: "Edit ‘Buy oat milk’" });
  await expect(renamedEdit).toBeFocused();
  await expect(page.getByRole("status")).toHaveText("Renamed ‘Buy milk’ to ‘Buy oat milk’. 1 item left.");

  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("checkbox", { name: "Mark ‘Buy oat milk’ complete" })).toBeFocused();
  await page.keyboard.press("F2");
  await expect(page.getByRole("textbox", { name: "New title for ‘Buy oat milk’" })).toBeFocused();
  await page.keyboard.type(" and bread");
  await page.keyboard.press("Escape");
  await expect(renamedEdit).toBeFocused();
  await expect(page.locator(".todo-list label").first()).toHaveText("Buy oat milk");

  await page.keyboard.press("Tab");
  const remove = page.getByRole("button", { name: "Delete ‘Buy oat milk’" });
  await expect(remove).toBeFocused();
  await expect(remove).toHaveCSS("opacity", "1");
  await page.keyboard.press("Enter");
  await expect(page.locator(".todo-list label")).toHaveText(["Walk the dog"]);
  await expect(page.getByRole("checkbox", { name: "Mark ‘Walk the dog’ complete" })).toBeFocused();
  await expect(page.getByRole("status")).toHaveText("Deleted ‘Buy oat milk’. 1 item left.");
  await settled(page);
});

test("toggle all, the filters and clear completed by keyboard; each result is announced politely", async ({ page }) => {
  await openTodosAsNewUser(page);
  const status = page.getByRole("status");
  for (const title of ["one", "two", "three"]) {
    await page.keyboard.type(title);
    await page.keyboard.press("Enter");
  }
  await expect(status).toHaveText("Added ‘three’. 3 items left.");

  await page.keyboard.press("Tab");
  await expect(page.locator("#toggle-all")).toBeFocused();
  await page.keyboard.press("Space");
  await expect(page.locator(".todo-list li.completed")).toHaveCount(3);
  await expect(status).toHaveText("Marked every todo complete. 0 items left.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(status).toHaveText("Marked ‘one’ not complete. 1 item left.");

  // On to the filters: Tab past the rows' controls until "Active" has the focus.
  const active = page.getByRole("link", { name: "Active" });
  await tabTo(page, active);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/active$/);
  await expect(active).toBeFocused();
  await expect(page.locator(".todo-list li")).toHaveCount(1);

  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Completed" })).toBeFocused();
  await page.keyboard.press("Tab");
  const clear = page.getByRole("button", { name: "Clear completed" });
  await expect(clear).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(status).toHaveText("Cleared 2 completed todos. 1 item left.");
  // The button went with the completed todos: the focus goes to the new-todo input, not to the page's top.
  await expect(page.getByRole("textbox", { name: "New todo" })).toBeFocused();
  await settled(page);
  const saved = await (await page.request.get("/api/todos")).json();
  expect(saved.map((todo: { title: string }) => todo.title)).toEqual(["one"]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("every action on the list by keyboard: add, toggle all, toggle, edit, delete, filter, clear completed", async ({
    page,
  }) => {
    await openTodosAsNewUser(page, "/", { javaScript: false });
    const newTodo = page.getByRole("textbox", { name: "New todo" });
    for (const title of ["Buy milk", "Walk the dog"]) {
      // Each post comes back as a new page whose new-todo input has the focus again.
      await expect(newTodo).toBeFocused();
      await page.keyboard.type(title);
      await page.keyboard.press("Enter");
      await expect(page.locator(".todo-list label").last()).toHaveText(title);
    }

    await tabTo(page, page.getByRole("button", { name: "Mark all as complete" }));
    await page.keyboard.press("Enter");
    await expect(page.locator(".todo-list li.completed")).toHaveCount(2);
    await tabTo(page, page.getByRole("button", { name: "Mark ‘Buy milk’ active" }));
    await page.keyboard.press("Space");
    await expect(page.locator(".todo-list li.completed")).toHaveText(["Walk the dog"]);

    const edit = page.getByRole("link", { name: "Edit ‘Buy milk’" });
    await tabTo(page, edit);
    await expect(edit).toHaveCSS("opacity", "1");
    await page.keyboard.press("Enter");
    const title = page.getByRole("textbox", { name: "New title for ‘Buy milk’" });
    await expect(title).toBeFocused();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("Buy oat milk");
    await page.keyboard.press("Enter");
    await expect(page.locator(".todo-list label")).toHaveText(["Buy oat milk", "Walk the dog"]);

    const remove = page.getByRole("button", { name: "Delete ‘Buy oat milk’" });
    await tabTo(page, remove);
    await expect(remove).toHaveCSS("opacity", "1");
    await page.keyboard.press("Enter");
    await expect(page.locator(".todo-list label")).toHaveText(["Walk the dog"]);
    await expect(newTodo).toBeFocused();

    await tabTo(page, page.getByRole("link", { name: "Completed" }));
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/completed$/);
    await expect(page.locator(".todo-list label")).toHaveText(["Walk the dog"]);
    await tabTo(page, page.getByRole("button", { name: "Clear completed" }));
    await page.keyboard.press("Enter");
    await expect(page.locator(".todo-list li")).toHaveCount(0);
    const saved = await (await page.request.get("/api/todos")).json();
    expect(saved).toEqual([]);
  });
});
