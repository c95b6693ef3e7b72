from hypothesis import given
from hypothesis import strategies as st

from ctip.core.suppression import HIDDEN, SMALL, suppress_breakdown, suppress_count


def test_total_small_counts_become_less_than_five():
    assert [suppress_count(n) for n in (0, 1, 4, 5, 120)] == [0, SMALL, SMALL, 5, 120]


def test_nothing_small_nothing_hidden():
    assert suppress_breakdown({"female": 30, "male": 12, "other": 0}) == {
        "female": 30,
        "male": 12,
        "other": 0,
    }


def test_one_small_cell_hides_the_next_smallest_too():
    counts = {"female": 30, "male": 12, "other": 3, "unknown": 0}
    assert suppress_breakdown(counts) == {
        "female": 30,
        "male": HIDDEN,
        "other": SMALL,
        "unknown": 0,
    }


def test_two_small_cells_need_no_secondary():
    counts = {"female": 30, "male": 2, "other": 1}
    assert suppress_breakdown(counts) == {"female": 30, "male": SMALL, "other": SMALL}


def test_tie_for_secondary_takes_the_first_in_order():
    counts = {"th": 9, "kh": 9, "np": 4}
    assert suppress_breakdown(counts) == {"th": HIDDEN, "kh": 9, "np": SMALL}


def test_single_small_cell_alone_has_nothing_to_pair_with():
    assert suppress_breakdown({"female": 3, "male": 0}) == {"female": SMALL, "male": 0}


def test_order_is_kept():
    assert list(suppress_breakdown({"b": 1, "a": 7, "c": 9})) == ["b", "a", "c"]


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 50), max_size=6))
def test_no_single_hidden_cell_is_left_when_others_are_nonzero(counts):
    result = suppress_breakdown(counts)
    hidden = [k for k, v in result.items() if v in (SMALL, HIDDEN)]
    visible_nonzero = [k for k, v in result.items() if isinstance(v, int) and v > 0]
    for key, value in counts.items():
        if 0 < value < 5:
            assert result[key] == SMALL
        if value == 0:
            assert result[key] == 0
    if len(hidden) == 1:
        # only allowed when nothing else could be hidden: the total then is the small cell
        assert visible_nonzero == []
