"""The explorer's one precision rule (issue 26): 3 significant digits and a real minus on screen."""

from __future__ import annotations

import pytest

from visualizer.core.number_text import exact, shown, signed_term


@pytest.mark.parametrize("v, text", [(7.176, "7.18"), (-0.309087, "−0.309"), (24, "24"), (0.299, "0.299"),
                                     (0.3, "0.3"), (1.3, "1.3"), (0.00012345, "0.000123"), (-0.0, "0"),
                                     (255, "255"), (1234.6, "1235"), (-1 / 3, "−0.333"), (float("nan"), "—")])
def test_shown_has_three_significant_digits(v, text):
    assert shown(v) == text


def test_exact_keeps_the_digits_hover_shows():
    assert exact(-0.309087) == "−0.309087"
    assert exact(0.1 + 0.2) == "0.3"  # float noise beyond 12 digits is not a digit a person typed
    assert exact(-0.0) == "0"


def test_a_negative_term_is_written_with_a_minus_between_terms():
    assert signed_term("−0.309×0", first=False) == (" − ", "0.309×0")
    assert signed_term("0.2×7", first=False) == (" + ", "0.2×7")
    assert signed_term("−0.309×0", first=True) == ("", "−0.309×0")


def test_a_written_sum_rounds_its_numbers_and_says_so():
    from visualizer.core.number_text import equals_sign, in_parens, written_sum

    assert in_parens(-1) == "(−1)" and in_parens(0.2994) == "0.299"
    assert equals_sign([0.2, 7, 1.4]) == "=" and equals_sign([0.299, 24, 7.176]) == "≈"
    assert written_sum(["0.2×7", "−0.309×0"], [0.2, 7, -0.309, 0], 1.4) == "0.2×7 − 0.309×0 = 1.4"
    assert written_sum(["0.299×24"], [0.299, 24], 7.176) == "0.299×24 ≈ 7.18"
