"""Build the reduced CJK fonts of ``rendering/fonts/`` from the system Noto CJK SC fonts.

    .venv/bin/python tools/build_fonts.py            # rebuild the four .otf files
    .venv/bin/python tools/build_fonts.py --report   # print the character set's make-up

Input: Debian's fonts-noto-cjk (Noto Sans CJK SC and Noto Serif CJK SC, Regular and Bold,
found through fontconfig). Output: ``AZXSans-{Regular,Bold}.otf`` and
``AZXSerif-{Regular,Bold}.otf``, CFF OpenType fonts renamed to the families "AZX Sans"
and "AZX Serif" (so they never match a request for a system font), holding only the
common character set below. Characters outside it are drawn by the full system fonts
further down the CSS font-family stack (see ``rendering/fonts.py``).

The common set:

* the 8105 characters of the 通用规范汉字表 (2013), taken from the Unihan ``kTGH`` field
  (Debian's unicode-data package) and kept in ``rendering/fonts/tgh-2013.txt`` so that a
  rebuild needs no Unihan;
* every character of GB 2312 (6763 hanzi plus its 682 symbols, kana, Greek, Cyrillic,
  pinyin and box drawing), by decoding every double-byte code;
* ASCII, Latin-1, Latin Extended-A, general punctuation, letter-like symbols, arrows,
  mathematical operators, enclosed alphanumerics (①–⑳, ⑴, ⒈), box drawing, geometric
  shapes (□■●○△◆), the symbols ★☆√×※, CJK symbols and punctuation, enclosed CJK letters
  and compatibility units (㈠ ㎡ ㎏), CJK compatibility forms and fullwidth forms;
* every character of ``shared/seeds/*.txt`` (the source standards), when present.

Ballot boxes ☐ ☑ ☒ (U+2610–2612), which Noto CJK lacks and which our forms use, are
added as glyphs drawn from the font's own □ and ✓ / × so that a form with check boxes
never falls back to another font.

Layout features kept: only those HarfBuzz applies to horizontal text by default that the
font has (ccmp, liga, calt, kern, mark). ``locl`` (whose closure would pull in the
JP/KR/TC glyph variants), the vertical features, ``palt``/``halt`` and the rest are
dropped, as are hinting, glyph names and the vertical metrics tables (vhea, vmtx, VORG):
WeasyPrint lays out horizontally and drops the hints when it embeds a font anyway.

Glyph IDs are renumbered so that CID == GID in the CID-keyed CFF, as in the source
fonts: WeasyPrint writes glyph IDs into the PDF as CIDs.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.misc.transform import Transform
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
FONTS_DIR = ROOT / "rendering" / "fonts"
TGH_FILE = FONTS_DIR / "tgh-2013.txt"
UNIHAN = Path("/usr/share/unicode/Unihan_OtherMappings.txt.bz2")
SEEDS = ROOT.parent / "shared" / "seeds"  # the steering repo's shared/, beside this one
LICENSE_SOURCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")

# output file -> (family, style, source family, source style)
TARGETS = {
    "AZXSans-Regular.otf": ("AZX Sans", "Regular", "Noto Sans CJK SC", "Regular"),
    "AZXSans-Bold.otf": ("AZX Sans", "Bold", "Noto Sans CJK SC", "Bold"),
    "AZXSerif-Regular.otf": ("AZX Serif", "Regular", "Noto Serif CJK SC", "Regular"),
    "AZXSerif-Bold.otf": ("AZX Serif", "Bold", "Noto Serif CJK SC", "Bold"),
}

LAYOUT_FEATURES = ["ccmp", "liga", "clig", "calt", "rlig", "kern", "mark", "mkmk"]

SYMBOL_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x0100, 0x017F),  # Latin Extended-A (pinyin vowels with tones)
    (0x01CD, 0x01DC),  # pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x02C7, 0x02C7), (0x02C9, 0x02CB), (0x02D9, 0x02D9),  # ˇ ˉ ˊ ˋ ˙
    (0x0391, 0x03C9),  # Greek
    (0x0401, 0x0451),  # Cyrillic
    (0x2010, 0x205E),  # general punctuation (— ‘ ’ “ ” … ‰ ※)
    (0x20AC, 0x20AC),  # €
    (0x2100, 0x214F),  # letter-like symbols (℃ № ℉ ™)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ ⅰ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (√ ∵ ∴ ≤ ≥ ≠ ≈)
    (0x2300, 0x23FF),  # misc technical
    (0x2460, 0x24FF),  # enclosed alphanumerics (①–⑳ ⑴ ⒈)
    (0x2500, 0x257F),  # box drawing
    (0x2580, 0x259F),  # block elements
    (0x25A0, 0x25FF),  # geometric shapes (□ ■ ● ○ △ ◆)
    (0x2600, 0x26FF),  # misc symbols (★ ☆ ☐ ☑ ☒)
    (0x2700, 0x27BF),  # dingbats (✓ ✔ ✕ ✗)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # kana (in GB 2312 anyway)
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility (㈠ ㊣ ㎡ ㎏)
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and fullwidth forms
]

# Ballot boxes added from the font's own □ (U+25A1) and ✓ (U+2713) / × (U+00D7).
BALLOT_BOXES = {0x2610: None, 0x2611: 0x2713, 0x2612: 0x00D7}


def gb2312_chars() -> set[int]:
    """Every character of GB 2312, by decoding each double-byte code."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes((high, low)).decode("gb2312")))
    return chars


def gb2312_hanzi() -> set[int]:
    return {cp for cp in gb2312_chars() if 0x4E00 <= cp <= 0x9FFF}


def tgh_chars() -> set[int]:
    """The 8105 characters of the 通用规范汉字表 (Unihan kTGH), cached in TGH_FILE."""
    if UNIHAN.exists():
        chars = set()
        with bz2.open(UNIHAN, "rt", encoding="utf-8") as lines:
            for line in lines:
                if "\tkTGH\t" in line:
                    chars.add(int(line.split("\t", 1)[0][2:], 16))
        if len(chars) != 8105:
            raise SystemExit(f"expected 8105 kTGH characters, got {len(chars)}")
        text = "".join(chr(cp) for cp in sorted(chars))
        if not TGH_FILE.exists() or TGH_FILE.read_text(encoding="utf-8").strip() != text:
            TGH_FILE.write_text(text + "\n", encoding="utf-8")
        return chars
    if TGH_FILE.exists():
        return {ord(ch) for ch in TGH_FILE.read_text(encoding="utf-8").strip()}
    raise SystemExit(f"need {UNIHAN} (apt-get install unicode-data) or {TGH_FILE}")


def seed_chars() -> set[int]:
    chars: set[int] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        chars.update(ord(ch) for ch in path.read_text(encoding="utf-8") if ch.isprintable())
    return chars


def symbol_chars() -> set[int]:
    return {cp for start, end in SYMBOL_RANGES for cp in range(start, end + 1)}


def charset_groups() -> dict[str, set[int]]:
    return {
        "通用规范汉字表 (kTGH)": tgh_chars(),
        "GB 2312": gb2312_chars(),
        "symbols and Latin": symbol_chars(),
        "seeds": seed_chars(),
    }


def common_charset() -> set[int]:
    return set().union(*charset_groups().values())


def find_face(family: str, style: str) -> tuple[Path, int]:
    """File and face index of a system font, through fontconfig."""
    out = subprocess.run(
        ["fc-list", "--format", "%{file}|%{index}|%{family}|%{style}\n", f"{family}:style={style}"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        path, index, families, styles = line.split("|")
        # The Black face is "Noto Serif CJK SC,Noto Serif CJK SC Black" "Black,Regular".
        if families == family and styles.split(",")[0] == style:
            return Path(path), int(index)
    raise SystemExit(f"font {family} {style} not found (apt-get install fonts-noto-cjk)")


def rename(font: TTFont, family: str, style: str, source: str) -> None:
    """Give the font its own names only (no Noto name left for fontconfig to match)."""
    name = font["name"]
    kept = {nid: name.getDebugName(nid) for nid in (0, 5, 7, 8, 9, 11, 12, 13, 14)}
    ps_name = f"{family.replace(' ', '')}-{style}"
    old_ps = name.getDebugName(6)
    version = (kept[5] or "").split(";")[0]
    name.names = []
    new = {
        **kept,
        1: family,
        2: style,
        3: f"{ps_name};{version};subset of {old_ps}",
        4: f"{family} {style}",
        6: ps_name,
        10: f"Subset of {source} {style} (common Chinese set) made by tools/build_fonts.py",
    }
    for nid, value in sorted(new.items()):
        if value:
            name.setName(value, nid, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    top.FullName = f"{family} {style}"
    top.FamilyName = family
    if hasattr(top, "FDArray"):
        for fd in top.FDArray:
            if getattr(fd, "FontName", "").startswith(old_ps):
                fd.FontName = ps_name + fd.FontName[len(old_ps):]
    os2 = font["OS/2"]
    bold = style == "Bold"
    os2.usWeightClass = 700 if bold else 400
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = 1 if bold else 0


def add_ballot_boxes(font: TTFont) -> None:
    """Add ☐ ☑ ☒ drawn from the font's own □ and ✓ / ×."""
    cmap = font.getBestCmap()
    glyph_set = font.getGlyphSet()
    box_name = cmap[0x25A1]
    box_bounds = BoundsPen(glyph_set)
    glyph_set[box_name].draw(box_bounds)
    bx0, by0, bx1, by1 = box_bounds.bounds
    width = font["hmtx"][box_name][0]
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    char_strings = top.CharStrings
    fd_index = top.FDSelect[font.getGlyphID(box_name)] if hasattr(top, "FDSelect") else 0
    private = top.FDArray[fd_index].Private if hasattr(top, "FDArray") else top.Private
    order = font.getGlyphOrder()
    for codepoint, mark in BALLOT_BOXES.items():
        if codepoint in cmap:
            continue
        pen = T2CharStringPen(width, glyph_set)
        glyph_set[box_name].draw(pen)
        if mark is not None:
            mark_bounds = BoundsPen(glyph_set)
            glyph_set[cmap[mark]].draw(mark_bounds)
            mx0, my0, mx1, my1 = mark_bounds.bounds
            inner = 0.7 * min(bx1 - bx0, by1 - by0)
            scale = inner / max(mx1 - mx0, my1 - my0)
            transform = Transform().translate(
                (bx0 + bx1) / 2 - scale * (mx0 + mx1) / 2,
                (by0 + by1) / 2 - scale * (my0 + my1) / 2).scale(scale)
            glyph_set[cmap[mark]].draw(TransformPen(pen, transform))
        # A CID the subset does not use (renumber_cids makes CID == GID afterwards).
        used = set(order)
        glyph_name = next(
            name for name in (f"cid{cid:05d}" for cid in range(65535, 0, -1))
            if name not in used)
        char_string = pen.getCharString(private=private, globalSubrs=cff.GlobalSubrs)
        char_strings.charStringsIndex.append(char_string)
        char_strings.charStrings[glyph_name] = len(char_strings.charStringsIndex) - 1
        top.charset.append(glyph_name)
        if hasattr(top, "FDSelect"):
            top.FDSelect.append(fd_index)
        order.append(glyph_name)
        font["hmtx"][glyph_name] = font["hmtx"][box_name]
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[codepoint] = glyph_name
        glyph_set = font.getGlyphSet()
    font.setGlyphOrder(order)
    font["maxp"].numGlyphs = len(order)


def renumber_cids(font: TTFont) -> None:
    """Make CID == GID (glyph i named cid0000i), as in the source fonts.

    The subsetter keeps the source CIDs while it packs the glyph IDs. Only names change
    here, never glyph IDs: every table but CFF is compiled to binary (which holds glyph
    IDs) under the old names and read back under the new ones; CFF keeps names in its
    charset, which is renamed in place.
    """
    order = font.getGlyphOrder()
    new_order = [".notdef"] + [f"cid{gid:05d}" for gid in range(1, len(order))]
    if order == new_order:
        return
    mapping = dict(zip(order, new_order, strict=True))
    # hmtx sets hhea.numberOfHMetrics when compiled; hmtx is read against hhea and maxp.
    tags = [tag for tag in sorted(font.keys()) if tag not in ("GlyphOrder", "CFF ")]
    tags.sort(key=lambda tag: tag != "hmtx")
    blobs = {tag: font[tag].compile(font) for tag in tags}
    tags.sort(key=lambda tag: (tag not in ("head", "hhea", "maxp"), tag))
    top = font["CFF "].cff.topDictIndex[0]
    char_strings = top.CharStrings
    char_strings.charStrings = {
        mapping[name]: index for name, index in char_strings.charStrings.items()}
    top.charset = [mapping[name] for name in top.charset]
    font.setGlyphOrder(new_order)
    for tag in tags:
        table = newTable(tag)
        table.decompile(blobs[tag], font)
        font.tables[tag] = table


def build_one(out: Path, family: str, style: str, source_family: str, source_style: str,
              unicodes: set[int]) -> dict[str, int | str]:
    path, index = find_face(source_family, source_style)
    font = TTFont(path, fontNumber=index, recalcTimestamp=False, lazy=False)
    names = (font["name"].getDebugName(1), font["name"].getDebugName(2))
    if names != (source_family, source_style):
        raise SystemExit(f"{path} face {index} is {names}, not {source_family} {source_style}")
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.hinting = False
    options.desubroutinize = False
    options.glyph_names = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    options.prune_unicode_ranges = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes | {0x25A1, 0x2713, 0x00D7})
    subsetter.subset(font)
    add_ballot_boxes(font)
    rename(font, family, style, source_family)
    renumber_cids(font)
    font.save(out, reorderTables=True)
    check = TTFont(out)
    return {"glyphs": len(check.getGlyphOrder()), "cmap": len(check.getBestCmap()),
            "bytes": out.stat().st_size, "copyright": check["name"].getDebugName(0)}


def copy_license(copyrights: set[str]) -> None:
    """The OFL text from Debian's fonts-noto-cjk, which the derived fonts must carry."""
    if not LICENSE_SOURCE.exists():
        return
    text = LICENSE_SOURCE.read_text(encoding="utf-8")
    start = text.find("License: SIL-1.1\n", text.find("Files: debian/*"))
    body = text[start:].split("\nLicense: GPL-3+")[0].splitlines()[1:]
    license_text = "\n".join(line[1:] if line.startswith(" ") else line for line in body)
    (FONTS_DIR / "LICENSE-OFL.txt").write_text(
        "AZX Sans and AZX Serif (the .otf files in this folder) are subsets of Noto Sans\n"
        "CJK SC and Noto Serif CJK SC (https://github.com/notofonts/noto-cjk), renamed\n"
        "and modified by tools/build_fonts.py.\n\n"
        + "".join(f"{line}\n" for line in sorted(copyrights))
        + "\nThey are licensed under the SIL Open Font License, Version 1.1:\n\n"
        + license_text.replace("\n.\n", "\n\n") + "\n",
        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--report", action="store_true", help="print the set's make-up")
    parser.add_argument("--only", help="build only this output file name")
    args = parser.parse_args(argv)
    FONTS_DIR.mkdir(parents=True, exist_ok=True)
    groups = charset_groups()
    unicodes = set().union(*groups.values())
    if args.report:
        for label, chars in groups.items():
            print(f"{label:24} {len(chars):6d}")
        hanzi = {cp for cp in unicodes if 0x3400 <= cp <= 0x9FFF or cp >= 0x20000}
        print(f"{'union':24} {len(unicodes):6d}  ({len(hanzi)} hanzi)")
        return 0
    total = 0
    copyrights = set()
    for file_name, (family, style, source_family, source_style) in TARGETS.items():
        if args.only and file_name != args.only:
            continue
        stats = build_one(FONTS_DIR / file_name, family, style, source_family, source_style,
                          unicodes)
        total += stats["bytes"]
        copyrights.add(stats["copyright"])
        print(f"{file_name:22} {stats['bytes'] / 2**20:6.2f} MiB  "
              f"{stats['glyphs']:6d} glyphs  {stats['cmap']:6d} code points")
    copy_license(copyrights)
    print(f"{'total':22} {total / 2**20:6.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
