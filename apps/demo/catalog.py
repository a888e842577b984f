"""The fixed cast of the demo: entities, banks, accounts, cost centers, suppliers and users."""

import random

from stdnum import vatin
from stdnum.us import ein

ENTITIES = [
    # code, name, country, currency, tax id, time zone
    ("DE01", "Nordwind Handels GmbH", "DE", "EUR", "DE136695976", "Europe/Berlin"),
    ("GB01", "Nordwind Trading Ltd", "GB", "GBP", "GB980780684", "Europe/London"),
    ("US01", "Nordwind Inc.", "US", "USD", "04-2103594", "America/New_York"),
    ("NL01", "Nordwind Benelux B.V.", "NL", "EUR", "NL004495445B01", "Europe/Amsterdam"),
]

BANKS = [
    ("Commerzbank AG", "COBADEFFXXX", "DE"),
    ("Deutsche Bank AG", "DEUTDEFFXXX", "DE"),
    ("NatWest", "NWBKGB2LXXX", "GB"),
    ("Barclays Bank", "BARCGB22XXX", "GB"),
    ("JPMorgan Chase Bank", "CHASUS33XXX", "US"),
    ("Bank of America", "BOFAUS3NXXX", "US"),
    ("ING Bank N.V.", "INGBNL2AXXX", "NL"),
]

# entity code, bank BIC, name, IBAN country + bank code + account | (account, routing), currency
COMPANY_ACCOUNTS = [
    ("DE01", "COBADEFFXXX", "EUR operating", ("DE", "37040044", "532013000"), "EUR"),
    ("DE01", "DEUTDEFFXXX", "EUR payroll", ("DE", "50070010", "92777202"), "EUR"),
    ("DE01", "DEUTDEFFXXX", "USD collections", ("DE", "50070010", "92777203"), "USD"),
    ("GB01", "NWBKGB2LXXX", "GBP operating", ("GB", "NWBK601613", "31926819"), "GBP"),
    ("GB01", "BARCGB22XXX", "EUR receipts", ("GB", "BARC200415", "12345678"), "EUR"),
    ("US01", "CHASUS33XXX", "USD operating", ("000123456789", "021000021"), "USD"),
    ("US01", "BOFAUS3NXXX", "USD disbursement", ("004567891234", "026009593"), "USD"),
    ("NL01", "INGBNL2AXXX", "EUR operating", ("NL", "INGB", "1234567"), "EUR"),
]

ACCOUNTS = [
    ("1200", "Bank", "asset"), ("1400", "Trade receivables", "asset"), ("1590", "Intercompany receivable", "asset"),
    ("1600", "Input VAT", "asset"), ("2000", "Trade payables", "liability"), ("2090", "Intercompany payable",
    "liability"), ("2100", "GR/IR clearing", "liability"), ("3000", "Share capital", "equity"),
    ("4000", "Revenue", "revenue"), ("5000", "Cost of goods sold", "expense"), ("6100", "IT services", "expense"),
    ("6200", "Office supplies", "expense"), ("6300", "Travel", "expense"), ("6400", "Professional fees", "expense"),
    ("6500", "Logistics", "expense"), ("6900", "Bank charges", "expense"), ("6990", "Legacy clearing", "expense"),
]
INACTIVE_ACCOUNTS = {"6990"}

COST_CENTERS = [("CC100", "Finance"), ("CC200", "Operations"), ("CC300", "Sales"), ("CC400", "IT"),
                ("CC500", "Logistics"), ("CC900", "Closed project")]
INACTIVE_COST_CENTERS = {"CC900"}

# name, country; near-duplicates on purpose (same firm, other spelling) for the duplicate controls.
SUPPLIERS = [
    ("Siemens AG", "DE"), ("SIEMENS Aktiengesellschaft", "DE"), ("Bosch Rexroth AG", "DE"),
    ("Würth Industrie Service GmbH", "DE"), ("Wurth Industrie Service GmbH & Co. KG", "DE"),
    ("DHL Freight GmbH", "DE"), ("SAP Deutschland SE & Co. KG", "DE"), ("Lyreco Deutschland GmbH", "DE"),
    ("Staples Solutions B.V.", "NL"), ("Randstad Nederland B.V.", "NL"), ("Van Oord Logistics B.V.", "NL"),
    ("Vodafone Limited", "GB"), ("Vodafone Ltd.", "GB"), ("Rolls-Royce plc", "GB"), ("Bunzl plc", "GB"),
    ("Office Depot UK Ltd", "GB"), ("Capita Business Services Ltd", "GB"), ("Grant Thornton UK LLP", "GB"),
    ("Accenture LLP", "US"), ("Salesforce, Inc.", "US"), ("Salesforce Inc", "US"), ("FedEx Freight, Inc.", "US"),
    ("W.W. Grainger, Inc.", "US"), ("Uline, Inc.", "US"), ("Deloitte & Touche LLP", "US"),
    ("Amazon Web Services, Inc.", "US"), ("Kuehne + Nagel (AG & Co.) KG", "DE"), ("Atos IT Solutions GmbH", "DE"),
    ("Manpower GmbH & Co. KG", "DE"), ("Iron Mountain Deutschland GmbH", "DE"),
]
# Suppliers procurement has and FinSync's supplier master does not yet (by position, 1-based, which is also their
# Coupa id): the demo's first Coupa poll onboards them. "Salesforce Inc" is a variant of "Salesforce, Inc.", which
# the master knows, so it is held as a possible duplicate. The others are crosswalked to Coupa from the start.
NEW_IN_PROCUREMENT = frozenset({21, 26, 27, 28, 29, 30})

SUPPLIER_BANKS = {
    "DE": [("DE", "37040044"), ("DE", "50070010"), ("DE", "20041111")],
    "NL": [("NL", "INGB"), ("NL", "ABNA"), ("NL", "RABO")],
    "GB": [("GB", "NWBK601613"), ("GB", "BARC200415"), ("GB", "LOYD309634")],
    "US": [("US", "021000021"), ("US", "026009593"), ("US", "121000248")],
}

ITEMS = [
    ("Laptops", "6100", "CC400", 1450), ("Cloud hosting (monthly)", "6100", "CC400", 3200),
    ("Office paper and toner", "6200", "CC100", 85), ("Freight Hamburg–Rotterdam", "6500", "CC500", 1875),
    ("Audit fees", "6400", "CC100", 12500), ("Consulting days", "6400", "CC300", 1200),
    ("Safety gloves (box)", "5000", "CC200", 42), ("Spare parts kit", "5000", "CC200", 780),
    ("Travel — client visit", "6300", "CC300", 640), ("Temporary staff (week)", "6400", "CC200", 2300),
]

# username, first name, last name, roles, entity codes (None = all)
USERS = [
    ("controller", "Clara", "Controller", ["controller"], ["DE01", "GB01", "NL01"]),
    ("treasury", "Theo", "Treasury", ["treasury_ops"], None),
    ("integration", "Ines", "Integration", ["integration_admin"], None),
    ("auditor", "Aiden", "Auditor", ["auditor"], None),
    ("admin", "Ada", "Admin", ["system_admin"], None),
    ("controller_us", "Uma", "US Controller", ["controller"], ["US01"]),
]
DEMO_PASSWORD = "finsync-demo"


def tax_id(rng: random.Random, country: str) -> str:
    """A syntactically valid tax id for the country (checksums right), found by trying."""
    for _ in range(10_000):
        digits = "".join(rng.choice("0123456789") for _ in range(9))
        if country == "US":
            candidate = f"{rng.choice(['04', '13', '20', '26', '36', '45', '54', '91'])}-{digits[:7]}"
            if ein.is_valid(candidate):
                return candidate
            continue
        candidate = {"DE": f"DE{digits}", "GB": f"GB{digits}", "NL": f"NL{digits}B01"}[country]
        if vatin.is_valid(candidate):
            return candidate
    raise RuntimeError(f"could not make a tax id for {country}")
