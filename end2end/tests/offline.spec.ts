import { expect, test as base, type BrowserContext, type Page } from "@playwright/test";
import { PASSWORD, uniqueUser, waitForHydration } from "./accounts";
import { OwnServer } from "./own-server";
import { addTodos, count, item, items, newTodo, settled } from "./todos";

// Offline first: the todo page opens and works with its server gone, keeps every change in IndexedDB, and sends
// them (each once) when the server answers again; live sync then shows them everywhere. Each test stops and
// starts a server of its own (own-server.ts): the suite's shared server keeps serving the other tests.
// Waiting for a reconnect may take a live stream's longest pause (30 s), hence the longer limits.

/** Each test's own server, started fresh and stopped (by its process) when the test ends. */
const test = base.extend<{ server: OwnServer }>({
  server: async ({}, use, info) => {
    const server = await OwnServer.start(info);
    await use(server);
    await server.stop();
  },
});

test.describe.configure({ timeout: 150_000 });
const RECONNECT = { timeout: 45_000 };
const NOTICE = "Offline — changes will sync";

/** Registers a fresh user on `server` in `context` (so its pages are logged in). */
async function register(context: BrowserContext, server: OwnServer) {
  const user = uniqueUser();
  const response = await context.request.post(`${server.url}/api/auth/register`, {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(response.status()).toBe(201);
  return user;
}

/** Logs `context` in as `login` on `server`. */
async function logIn(context: BrowserContext, server: OwnServer, login: string) {
  const response = await context.request.post(`${server.url}/api/auth/login`, {
    data: { login, password: PASSWORD },
  });
  expect(response.status()).toBe(200);
}

/** Opens the todo page and waits until the service worker controls it and keeps a copy of it. */
async function openKept(page: Page, server: OwnServer) {
  await page.goto(`${server.url}/`);
  await waitForHydration(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  // The first load came before the worker; from this one on, it keeps the page.
  await page.reload();
  await waitForHydration(page);
  await expect
    .poll(() => page.evaluate(() => caches.match("/").then((kept) => kept !== undefined)))
    .toBe(true);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
}

/** The titles and states of the user's todos, as the server's database holds them. */
async function stored(context: BrowserContext, server: OwnServer) {
  const response = await context.request.get(`${server.url}/api/todos`);
  expect(response.status()).toBe(200);
  const todos: { title: string; completed: boolean }[] = await response.json();
  return todos.map((todo) => `${todo.title}${todo.completed ? " ✓" : ""}`);
}

test("the list opens and changes without its server, and every change reaches it once when it is back", async ({
  browser,
  server,
}) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  try {
    const user = await register(laptop, server);
    await logIn(phone, server, user.username);
    const page = await laptop.newPage();
    await openKept(page, server);
    await addTodos(page, "Buy milk", "Walk the dog", "Call mum", "Pack a bag");
    await settled(page);
    const other = await phone.newPage();
    await other.goto(`${server.url}/`);
    await waitForHydration(other);
    await expect(items(other)).toHaveText(["Buy milk", "Walk the dog", "Call mum", "Pack a bag"]);

    await server.stop();
    await page.reload();
    await waitForHydration(page);
    await expect(items(page)).toHaveText(["Buy milk", "Walk the dog", "Call mum", "Pack a bag"]);
    await expect(page.locator(".offline-notice")).toHaveText(NOTICE);
    await expect(page.locator(".todoapp").getByRole("status")).toHaveText(`${NOTICE}.`);

    await addTodos(page, "Read a book");
    await item(page, "Buy milk").locator(".toggle").check();
    await item(page, "Walk the dog").locator("label").dblclick();
    await item(page, "Walk the dog").locator(".edit").fill("Walk the cat");
    await item(page, "Walk the dog").locator(".edit").press("Enter");
    await item(page, "Call mum").hover();
    await item(page, "Call mum").locator(".destroy").click();
    await expect(items(page)).toHaveText(["Buy milk", "Walk the cat", "Pack a bag", "Read a book"]);
    await expect(page.locator(".offline-notice")).toHaveText(`${NOTICE} (4 waiting)`);

    // Closed and opened again, still offline: the queue is still there, and grows.
    await page.close();
    const again = await laptop.newPage();
    await again.goto(`${server.url}/`);
    await waitForHydration(again);
    await expect(items(again)).toHaveText(["Buy milk", "Walk the cat", "Pack a bag", "Read a book"]);
    await expect(item(again, "Buy milk")).toHaveClass(/completed/);
    await again.locator(".clear-completed").click();
    await again.locator("label[for=toggle-all]").click();
    await expect(items(again)).toHaveText(["Walk the cat", "Pack a bag", "Read a book"]);
    await expect(count(again)).toHaveText("0 items left");
    await expect(again.locator(".offline-notice")).toHaveText(`${NOTICE} (6 waiting)`);
    // The phone saw none of it.
    await expect(items(other)).toHaveText(["Buy milk", "Walk the dog", "Call mum", "Pack a bag"]);

    await server.resume();
    await settled(again);
    await expect(again.locator(".offline-notice")).toHaveCount(0);
    expect(await stored(laptop, server)).toEqual(["Walk the cat ✓", "Pack a bag ✓", "Read a book ✓"]);
    await expect(items(other)).toHaveText(["Walk the cat", "Pack a bag", "Read a book"], RECONNECT);
    await expect(count(other)).toHaveText("0 items left");
    // Nothing was applied twice: a reload shows exactly the server's list.
    await again.reload();
    await expect(items(again)).toHaveText(["Walk the cat", "Pack a bag", "Read a book"]);
  } finally {
    await laptop.close();
    await phone.close();
  }
});

test("two devices offline: different fields both stay, the same field goes to the last to arrive, a delete wins", async ({
  browser,
  server,
}) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  try {
    const user = await register(laptop, server);
    await logIn(phone, server, user.username);
    const one = await laptop.newPage();
    const two = await phone.newPage();
    await openKept(one, server);
    await openKept(two, server);
    await addTodos(one, "Plan trip", "Book hotel");
    await expect(items(two)).toHaveText(["Plan trip", "Book hotel"]);

    // Both offline, each changing another field of the same todo.
    await server.stop();
    await item(one, "Plan trip").locator("label").dblclick();
    await item(one, "Plan trip").locator(".edit").fill("Plan the trip");
    await item(one, "Plan trip").locator(".edit").press("Enter");
    await item(two, "Plan trip").locator(".toggle").check();
    await server.resume();
    for (const page of [one, two]) {
      await expect(item(page, "Plan the trip")).toHaveClass(/completed/, RECONNECT);
    }

    // The same field: the phone stays offline longer (its server gone first, so it hears nothing of the
    // laptop's change), so its title reaches the server last and wins.
    await server.stop();
    await phone.setOffline(true);
    await item(one, "Book hotel").locator("label").dblclick();
    await item(one, "Book hotel").locator(".edit").fill("Book a hotel by the sea");
    await item(one, "Book hotel").locator(".edit").press("Enter");
    await item(two, "Book hotel").locator("label").dblclick();
    await item(two, "Book hotel").locator(".edit").fill("Book a hostel");
    await item(two, "Book hotel").locator(".edit").press("Enter");
    await expect(two.locator(".offline-notice")).toHaveText(`${NOTICE} (1 waiting)`);
    await server.resume();
    await settled(one);
    await phone.setOffline(false);
    await settled(two);
    for (const page of [one, two]) {
      await expect(items(page)).toHaveText(["Plan the trip", "Book a hostel"], RECONNECT);
    }

    // A delete wins over an edit that arrives after it; the edit is dropped with a word of why.
    await server.stop();
    await phone.setOffline(true);
    await item(one, "Book a hostel").hover();
    await item(one, "Book a hostel").locator(".destroy").click();
    await item(two, "Book a hostel").locator(".toggle").check();
    await server.resume();
    await settled(one);
    await phone.setOffline(false);
    await expect(two.getByRole("alert")).toContainText("deleted elsewhere", RECONNECT);
    await expect(items(two)).toHaveText(["Plan the trip"], RECONNECT);
    expect(await stored(laptop, server)).toEqual(["Plan the trip ✓"]);
  } finally {
    await laptop.close();
    await phone.close();
  }
});

test("logging out forgets the list and the queue, and changes of an ended login are never sent under a new one", async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  try {
    const ann = await register(context, server);
    const page = await context.newPage();
    await openKept(page, server);
    await addTodos(page, "Ann's online todo");
    await settled(page);

    // Offline, a change waits; logging out forgets it before the logout is even sent.
    await server.stop();
    await page.reload();
    await waitForHydration(page);
    await addTodos(page, "Ann's queued todo");
    await expect(page.locator(".offline-notice")).toHaveText(`${NOTICE} (1 waiting)`);
    // The logout cannot reach the server: wait until the browser has given up on it, then bring the server back.
    const refused = page.waitForEvent("requestfailed", (request) => request.url().includes("/api/log_out"));
    await page.getByRole("button", { name: "Log out" }).click();
    await refused;
    await server.resume();
    // Nothing of Ann's is left in this browser (looked at from a page that is not the todo page, which would be
    // kept again: the login is still alive, its logout never reached the server).
    const origin = await context.newPage();
    await origin.goto(`${server.url}/account`);
    expect(await origin.evaluate(() => caches.has("leptodo-pages"))).toBe(false);
    const kept = await origin.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = indexedDB.open("leptodo", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("lists");
          open.onsuccess = () => {
            const counting = open.result.transaction("lists").objectStore("lists").count();
            counting.onsuccess = () => resolve(counting.result);
          };
        }),
    );
    expect(kept).toBe(0);
    // The queued todo never reaches the server, not even when the login (still alive: the logout never
    // arrived) opens the page again.
    await origin.goto(`${server.url}/`);
    await waitForHydration(origin);
    await expect(items(origin)).toHaveText(["Ann's online todo"]);
    await settled(origin);
    expect(await stored(context, server)).toEqual(["Ann's online todo"]);

    // The login ends without this page's knowledge (the server forgets it) while a change waits offline.
    await server.stop();
    await origin.reload();
    await waitForHydration(origin);
    await addTodos(origin, "Made under the old login");
    await origin.close();
    await server.resume();
    expect((await context.request.post(`${server.url}/api/auth/logout`)).status()).toBeLessThan(400);
    await logIn(context, server, ann.username);
    const fresh = await context.newPage();
    await fresh.goto(`${server.url}/`);
    await waitForHydration(fresh);
    await settled(fresh);
    await expect(items(fresh)).toHaveText(["Ann's online todo"]);
    expect(await stored(context, server)).toEqual(["Ann's online todo"]);

    // Another person at the same browser, after Ann logs out, never sees Ann's list, online or offline.
    await fresh.getByRole("button", { name: "Log out" }).click();
    await expect(fresh).toHaveURL(/\/login/);
    await register(context, server);
    await server.stop();
    await fresh.goto(`${server.url}/`);
    await expect(fresh.getByText("Ann's online todo")).toHaveCount(0);
    await expect(fresh.getByRole("heading", { name: "You are offline" })).toBeVisible();
    await server.resume();
    await fresh.goto(`${server.url}/`);
    await waitForHydration(fresh);
    await expect(newTodo(fresh)).toBeVisible();
    await expect(items(fresh)).toHaveCount(0);
  } finally {
    await context.close();
  }
});

test("the service worker leaves server functions, the API, the event stream and non-GET requests alone", async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  try {
    await register(context, server);
    const page = await context.newPage();
    await openKept(page, server);
    const seen: { path: string; fromWorker: boolean; method: string }[] = [];
    page.on("response", (response) => {
      const url = new URL(response.url());
      seen.push({ path: url.pathname, fromWorker: response.fromServiceWorker(), method: response.request().method() });
    });
    await page.reload();
    await waitForHydration(page);
    await addTodos(page, "Counted");
    await settled(page);
    const fromWorker = (path: string) => seen.filter((each) => each.path.startsWith(path) && each.fromWorker);
    expect(fromWorker("/api/")).toEqual([]);
    expect(seen.filter((each) => each.method !== "GET" && each.fromWorker)).toEqual([]);
    expect(fromWorker("/pkg/").length).toBeGreaterThan(0);
    const worker = await context.request.get(`${server.url}/sw.js`);
    expect(worker.headers()["cache-control"]).toBe("no-cache");
    expect(worker.headers()["content-type"]).toContain("javascript");
  } finally {
    await context.close();
  }
});
