# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time ``analyze()`` + ``split()`` against PyPI smsutil's ``split()``.

Builds 200,000 messages (fixed seed) in several languages and lengths, times
our engine over all of them, then ``smsutil.split`` over the same messages in
the same run, and prints both times, messages per second and the ratio
ours/smsutil (below 1 means ours is faster). Run from anywhere:

    python3 bench/bench_sms_text.py [message_count]
"""

import random
import sys
import time
import types
from pathlib import Path

import smsutil

REPO_ROOT = Path(__file__).resolve().parent.parent
# The engine is imported from this repository as ``sms_gateway.tools``, through
# a bare package: sms_gateway/__init__.py imports Odoo, which tools/ never needs.
if "sms_gateway" not in sys.modules:
    _package = types.ModuleType("sms_gateway")
    _package.__path__ = [str(REPO_ROOT / "sms_gateway")]
    sys.modules["sms_gateway"] = _package

from sms_gateway.tools.sms_text import analyze, split

SEED = 20260101
DEFAULT_COUNT = 200_000
SAMPLES = {
    "english": "Your order 4711 is ready for pickup at our store. Thank you! ",
    "finnish": "Hyvää päivää! Tilauksesi on noudettavissa myymälästä. Kiitos. ",
    "swedish": "Hej! Din beställning är klar att hämtas i butiken. Tack så mycket. ",
    "german": "Ihre Bestellung ist abholbereit. Grüße aus Köln, Straße 5. ",
    "euro": "Price 10€ [promo] {code: X1} ~ valid until 31.12. | see ^ ",
    "polish": "Zamówienie jest gotowe do odbioru. Zażółć gęślą jaźń. ",
    "russian": "Ваш заказ готов к выдаче в нашем магазине. Спасибо! ",
    "greek": "Η παραγγελία σας είναι έτοιμη για παραλαβή. Ευχαριστούμε! ",
    "chinese": "您的订单已准备好，请到店取货。谢谢！",
    "emoji": "Party tonight 🎉🎉 bring snacks 🍕 and friends 😀 ",
}
LENGTHS = (20, 70, 100, 160, 161, 200, 306, 307, 459, 600, 1000)


def build_messages(count, seed=SEED):
    """``count`` messages of mixed languages and lengths, reproducibly."""
    rng = random.Random(seed)
    samples = list(SAMPLES.values())
    messages = []
    for _ in range(count):
        sample = rng.choice(samples)
        length = rng.choice(LENGTHS) + rng.randrange(-3, 4)
        offset = rng.randrange(len(sample))
        repeated = sample * (length // len(sample) + 2)
        messages.append(repeated[offset : offset + length])
    return messages


def time_ours(messages):
    start = time.perf_counter()
    for text in messages:
        analyze(text)
        split(text)
    return time.perf_counter() - start


def time_smsutil(messages):
    start = time.perf_counter()
    for text in messages:
        smsutil.split(text)
    return time.perf_counter() - start


def main(argv):
    count = int(argv[1]) if len(argv) > 1 else DEFAULT_COUNT
    messages = build_messages(count)
    ours = time_ours(messages)
    theirs = time_smsutil(messages)
    print(f"messages:               {count}")
    for label, seconds in (
        ("ours analyze()+split()", ours),
        ("smsutil.split()", theirs),
    ):
        print(f"{label + ':':23} {seconds:.3f} s  ({count / seconds:,.0f} messages/s)")
    print(f"ratio ours/smsutil:     {ours / theirs:.3f}")


if __name__ == "__main__":
    main(sys.argv)
