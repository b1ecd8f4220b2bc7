"""Interface language: Chinese by default, English on request (?lang=en), kept in the session."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

#: Locales the UI has; the first is used when nothing was chosen.
SUPPORTED = ("zh_Hans_CN", "en")

#: Spellings of ?lang= that users and browsers commonly send.
ALIASES = {
    "zh": "zh_Hans_CN",
    "zh_cn": "zh_Hans_CN",
    "zh_hans": "zh_Hans_CN",
    "zh_hans_cn": "zh_Hans_CN",
    "en": "en",
    "en_us": "en",
    "en_gb": "en",
}

SESSION_KEY = "lang"

log = logging.getLogger(__name__)


def init_i18n(app: Flask) -> None:
    """Set up flask-babel on `app`: zh_Hans_CN unless ?lang= chose otherwise this session."""
    default = app.config["GRIDMAP"].default_locale if "GRIDMAP" in app.config else SUPPORTED[0]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", normalize(default) or SUPPORTED[0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    ensure_compiled(TRANSLATIONS_DIR)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["html_lang"] = html_lang


def normalize(value: str | None) -> str | None:
    """Map a ?lang= value (zh, zh-CN, en-US, ...) to a supported locale, or None."""
    if not value:
        return None
    return ALIASES.get(value.strip().replace("-", "_").lower())


def select_locale() -> str:
    """Pick the locale: ?lang= (then kept in the session), else the session's, else default."""
    chosen = normalize(request.args.get("lang"))
    if chosen is not None:
        session[SESSION_KEY] = chosen
        return chosen
    remembered = normalize(session.get(SESSION_KEY))
    return remembered or current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang() -> str:
    """Return the BCP 47 tag of the request's locale for <html lang>, e.g. zh-Hans-CN."""
    return str(get_locale() or SUPPORTED[0]).replace("_", "-")


def ensure_compiled(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older; return the files written.

    Same result as `pybabel compile -d gridmap/translations`; done here too so that a
    fresh checkout shows Chinese even if that step was skipped. A read-only install
    keeps whatever .mo files it shipped.
    """
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            _compile(po, mo)
        except OSError as exc:
            log.warning("cannot compile %s: %s", po, exc)
            continue
        written.append(mo)
    return written


def _compile(po: Path, mo: Path) -> None:
    """Write `po` as `mo` atomically, so concurrent app starts never read half a file."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


if __name__ == "__main__":
    for path in ensure_compiled():
        print(path)
