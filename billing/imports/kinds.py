"""The importable kinds by name: the registry that `flask import` and the staff page read.

Each kind (columns, row parsing, checks and an upsert by natural key) lives with its
capability's neighbours: party_kinds, catalog_kinds, invoicing_kinds and sla_kinds.
"""

from __future__ import annotations

from billing.imports.catalog_kinds import PriceBookKind, ProductKind, ServiceKind
from billing.imports.commission_kinds import CommissionPlanKind
from billing.imports.invoicing_kinds import TaxRateKind, UsageKind
from billing.imports.party_kinds import CustomerKind, PartnerKind
from billing.imports.sla_kinds import OutageKind, TroubleTicketKind

KINDS = {kind.name: kind for kind in (PartnerKind(), CustomerKind(), ProductKind(),
                                      PriceBookKind(), ServiceKind(), UsageKind(),
                                      TaxRateKind(), OutageKind(), TroubleTicketKind(),
                                      CommissionPlanKind())}
