"""The opened map's words and arithmetic follow the house precision rule (core/number_text.py): 3
significant digits, a real minus and never "+ −", "≈" where the shown numbers are rounded, the
exact value of each number on hover."""

from __future__ import annotations

import re
from html import unescape

import numpy as np

from visualizer.core.activations import channel_windows
from visualizer.core.number_text import equals_sign, exact, shown
from visualizer.ui.network.opened import OpenedMapView
from visualizer.ui.network.opened_text import arithmetic_html, total_line

#: A number as shown: at most 3 significant digits (whole numbers whole), "−" for minus.
SHOWN = re.compile(r"^−?(\d+|\d*\.\d+)(e[+−]?\d+)?$")


def plain(html: str) -> str:
    spaced = re.sub(r"<br>|</t[dh]>|</tr>", "\n", html)  # cells and lines apart, the words of a line together
    return unescape(re.sub(r"<[^>]+>", "", spaced)).replace("\xa0", " ")


def significant(text: str) -> int:
    digits = text.lstrip("−").split("e")[0].replace(".", "").lstrip("0")
    return len(digits)


def open_conv2(model):
    conv2 = next(i for i, la in enumerate(model.acts.layers) if la.name == "conv2")
    model.open_map(conv2, 2)
    return model, model.parts


def test_the_opened_maps_sum_reads_with_the_precision_rule(qtbot, net1_model):
    model, parts = open_conv2(net1_model)
    # a pixel whose sum has a negative partial after the first (so a "−" joins two terms)
    ho, wo = parts.total.shape
    oy, ox = next((y, x) for y in range(ho) for x in range(wo) if (parts.partials[1:, y, x] < 0).any())
    html = arithmetic_html(parts, oy, ox)
    text = plain(html)
    assert "+ −" not in text and "-" not in text  # a real minus, and no "+ −" pair
    numbers = re.findall(r"( − )?<a href='exact:([^']*)'[^>]*><span[^>]*>([^<]*)<", html)
    assert len(numbers) > 2 * 9 * len(parts.channels)  # every number of the windows, slices and sums
    assert any(minus for minus, _e, _t in numbers)  # a negative partial sum after the first: " − 0.31"
    for minus, exact_text, shown_text in numbers:
        t = unescape(shown_text).replace("\xa0", " ").strip().strip("()")
        assert SHOWN.match(t), t
        assert significant(t) <= 3 or "." not in t, t
        signed = f"−{t}" if minus else t  # a summand's minus is its operator
        assert signed == shown(float(exact_text.replace("−", "-")))  # the link holds the exact value shown
    # the last line: the partial sums, signed, + bias ≈ the total, which is the map's value
    windows = channel_windows(parts, oy, ox).astype(np.float64)
    partials = [float(np.sum(windows[i] * parts.kernels[i].astype(np.float64))) for i in range(len(parts.channels))]
    total = sum(partials) + float(parts.bias)
    last = re.sub(r"\s+", " ", plain(html.split("</table>")[1])).strip()  # the line under the table
    written = "".join(f" − {shown(p)[1:]}" if p < 0 and i else (f" + {shown(p)}" if i else shown(p))
                      for i, p in enumerate(partials))
    assert last.startswith(written + f" + bias "), (last, written)
    assert f"≈ {shown(total)}" in last  # rounded numbers: ≈, not a false =
    assert last.endswith(f"(the map holds {shown(parts.total[oy, ox])})")
    assert shown(total) == shown(parts.total[oy, ox])


def test_the_title_the_sum_line_and_the_hover_use_the_rule(qtbot, net1_model):
    model, parts = open_conv2(net1_model)
    view = OpenedMapView(model)
    qtbot.addWidget(view)
    title = plain(view.title.text())
    bias = shown(parts.bias)
    want = f"bias ({bias})" if bias.startswith("−") else f"bias {bias}"
    assert title.endswith(want) and "+−" not in title and "+ −" not in title
    assert total_line(parts) == f"Σ of the {len(parts.channels)} correlations + {want} = the map"
    view.show_pixel((3, 4))
    html = view.arithmetic.text()
    assert html.startswith("<b>Output pixel row 4, column 5</b>")
    href = re.search(r"href='(exact:[^']*)'", html).group(1)
    view._number_hovered(href)  # the mouse on that number: its exact value
    assert view.arithmetic.toolTip() == href[len("exact:"):]
    assert view.arithmetic.toolTip() == exact(float(href[len("exact:"):].replace("−", "-")))
    view._number_hovered("")
    assert view.arithmetic.toolTip() == ""


def test_equals_only_where_every_shown_number_is_exact():
    assert equals_sign([0.5, 0.25, 0.75]) == "="
    assert equals_sign([0.5, -0.309087, 0.190913]) == "≈"


def test_a_hovered_value_is_shown_in_full(qtbot, net1_model):
    model = net1_model
    conv2 = next(i for i, la in enumerate(model.acts.layers) if la.name == "conv2")
    model.set_hover((conv2, 2, 3, 4))
    value = float(model.acts.layers[conv2].values[2, 3, 4])
    assert model.hover_text().startswith(f"conv2 channel 3, row 4, column 5: {exact(value)};")
    assert len(exact(value).lstrip("−0.")) > 3  # more digits than the maps' 3 (the hover is where they are)
