/*
 * WebAuthn for the self-service pages: security keys (second factor) and passkeys.
 *
 * Served from /.well-known/ory/webauthn.js under the Content-Security-Policy "script-src 'self'",
 * so nothing here is inline and nothing is evaluated. Buttons carry data-ory-trigger with the name
 * of one of the functions below (Kratos' onclickTrigger values); the options come from the flow's
 * nodes, the browser's answer goes into the hidden input of the same form, and the form is sent.
 */
;(function () {
  "use strict"

  if (typeof window === "undefined" || window.__oryWebAuthnInitialized) {
    return
  }

  function decode(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/")
    var raw = atob(base64 + "===".slice((base64.length + 3) % 4))
    var bytes = new Uint8Array(raw.length)
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i)
    }
    return bytes
  }

  function encode(buffer) {
    if (!buffer) {
      return null
    }
    var bytes = new Uint8Array(buffer)
    var raw = ""
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i])
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  }

  function withIds(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: decode(descriptor.id) })
    })
  }

  function creationOptions(options) {
    var publicKey = Object.assign({}, options.publicKey)
    publicKey.challenge = decode(publicKey.challenge)
    publicKey.user = Object.assign({}, publicKey.user, { id: decode(publicKey.user.id) })
    publicKey.excludeCredentials = withIds(publicKey.excludeCredentials)
    return { publicKey: publicKey }
  }

  function requestOptions(options) {
    var publicKey = Object.assign({}, options.publicKey)
    publicKey.challenge = decode(publicKey.challenge)
    publicKey.allowCredentials = withIds(publicKey.allowCredentials)
    return { publicKey: publicKey }
  }

  function attestation(credential) {
    var response = credential.response
    return JSON.stringify({
      id: credential.id,
      rawId: encode(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: encode(response.attestationObject),
        clientDataJSON: encode(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : [],
      },
    })
  }

  function assertion(credential) {
    var response = credential.response
    return JSON.stringify({
      id: credential.id,
      rawId: encode(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: encode(response.authenticatorData),
        clientDataJSON: encode(response.clientDataJSON),
        signature: encode(response.signature),
        userHandle: encode(response.userHandle),
      },
    })
  }

  function named(name) {
    return document.querySelector('[name="' + name + '"]')
  }

  function report(near, error) {
    var form = near && near.closest("form")
    if (!form) {
      return
    }
    var note = form.querySelector("p[data-webauthn-error]")
    if (!note) {
      note = document.createElement("p")
      note.className = "field-error"
      note.setAttribute("role", "alert")
      note.setAttribute("data-webauthn-error", "")
      near.insertAdjacentElement("afterend", note)
    }
    note.textContent = error && error.name === "NotAllowedError"
      ? "The request was cancelled or timed out. Please try again."
      : "Your browser could not complete this step: " + (error && error.message ? error.message : error)
  }

  // Run a WebAuthn ceremony with the options in `optionsEl`, put the answer into the input named
  // `resultName` and send the form that holds it.
  function ceremony(kind, optionsEl, options, resultName, near) {
    if (!window.PublicKeyCredential || !navigator.credentials) {
      report(near, new Error("This browser does not support security keys or passkeys."))
      return
    }
    var result = named(resultName)
    if (!result || (!options && !optionsEl)) {
      return
    }
    var parsed = options || JSON.parse(optionsEl.value)
    var call = kind === "create"
      ? navigator.credentials.create(creationOptions(parsed)).then(attestation)
      : navigator.credentials.get(requestOptions(parsed)).then(assertion)
    call
      .then(function (answer) {
        result.value = answer
        result.closest("form").submit()
      })
      .catch(function (error) {
        report(near, error)
      })
  }

  function oryWebAuthnRegistration(options) {
    var trigger = named("webauthn_register_trigger")
    ceremony("create", trigger, options, "webauthn_register", trigger)
  }

  function oryWebAuthnLogin(options) {
    var trigger = named("webauthn_login_trigger")
    ceremony("get", trigger, options, "webauthn_login", trigger)
  }

  function oryPasskeyLogin() {
    ceremony("get", named("passkey_challenge"), null, "passkey_login", named("passkey_login_trigger"))
  }

  function oryPasskeySettingsRegistration() {
    ceremony("create", named("passkey_create_data"), null, "passkey_settings_register", named("passkey_register_trigger"))
  }

  var triggers = {
    oryWebAuthnRegistration: oryWebAuthnRegistration,
    oryWebAuthnLogin: oryWebAuthnLogin,
    oryPasskeyLogin: oryPasskeyLogin,
    oryPasskeySettingsRegistration: oryPasskeySettingsRegistration,
  }

  function bind() {
    var buttons = document.querySelectorAll("[data-ory-trigger]")
    for (var i = 0; i < buttons.length; i++) {
      var run = triggers[buttons[i].getAttribute("data-ory-trigger")]
      if (run) {
        buttons[i].addEventListener("click", (function (action) {
          return function (event) {
            event.preventDefault()
            action()
          }
        })(run))
      }
    }
  }

  Object.keys(triggers).forEach(function (name) {
    window[name] = triggers[name]
  })
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind)
  } else {
    bind()
  }
  window.__oryWebAuthnInitialized = true
  window.dispatchEvent(new CustomEvent("oryWebAuthnInitialized"))
})()
