import { defineConfig, devices } from "@playwright/test";

// The suite runs against the release build (`cargo leptos build --release --precompress`) on its own port and its own
// database, which is deleted before every run, so it never touches a developer's data/leptodo.db.
// With E2E_DATABASE_URL (an empty PostgreSQL database) it runs instead against two instances on that database
// behind HAProxy (scripts/e2e-cluster.sh): every page and action must work whichever instance answers.
// Every test registers its own accounts and asks for its mails from 127.0.0.1, hence no per-address limit on
// registrations and mails here.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const database = "../target/e2e/leptodo.db";
const cluster = process.env.E2E_DATABASE_URL;
// The app's mail goes to a real SMTP server that the tests read back (mail-sink.mjs; tests/mail.ts), from a
// sender whose name is not ASCII, so that every mail proves its headers are encoded and decoded.
const smtpPort = port + 25;
const mailSinkPort = port + 26;
const MAIL_FROM = "Léa’s Leptodo <noreply@leptodo.test>";
const mail =
  `LEPTODO_SMTP_URL=smtp://127.0.0.1:${smtpPort} LEPTODO_OUTBOX_DIR=../target/e2e/outbox ` +
  `LEPTODO_MAIL_FROM='${MAIL_FROM}' `;
const singleServer =
  `mkdir -p ../target/e2e && rm -f ${database} ${database}-wal ${database}-shm && ` +
  `LEPTODO_SITE_ADDR=127.0.0.1:${port} LEPTODO_SITE_ROOT=../target/site ` +
  `LEPTODO_DATABASE_URL=sqlite://${database} LEPTODO_LOG_LEVEL=warn ${mail}` +
  `LEPTODO_TWO_FACTOR_KEY=$(head -c 32 /dev/urandom | base64 -w0) ` +
  `LEPTODO_THROTTLE_REGISTRATIONS_PER_IP=1000000 LEPTODO_THROTTLE_MAILS_PER_IP=1000000 ` +
  `exec ../target/release/leptodo --config ../Leptos.toml`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          // Playwright cannot download its browsers here; Debian's Chromium is used instead.
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      command: `exec node mail-sink.mjs ${smtpPort} ${mailSinkPort}`,
      url: `http://127.0.0.1:${mailSinkPort}/messages`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    {
      command: cluster ? `${mail}exec bash ../scripts/e2e-cluster.sh ${port}` : singleServer,
      // Playwright polls this until the server answers, so the first test never races the start-up.
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
