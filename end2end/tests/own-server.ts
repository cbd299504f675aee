import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, mkdirSync } from "node:fs";
import type { TestInfo } from "@playwright/test";

/**
 * A server of the test's own, on its own port and SQLite file, that the test may stop and start again: the only
 * way to take a page's server away for real (Chromium's offline mode does not reliably reach a service worker's
 * requests). The suite's shared server is never stopped. Port: the suite's port + 300 + the worker's index.
 */
export class OwnServer {
  private child?: ChildProcess;
  readonly url: string;

  private constructor(
    private readonly port: number,
    private readonly database: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** A fresh server (empty database) for the test `info`, started. */
  static async start(info: TestInfo) {
    const port = Number(process.env.E2E_PORT ?? 3100) + 300 + info.parallelIndex;
    const database = `../target/e2e/own-${port}.db`;
    mkdirSync("../target/e2e", { recursive: true });
    for (const suffix of ["", "-wal", "-shm"]) rmSync(database + suffix, { force: true });
    const server = new OwnServer(port, database);
    await server.resume();
    return server;
  }

  /** Starts the server again on the same port and database; resolves once it answers. */
  async resume() {
    const child = spawn("../target/release/leptodo", ["--config", "../Leptos.toml"], {
      env: {
        ...process.env,
        LEPTODO_SITE_ADDR: `127.0.0.1:${this.port}`,
        LEPTODO_SITE_ROOT: "../target/site",
        LEPTODO_DATABASE_URL: `sqlite://${this.database}`,
        LEPTODO_OUTBOX_DIR: `../target/e2e/outbox-${this.port}`,
        LEPTODO_SMTP_URL: "",
        LEPTODO_LOG_LEVEL: "warn",
        LEPTODO_THROTTLE_REGISTRATIONS_PER_IP: "1000000",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    this.child = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the server on ${this.port} exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the server on ${this.port} did not answer within 30 s`);
  }

  /** Stops the server (the one this object started, by its process) and waits until it has exited. */
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    this.child = undefined;
  }
}
