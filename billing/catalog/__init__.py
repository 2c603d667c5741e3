"""Products, services customers subscribe to, and the price books they are billed from."""
