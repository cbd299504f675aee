import { expect } from "@playwright/test";

/** Where the mail sink started by playwright.config.ts answers (mail-sink.mjs). */
const sink = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 26}`;

export type Mail = {
  recipients: string[];
  from: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
};

/** Every mail the app has sent to `address`, in the order the sink received them. */
export async function mailsTo(address: string): Promise<Mail[]> {
  const response = await fetch(`${sink}/messages?to=${encodeURIComponent(address)}`);
  return (await response.json()) as Mail[];
}

/** Waits for a mail to `address` whose subject contains `subject`; answers the newest. */
export async function waitForMail(address: string, subject: string): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(async () => {
      found = (await mailsTo(address)).filter((mail) => mail.subject.includes(subject)).pop();
      return found !== undefined;
    }, { message: `a mail "${subject}" to ${address}`, timeout: 15_000 })
    .toBe(true);
  return found as Mail;
}

/** The path (after the site's address) of the first link in the mail's text that contains `path`. */
export function linkPath(mail: Mail, path: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith("http") && word.includes(path));
  expect(link, `a ${path} link in: ${mail.text}`).toBeDefined();
  return new URL(link as string).pathname;
}
