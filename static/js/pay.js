// Paying or saving a payment method: Stripe.js keeps the card number or IBAN (a
// SetupIntent saves the method to the account's Stripe customer); for a payment the
// portal then confirms it on the server, and the browser completes a 3-D Secure check
// when the bank asks for one.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form) { return; }
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const message = document.getElementById("card-message");
  const button = form.querySelector("button[type=submit]");

  function fail(text) {
    message.textContent = text;
    button.disabled = false;
  }

  function chosen() {
    const picked = form.querySelector("input[name=method]:checked");
    return picked ? picked.value : "new-card";
  }

  async function saveNewMethod(kind) {
    if (kind === "new-sepa") {
      return stripe.confirmSepaDebitSetup(form.dataset.setupSecret, {payment_method: {
        sepa_debit: {iban: document.getElementById("sepa-iban").value.replace(/\s+/g, "")},
        billing_details: {name: document.getElementById("sepa-name").value,
                          email: form.dataset.email},
      }});
    }
    return stripe.confirmCardSetup(form.dataset.setupSecret, {payment_method: {card: card}});
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify(body),
    });
    return response.json();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    let method = chosen();
    if (method.startsWith("new-")) {
      const saved = await saveNewMethod(method);
      if (saved.error) { return fail(saved.error.message || String(saved.error)); }
      method = saved.setupIntent.payment_method;
    }
    if (!form.dataset.confirmUrl) {  // saving only
      window.location.assign(form.dataset.outcomeUrl);
      return;
    }
    const keep = document.getElementById("keep-method");
    const answer = await post(form.dataset.confirmUrl,
                              {payment_method: method, keep: keep ? keep.checked : true});
    if (answer.status === "declined") { return fail(answer.message); }
    if (answer.error) { return fail(answer.error.message); }
    if (answer.status === "requires_action") {
      const checked = await stripe.confirmCardPayment(answer.client_secret);
      if (checked.error) { return fail(checked.error.message || String(checked.error)); }
    }
    window.location.assign(form.dataset.outcomeUrl);
  });
})();
