"""Fonts of both PDF engines (Typst reads the same files and stacks; the WeasyPrint specifics below).

Body text is set in "AZX Serif", headings in "AZX Sans": subsets of
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
import tempfile
import threading
from functools import cache
from hashlib import md5
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

    With :func:`font_configuration` WeasyPrint skips the rules (the fonts are registered
    already), so they cost nothing; with a fresh ``FontConfiguration`` they register the
    fonts (about 20 ms, files copied to a temporary folder).
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


def new_font_configuration(method: str = "fontconfig") -> FontConfiguration:
    """A new ``FontConfiguration`` that knows the reduced fonts.

    ``"fontconfig"`` (the default) adds the font files to the configuration's fontconfig
    set in place (about 6 ms; the fonts carry their family names) and marks the rules of
    :func:`font_face_rules` as done, so that documents carrying them copy nothing.
    ``"font-face"`` is WeasyPrint's public ``@font-face`` path (about 20 ms): it copies
    each file, 9.5 MB in all, to a temporary folder that WeasyPrint removes only when
    the configuration is collected, and that a killed or ``os._exit``-ed worker leaves
    behind. It is also the fall-back should WeasyPrint's internals change. Rendering is
    as fast either way (``benchmarks/font_experiments.py``, variants d and d2).
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    if method == "fontconfig" and _add_to_fontconfig(config):
        _mark_font_faces_done(config)
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


class _RuleRecorder:
    """Stands in for a FontConfiguration while WeasyPrint parses our @font-face rules."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def add_font_face(self, rule_descriptors: dict[str, object], url_fetcher: object) -> None:
        self.keys.append(str(rule_descriptors))


def _mark_font_faces_done(config: FontConfiguration) -> None:
    """Make WeasyPrint skip our ``@font-face`` rules: their fonts are registered already.

    WeasyPrint 70's ``add_font_face`` returns early when its folder holds a file named
    after the md5 of the rule's descriptors; empty files stand in for the copies. Were
    that scheme to change, the rules would register copies again: slower, still right.
    """
    from weasyprint import CSS

    if getattr(config, "_folder", False) is not None:  # pragma: no cover - other WeasyPrint
        return
    recorder = _RuleRecorder()
    CSS(string=font_face_rules(), font_config=recorder)
    folder = Path(tempfile.mkdtemp(prefix="azx-fonts-"))
    for key in recorder.keys:
        (folder / md5(key.encode(), usedforsecurity=False).hexdigest()).touch()
    config._folder = folder


_config: FontConfiguration | None = None


def font_configuration() -> FontConfiguration:
    """The process's warm ``FontConfiguration``, with the reduced fonts registered.

    Reusing it saves the font registration and keeps Pango's font cache and
    WeasyPrint's per-style caches warm between documents. Its temporary folder (empty
    marker files) is removed when the process exits.
    """
    global _config
    with _lock:
        if _config is None:
            harfbuzz_subset_available()
            _config = new_font_configuration()
            atexit.register(_release)
        return _config


def _release() -> None:
    """At exit: remove the temporary font folder while ``shutil`` is still there.

    (``FontConfiguration.__del__`` would otherwise run during interpreter shutdown and
    print an ignored exception.)
    """
    global _config
    config, _config = _config, None
    base_stylesheet.cache_clear()
    folder = getattr(config, "_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        config._folder = None  # type: ignore[union-attr]


@cache
def base_stylesheet() -> CSS:
    """:func:`font_face_css` parsed once, for ``write_pdf(stylesheets=[...])``."""
    from weasyprint import CSS

    return CSS(string=font_face_css(), font_config=font_configuration())
