"""All mapped classes, importable from one place."""

import billing.retention  # noqa: F401  (importing registers the guard)
from billing import immutability  # noqa: F401  (importing registers the guard)
from billing.db import Base
from billing.models.catalog import PriceBook, PriceBookEntry, Product, Service
from billing.models.compliance import (
    CallerVerification,
    CpniBreach,
    CpniComplaint,
    MarketingExport,
    MarketingOptOut,
)
from billing.models.cpni import AuditChainHead, CpniApproval, CpniDisclosure
from billing.models.disputes import (
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeTier,
    DisputeTierAuthority,
)
from billing.models.invoices import CreditNote, Invoice, InvoiceLine, NumberSeries
from billing.models.outbox import OutboundMail
from billing.models.parties import Customer, Partner
from billing.models.sla import MaintenanceWindow, Outage, SlaCreditRequest, TroubleTicket
from billing.models.taxes import TaxExemption, TaxRate
from billing.models.usage import InvoiceRun, UsageRecord
from billing.models.users import ApiToken, LoginThrottle, PasswordReset, User

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "Base",
    "CallerVerification",
    "CpniApproval",
    "CpniBreach",
    "CpniComplaint",
    "CpniDisclosure",
    "CreditNote",
    "Customer",
    "Dispute",
    "DisputeAttachment",
    "DisputeEvent",
    "DisputeTier",
    "DisputeTierAuthority",
    "Invoice",
    "InvoiceLine",
    "InvoiceRun",
    "LoginThrottle",
    "MaintenanceWindow",
    "MarketingExport",
    "MarketingOptOut",
    "NumberSeries",
    "Outage",
    "OutboundMail",
    "Partner",
    "PasswordReset",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "Service",
    "SlaCreditRequest",
    "TaxExemption",
    "TaxRate",
    "TroubleTicket",
    "UsageRecord",
    "User",
]
