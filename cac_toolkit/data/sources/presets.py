"""The declarative part of ``sources.yaml``: what each preset expects and its defaults.

Nothing here runs: the engine (:mod:`.engine`, :mod:`.crm`, :mod:`.fec`, :mod:`.ads`) reads
these tables. Each preset names, for every *role* it fills (a contract column or a column the
preset interprets, such as a deal stage), the raw headers it accepts in order of preference
(the first one present wins; ``columns:`` in ``sources.yaml`` names another header), which
roles are required, its options with their defaults, and how its dates are written.
``docs/importing.md`` documents the same facts for users.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """One export layout: the contract table it feeds and the raw headers it reads.

    ``headers`` maps a role to the accepted raw headers; ``required`` lists the roles without
    which the file is refused; ``options`` are the preset's own settings with their
    defaults; ``date_format`` is the date order the export uses (``None``: decided by the
    loader, ISO or day-first); ``defaults`` are constants for contract columns the export
    does not have.
    """

    name: str
    table: str
    family: str  # "crm", "fec", "ads" or "billing": the module that applies it
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    options: dict[str, object] = field(default_factory=dict)
    date_format: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    summary: str = ""


#: Options every source accepts, whatever its preset (the engine applies them).
COMMON_KEYS = ("file", "sheet", "preset", "columns", "values", "filter", "date_format", "scale",
               "defaults")

#: Date orders that ``date_format`` accepts besides a strftime pattern.
DATE_ORDERS = {"dmy": "day first (31/01/2026)", "mdy": "month first (1/31/2026)",
               "ymd": "year first (2026-01-31 or 20260131)"}

#: Contract columns holding money, multiplied by ``scale``.
MONEY_COLUMNS = {"spend": ("amount",), "deals": ("mrr", "amount"),
                 "leads": ("opportunity_value",), "touchpoints": (), "revenue": ("mrr",)}

#: The 18 columns of the Fichier des Écritures Comptables, in order (BOI-CF-IOR-60-40-20).
FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
               "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
               "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise",
               "Idevise")

#: The usual PCG acquisition accounts (prefixes; longest prefix wins). Payroll (641, 645) and
#: fees (6226, agencies but also lawyers and accountants) are not mapped: the mapping report
#: lists them for review.
DEFAULT_ACCOUNTS: dict[str, dict[str, str]] = {
    "6231": {"category": "marketing"},  # annonces et insertions
    "6233": {"category": "marketing"},  # foires et expositions
    "6234": {"category": "marketing"},  # cadeaux à la clientèle
    "6236": {"category": "marketing"},  # catalogues et imprimés
    "6237": {"category": "marketing"},  # publications
    "6238": {"category": "marketing"},  # divers (pourboires, dons courants)
    "6251": {"category": "sales"},  # voyages et déplacements
    "6256": {"category": "sales"},  # missions
    "6257": {"category": "sales"},  # réceptions
}

#: Accounts that often hold acquisition costs but need a decision: listed for review.
REVIEW_ACCOUNTS: dict[str, str] = {
    "641": "payroll (rémunérations du personnel): one line for the whole company, needs a share",
    "645": "social charges (charges de sécurité sociale): follow the payroll decision",
    "6226": "fees (honoraires): agencies, but also lawyers and accountants",
    "651": "software licences (redevances pour logiciels): CRM and marketing tools?",
}

#: Lines of the entry that carry its third party (suppliers 401, customers 411).
THIRD_PARTY_ACCOUNTS = ("401", "411")

PRESETS: dict[str, Preset] = {
    "hubspot_deals": Preset(
        "hubspot_deals", "deals", "crm",
        headers={
            "deal_id": ("Record ID",),
            "deal_name": ("Deal Name",),
            "stage": ("Deal Stage",),
            "won_date": ("Close Date",),
            "amount": ("Amount",),
            "type": ("Deal Type",),
            "channel": ("Original Source Type", "Original Source"),
            "account_id": ("Associated Company IDs", "Associated Company ID", "Company ID"),
        },
        required=("deal_id", "stage", "won_date", "channel", "account_id"),
        options={"won_stages": ["Closed Won"], "existing_as": "renewal",
                 "amount_is": "one_off", "missing_account": "error"},
        summary="HubSpot deals export (hubspot-crm-exports-all-deals-*.csv)"),
    "hubspot_contacts": Preset(
        "hubspot_contacts", "leads", "crm",
        headers={
            "lead_id": ("Record ID", "Contact ID"),
            "created_date": ("Create Date",),
            "channel": ("Original Source Type", "Original Source"),
            "mql_date": ("Became a Marketing Qualified Lead Date",),
            "sql_date": ("Became a Sales Qualified Lead Date",),
            "opportunity_date": ("Became an Opportunity Date",),
            "won_date": ("Became a Customer Date",),
            "account_id": ("Associated Company IDs", "Associated Company ID", "Company ID"),
            "owner": ("Contact owner", "Contact Owner"),
        },
        required=("lead_id", "created_date", "channel"),
        summary="HubSpot contacts export, lifecycle-stage dates"),
    "salesforce_opportunities": Preset(
        "salesforce_opportunities", "deals", "crm",
        headers={
            "deal_id": ("Opportunity ID", "Opportunity Name"),
            "account_id": ("Account ID", "Account Name"),
            "stage": ("Stage",),
            "won_date": ("Close Date",),
            "type": ("Type",),
            "channel": ("Lead Source",),
            "amount": ("Amount",),
        },
        required=("deal_id", "account_id", "stage", "won_date", "channel"),
        options={"won_stages": ["Closed Won"], "existing_as": "renewal",
                 "amount_is": "one_off", "missing_account": "error"},
        summary="Salesforce opportunities report (report<timestamp>.csv)"),
    "pipedrive_deals": Preset(
        "pipedrive_deals", "deals", "crm",
        headers={
            "deal_id": ("Deal - ID", "Deal - Title"),
            "stage": ("Deal - Status",),
            "won_date": ("Deal - Won time",),
            "account_id": ("Deal - Organization",),
            "amount": ("Deal - Value",),
            "currency": ("Deal - Currency", "Deal - Currency of value"),
            "channel": ("Deal - Source", "Deal - Lead Source", "Deal - Source channel"),
        },
        required=("deal_id", "stage", "won_date", "account_id", "channel"),
        options={"won_stages": ["won"], "amount_is": "one_off", "missing_account": "error"},
        summary="Pipedrive deals export"),
    "fec": Preset(
        "fec", "spend", "fec",
        headers={name: (name,) for name in FEC_COLUMNS},
        required=FEC_COLUMNS,
        options={"accounts": {}, "channel_rules": [], "default_accounts": True},
        date_format="%Y%m%d",
        summary="Fichier des Écritures Comptables (<SIREN>FEC<AAAAMMJJ>.txt)"),
    "google_ads": Preset(
        "google_ads", "spend", "ads",
        headers={
            "campaign": ("Campaign",),
            "date": ("Day", "Date", "Month"),
            "amount": ("Cost",),
            "currency": ("Currency code", "Currency"),
        },
        required=("campaign", "date", "amount"),
        options={"channel": "Google Ads", "campaign_rules": [], "reconcile": False},
        date_format=None,
        defaults={"category": "marketing"},
        summary="Google Ads report download (campaign by day)"),
    "linkedin_ads": Preset(
        "linkedin_ads", "spend", "ads",
        headers={
            "campaign": ("Campaign Name",),
            "date": ("Start Date (in UTC)", "Start Date"),
            "amount": ("Total Spent",),
            "currency": ("Currency",),
        },
        required=("campaign", "date", "amount"),
        options={"channel": "LinkedIn Ads", "campaign_rules": [], "reconcile": False},
        date_format="mdy",
        defaults={"category": "marketing"},
        summary="LinkedIn Ads campaign performance report"),
    "invoices": Preset(
        "invoices", "revenue", "billing",
        headers={
            "account_id": ("Customer ID", "Customer", "Customer Id"),
            "month": ("Period Start (UTC)", "Period Start", "Service Period Start",
                      "Date (UTC)", "Invoice Date", "Date"),
            "period_end": ("Period End (UTC)", "Period End", "Service Period End"),
            "amount": ("Subtotal", "Amount Excl. Tax", "Amount Due", "Amount"),
            "currency": ("Currency",),
            "status": ("Status",),
        },
        required=("account_id", "month", "amount"),
        options={"statuses": ["paid", "open"]},
        date_format="ymd",
        summary="a billing system's invoices export (Stripe, Chargebee...): one row per "
                "invoice"),
}

#: HubSpot ``Deal Type`` and Salesforce ``Type`` values, lower-cased, with what they mean.
#: ``existing`` takes the ``existing_as`` option (default ``renewal``).
DEAL_TYPE_WORDS = {
    "new business": "new", "new customer": "new", "new": "new",
    "existing business": "existing", "existing customer": "existing",
    "existing customer - upgrade": "existing", "existing customer - replacement": "existing",
    "existing customer - downgrade": "existing",
}

#: ``amount_is`` choices: where a deal's amount goes (``arr`` is divided by 12 into ``mrr``).
AMOUNT_KINDS = ("one_off", "mrr", "arr")

#: Lines of a report export that are not records: totals and footers (first cell, lower).
FOOTER_PREFIXES = ("total", "grand total", "sous-total", "subtotal", "copyright",
                   "confidential", "generated by", "filtered by", "report ")
