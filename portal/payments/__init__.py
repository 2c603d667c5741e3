"""The portal side of payments: pages, forms and presenters for paying and recording."""
