"""Supplier names as a clerk compares them: accents, case, punctuation, legal forms and word order
ignored, so "Müller Maschinenbau GmbH" and "MUELLER MASCHINENBAU" land close together."""

from __future__ import annotations

import re
import unicodedata

# Legal-form words and fillers that say nothing about which firm it is (DE, AT, CH, UK, US, FR, IT, ES,
# NL, Nordics, PL). Removing them keeps "Siemens AG" and "Siemens Aktiengesellschaft" together.
LEGAL_FORMS = frozenset("""
gmbh ag kg ohg ug se mbh kgaa ek eg aktiengesellschaft gesellschaft mit beschrankter haftung co
ltd limited plc llc llp lp inc incorporated corp corporation company
sa sas sarl sasu sca snc srl spa sapa sl slu bv nv vof oy oyj ab as asa aps sp zoo
the und and et y e der die das
""".split())
_WORD = re.compile(r"[a-z0-9]+")
_FOLD = {"ß": "ss", "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "æ": "ae", "ø": "oe",
         "å": "aa", "&": " and "}
_FOLD_TABLE = str.maketrans(_FOLD)


def name_key(name: str) -> str:
    """The comparable form of a supplier name: folded to ASCII, lower case, legal forms dropped, words sorted."""
    folded = unicodedata.normalize("NFKD", (name or "").translate(_FOLD_TABLE))
    ascii_only = folded.encode("ascii", "ignore").decode().lower()
    words = _WORD.findall(ascii_only)
    kept = [w for w in words if w not in LEGAL_FORMS] or words
    return " ".join(sorted(kept))
