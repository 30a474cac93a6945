"""Writes ``registry/third_party_messages.py``: the messages that the third-party apps the
registry shows (Django and its admin, DRF, django-filter, django-import-export,
django-simple-history, django-axes) use but whose own Vietnamese catalogues lack.

makemessages scans only the project's code, so these msgids would never reach
``registry/locale``; listed in that module (never imported) they do, and since LOCALE_PATHS
is merged last (it wins over every app's catalogue) their translation there is the one shown.
Run it after upgrading one of those packages, then ``makemessages`` and translate what is new:

    .venv/bin/pip install polib   # a tool for this script only, not a project dependency
    .venv/bin/python scripts/third_party_messages.py
"""

import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import django

try:
    import polib
except ImportError:
    sys.exit("This script reads catalogues with polib: .venv/bin/pip install polib")

#: where Django ships an up-to-date English catalogue, and the files whose messages no
#: user of the registry sees (language names, the debug and "install worked" pages, views
#: the registry does not use, the PostgreSQL fields it does not have)
DJANGO_CATALOGUES = ("conf", "contrib/admin", "contrib/auth", "contrib/contenttypes")
DJANGO_UNSEEN = (
    "conf/global_settings.py",
    "views/templates/*",
    "views/static.py",
    "views/generic/*",
    "views/debug.py",
    "contrib/admindocs/*",
)
#: the Vietnamese catalogues of Django's that the registry loads (its contrib apps in
#: INSTALLED_APPS), which may already translate a message another app uses
ACTIVE_DJANGO_CATALOGUES = (
    "conf",
    *(f"contrib/{app}" for app in ("admin", "auth", "contenttypes", "sessions", "messages")),
    *(f"contrib/{app}" for app in ("staticfiles", "postgres")),
)
#: other packages: their messages are read from their code (their catalogues are stale or
#: missing), minus what the registry never shows (DRF's browsable API)
PACKAGES = {
    "rest_framework": ("templates/*", "templatetags/*", "static/*"),
    "django_filters": ("templates/*",),
    "import_export": ("static/*",),
    "simple_history": ("tests/*", "static/*"),
    "axes": ("tests/*",),
}
#: messages those catalogues do translate, but not as the registry's Vietnamese admin says them
RETRANSLATED = {"History", "Go", "Action:", "Run the selected action", "Log out"}
OUTPUT = Path(__file__).resolve().parent.parent / "registry" / "third_party_messages.py"
HEADER = '''"""Messages of the third-party apps the registry shows whose own Vietnamese catalogues lack
them. Written by scripts/third_party_messages.py; never imported: it exists so that makemessages
puts these msgids into registry/locale, which wins over the apps' catalogues."""

from django.utils.translation import {functions}
'''


def unseen(occurrences, patterns) -> bool:
    files = [path for path, _line in occurrences]
    return bool(files) and all(
        any(fnmatch.fnmatch(path, pattern) for pattern in patterns) for path in files
    )


def django_entries():
    root = Path(django.__file__).parent
    for catalogue in DJANGO_CATALOGUES:
        po = polib.pofile(str(root / catalogue / "locale" / "en" / "LC_MESSAGES" / "django.po"))
        for entry in po:
            if not entry.obsolete and not unseen(entry.occurrences, DJANGO_UNSEEN):
                yield f"django/{catalogue}", entry


def extracted_entries(package: str, ignore: tuple[str, ...]):
    """The package's messages as makemessages finds them in its code (no settings: it
    writes into the copy's own ``locale`` folder)."""
    source = Path(__import__(package).__file__).parent
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / package
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
        (copy / "locale").mkdir()
        environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        arguments = ["-l", "en", "--no-wrap", *[f"--ignore={pattern}" for pattern in ignore]]
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", *arguments],
            cwd=copy,
            env=environment,
            check=True,
            capture_output=True,
        )
        yield from polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def vietnamese_of(*roots: Path) -> set:
    """(context, msgid) pairs that these packages' own Vietnamese catalogues translate."""
    translated = set()
    for mo in (mo for root in roots for mo in root.glob("**/locale/vi/LC_MESSAGES/django.mo")):
        for entry in polib.mofile(str(mo)):
            if entry.msgstr or any(entry.msgstr_plural.values()):
                translated.add((entry.msgctxt, entry.msgid))
    return translated


def call(entry) -> str:
    r = repr
    if entry.msgctxt and entry.msgid_plural:
        return f"npgettext_lazy({r(entry.msgctxt)}, {r(entry.msgid)}, {r(entry.msgid_plural)})"
    if entry.msgid_plural:
        return f"ngettext_lazy({r(entry.msgid)}, {r(entry.msgid_plural)})"
    if entry.msgctxt:
        return f"pgettext_lazy({r(entry.msgctxt)}, {r(entry.msgid)})"
    return f"gettext_noop({r(entry.msgid)})"


def main() -> None:
    root = Path(django.__file__).parent
    translated = vietnamese_of(*(root / app for app in ACTIVE_DJANGO_CATALOGUES))
    sections: dict[str, list[str]] = {}
    seen = set()

    def add(section, entry, translated):
        key = (entry.msgctxt, entry.msgid)
        missing = key not in translated or (
            section == "django/contrib/admin" and entry.msgid in RETRANSLATED
        )
        if entry.msgid and missing and key not in seen:
            seen.add(key)
            sections.setdefault(section, []).append(call(entry))

    for section, entry in django_entries():
        add(section, entry, translated)
    for package, ignore in PACKAGES.items():
        own = vietnamese_of(Path(__import__(package).__file__).parent) | translated
        for entry in extracted_entries(package, ignore):
            add(package, entry, own)
    used = sorted({call.split("(", 1)[0] for calls in sections.values() for call in calls})
    lines = [HEADER.format(functions=", ".join(used))]
    for section, calls in sections.items():
        lines.append(f"\n# {section}")
        lines.extend(calls)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():
        subprocess.run([str(ruff), "check", "--fix", "--quiet", str(OUTPUT)], check=False)
        subprocess.run([str(ruff), "format", "--quiet", str(OUTPUT)], check=False)
    print(f"{len(seen)} messages written to {OUTPUT}")


if __name__ == "__main__":
    main()
