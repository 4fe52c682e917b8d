// Runs identity_app/assets/webauthn.js against a minimal fake DOM and WebAuthn API, clicks the
// trigger named in argv[3], and prints what the page would submit (JSON on stdout).
"use strict"
const fs = require("fs")
const vm = require("vm")

const [scriptPath, triggerName, optionsJSON] = process.argv.slice(2)
const fields = {}
let submitted = null
const form = { submit: () => { submitted = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.value])) } }
function element(name, value, extra) {
  const el = Object.assign({ name, value, closest: () => form, getAttribute: () => null, addEventListener() {} }, extra)
  fields[name] = el
  return el
}
const trigger = {
  webauthn_register_trigger: ["oryWebAuthnRegistration", "webauthn_register", null],
  webauthn_login_trigger: ["oryWebAuthnLogin", "webauthn_login", null],
  passkey_login_trigger: ["oryPasskeyLogin", "passkey_login", "passkey_challenge"],
  passkey_register_trigger: ["oryPasskeySettingsRegistration", "passkey_settings_register", "passkey_create_data"],
}[triggerName]
const [functionName, resultName, optionsName] = trigger
const button = element(triggerName, optionsName ? "" : optionsJSON, {
  getAttribute: (attribute) => (attribute === "data-ory-trigger" ? functionName : null),
  addEventListener: (event, handler) => { button.click = handler },
})
element(resultName, "")
if (optionsName) element(optionsName, optionsJSON)

const asBuffer = (bytes) => new Uint8Array(bytes).buffer
let seen = null
const sandbox = {
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  btoa: (s) => Buffer.from(s, "binary").toString("base64"),
  CustomEvent: function (type) { this.type = type },
  dispatchEvent() {},
  PublicKeyCredential: function () {},
  document: {
    readyState: "complete",
    querySelector: (selector) => fields[selector.match(/name="([^"]+)"/)[1]] || null,
    querySelectorAll: () => [button],
  },
  navigator: {
    credentials: {
      create: (options) => { seen = options; return Promise.resolve({ id: "AQL_", rawId: asBuffer([1, 2, 255]), type: "public-key", response: { attestationObject: asBuffer([9]), clientDataJSON: asBuffer([7]), getTransports: () => ["usb"] } }) },
      get: (options) => { seen = options; return Promise.resolve({ id: "AQL_", rawId: asBuffer([1, 2, 255]), type: "public-key", response: { authenticatorData: asBuffer([5]), clientDataJSON: asBuffer([6]), signature: asBuffer([8]), userHandle: asBuffer([4, 2]) } }) },
    },
  },
}
sandbox.window = sandbox
vm.createContext(sandbox)
vm.runInContext(fs.readFileSync(scriptPath, "utf8"), sandbox)
button.click({ preventDefault() {} })
setTimeout(() => {
  const publicKey = seen.publicKey
  process.stdout.write(JSON.stringify({
    challenge: Array.from(publicKey.challenge),
    user_id: publicKey.user ? Array.from(publicKey.user.id) : null,
    listed: (publicKey.excludeCredentials || publicKey.allowCredentials || []).map((c) => Array.from(c.id)),
    submitted,
  }))
}, 20)
