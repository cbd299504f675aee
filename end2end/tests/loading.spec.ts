import { expect, test, type Page } from "@playwright/test";
import { waitForHydration } from "./accounts";
import { network } from "./network";
import { item, openTodosAsNewUser, settled } from "./todos";

/** Issue 13's budget for everything a first visit to the todo page downloads, compressed as sent. */
const FIRST_LOAD_BUDGET = 250 * 1024;

/** Opens `path` and waits until everything it loads has arrived: hydrated, and its live-update stream open. */
async function openAndSettle(page: Page, path: string) {
  await page.goto(path);
  await waitForHydration(page);
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
}

test("a first visit to the todo page downloads at most 250 KiB; a repeat visit only the page, through the worker", async ({
  page,
}) => {
  await openTodosAsNewUser(page);
  for (let n = 1; n <= 20; n++) {
    expect((await page.request.post("/api/todos", { data: { title: `todo number ${n}` } })).status()).toBe(201);
  }
  // The visit above warmed this context's cache; a new one in the same browser starts cold.
  const context = await page.context().browser()!.newContext({ storageState: await page.context().storageState() });
  const fresh = await context.newPage();
  const cdp = await context.newCDPSession(fresh);
  await cdp.send("Network.enable");

  const first = await network(cdp, () => openAndSettle(fresh, "/"));
  await expect(fresh.locator(".todo-list li")).toHaveCount(20);
  expect(first.paths.some((path) => path.endsWith(".wasm"))).toBe(true);
  expect(first.bytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);

  // Once the service worker has taken over, it answers the page from the network and every built file from
  // its cache: nothing built is asked of the network again, nor waited for.
  await fresh.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => fresh.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const repeat = await network(cdp, () => openAndSettle(fresh, "/"));
  expect(repeat.paths).toEqual(["/api/events"]);
  expect(repeat.viaWorker).toContain("/");
  expect(repeat.viaWorker.some((path) => path.endsWith(".wasm"))).toBe(true);
  await context.close();
});

test("built files are sent compressed, with an immutable cache policy; pages are never stored", async ({
  page,
  request,
}) => {
  await page.goto("/login");
  const built = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLLinkElement>("link[rel=stylesheet], link[rel=modulepreload], link[rel=preload]")].map(
      (link) => new URL(link.href).pathname,
    ),
  );
  expect(built).toHaveLength(3);
  for (const path of built) {
    expect(path).toMatch(/^\/pkg\/leptodo\.[\w-]{22}\.(css|js|wasm)$/);
    for (const [accepted, sent] of [
      ["br, gzip", "br"],
      ["gzip", "gzip"],
      ["identity", undefined],
    ]) {
      const response = await request.get(path, { headers: { "Accept-Encoding": accepted! } });
      expect(response.status()).toBe(200);
      expect(response.headers()["content-encoding"]).toBe(sent);
      expect(response.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(response.headers()["vary"]).toMatch(/accept-encoding/i);
    }
  }
  const favicon = await request.get("/favicon.svg");
  expect(favicon.headers()["cache-control"]).toBe("public, max-age=86400");

  const login = await request.get("/login", { headers: { "Accept-Encoding": "br, gzip" } });
  expect(login.headers()["content-encoding"]).toBe("br");
  expect(login.headers()["cache-control"]).toBe("no-store");
  expect(login.headers()["vary"]).toMatch(/accept-encoding/i);
  const missing = await request.get("/pkg/nothing.js");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["cache-control"]).toBe("no-store");
});

test("a todo typed at any moment while the page loads is saved, once", async ({ page }) => {
  test.setTimeout(180_000);
  await openTodosAsNewUser(page);
  const cdp = await page.context().newCDPSession(page);
  // A slow phone: the window between the HTML arriving and the page coming to life is wide.
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const titles: string[] = [];
  for (let attempt = 0; attempt < 24; attempt++) {
    const title = `typed while loading ${attempt}`;
    titles.push(title);
    await page.goto("/", { waitUntil: "commit" });
    // From the first bytes to well after hydration, 40 ms apart.
    await page.waitForTimeout(attempt * 40);
    await page.locator(".new-todo").fill(title);
    await page.locator(".new-todo").press("Enter");
    // Handled by the live page (shown at once) or posted as a plain form (shown after the redirect back).
    await expect(item(page, title)).toHaveCount(1);
    await settled(page);
  }
  const saved = await (await page.request.get("/api/todos?limit=1000")).json();
  const savedTitles = (saved as { title: string }[]).map((todo) => todo.title);
  expect(savedTitles).toEqual(titles);
});
