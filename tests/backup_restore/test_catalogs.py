"""The committed catalogs (locale/): every message the code marks is translated, and the compiled
``.mo`` files the server loads say what the ``.po`` files say.

The ``.mo`` files are committed so that `make run`, `make test` and CI need no GNU gettext;
`make messages` rebuilds both after a message changes (it needs gettext). Messages are found in the
code by parsing it (every ``gettext``-family call with a literal), so no gettext tool is needed here.
"""

import ast
import gettext
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("backup_restore", "streaming", "config")
SINGULAR = {"gettext", "gettext_lazy", "gettext_noop", "_"}
PLURAL = {"ngettext", "ngettext_lazy"}
LANGUAGES = ("es", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def catalog(language: str, kind: str = "po") -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / f"django.{kind}"


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def marked_messages() -> set[str | tuple[str, str]]:
    """The msgids of the code: singular strings, and (singular, plural) pairs."""
    found: set[str | tuple[str, str]] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name, first = _name(node.func), _literal(node.args[0])
                if name in SINGULAR and first is not None:
                    found.add(first)
                elif name in PLURAL and first is not None and len(node.args) > 1 and _literal(node.args[1]):
                    found.add((first, _literal(node.args[1])))
    return found | template_messages()


TEMPLATE_CALL = re.compile(r"\b(n?gettext)\(((?:u?'(?:[^'\\]|\\.)*'\s*,?\s*)+)")


def template_messages() -> set[str | tuple[str, str]]:
    """The msgids of the templates ({% translate %}, {% blocktranslate %}), as makemessages reads
    them: through Django's ``templatize``."""
    from django.utils.translation.template import templatize

    found: set[str | tuple[str, str]] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("templates/**/*.html"):
            for name, args in TEMPLATE_CALL.findall(templatize(path.read_text(), origin=str(path))):
                texts = ast.literal_eval(f"({args},)")
                found.add(tuple(texts[:2]) if name == "ngettext" else texts[0])
    return found


def test_the_templates_mark_messages():
    messages = template_messages()
    assert "Back up now" in messages and "%(done)s of %(total)s rows" in messages


def _key(entry: polib.POEntry) -> str | tuple[str, str]:
    return (entry.msgid, entry.msgid_plural) if entry.msgid_plural else entry.msgid


def _translations(entry: polib.POEntry) -> list[str]:
    return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)] if entry.msgid_plural else [entry.msgstr]


def test_the_code_marks_messages():
    messages = marked_messages()
    assert "This file is not a backup made by this application." in messages  # streaming's, gettext_noop
    assert "Unknown backup format." in messages  # an error class's default_message
    assert len(messages) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(language):
    po = polib.pofile(str(catalog(language)))
    entries = {_key(e): e for e in po if not e.obsolete}
    missing = sorted(map(str, marked_messages() - set(entries)))
    assert not missing, f"run `make messages` and translate: {missing}"
    untranslated = [e.msgid for e in entries.values() if not e.translated() or "fuzzy" in e.flags]
    assert not untranslated, untranslated
    assert not po.obsolete_entries(), "drop the obsolete (#~) entries"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """A placeholder lost or renamed would make the message raise KeyError when formatted."""
    for entry in polib.pofile(str(catalog(language))):
        for index, text in enumerate(_translations(entry)):
            source = entry.msgid_plural if entry.msgid_plural and index else entry.msgid
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), (entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_up_to_date(language):
    with catalog(language, "mo").open("rb") as file:
        compiled = {key: text for key, text in gettext.GNUTranslations(file)._catalog.items() if key != ""}
    expected = {}
    for entry in polib.pofile(str(catalog(language))):
        if entry.obsolete or "fuzzy" in entry.flags or not entry.translated():
            continue
        if entry.msgid_plural:
            expected |= {(entry.msgid, i): text for i, text in entry.msgstr_plural.items()}
        else:
            expected[entry.msgid] = entry.msgstr
    assert compiled == expected, "the .mo is stale: run `make messages`"


def test_spanish_is_really_spanish():
    """Not English copied over: a sample of key words of the domain."""
    spanish = " ".join(_translations(e)[0] for e in polib.pofile(str(catalog("es"))))
    for word in ("copia de seguridad", "restaurar", "taller", "línea"):
        assert word in spanish
