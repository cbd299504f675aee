import { defineConfig } from "@playwright/test";
import suite from "./playwright.config";

// `make first-load`: the first-load benchmark (bench/), against the same release server as the test suite.
// Not part of the test command: it measures time, which the suite never asserts.
export default defineConfig({
  ...suite,
  testDir: "./bench",
  timeout: 300_000,
  fullyParallel: false,
  workers: 1,
});
