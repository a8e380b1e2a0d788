#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks on the translatable strings and the German catalogue.

  check-translations.py formats SRCROOT
      Fails when the text of a _(), N_(), C_(), NC_(), g_dngettext() ... call in
      SRCROOT/src contains a G_*_FORMAT or G_*_MODIFIER macro.  xgettext cannot
      expand such macros: the msgid it extracts stops at the macro, so the
      string can never be translated.  Format the number into a string first
      and put %s in the translatable text.

  check-translations.py po SRCROOT
      Extracts the current template from the files in po/POTFILES.in with the
      same xgettext options as meson's 'glib' preset, merges po/de.po with it
      in a temporary directory (po/de.po is not touched) and fails when
      msgfmt --check reports an error or the merged catalogue has fuzzy or
      untranslated messages: every user-visible string must have a German
      translation.  It also fails when xgettext finds a msgid cut short in the
      middle of a format directive (the mark of a macro inside the string).  Fix it with `ninja -C BUILDDIR weft-pot weft-update-po`
      and translate what msgfmt lists.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

GETTEXT_CALL = re.compile(
    r"(?<![A-Za-z0-9_])(_|N_|C_|NC_|g_dgettext|g_dcgettext|g_dngettext|g_dpgettext|g_dpgettext2"
    r"|gettext|ngettext|dgettext|dngettext)\s*\(")
FORMAT_MACRO = re.compile(r"\bG_[A-Z0-9_]+_(FORMAT|MODIFIER)\b")

# meson's i18n 'glib' preset (mesonbuild/modules/i18n.py), kept in step by hand
XGETTEXT_ARGS = [
    "--from-code=UTF-8", "--add-comments", "--keyword=_", "--keyword=N_",
    "--keyword=C_:1c,2", "--keyword=NC_:1c,2", "--keyword=g_dcgettext:2",
    "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format", "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format", "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]


def literal_end(text, i):
    """Index after the string or character literal that starts at i."""
    j = i + 1
    while j < len(text) and text[j] != text[i] and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return j + 1


def blank_comments(text):
    """Replaces comments by spaces (keeping newlines), leaves literals alone."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = literal_end(text, i)
            out.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def call_arguments(text, start):
    """Text from the '(' at start to its matching ')', literals skipped over."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i = literal_end(text, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return text[start:]


def check_formats(srcroot):
    problems = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(srcroot, "src")):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = blank_comments(f.read())
            for m in GETTEXT_CALL.finditer(text):
                args = call_arguments(text, m.end() - 1)
                macro = FORMAT_MACRO.search(args)
                if macro is None:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                first = " ".join(args.split())[:100]
                problems.append("%s:%d: %s inside %s%s" % (
                    os.path.relpath(path, srcroot), line, macro.group(0), m.group(1), first))
    for p in problems:
        print("not ok: " + p)
    if problems:
        print("xgettext cannot see past these macros; format the number with "
              "g_strdup_printf (\"%\" G_GSIZE_FORMAT, n) and use %s in the "
              "translatable string", file=sys.stderr)
        return 1
    print("no format macros inside translatable strings")
    return 0


def msgfmt_statistics(po):
    run = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po],
                         capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    report = (run.stdout + run.stderr).strip()
    counts = {}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", report):
        counts[kind] = int(number)
    return run.returncode, report, counts


def check_po(srcroot):
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if shutil.which(tool) is None:
            print("%s not found" % tool)
            return 77
    podir = os.path.join(srcroot, "po")
    with open(os.path.join(podir, "POTFILES.in"), encoding="utf-8") as f:
        files = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    missing = [p for p in files if not os.path.exists(os.path.join(srcroot, p))]
    if missing:
        print("not ok: po/POTFILES.in lists missing files: " + ", ".join(missing))
        return 1
    status = 0
    # and every source file with a translatable string is listed
    unlisted = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(srcroot, "src")):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".c"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = blank_comments(f.read())
            rel = os.path.relpath(path, srcroot)
            if GETTEXT_CALL.search(text) and rel not in files:
                unlisted.append(rel)
    if unlisted:
        print("not ok: translatable strings in files po/POTFILES.in does not list: " +
              ", ".join(unlisted))
        status = 1
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "weft.pot")
        merged = os.path.join(tmp, "de.po")
        xgettext = subprocess.run(
            ["xgettext", "--package-name=weft", "-o", pot, "--directory", srcroot]
            + XGETTEXT_ARGS + files, capture_output=True, text=True,
            env=dict(os.environ, LC_ALL="C"))
        if xgettext.returncode != 0:
            print("not ok: xgettext failed: " + xgettext.stderr)
            return 1
        # a msgid cut short by a macro (G_GSIZE_FORMAT ...) ends inside a directive
        for warning in xgettext.stderr.splitlines():
            if "in the middle of a directive" in warning:
                print("not ok: " + warning)
                print("  a G_*_FORMAT macro inside the string? see `%s formats`" % sys.argv[0])
                status = 1
        for label, po in (("po/de.po", os.path.join(podir, "de.po")),
                          ("po/de.po merged with the current sources", merged)):
            if po == merged:
                subprocess.run(["msgmerge", "--quiet", "-o", merged,
                                os.path.join(podir, "de.po"), pot], check=True)
            rc, report, counts = msgfmt_statistics(po)
            bad = counts.get("fuzzy", 0) + counts.get("untranslated", 0)
            ok = rc == 0 and bad == 0 and counts.get("translated", 0) > 0
            print("%s %s: %s" % ("ok:" if ok else "not ok:", label, report))
            if not ok:
                status = 1
                print("  run `ninja -C BUILDDIR weft-pot weft-update-po` and translate "
                      "the fuzzy and untranslated messages in po/de.po", file=sys.stderr)
                if po == merged:
                    listing = subprocess.run(
                        ["msgattrib", "--only-fuzzy", "--no-obsolete", merged],
                        capture_output=True, text=True).stdout
                    listing += subprocess.run(
                        ["msgattrib", "--untranslated", "--no-obsolete", merged],
                        capture_output=True, text=True).stdout
                    print(listing)
    return status


def main(argv):
    if len(argv) != 3 or argv[1] not in ("formats", "po"):
        print(__doc__, file=sys.stderr)
        return 2
    srcroot = os.path.abspath(argv[2])
    return check_formats(srcroot) if argv[1] == "formats" else check_po(srcroot)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
