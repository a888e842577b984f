"""Duplicate-supplier screening against 100,000 existing suppliers of one legal entity: screenings per second
and the time per screening (cold and warm name index), and the full pairwise duplicate report.

Suppliers are generated with a realistic spread: most in a few countries, names built from trade words,
places and legal forms, 2 % near-duplicates (another spelling of an existing firm), about half with a
valid VAT id and an IBAN. The screened suppliers are a third near-duplicates, a third identifier matches
and a third new firms."""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time

from bench.common import setup_django, timer

SUPPLIERS = 100_000
SCREENINGS = 600
COUNTRIES = [("DE", 35), ("US", 15), ("GB", 10), ("FR", 10), ("NL", 8), ("IT", 7), ("ES", 5), ("AT", 4),
             ("BE", 2), ("PL", 2), ("SE", 1), ("DK", 1)]
CORE = ("Nord Süd West Ost Alpen Rhein Main Elbe Donau Hansa Atlas Apex Delta Orion Vega Nova Terra Aqua Sol Luna "
        "Falk Adler Stern Kron Linde Eiche Birke Berg Tal Feld Wald See Blau Grün Rot Gold Silber Stahl Eisen "
        "Kupfer Brücke Turm Hafen Markt Ring Bogen Quelle Kraft Licht").split()
TRADE = ("Logistik Maschinenbau Elektro Bau Software Consulting Druck Verpackung Chemie Pharma Handel Service "
         "Systems Solutions Technik Metall Kunststoff Textil Food Energie Medien Reinigung Sicherheit Transport "
         "Immobilien Finanz Versand Papier Büro Möbel").split()
PLACE = ("Berlin Hamburg München Köln Frankfurt Stuttgart Leipzig Dresden Essen Bremen London Paris Lyon Milano "
         "Madrid Wien Amsterdam Rotterdam Boston Chicago Denver").split()
FORMS = {"DE": ["GmbH", "AG", "GmbH & Co. KG", "KG", "SE"], "AT": ["GmbH", "AG"], "US": ["Inc.", "LLC", "Corp."],
         "GB": ["Ltd", "Limited", "plc"], "FR": ["SA", "SAS", "SARL"], "NL": ["B.V.", "N.V."],
         "IT": ["S.p.A.", "S.r.l."], "ES": ["S.A.", "S.L."], "BE": ["NV", "SA"], "PL": ["Sp. z o.o."], "SE": ["AB"],
         "DK": ["A/S", "ApS"]}


def _name(rng: random.Random, country: str) -> str:
    words = [rng.choice(CORE) + rng.choice(["", "", "tec", "wert", "haus", "mann"]), rng.choice(TRADE)]
    if rng.random() < 0.5:
        words.append(rng.choice(PLACE))
    if rng.random() < 0.3:
        words.insert(0, rng.choice(CORE))
    return " ".join(words) + " " + rng.choice(FORMS[country])


def _variant(rng: random.Random, name: str) -> str:
    """Another spelling of the same firm: case, legal form, a typo, umlauts written out."""
    out = name.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae") if rng.random() < 0.5 else name
    if rng.random() < 0.5:
        out = out.upper()
    if rng.random() < 0.6:
        at = rng.randrange(1, max(2, len(out) - 1))
        out = out[:at] + out[at + 1:]
    return out


def _vat_de(n: int) -> str:
    from stdnum.iso7064 import mod_11_10

    body = f"{10_000_000 + n:08d}"
    return "DE" + body + mod_11_10.calc_check_digit(body)


def _iban(n: int) -> str:
    from schwifty import IBAN

    return IBAN.generate("DE", bank_code="10010010", account_code=f"{n:010d}").compact


def generate(entity, rng: random.Random) -> list:
    from apps.masterdata.models import Supplier, SupplierBankAccount

    countries = [c for c, w in COUNTRIES for _ in range(w)]
    rows, names = [], []
    for i in range(SUPPLIERS):
        if names and rng.random() < 0.02:
            country, base = rng.choice(names)
            name = _variant(rng, base)
        else:
            country = rng.choice(countries)
            name = _name(rng, country)
        names.append((country, name))
        vat = _vat_de(i) if country == "DE" and rng.random() < 0.5 else ""
        rows.append(Supplier(legal_entity=entity, number=f"V{i:07d}", name=name, country=country, tax_id=vat,
                             tax_id_normalized=vat))
    Supplier.objects.bulk_create(rows, batch_size=5000)
    ids = dict(Supplier.objects.filter(legal_entity=entity).values_list("number", "id"))
    accounts = [SupplierBankAccount(supplier_id=ids[f"V{i:07d}"], iban=_iban(i), country="DE", currency="EUR",
                                    status="active") for i in range(0, SUPPLIERS, 2)]
    SupplierBankAccount.objects.bulk_create(accounts, batch_size=5000)
    return names


def main() -> None:
    setup_django()
    from django.db import connection

    from apps.controls.screening import SupplierProfile, duplicate_pairs, name_index_clear, supplier_screen
    from apps.masterdata.models import LegalEntity

    rng = random.Random(20261203)
    entity = LegalEntity.objects.create(code="BENCH", name="Bench GmbH", country="DE", functional_currency="EUR")
    with timer() as gen:
        names = generate(entity, rng)
    profiles = []
    for n in range(SCREENINGS):
        kind = n % 3
        if kind == 0:
            country, base = rng.choice(names)
            profiles.append(SupplierProfile(name=_variant(rng, base), country=country, number=f"N{n}"))
        elif kind == 1:
            i = rng.randrange(0, SUPPLIERS, 2)
            profiles.append(SupplierProfile(name=_name(rng, "DE"), country="DE", number=f"N{n}",
                                            iban=_iban(i), tax_id=_vat_de(i)))
        else:
            country = rng.choice([c for c, _ in COUNTRIES])
            profiles.append(SupplierProfile(name=_name(rng, country), country=country, number=f"N{n}"))

    name_index_clear()
    cold = {}
    for country in sorted({c for c, _ in COUNTRIES}):
        started = time.perf_counter()
        supplier_screen(entity_id=entity.pk, profile=SupplierProfile(name="warm up", country=country),
                        name_threshold=90)
        cold[country] = (time.perf_counter() - started) * 1000
    times, flagged = [], 0
    with timer() as total:
        for profile in profiles:
            started = time.perf_counter()
            found = supplier_screen(entity_id=entity.pk, profile=profile, name_threshold=90)
            times.append((time.perf_counter() - started) * 1000)
            flagged += bool(found)
    times.sort()
    load = os.getloadavg()[0]  # the machine is shared: how busy it was while the screenings ran
    result = {
        "vendor": connection.vendor, "suppliers": SUPPLIERS, "generate_seconds": round(gen["seconds"], 1),
        "screenings": SCREENINGS, "flagged": flagged, "screenings_per_s": round(SCREENINGS / total["seconds"], 1),
        "p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
        "max_ms": round(times[-1], 2), "cold_de_ms": round(cold["DE"], 1), "cold_all_ms": round(sum(cold.values()), 1),
        "de_block": sum(1 for c, _ in names if c == "DE"), "load_screening": round(load, 1),
    }
    print(json.dumps(result), flush=True)  # the screening figures, even if the report below is cut short
    with timer() as report:
        pairs = duplicate_pairs(entity_id=entity.pk, name_threshold=90)
    by_kind = {}
    for pair in pairs:
        by_kind[pair.matched_on] = by_kind.get(pair.matched_on, 0) + 1
    print(json.dumps({**result, "report_seconds": round(report["seconds"], 1), "report_pairs": len(pairs),
                      "report_by_kind": by_kind, "load_report": round(os.getloadavg()[0], 1)}))

if __name__ == "__main__":
    sys.exit(main())
