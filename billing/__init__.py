"""The billing domain: parties, catalog, invoices, CPNI consent. No Flask in here."""
