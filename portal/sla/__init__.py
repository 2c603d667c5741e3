"""SLA credit pages, forms and labels, shared by customers, partners and staff."""
