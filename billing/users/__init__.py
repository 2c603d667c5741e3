"""User administration: the admins of a partner, a customer account or the staff invite
their people by e-mail, change their roles, deactivate and reactivate them."""
