// Every bullet of TodoMVC's app-spec.md, with JavaScript, against the real server and a fresh user per test.
import { expect, test } from "@playwright/test";
import {
  addTodos,
  count,
  item,
  items,
  markPage,
  newTodo,
  openTodosAsNewUser,
  settled,
  stillSamePage,
} from "./todos";

test.describe("no todos", () => {
  test("main and footer are hidden, and the new-todo input has the focus", async ({ page }) => {
    await openTodosAsNewUser(page);
    await expect(page.locator(".main")).toHaveCount(0);
    await expect(page.locator(".footer")).toHaveCount(0);
    await expect(newTodo(page)).toBeFocused();
    await expect(newTodo(page)).toHaveAttribute("placeholder", "What needs to be done?");
  });
});

test.describe("new todo", () => {
  test("Enter appends the todo, clears the input, and shows main and footer", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "buy milk", "walk the dog");
    await expect(items(page)).toHaveText(["buy milk", "walk the dog"]);
    await expect(newTodo(page)).toHaveValue("");
    await expect(page.locator(".main")).toBeVisible();
    await expect(page.locator(".footer")).toBeVisible();
  });

  test("the title is trimmed and a blank one adds nothing", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "   padded title   ");
    await expect(items(page)).toHaveText(["padded title"]);
    await newTodo(page).fill("    ");
    await newTodo(page).press("Enter");
    await expect(items(page)).toHaveCount(1);
  });

  test("a title over 500 characters is refused with a message and kept in the input", async ({ page }) => {
    await openTodosAsNewUser(page);
    const long = "x".repeat(501);
    await newTodo(page).fill(long);
    await newTodo(page).press("Enter");
    await expect(page.getByRole("alert")).toHaveText("A todo has at most 500 characters.");
    await expect(newTodo(page)).toHaveValue(long);
    await expect(items(page)).toHaveCount(0);
  });

  test("markup in a title is shown as text", async ({ page }) => {
    await openTodosAsNewUser(page);
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    const title = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;
    await addTodos(page, title);
    await settled(page);
    await page.reload();
    await expect(items(page)).toHaveText([title]);
    await expect(page.locator(".todo-list img")).toHaveCount(0);
    expect(dialogs).toBe(0);
  });
});

test.describe("mark all as complete", () => {
  test("toggle-all marks every todo, then none", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two", "three");
    const toggleAll = page.locator("#toggle-all");
    await page.locator("label[for=toggle-all]").click();
    await expect(items(page)).toHaveClass(["completed", "completed", "completed"]);
    await expect(toggleAll).toBeChecked();
    await page.locator("label[for=toggle-all]").click();
    await expect(items(page)).toHaveClass(["", "", ""]);
    await expect(toggleAll).not.toBeChecked();
  });

  test("toggle-all follows the items and is cleared by Clear completed", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    const toggleAll = page.locator("#toggle-all");
    await item(page, "one").locator(".toggle").check();
    await expect(toggleAll).not.toBeChecked();
    await item(page, "two").locator(".toggle").check();
    await expect(toggleAll).toBeChecked();
    await item(page, "two").locator(".toggle").uncheck();
    await expect(toggleAll).not.toBeChecked();
    await item(page, "two").locator(".toggle").check();
    await page.getByRole("button", { name: "Clear completed" }).click();
    await expect(page.locator(".main")).toHaveCount(0);
    await addTodos(page, "three");
    await expect(toggleAll).not.toBeChecked();
  });
});

test.describe("item", () => {
  test("the checkbox marks a todo complete and back", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await item(page, "one").locator(".toggle").check();
    await expect(item(page, "one")).toHaveClass("completed");
    await expect(item(page, "two")).not.toHaveClass("completed");
    await item(page, "one").locator(".toggle").uncheck();
    await expect(item(page, "one")).not.toHaveClass("completed");
  });

  test("the remove button shows on hover and deletes the todo", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "keep", "remove me");
    // Transparent rather than absent, so that it stays in the keyboard's tab order (see keyboard.spec.ts).
    await expect(item(page, "remove me").locator(".destroy")).toHaveCSS("opacity", "0");
    await item(page, "remove me").hover();
    await expect(item(page, "remove me").locator(".destroy")).toHaveCSS("opacity", "1");
    await item(page, "remove me").locator(".destroy").click();
    await expect(items(page)).toHaveText(["keep"]);
  });
});

test.describe("editing", () => {
  test("double-click edits: editing class, focused input holding the title, other controls hidden", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await item(page, "two").locator("label").dblclick();
    const row = items(page).nth(1);
    await expect(row).toHaveClass("editing");
    await expect(row.locator(".edit")).toBeFocused();
    await expect(row.locator(".edit")).toHaveValue("two");
    await expect(row.locator(".view")).toBeHidden();
  });

  test("Enter saves the trimmed title", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await items(page).nth(1).locator("label").dblclick();
    await items(page).nth(1).locator(".edit").fill("   renamed   ");
    await items(page).nth(1).locator(".edit").press("Enter");
    await expect(items(page)).toHaveText(["one", "renamed"]);
    await expect(items(page).nth(1)).not.toHaveClass("editing");
    await settled(page);
    await page.reload();
    await expect(items(page)).toHaveText(["one", "renamed"]);
  });

  test("blur saves", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await items(page).nth(0).locator("label").dblclick();
    await items(page).nth(0).locator(".edit").fill("changed on blur");
    await newTodo(page).click();
    await expect(items(page)).toHaveText(["changed on blur", "two"]);
    await expect(items(page).nth(0)).not.toHaveClass("editing");
  });

  test("an empty title deletes the todo", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await items(page).nth(0).locator("label").dblclick();
    await items(page).nth(0).locator(".edit").fill("   ");
    await items(page).nth(0).locator(".edit").press("Enter");
    await expect(items(page)).toHaveText(["two"]);
    await settled(page);
    await page.reload();
    await expect(items(page)).toHaveText(["two"]);
  });

  test("Escape cancels the edit", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await items(page).nth(0).locator("label").dblclick();
    await items(page).nth(0).locator(".edit").fill("discarded");
    await items(page).nth(0).locator(".edit").press("Escape");
    await expect(items(page)).toHaveText(["one", "two"]);
    await expect(items(page).nth(0)).not.toHaveClass("editing");
    await settled(page);
    await page.reload();
    await expect(items(page)).toHaveText(["one", "two"]);
  });
});

test.describe("counter", () => {
  test("counts active todos with the right plural, in a strong tag", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one");
    await expect(count(page)).toHaveText("1 item left");
    await expect(count(page).locator("strong")).toHaveText("1");
    await addTodos(page, "two");
    await expect(count(page)).toHaveText("2 items left");
    await page.locator("label[for=toggle-all]").click();
    await expect(count(page)).toHaveText("0 items left");
  });
});

test.describe("clear completed", () => {
  test("shows only when something is completed and removes exactly those", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two", "three");
    const clear = page.getByRole("button", { name: "Clear completed" });
    await expect(clear).toHaveCount(0);
    await item(page, "two").locator(".toggle").check();
    await expect(clear).toBeVisible();
    await clear.click();
    await expect(items(page)).toHaveText(["one", "three"]);
    await expect(clear).toHaveCount(0);
  });
});

test.describe("persistence", () => {
  test("a reload shows exactly the same todos, order and states", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two", "three");
    await item(page, "two").locator(".toggle").check();
    await settled(page);
    await page.reload();
    await expect(items(page)).toHaveText(["one", "two", "three"]);
    await expect(items(page)).toHaveClass(["", "completed", ""]);
    await expect(count(page)).toHaveText("2 items left");
  });

  test("nothing reloads the page: every change is made in place", async ({ page }) => {
    await openTodosAsNewUser(page);
    await markPage(page);
    await addTodos(page, "one", "two");
    await item(page, "one").locator(".toggle").check();
    await items(page).nth(1).locator("label").dblclick();
    await items(page).nth(1).locator(".edit").fill("2");
    await items(page).nth(1).locator(".edit").press("Enter");
    await page.getByRole("link", { name: "Active" }).click();
    await page.getByRole("link", { name: "All" }).click();
    await page.getByRole("button", { name: "Clear completed" }).click();
    await expect(items(page)).toHaveText(["2"]);
    expect(await stillSamePage(page)).toBe(true);
  });
});

test.describe("routing", () => {
  test("filters are routes with the selected link, and toggling re-filters at once", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two", "three");
    await item(page, "two").locator(".toggle").check();
    await expect(page.getByRole("link", { name: "All" })).toHaveClass("selected");

    await page.getByRole("link", { name: "Active" }).click();
    await expect(page).toHaveURL(/\/active$/);
    await expect(items(page)).toHaveText(["one", "three"]);
    await expect(page.getByRole("link", { name: "Active" })).toHaveClass("selected");
    await expect(page.getByRole("link", { name: "All" })).not.toHaveClass("selected");
    // click, not check: the row leaves the Active list at once, before a check could see it checked.
    await item(page, "one").locator(".toggle").click();
    await expect(items(page)).toHaveText(["three"]);

    await page.getByRole("link", { name: "Completed" }).click();
    await expect(page).toHaveURL(/\/completed$/);
    await expect(items(page)).toHaveText(["one", "two"]);
    await item(page, "two").locator(".toggle").click();
    await expect(items(page)).toHaveText(["one"]);
  });

  test("back and forward walk through the filters", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await item(page, "one").locator(".toggle").check();
    await page.getByRole("link", { name: "Active" }).click();
    await expect(items(page)).toHaveText(["two"]);
    await page.getByRole("link", { name: "Completed" }).click();
    await expect(items(page)).toHaveText(["one"]);
    await page.goBack();
    await expect(page).toHaveURL(/\/active$/);
    await expect(items(page)).toHaveText(["two"]);
    await page.goBack();
    await expect(page).toHaveURL((url) => url.pathname === "/");
    await expect(items(page)).toHaveText(["one", "two"]);
    await page.goForward();
    await expect(items(page)).toHaveText(["two"]);
    await expect(page.getByRole("link", { name: "Active" })).toHaveClass("selected");
  });

  test("a filter survives a reload (it is rendered by the server)", async ({ page }) => {
    await openTodosAsNewUser(page);
    await addTodos(page, "one", "two");
    await item(page, "one").locator(".toggle").check();
    await settled(page);
    await page.goto("/completed");
    await expect(items(page)).toHaveText(["one"]);
    await expect(page.getByRole("link", { name: "Completed" })).toHaveClass("selected");
  });
});
