"""The name index's letter-count pre-filter is lossless: it finds exactly what scoring every name finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from apps.controls.name_index import NameBlock
from apps.controls.names import name_key

# Keys as name_key makes them: a few short words over a small alphabet, so that near misses are frequent.
words = st.text(alphabet="aeinrst0", min_size=1, max_size=7)
keys = st.lists(words, min_size=1, max_size=4).map(lambda w: " ".join(sorted(w)))


def _exhaustive(query: str, names: list[str], threshold: float) -> list[tuple[int, float]]:
    found = process.extract(query, names, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
    return sorted((index, score) for _, score, index in found if names[index])


@settings(max_examples=300)
@given(query=keys, names=st.lists(st.one_of(keys, st.just("")), min_size=1, max_size=40),
       threshold=st.sampled_from([60, 75, 85, 90, 95, 100]))
def test_the_pre_filter_never_drops_a_name_that_reaches_the_threshold(query, names, threshold):
    block = NameBlock()
    block.put(list(enumerate(names)))

    assert sorted(block.hits(query, threshold)) == _exhaustive(query, names, threshold)


@settings(max_examples=150)
@given(names=st.lists(st.one_of(keys, st.just("")), min_size=2, max_size=30),
       threshold=st.sampled_from([60, 80, 90, 100]))
def test_pairs_are_every_pair_reaching_the_threshold_once(names, threshold):
    block = NameBlock()
    block.put(list(enumerate(names)))

    pairs = sorted((i, j, score) for i, j, score in block.pairs(threshold))

    expected = sorted((i, j, score) for i, key in enumerate(names) if key
                      for j, score in _exhaustive(key, names, threshold) if j > i)
    assert pairs == expected


def test_a_renamed_or_merged_supplier_is_found_under_its_new_key_only():
    block = NameBlock()
    block.put([(10, name_key("Nordlicht Solar GmbH")), (11, name_key("Adler Bau AG"))])
    block.put([(10, name_key("Sonnenschein Energie GmbH")), (11, "")])  # renamed; merged

    assert block.hits(name_key("Nordlicht Solar"), 90) == []
    assert block.hits(name_key("Adler Bau"), 90) == []
    assert [block.ids[at] for at, _ in block.hits(name_key("Sonnenschein Energie"), 90)] == [10]


def test_the_block_grows_past_its_first_allocation():
    block = NameBlock()
    block.put([(n, f"firm {n:05d}") for n in range(2500)])
    block.put([(9999, "firm 02499x")])

    assert [block.ids[at] for at, score in block.hits("firm 02499", 95)] == [2499, 9999]
