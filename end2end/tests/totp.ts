import { createHmac } from "node:crypto";

// An authenticator app for the browser tests: RFC 6238 (HMAC-SHA-1, 6 digits, 30-second steps) with Node's own
// crypto, fed the setup key as a person would type it from the page.

const STEP_SECONDS = 30;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function decodeBase32(key: string): Buffer {
  const bits = [...key.replace(/[\s=]/g, "").toUpperCase()]
    .map((char) => {
      const value = BASE32.indexOf(char);
      if (value < 0) throw new Error(`not base 32: ${char}`);
      return value.toString(2).padStart(5, "0");
    })
    .join("");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code of time step `step` for `secret` (RFC 4226's dynamic truncation). */
function codeOfStep(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

function currentStep() {
  return Math.floor(Date.now() / 1000 / STEP_SECONDS);
}

/** The phone's app for one account: each code it hands out is of a step the server has not taken yet. */
export class Authenticator {
  private readonly secret: Buffer;
  private lastStep = 0;

  constructor(setupKey: string) {
    this.secret = decodeBase32(setupKey);
  }

  /** A fresh code: the current step's, or the next one's when the current one was used; waits if need be. */
  async nextCode(): Promise<string> {
    let step = Math.max(currentStep(), this.lastStep + 1);
    while (step > currentStep() + 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      step = Math.max(currentStep(), this.lastStep + 1);
    }
    // Near the end of a step a code may reach the server one step later: take the next step's code instead,
    // which the server accepts then too.
    const secondsLeft = STEP_SECONDS - ((Date.now() / 1000) % STEP_SECONDS);
    if (step === currentStep() && secondsLeft < 3) step += 1;
    this.lastStep = step;
    return codeOfStep(this.secret, step);
  }

  /** A code the app never shows now: one of the same shape, of a step far away. */
  wrongCode(): string {
    return codeOfStep(this.secret, currentStep() + 1000);
  }
}
