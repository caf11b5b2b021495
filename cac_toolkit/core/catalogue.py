"""Translations of the package's texts: gettext catalogues, English as the source language.

The texts live in code, in English; the French catalogue is
``cac_toolkit/render/locales/fr/LC_MESSAGES/cac_toolkit.po``, compiled to the ``.mo`` next to it
(package data, found with :mod:`importlib.resources`) and read with the standard library's
:mod:`gettext`. Every layer translates through this module, so a verdict of ``figures`` and a
chart label of ``render`` come from one catalogue. ``docs/translations.md`` says how to add a
string or a language; ``scripts/extract_messages.py`` regenerates the catalogues.
"""

from __future__ import annotations

import gettext
from datetime import date
from functools import cache
from importlib.resources import as_file, files

from babel.dates import format_date, get_month_names

#: The languages of the reports: English (the source texts) and French (the catalogue).
LANGS = ("en", "fr")

#: The gettext domain: the catalogues are ``locales/<lang>/LC_MESSAGES/cac_toolkit.mo``.
DOMAIN = "cac_toolkit"

#: A source text, or a ``(context, text)`` pair when one English text needs two translations.
Message = str | tuple[str, str]


def check_lang(lang: str) -> str:
    """``lang`` itself when it is one of :data:`LANGS`, else a ``ValueError`` naming them."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled gettext catalogue of ``lang`` (English: the source texts themselves)."""
    if check_lang(lang) == "en":
        return gettext.NullTranslations()
    with as_file(files("cac_toolkit").joinpath("render", "locales")) as folder:
        with open(folder / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as mo:
            return gettext.GNUTranslations(mo)


def translate(message: Message, lang: str = "en") -> str:
    """``message`` (an English source text, or a ``(context, text)`` pair) in ``lang``.

    >>> translate("Global CAC", "fr")
    'CAC global'
    """
    if isinstance(message, tuple):
        context, text = message
        return catalogue(lang).pgettext(context, text)
    return catalogue(lang).gettext(message)


def translate_plural(singular: str, plural: str, count: int, lang: str = "en") -> str:
    """The form of ``singular``/``plural`` that agrees with ``count`` in ``lang`` (gettext's
    plural rule: French uses the singular for 0 and 1, English for 1 only)."""
    return catalogue(lang).ngettext(singular, plural, count)


def is_translated(message: Message, lang: str) -> bool:
    """Whether the catalogue of ``lang`` holds a translation of ``message`` (English always)."""
    if check_lang(lang) == "en":
        return True
    key = "\x04".join(message) if isinstance(message, tuple) else message
    return key in catalogue(lang)._catalog  # type: ignore[attr-defined]


#: Babel's locale of each report language (numbers, dates and month names come from it).
LOCALES = {"en": "en_US", "fr": "fr_FR"}


def format_day(day: date | str, lang: str = "en") -> str:
    """A calendar day as the reader writes it: ``2025-01-01`` (ISO) in English, ``01/01/2025``
    in French (Babel's ``dd/MM/yyyy`` pattern)."""
    day = date.fromisoformat(str(day)[:10]) if not isinstance(day, date) else day
    if check_lang(lang) == "en":
        return day.isoformat()
    return format_date(day, "dd/MM/yyyy", locale=LOCALES[lang])


def month_abbreviation(month: int, lang: str = "en") -> str:
    """The abbreviated name of ``month`` (1 to 12) from Babel's locale data: ``Jan`` / ``janv.``."""
    return str(get_month_names("abbreviated", locale=LOCALES[check_lang(lang)])[month])


def month_year(month: str, lang: str = "en") -> str:
    """A calendar month written ``YYYY-MM`` (as the KPI file's notes name months) with its
    name from Babel's locale data: ``December 2025`` / ``décembre 2025``; a text that is not
    such a month is returned as it is."""
    try:
        year, number = (int(part) for part in str(month).split("-"))
        name = get_month_names("wide", context="stand-alone",
                               locale=LOCALES[check_lang(lang)])[number]
    except (ValueError, KeyError):
        return str(month)
    return f"{name.lower() if lang == 'fr' else name} {year}"
