// Shows the page's moments (<time data-local>, written by the server in UTC) in the reader's own time zone and
// language: the exact time in the title, and the text relative ("3 minutes ago") where the server chose that,
// else the local date and time.

const DAY_SECONDS = 24 * 3600;

function relativeText(format, secondsAgo) {
  if (secondsAgo < 60) return null; // the server's "just now" stands
  if (secondsAgo < 3600) return format.format(-Math.floor(secondsAgo / 60), "minute");
  return format.format(-Math.floor(secondsAgo / 3600), "hour");
}

export function showLocalTimes() {
  const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "always" });
  for (const element of document.querySelectorAll("time[data-local]")) {
    const at = new Date(element.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    element.title = full.format(at);
    const secondsAgo = Math.floor((Date.now() - at.getTime()) / 1000);
    if (element.hasAttribute("data-relative") && secondsAgo >= 0 && secondsAgo < DAY_SECONDS) {
      const text = relativeText(relative, secondsAgo);
      if (text) element.textContent = text;
    } else {
      element.textContent = exact.format(at);
    }
  }
}
