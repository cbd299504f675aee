import { expect, test } from "@playwright/test";
import { PASSWORD, uniqueUser } from "../tests/accounts";

// Live sync latency: how long after a change is committed another open tab of the same login shows it. A
// script (this test, through the API) adds a todo; a MutationObserver in the tab records when its row appears.
// The change is committed between the request being sent and its answer, so two figures bound the latency:
// from the request sent (an upper bound; it includes the request's own trip) and from the answer received (a
// lower bound). Clocks: the same machine's wall clock, to a fraction of a millisecond, on both sides. Prints
// the median and p99 over LIVE_SAMPLES changes (default 200); asserts nothing about time.
const SAMPLES = Number(process.env.LIVE_SAMPLES ?? 200);

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

test("from commit to the other tab's update", async ({ page }) => {
  const user = uniqueUser();
  const registered = await page.request.post("/api/auth/register", {
    data: { ...user, password: PASSWORD, password_confirm: PASSWORD },
  });
  expect(registered.status()).toBe(201);
  await page.goto("/");
  await expect(page.locator(".todoapp")).toHaveAttribute("data-live", "open");
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { seen: Record<string, number> }).seen = seen;
    new MutationObserver(() => {
      for (const label of document.querySelectorAll(".todo-list label")) {
        const title = label.textContent ?? "";
        if (!(title in seen)) seen[title] = performance.timeOrigin + performance.now();
      }
    }).observe(document.querySelector(".todoapp")!, { subtree: true, childList: true, characterData: true });
  });

  const fromSent: number[] = [];
  const fromAnswer: number[] = [];
  for (let n = 0; n < SAMPLES; n++) {
    const title = `change ${n}`;
    const sent = now();
    const response = await page.request.post("/api/todos", { data: { title } });
    const answered = now();
    expect(response.status()).toBe(201);
    const shown = await page.waitForFunction(
      (title) => (window as unknown as { seen: Record<string, number> }).seen[title],
      title,
    );
    const at = (await shown.jsonValue()) as number;
    fromSent.push(at - sent);
    fromAnswer.push(at - answered);
    // Spread the changes out a little, as people make them.
    await page.waitForTimeout(20);
  }
  const table = [fromSent, fromAnswer].map((samples) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return [percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]].map((ms) => ms.toFixed(1));
  });
  console.log(`live sync, ${SAMPLES} changes through the API, shown in another tab (ms):`);
  console.log(`  measured from              median   p99    max`);
  console.log(`  request sent (upper bound) ${table[0].join("  ")}`);
  console.log(`  answer received (lower)    ${table[1].join("  ")}`);
});
