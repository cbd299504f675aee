import { expect, test, type Page } from "@playwright/test";
import { waitForHydration } from "./accounts";
import { addTodos, count, item, items, markPage, openTodosAsNewUser, settled, stillSamePage } from "./todos";

// Live sync: a change made in one window shows in every other window of the same login, in place (no reload),
// whichever instance each window talks to. With E2E_DATABASE_URL this file runs against two instances behind
// HAProxy, so the two windows' requests and streams land on different instances. How soon is a speed, measured
// by `make live-bench` (end2end/bench/live-latency.spec.ts), not asserted here: the expectations wait as long as
// any other.

/** Opens `path` in `page` and waits until its live-update stream is open. */
async function openLive(page: Page, path = "/") {
  await page.goto(path);
  await waitForHydration(page);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
}

/** A second tab of `page`'s login, showing `path` and following live updates. */
async function secondTab(page: Page, path = "/") {
  const other = await page.context().newPage();
  await openLive(other, path);
  await markPage(other);
  return other;
}

test("add, toggle, edit, delete, toggle all and clear in one tab each show in the other, in place", async ({
  page,
}) => {
  await openTodosAsNewUser(page);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
  const other = await secondTab(page);

  await addTodos(page, "Buy milk", "Walk the dog", "Call mum");
  await expect(items(other)).toHaveText(["Buy milk", "Walk the dog", "Call mum"]);

  await item(page, "Buy milk").locator(".toggle").check();
  await expect(item(other, "Buy milk")).toHaveClass(/completed/);
  await expect(count(other)).toHaveText("2 items left");

  await item(page, "Walk the dog").locator("label").dblclick();
  await item(page, "Walk the dog").locator(".edit").fill("Walk the cat");
  await item(page, "Walk the dog").locator(".edit").press("Enter");
  await expect(items(other)).toHaveText(["Buy milk", "Walk the cat", "Call mum"]);

  await item(page, "Call mum").hover();
  await item(page, "Call mum").locator(".destroy").click();
  await expect(items(other)).toHaveText(["Buy milk", "Walk the cat"]);

  await page.locator(".clear-completed").click();
  await expect(items(other)).toHaveText(["Walk the cat"]);

  await page.locator("label[for=toggle-all]").click();
  await expect(item(other, "Walk the cat")).toHaveClass(/completed/);
  await expect(count(other)).toHaveText("0 items left");

  // Both ways: the second tab's change reaches the first.
  await addTodos(other, "From the other tab");
  await expect(item(page, "From the other tab")).toHaveCount(1);
  expect(await stillSamePage(other)).toBe(true);
});

test("a page does not apply its own changes twice, and the current filter is respected", async ({ page }) => {
  await openTodosAsNewUser(page);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
  const active = await secondTab(page, "/active");

  await addTodos(page, "Only once");
  // Three quick toggles here: the page shows the last one and never flips back when its own events arrive.
  const toggle = item(page, "Only once").locator(".toggle");
  await toggle.click();
  await toggle.click();
  await toggle.click();
  await settled(page);
  // The other tab's change reaches this page after its own events, on the same stream: once it shows, they
  // have all come (a wait of fixed length would prove nothing on a slow machine).
  await addTodos(active, "From the active tab");
  await expect(item(page, "From the active tab")).toHaveCount(1);
  await expect(items(page)).toHaveCount(2);
  await expect(toggle).toBeChecked();
  // The other tab shows Active: the now completed todo leaves it.
  await expect(items(active)).toHaveText(["From the active tab"]);
  await expect(count(active)).toHaveText("1 item left");
  await addTodos(page, "Still active");
  await expect(items(active)).toHaveText(["From the active tab", "Still active"]);
});

test("a todo being edited here and deleted elsewhere ends the edit with a message", async ({ page }) => {
  await openTodosAsNewUser(page);
  await addTodos(page, "Edited here", "Kept");
  await settled(page);
  const other = await secondTab(page);
  await item(other, "Edited here").locator("label").dblclick();
  await item(other, "Edited here").locator(".edit").fill("half-typed");

  await item(page, "Edited here").hover();
  await item(page, "Edited here").locator(".destroy").click();

  await expect(other.locator(".todo-list li.editing")).toHaveCount(0);
  await expect(other.getByRole("alert")).toHaveText("The todo you were editing was deleted in another window.");
  await expect(items(other)).toHaveText(["Kept"]);
  // The focus was in the row that went: it goes to the new-todo input rather than to the page's top.
  await expect(other.getByRole("textbox", { name: "New todo" })).toBeFocused();
  // An edit of a todo that is still there is left alone by changes to others.
  await item(other, "Kept").locator("label").dblclick();
  await item(other, "Kept").locator(".edit").fill("Kept, renamed");
  await addTodos(page, "Added meanwhile");
  await expect(item(other, "Added meanwhile")).toHaveCount(1);
  await expect(item(other, "Kept").locator(".edit")).toHaveValue("Kept, renamed");
  await item(other, "Kept").locator(".edit").press("Enter");
  await expect(item(page, "Kept, renamed")).toHaveCount(1);
});

test("a device that was offline reconnects by itself and catches up once", async ({ page, browser }) => {
  await openTodosAsNewUser(page);
  await addTodos(page, "Before");
  await settled(page);
  const phone = await browser.newContext({ storageState: await page.context().storageState() });
  const other = await phone.newPage();
  // Chromium's offline mode fails new requests but leaves an open stream be, so the drop of the open one is
  // played by an "error" event on it, as a lost connection gives; everything after that is real.
  await other.addInitScript(() => {
    const Native = window.EventSource;
    const opened: EventSource[] = [];
    (window as unknown as { openedStreams: EventSource[] }).openedStreams = opened;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        opened.push(this);
      }
    };
  });
  await openLive(other);
  await markPage(other);

  await phone.setOffline(true);
  await other.evaluate(() =>
    (window as unknown as { openedStreams: EventSource[] }).openedStreams.forEach((stream) =>
      stream.dispatchEvent(new Event("error")),
    ),
  );
  await expect(other.locator(".todoapp")).toHaveAttribute("data-live", "closed");
  await addTodos(page, "While offline");
  await item(page, "Before").locator(".toggle").check();
  await settled(page);
  await phone.setOffline(false);

  await expect(other.locator(".todoapp")).toHaveAttribute("data-live", "open", { timeout: 10_000 });
  await expect(items(other)).toHaveText(["Before", "While offline"]);
  await expect(item(other, "Before")).toHaveClass(/completed/);
  expect(await stillSamePage(other)).toBe(true);
  await phone.close();
});

test("logging out in one tab ends the other tab's live updates and says so", async ({ page }) => {
  await openTodosAsNewUser(page);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
  const other = await secondTab(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(other.locator(".todoapp")).toHaveAttribute("data-live", "closed");
  await expect(other.getByRole("alert")).toHaveText("You have been logged out. Reload the page to log in again.");
});
