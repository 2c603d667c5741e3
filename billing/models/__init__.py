"""All mapped classes, importable from one place."""

from billing.db import Base
from billing.models.catalog import Product, Service
from billing.models.cpni import CpniApproval, CpniDisclosure
from billing.models.invoices import CreditNote, Invoice, InvoiceLine
from billing.models.parties import Customer, Partner
from billing.models.users import ApiToken, PasswordReset, User

__all__ = [
    "ApiToken",
    "Base",
    "CpniApproval",
    "CpniDisclosure",
    "CreditNote",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "Partner",
    "PasswordReset",
    "Product",
    "Service",
    "User",
]
