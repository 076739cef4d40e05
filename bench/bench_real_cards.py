"""Reading real cards: the share of stated values read back from the 59 real cards
(damaged V excerpts and reconstructed R cards), cards fully right, wrong values, and the
same for the R cards damaged every way the excerpts are (tests/damage.py).

    .venv/bin/python bench/bench_real_cards.py [--combinations 3]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import damage  # noqa: E402
from tests import real_cards as rc  # noqa: E402


def _line(label: str, s: dict) -> str:
    return (
        f"{label}: {s['right']}/{s['stated']} stated values ({s['values_share']:.1%}), "
        f"{s['cards_fully_right']}/{s['cards']} cards fully right ({s['cards_share']:.1%}), {s['wrong']} wrong"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=3, help="most damages combined (default 3)")
    args = parser.parse_args()
    start = time.perf_counter()
    scores = rc.score()
    print(_line("damaged excerpts (V)", rc.summary(scores, "V")))
    print(_line("reconstructed (R)", rc.summary(scores, "R")))
    for s in scores:
        for w in s.wrong:
            print(f"  WRONG {s.name}: {w}")
    print(f"read {len(rc.names())} cards in {time.perf_counter() - start:.2f} s")

    expected = rc.expected()
    r_cards = [n for n in rc.names() if rc.kind_of(n) == "R"]
    damaged = []
    for n in r_cards:
        text = rc.card_bytes(n).decode("utf-8")
        for k in range(1, args.combinations + 1):
            for combo in itertools.combinations(damage.DAMAGES, k):
                t = text
                for d in combo:
                    t = damage.DAMAGES[d](t)
                s = rc.score_bot(n, expected[n], rc.read_card(n, t.encode("utf-8")), kind="R")
                damaged.append(s)
                for w in s.wrong:
                    print(f"  WRONG {n} {' + '.join(combo)}: {w}")
    print(_line(f"R cards damaged ({len(damaged)} damaged copies, up to {args.combinations} damages)", rc.summary(damaged)))


if __name__ == "__main__":
    main()
