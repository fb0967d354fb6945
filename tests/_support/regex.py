"""The pieces of the regular-expression grammar the pattern tests build patterns from (with
Hypothesis): atoms (a literal or a character class, quantified) and their sequences and
alternations."""

from __future__ import annotations

from hypothesis import strategies as st

#: Quantifiers of an atom, none twice as often.
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,}", "{0,2}", "*?", "+?", "{1,3}?"])


def atoms(
    literals: st.SearchStrategy[str], class_items: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """A literal or a character class of one to three ``class_items`` (negated or not), with
    a quantifier."""
    classes = st.builds(
        lambda negated, items: "[" + ("^" if negated else "") + "".join(items) + "]",
        st.booleans(),
        st.lists(class_items, min_size=1, max_size=3),
    )
    return st.builds(lambda atom, quantifier: atom + quantifier, literals | classes, QUANTIFIERS)


def sequences(inner: st.SearchStrategy[str]) -> tuple[st.SearchStrategy[str], ...]:
    """One to three ``inner`` in a row, and one to three of those as alternatives."""
    sequence = st.lists(inner, min_size=1, max_size=3).map("".join)
    alternation = st.lists(sequence, min_size=1, max_size=3).map("|".join)
    return sequence, alternation
