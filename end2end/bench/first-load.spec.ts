import { expect, test, type BrowserContext, type CDPSession, type Page } from "@playwright/test";
import { PASSWORD, uniqueUser } from "../tests/accounts";
import { network } from "../tests/network";

// The todo page as a new visitor on a slow phone sees it: a logged-in user with 20 todos opens `/` on a slow 3G
// link (1.6 Mbps down, 750 kbps up, 150 ms round trip) with the CPU slowed 4×, emulated through the DevTools
// protocol. Time to interactive = navigation start → the todo island has hydrated (`html[data-hydrated]`);
// transfer = bytes on the wire (compressed, headers included). Three cold runs (fresh browser context, empty
// cache) and, after each, a repeat visit in the same context. Prints one table; asserts nothing about time.
const RUNS = Number(process.env.FIRST_LOAD_RUNS ?? 3);
const SLOW_3G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1_000_000) / 8,
  uploadThroughput: (750 * 1_000) / 8,
};
const CPU_SLOWDOWN = 4;

type Visit = { interactiveMs: number; bytes: number; requests: string[] };

/** Loads `path` in `page` under the slow profile and measures it. */
async function visit(page: Page, cdp: CDPSession, path: string): Promise<Visit> {
  const { bytes, paths } = await network(cdp, async () => {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 120_000 });
    // Not "networkidle": the live-update stream stays open. Its opening means everything else has loaded.
    await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open", { timeout: 120_000 });
  });
  const interactiveMs = await page.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt);
  return { interactiveMs, bytes, requests: paths };
}

/** A new context (cold cache) logged in as the benchmark user, slowed down. */
async function slowContext(newContext: () => Promise<BrowserContext>, cookies: Awaited<ReturnType<BrowserContext["cookies"]>>) {
  const context = await newContext();
  await context.addCookies(cookies);
  // Records when the page comes to life, in ms since navigation start.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement.dataset.hydrated === "true") {
        (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  return { context, page, cdp };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

test("first load of the todo page on a slow phone", async ({ browser, playwright }) => {
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const user = uniqueUser();
  const registered = await api.post("/api/auth/register", {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(registered.status()).toBe(201);
  for (let n = 1; n <= 20; n++) {
    expect((await api.post("/api/todos", { data: { title: `todo number ${n}` } })).status()).toBe(201);
  }
  const cookies = (await api.storageState()).cookies;

  const cold: Visit[] = [];
  const repeat: Visit[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { context, page, cdp } = await slowContext(() => browser.newContext(), cookies);
    cold.push(await visit(page, cdp, "/"));
    await expect(page.locator(".todo-list li")).toHaveCount(20);
    repeat.push(await visit(page, cdp, "/"));
    await context.close();
  }

  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const rows = [
    ["visit", "time to interactive (ms)", "transferred (KiB)", "requests"],
    ...cold.map((v, i) => [`cold ${i + 1}`, v.interactiveMs.toFixed(0), kib(v.bytes), v.requests.join(" ")]),
    ...repeat.map((v, i) => [`repeat ${i + 1}`, v.interactiveMs.toFixed(0), kib(v.bytes), v.requests.join(" ")]),
    ["cold, median", median(cold.map((v) => v.interactiveMs)).toFixed(0), kib(median(cold.map((v) => v.bytes))), ""],
    ["repeat, median", median(repeat.map((v) => v.interactiveMs)).toFixed(0), kib(median(repeat.map((v) => v.bytes))), ""],
  ];
  console.log(
    `\nFirst load of / (20 todos), slow 3G (1.6 Mbps, 150 ms RTT), CPU ÷${CPU_SLOWDOWN}\n` +
      rows.map((row) => row.map((cell, i) => cell.padEnd(i === 0 ? 16 : 26)).join("")).join("\n"),
  );
});
