"""Keep the translation catalogs in step with the code, and check the Korean ones are complete.

Usage (from the repository root)::

    .venv/bin/python scripts/i18n.py extract              # every domain that has messages
    .venv/bin/python scripts/i18n.py extract --domain app # one domain (what a helper owns)
    .venv/bin/python scripts/i18n.py check                # every message translated, placeholders kept

``extract`` reads the ``_("...")`` and ``N_("...")`` calls of each domain's files
(``core.catalogs.domain_files``) with Babel, writes the template ``locales/<domain>.pot`` and
updates ``locales/ko/LC_MESSAGES/<domain>.po``: existing translations stay, new messages come in
empty, messages gone from the code are dropped. No ``.mo`` files: ``core.i18n`` reads the ``.po``.
``check`` exits non-zero listing every message of a template that has no usable Korean translation
(missing, empty, fuzzy, or with other ``{placeholders}`` than the English).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.catalogs import DOMAINS, domain_files  # noqa: E402
from core.i18n import LOCALES, catalog_path  # noqa: E402

KEYWORDS = {"_": None, "N_": None}
"""The calls extraction looks for: a translator named ``_`` and the ``N_`` marker."""
TARGET = "ko"
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
"""Header dates are fixed so that extracting twice gives the same files (no diff noise)."""
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def template_path(domain: str) -> Path:
    """Where the template (the English messages) of ``domain`` lives."""
    return LOCALES / f"{domain}.pot"


def extract(domain: str, root: Path = ROOT) -> Catalog:
    """The messages of ``domain``'s source files, as a Babel catalog (file names as locations)."""
    template = Catalog(
        project="Descent Lab", domain=domain, creation_date=FIXED_DATE, revision_date=FIXED_DATE, fuzzy=False
    )
    for path in domain_files(domain, root):
        rel = path.relative_to(root).as_posix()
        for lineno, message, comments, context in extract_from_file("python", str(path), keywords=KEYWORDS):
            if isinstance(message, tuple):  # plural forms are not used; keep the singular
                message = message[0]
            if message:
                template.add(message, locations=[(rel, lineno)], auto_comments=comments, context=context)
    return template


def msgids(catalog: Iterable) -> set[str]:
    """The message ids of a catalog (its header left out)."""
    return {str(m.id) for m in catalog if m.id}


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """A ``.po``/``.pot`` file as a Babel catalog."""
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, include_lineno=False, sort_output=True, ignore_obsolete=True)


def write_domain(domain: str, lang: str = TARGET) -> tuple[int, int]:
    """Extract ``domain``, write its template and update its ``lang`` catalog.

    A domain without messages and without files yet is left alone (each helper adds its own
    domain's files, so branches never add the same file). Returns (messages in the template,
    of which untranslated in ``lang``).
    """
    template = extract(domain)
    if not msgids(template) and not template_path(domain).is_file():
        return 0, 0
    _write(template_path(domain), template)
    po_path = catalog_path(lang, domain)
    if po_path.is_file():
        po = read_catalog(po_path, lang)
    else:
        po = Catalog(locale=lang, project="Descent Lab", domain=domain, creation_date=FIXED_DATE, fuzzy=False)
    po.update(template, no_fuzzy_matching=True, update_creation_date=False)
    po.revision_date = FIXED_DATE
    _write(po_path, po)
    missing = sum(1 for m in po if m.id and not m.string)
    return len(msgids(template)), missing


def problems(domain: str, lang: str = TARGET) -> list[str]:
    """Every message of ``domain``'s template without a usable ``lang`` translation, one line each."""
    pot = template_path(domain)
    if not pot.is_file():
        if msgids(extract(domain)):
            return [f"{domain}: no template {pot.relative_to(ROOT)} (run scripts/i18n.py extract)"]
        return []
    po_path = catalog_path(lang, domain)
    translated = {}
    if po_path.is_file():
        translated = {str(m.id): m for m in read_catalog(po_path, lang) if m.id}
    out = []
    for message in read_catalog(pot):
        if not message.id:
            continue
        msgid = str(message.id)
        found = translated.get(msgid)
        if found is None or not found.string:
            out.append(f"{domain}: untranslated: {msgid!r}")
        elif found.fuzzy:
            out.append(f"{domain}: fuzzy: {msgid!r}")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(str(found.string))):
            out.append(f"{domain}: placeholders differ: {msgid!r} -> {found.string!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("extract", "check"))
    parser.add_argument("--domain", choices=DOMAINS, action="append", help="only these domains (repeatable)")
    args = parser.parse_args(argv)
    domains = args.domain or list(DOMAINS)
    if args.command == "extract":
        for domain in domains:
            total, missing = write_domain(domain)
            print(f"{domain}: {total} messages, {missing} without a {TARGET} translation")
        return 0
    found = [line for domain in domains for line in problems(domain)]
    print("\n".join(found) if found else f"all {len(domains)} domains fully translated into {TARGET}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
