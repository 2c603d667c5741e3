// Card payment: Stripe.js keeps the card number (a SetupIntent saves the card to the
// account's Stripe customer), the portal confirms the payment with it from the server,
// and the browser completes a 3-D Secure check when the bank asks for one.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form) { return; }
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const message = document.getElementById("card-message");
  const button = document.getElementById("card-pay");

  function fail(text) {
    message.textContent = text;
    button.disabled = false;
  }

  async function confirmOnServer(paymentMethod) {
    const response = await fetch(form.dataset.confirmUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify({payment_method: paymentMethod}),
    });
    return response.json();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    const saved = await stripe.confirmCardSetup(form.dataset.setupSecret,
                                                {payment_method: {card: card}});
    if (saved.error) { return fail(saved.error.message || String(saved.error)); }
    const answer = await confirmOnServer(saved.setupIntent.payment_method);
    if (answer.status === "declined") { return fail(answer.message); }
    if (answer.error) { return fail(answer.error.message); }
    if (answer.status === "requires_action") {
      const checked = await stripe.confirmCardPayment(answer.client_secret);
      if (checked.error) { return fail(checked.error.message || String(checked.error)); }
    }
    window.location.assign(form.dataset.outcomeUrl);
  });
})();
