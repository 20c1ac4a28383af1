"""Fonts of the WeasyPrint renderer.

Body text is set in "AZX Serif", headings and table headers in "AZX Sans": subsets of
Noto Serif/Sans CJK SC (Regular and Bold) kept in ``rendering/fonts/`` and built by
``tools/build_fonts.py``. They hold the common Chinese set (通用规范汉字表 8105, all of
GB 2312, Latin, punctuation, fullwidth forms, ①–⑳, ☐☑☒ and the characters of the source
standards), so the usual document embeds a font subset from a ~10k-glyph font instead of
a 65k-glyph one. Every stack goes on with the full system Noto CJK SC, then HanaMinB and
HanaMinA: Pango picks a font per character along the stack, so a rare character (𠮷, 𪚥)
still comes out, from the first font of the stack that has it.

Use::

    from rendering import fonts
    html.write_pdf(stylesheets=[fonts.base_stylesheet(), css],
                   font_config=fonts.font_configuration())

or put :func:`font_face_css` in the document's own stylesheet and pass
:func:`font_configuration`. Nothing happens at import: WeasyPrint is imported, and the
fonts registered, on first use. The font configuration is not thread-safe (Pango's is
not): use it from one thread per process, as the render workers do.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

LOGGER = logging.getLogger("azx.rendering")

FONTS_DIR = Path(__file__).resolve().with_name("fonts")

SERIF_FAMILY = "AZX Serif"
SANS_FAMILY = "AZX Sans"
#: Full fonts after the reduced one, for the characters outside the common set.
FALLBACK_SERIF = ("Noto Serif CJK SC", "HanaMinB", "HanaMinA")
FALLBACK_SANS = ("Noto Sans CJK SC", "HanaMinB", "HanaMinA")
SERIF_STACK = (SERIF_FAMILY, *FALLBACK_SERIF, "serif")
SANS_STACK = (SANS_FAMILY, *FALLBACK_SANS, "sans-serif")

#: (family, CSS font-weight, file in FONTS_DIR)
FONT_FILES = (
    (SERIF_FAMILY, 400, "AZXSerif-Regular.otf"),
    (SERIF_FAMILY, 700, "AZXSerif-Bold.otf"),
    (SANS_FAMILY, 400, "AZXSans-Regular.otf"),
    (SANS_FAMILY, 700, "AZXSans-Bold.otf"),
)

_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
_FONTTOOLS_MESSAGE = "Using fontTools instead of HarfBuzz-Subset"
_lock = threading.Lock()


def css_family_list(stack: tuple[str, ...]) -> str:
    """``"AZX Serif", "Noto Serif CJK SC", …, serif`` for a ``font-family`` value."""
    return ", ".join(name if name in _GENERIC else f'"{name}"' for name in stack)


def font_paths() -> list[Path]:
    return [FONTS_DIR / file_name for _, _, file_name in FONT_FILES]


def font_face_rules() -> str:
    """The ``@font-face`` rules of the reduced fonts (``file://`` URLs)."""
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-style: normal; '
        f"font-weight: {weight}; "
        f'src: url("{(FONTS_DIR / file_name).as_uri()}") format("opentype"); }}'
        for family, weight, file_name in FONT_FILES)


def stack_css() -> str:
    """Serif body and sans headings, each with its fall-back stack.

    Also defines ``--azx-serif`` and ``--azx-sans`` for stylesheets that pick a stack
    with ``var()``.
    """
    serif, sans = css_family_list(SERIF_STACK), css_family_list(SANS_STACK)
    return (
        f":root {{ --azx-serif: {serif}; --azx-sans: {sans}; font-family: {serif}; }}\n"
        f"h1, h2, h3, h4, h5, h6 {{ font-family: {sans}; }}")


def font_face_css() -> str:
    """``@font-face`` rules and the font-family stacks, for a document's stylesheet.

    With :func:`font_configuration` the rules are already registered and WeasyPrint
    skips them (it keys a rule by its descriptors), so they cost nothing; with a fresh
    ``FontConfiguration`` they register the fonts (about 20 ms, files copied to a
    temporary folder).
    """
    return font_face_rules() + "\n" + stack_css()


@cache
def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (fast) rather than fontTools.

    WeasyPrint 70 uses libharfbuzz-subset (HarfBuzz >= 4.1) when it can load it, and
    fontTools otherwise, several times slower on CJK fonts, logging a warning per font
    and per document. When it is missing this logs one warning on ``azx.rendering``
    and silences WeasyPrint's repeated ones.
    """
    from weasyprint.pdf import fonts as pdf_fonts

    available = bool(
        pdf_fonts.harfbuzz_subset is not None
        and pdf_fonts.harfbuzz.hb_version_atleast(4, 1, 0))
    if not available:
        LOGGER.warning(
            "libharfbuzz-subset (HarfBuzz >= 4.1) is not available: WeasyPrint subsets "
            "fonts with fontTools, which makes every PDF slower. Install the "
            "libharfbuzz-subset0 package to fix this.")
        logging.getLogger("weasyprint").addFilter(_drop_fonttools_warnings)
    return available


def _drop_fonttools_warnings(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(_FONTTOOLS_MESSAGE)


def new_font_configuration(method: str = "font-face") -> FontConfiguration:
    """A new ``FontConfiguration`` that knows the reduced fonts.

    ``"font-face"`` goes through WeasyPrint's public ``@font-face`` path (the rules of
    :func:`font_face_rules`; each file is copied to a temporary folder, about 20 ms),
    after which documents carrying the same rules reuse the registration.
    ``"fontconfig"`` adds the files to the configuration's fontconfig set directly
    (about 6 ms, no copy; the fonts carry their family names), but a document that
    carries the ``@font-face`` rules then registers a second copy. Rendering speed is
    the same either way (``benchmarks/font_experiments.py``, variants d and d2).
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    if method == "fontconfig" and _add_to_fontconfig(config):
        return config
    CSS(string=font_face_rules(), font_config=config)
    return config


def _add_to_fontconfig(config: FontConfiguration) -> bool:
    try:
        from weasyprint.text.ffi import ffi, fontconfig, pangoft2

        fc_config = config._config
        font_map = config.font_map
    except (ImportError, AttributeError):  # pragma: no cover - other WeasyPrint
        return False
    for path in font_paths():
        if not fontconfig.FcConfigAppFontAddFile(fc_config, str(path).encode()):
            LOGGER.warning("cannot register font %s", path)
            return False
    pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", font_map))
    return True


_config: FontConfiguration | None = None


def font_configuration() -> FontConfiguration:
    """The process's warm ``FontConfiguration``, with the reduced fonts registered.

    Reusing it saves the font registration and keeps Pango's font cache and
    WeasyPrint's per-style caches warm between documents. Its temporary font folder is
    removed when the process exits.
    """
    global _config
    with _lock:
        if _config is None:
            harfbuzz_subset_available()
            _config = new_font_configuration()
            folder = getattr(_config, "_folder", None)
            if folder is not None:
                atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return _config


@cache
def base_stylesheet() -> CSS:
    """:func:`font_face_css` parsed once, for ``write_pdf(stylesheets=[...])``."""
    from weasyprint import CSS

    return CSS(string=font_face_css(), font_config=font_configuration())
