"""Commission pages, files and API answers for partners, and the staff's run pages."""
