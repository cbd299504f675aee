// The browser's half of the passkey ceremonies: asks the server for options, hands them to
// navigator.credentials, and sends the answer back. Every failure is thrown as a sentence to show the user.

let autofill = null;

/// Marks the failure of an action whose session's password is too old (see browser.rs).
const REAUTHENTICATE = "reauthenticate:";

const fromBase64Url = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;

const toBase64Url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

// Browsers without parse…FromJSON (before 2025) get the binary fields converted here.
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64Url(json.challenge),
    user: { ...json.user, id: fromBase64Url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: fromBase64Url(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64Url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: fromBase64Url(c.id) })),
  };
}

function answer(credential) {
  if (credential.toJSON) {
    return credential.toJSON();
  }
  const response = {};
  for (const key of ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]) {
    const value = credential.response[key];
    if (value) {
      response[key] = toBase64Url(value);
    }
  }
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body || {}),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (data && data.error) || {};
    const fields = Object.values(error.fields || {});
    const sentence = (fields.length && fields[0][0]) || error.message || `The server answered ${response.status}.`;
    // The page shows its password field for this one.
    throw error.code === "reauthentication_required" ? `${REAUTHENTICATE}${sentence}` : sentence;
  }
  return data;
}

function sentence(error) {
  if (typeof error === "string") {
    return error;
  }
  if (error && error.name === "NotAllowedError") {
    return "The passkey request was cancelled or timed out. Try again, or use your password.";
  }
  if (error && error.name === "InvalidStateError") {
    return "This device holds a passkey for your account already.";
  }
  return "The passkey did not work in this browser. Try again, or use your password.";
}

async function explained(work) {
  try {
    return await work();
  } catch (error) {
    throw sentence(error);
  }
}

/// Whether this browser can use passkeys here: it has the API, and the page is on a domain name (browsers
/// refuse passkeys on an IP address such as 127.0.0.1).
export function passkeysSupported() {
  const onIpAddress = /^[0-9.]+$/.test(location.hostname) || location.hostname.startsWith("[");
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials && !onIpAddress;
}

/// Offers the site's passkeys in the username field's autofill; resolves true once one signed in, false when the
/// browser has no autofill for passkeys, the server offers none, the user dismissed it, or the button took over.
/// The offer is renewed before the server's five minutes run out, so a login page left open still works.
export function offerInAutofill() {
  return explained(async () => {
    if (!PublicKeyCredential.isConditionalMediationAvailable || !(await PublicKeyCredential.isConditionalMediationAvailable())) {
      return false;
    }
    for (;;) {
      const controller = new AbortController();
      autofill = controller;
      const renewal = setTimeout(() => controller.abort("renew"), 270_000);
      let credential;
      try {
        const options = await post("/api/auth/passkey-login/options");
        credential = await navigator.credentials.get({
          publicKey: requestOptions(options.publicKey),
          mediation: "conditional",
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted && controller.signal.reason === "renew") {
          continue;
        }
        // Withdrawn for the button, dismissed, or no options to offer: nobody asked, so nothing to say.
        return false;
      } finally {
        clearTimeout(renewal);
      }
      const remember = document.querySelector("input[type=checkbox][name=remember]");
      await post("/api/auth/passkey-login", { credential: answer(credential), remember: !!(remember && remember.checked) });
      return true;
    }
  });
}

/// Signs in with a passkey the user picks in the browser's own dialog.
export function signIn(remember) {
  return explained(async () => {
    if (autofill) {
      autofill.abort();
      autofill = null;
    }
    const options = await post("/api/auth/passkey-login/options");
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    await post("/api/auth/passkey-login", { credential: answer(credential), remember });
  });
}

/// Answers the waiting second step of a password sign-in with one of the account's passkeys.
export function answerSecondStep(rememberBrowser) {
  return explained(async () => {
    const options = await post("/api/auth/login/passkey/options");
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    await post("/api/auth/login/passkey", { credential: answer(credential), remember_browser: rememberBrowser });
  });
}

/// Adds a passkey called `name` to the logged-in account; `password` is sent when the page asked for it.
export function addPasskey(name, password) {
  return explained(async () => {
    const body = password ? { current_password: password } : {};
    const options = await post("/api/auth/passkeys/registration", body);
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
    await post("/api/auth/passkeys", { name, credential: answer(credential) });
  });
}
