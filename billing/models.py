"""The schema in one list: importing this registers every mapped class and the guards on them.

The app imports it once (portal/extensions.py) so that relationships resolve and Alembic sees
every table. Code imports a class from its capability (billing.disputes.models, ...), not here.
"""

import billing.cpni.log_guard  # noqa: F401  (importing registers the guard)
import billing.cpni.retention  # noqa: F401  (importing registers the guard)
from billing.catalog.models import PriceBook, PriceBookEntry, Product, Service
from billing.collections.models import (
    AutopayEnrolment,
    CollectionAction,
    CollectionDay,
    DunningExemption,
    DunningPolicy,
    LateFeeCharge,
)
from billing.commissions.models import (
    CommissionEvent,
    CommissionLine,
    CommissionPlan,
    CommissionRun,
)
from billing.core.db import Base
from billing.core.models import OutboundMail
from billing.cpni.compliance_models import (
    CallerVerification,
    CpniBreach,
    CpniComplaint,
    MarketingExport,
    MarketingOptOut,
)
from billing.cpni.models import AuditChainHead, CpniApproval, CpniDisclosure
from billing.cpni.officer import OfficerStatement
from billing.cpni.sending import SentInformation
from billing.disputes.models import (
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeTier,
    DisputeTierAuthority,
)
from billing.invoicing import immutability  # noqa: F401  (importing registers the guard)
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine, NumberSeries
from billing.invoicing.statement_batch_models import StatementBatch, StatementBatchSlice
from billing.invoicing.tax_models import TaxExemption, TaxRate
from billing.invoicing.usage_models import InvoiceRun, InvoiceRunSlice, UsageRecord
from billing.parties.models import Customer, Partner
from billing.parties.users import ApiToken, LoginThrottle, PasswordReset, User, UserSession
from billing.payments.models import (
    Payment,
    PaymentAllocation,
    PaymentReversal,
    StripeCustomer,
    StripeEvent,
)
from billing.payments.report_models import StripeBalanceTransaction
from billing.reconciliation.models import ReconciliationInput, ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from billing.sla.models import MaintenanceWindow, Outage, SlaCreditRequest, TroubleTicket
from billing.users.models import UserChange, UserInvitation

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AutopayEnrolment",
    "Base",
    "CallerVerification",
    "CollectionAction",
    "CollectionDay",
    "CommissionEvent",
    "CommissionLine",
    "CommissionPlan",
    "CommissionRun",
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
    "DunningExemption",
    "DunningPolicy",
    "Invoice",
    "InvoiceLine",
    "InvoiceRun",
    "InvoiceRunSlice",
    "LateFeeCharge",
    "LoginThrottle",
    "MaintenanceWindow",
    "MarketingExport",
    "MarketingOptOut",
    "NumberSeries",
    "OfficerStatement",
    "Outage",
    "OutboundMail",
    "Partner",
    "PasswordReset",
    "Payment",
    "PaymentAllocation",
    "PaymentReversal",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "RebillerReconciliationRow",
    "ReconciliationException",
    "ReconciliationInput",
    "ReconciliationItem",
    "ReconciliationRun",
    "SentInformation",
    "Service",
    "SlaCreditRequest",
    "StatementBatch",
    "StatementBatchSlice",
    "StripeCustomer",
    "StripeBalanceTransaction",
    "StripeEvent",
    "TaxExemption",
    "TaxRate",
    "TroubleTicket",
    "UsageRecord",
    "User",
    "UserChange",
    "UserInvitation",
    "UserSession",
]
