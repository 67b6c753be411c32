"""Error text for people: one sentence, safe file names."""

from __future__ import annotations

from visualizer.core.errors import first_sentence, safe_file_name


def test_first_sentence_drops_torch_frames_and_joins_lines():
    raw = ("empty(): argument 'size' failed to unpack the object at pos 1 with error \"Overflow when "
           "unpacking long long\nException raised from THPUtils_unpackLong at x.h:79 (most recent call first):\n"
           "frame #0: c10::Error::Error(...) + 0x9d (0x7f in libc10.so)\nframe #1: ...")
    text = first_sentence(raw)
    assert text.endswith("Overflow when unpacking long long")
    assert "frame" not in text and "\n" not in text


def test_first_sentence_cuts_long_text_at_a_word():
    text = first_sentence("word " * 100, limit=40)
    assert len(text) <= 42 and text.endswith(" …") and "wor …" not in text


def test_safe_file_name_keeps_no_folder_and_no_odd_characters():
    assert safe_file_name("/etc/cron.d/evil", ".json") == "evil.json"
    assert safe_file_name("..\\..\\x", ".json") == "x.json"
    assert safe_file_name("..", ".json") == "network.json"
    assert safe_file_name("", ".png") == "network.png"
    assert safe_file_name("vgg16-bn", ".json") == "vgg16-bn.json"
    assert safe_file_name("a|b<c>?", ".csv") == "a_b_c.csv"
    assert len(safe_file_name("x" * 500, ".json")) == 85
