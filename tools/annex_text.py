"""Copy each annex's own text, line by line, from the source standards into
tests/data/annex_text/ (committed): what tests/test_annex_words.py checks every blank form against.

Run: .venv/bin/python tools/annex_text.py [SEEDS_DIR]   (default: ../shared/seeds beside the repo)

Lines are copied as the standards' text files have them (a table row's cells on one line or on
several, a sentence broken where the page broke it); the test compares each line, without
blanks, ____ and spaces, with the blank form's text.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "annex_text"
SD = "000_a04cad96e37f2d81.txt"  # 山东 鲁交安委办函〔2024〕45号
CD = "001_3fc616084e0abfd0.txt"  # 成都 规范
AQ = "004_bba49dd4fae2d316.txt"  # AQ 9010.1-2025 征求意见稿

#: form (type-profile) → (standard, first line, last line), 1-based and inclusive
RANGES: dict[str, tuple[str, int, int]] = {
    "agreement-shandong": (SD, 366, 478),  # 附件2
    "plan-shandong": (SD, 482, 522),  # 附件3
    "report-shandong": (SD, 526, 594),  # 附件4
    "callback-shandong": (SD, 598, 615),  # 附件5
    "annual_evaluation-shandong": (SD, 619, 644),  # 附件6
    "plan-national": (AQ, 163, 211),  # 附录A 图A.1 and 图A.2
    "chengdu_table_10-chengdu": (CD, 1353, 1375),  # 附录C 表10
    "chengdu_table_11-chengdu": (CD, 1384, 1461),  # 附录C 表11
    "chengdu_table_12-chengdu": (CD, 1488, 1595),  # 附录C 表12
    "callback-chengdu": (CD, 2212, 2220),  # 附录D 表2 整改情况表
    "annual_evaluation-chengdu": (CD, 2223, 2268),  # 附录E up to its second indicator
}


def main() -> None:
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (source, first, last) in RANGES.items():
        lines = (seeds / source).read_text(encoding="utf-8").splitlines()[first - 1:last]
        head = f"# {source} lines {first}-{last}\n"
        (OUT / f"{name}.txt").write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
        print(OUT / f"{name}.txt")


if __name__ == "__main__":
    main()
