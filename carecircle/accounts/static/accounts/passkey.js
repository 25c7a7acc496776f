// Passkeys (WebAuthn): a progressive enhancement. Without JavaScript, or in a browser without
// passkeys, the page keeps its other ways to sign in and this does nothing.
(function () {
  "use strict";
  var optionsElement = document.getElementById("passkey-options");
  if (!optionsElement || !window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function answer(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var response = credential.response;
    var out = { id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: {} };
    out.clientExtensionResults = credential.getClientExtensionResults ? credential.getClientExtensionResults() : {};
    out.response.clientDataJSON = toText(response.clientDataJSON);
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) out.response.userHandle = toText(response.userHandle);
    }
    return out;
  }

  var options = JSON.parse(optionsElement.textContent);
  options.challenge = toBytes(options.challenge);
  if (options.user) options.user.id = toBytes(options.user.id);
  (options.excludeCredentials || []).concat(options.allowCredentials || []).forEach(function (item) {
    item.id = toBytes(item.id);
  });

  document.querySelectorAll("[data-passkey]").forEach(function (block) {
    block.hidden = false;
    var form = block.closest("form") || block.querySelector("form");
    var button = block.querySelector("button[data-passkey-start]");
    var problem = block.querySelector("[data-passkey-problem]");
    if (!form || !button) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var request = block.dataset.passkey === "create"
        ? navigator.credentials.create({ publicKey: options })
        : navigator.credentials.get({ publicKey: options });
      request.then(function (credential) {
        form.querySelector("input[name=credential]").value = JSON.stringify(answer(credential));
        form.submit();
      }).catch(function () {
        if (problem) {
          problem.hidden = false;
          problem.focus();
        }
      });
    });
  });
  document.querySelectorAll("[data-passkey-fallback]").forEach(function (note) { note.hidden = true; });
})();
