"""Patch hygiene: the files of a patch that change how an instance's tests run.

The harness applies a patch (`git apply`, falling back to GNU `patch -p1 --fuzz=5`), runs the
instance's eval script (which may reinstall the repository), resets the files of the instance's
test patch, applies it and runs the test command. A patch can then "resolve" an instance by
changing what runs or decides the tests rather than the code they test. `changes_to_tests` lists
such files, each with why:

- conftest.py anywhere (pytest loads every one on the way to a test file, so also new ones in
  subdirectories); pytest.ini / .pytest.ini / pytest.toml; tox.ini and noxfile.py (any change:
  sphinx's tests run through tox); setup.cfg and pyproject.toml when the change touches test
  configuration (see `_config_change`);
- test runners (runtests.py, django's tests/runtests.py, sympy's bin/test, sympy/utilities/pytest.py)
  and install scripts that the eval script may rerun (setup.py, setup_package.py);
- the test suites' code: a file of the test patch, anything under a directory the test patch adds
  files to, and anything under a `tests` / `test` / `testing` / `testutils` directory or named like
  a test module (test_*.py, *_test.py, tests.py, testing.py) outside docs/ (test apps, helpers,
  settings such as django's tests/test_sqlite.py);
- interpreter start-up hooks (sitecustomize.py, usercustomize.py, *.pth), compiled code that
  shadows sources (__pycache__, .pyc, .so, .pyd), modules that shadow the test tooling (pytest.py,
  unittest.py, ...), git metadata (a .git/hooks/ script that GNU `patch`, the harness's last
  resort, would write runs at the eval script's `git checkout`; .gitattributes), symlinks,
  submodules, binary patches, paths that leave the repository;
- changed lines that name pytest's plugin hooks (pytest_plugins, PYTEST_ADDOPTS, pytest11 entry
  points) or start-up hooks, in any file.

Paths come from every header `git apply` or GNU `patch` reads (`diff --git`, `---`/`+++`, context
`***`, `Index:`, rename/copy lines, binary markers), both the old and the new side (so renames
and deletions count), unquoted (git's C quoting), normalized (`./`, `..`, `//`), compared without
case and with and without the `-p1` prefix. unidiff gives the hunks that `_config_change` reads.

Known limits: code under test runs in the test process, so a patch to product code can still
tamper with the run at import time (monkeypatching unittest, say); for pytest-dev/pytest the
product is the test runner itself (src/_pytest is not flagged). django/test/ (the product's test
framework, used by its runner) is flagged as test code, so a fix to it is flagged too. Without a
clone, setup.cfg / pyproject.toml are read from the hunks alone: conservative (a changed line whose
section the hunk does not show is flagged), but a hunk that GNU patch's fuzz moves is read in the
section its context claims; with a clone the settings are compared exactly.
"""

from __future__ import annotations

import configparser
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import tomllib

MARK = "changes tests"  # in the reason of every verdict on a patch that changes tests
PYTEST_CONFIGS = {"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml"}
WHOLE_FILE_CONFIGS = {"tox.ini": "tox configuration (any change)", "noxfile.py": "nox configuration (any change)"}
SECTION_CONFIGS = {"setup.cfg": "cfg", "pyproject.toml": "toml"}
RUNNER_NAMES = {"runtests.py", "run_tests.py", "runtests"}
RUNNER_PATHS = {"bin/test", "bin/doctest", "sympy/utilities/runtests.py", "sympy/utilities/pytest.py"}
INSTALL_SCRIPTS = {"setup.py", "setup_package.py"}
STARTUP_HOOKS = {"sitecustomize.py", "usercustomize.py"}
COMPILED = (".pyc", ".pyo", ".so", ".pyd")
# Modules a file could shadow when its directory lands on sys.path (the repository root, a tests
# directory: django's runner runs from tests/, pytest's rootdir insertion).
SHADOWED = {"pytest", "_pytest", "pluggy", "py", "unittest", "doctest", "site", "sitecustomize", "usercustomize", "xdist",
            "nose"}
GIT_FILES = {".gitattributes", ".gitmodules"}
UNPARSEABLE = "unparseable"
TEST_DIRS = {"tests", "test", "testing", "testutils"}
DOC_DIRS = {"docs", "doc"}
_TEST_MODULE = re.compile(r"^(?:test_.*\.py|.*_test\.py|tests\.py|testing\.py|_testing\.py)$")
TOKENS = ("pytest_plugins", "pytest_addopts", "pytest11", "sitecustomize", "usercustomize")

# pytest's ini options, as keys of a changed setup.cfg / pyproject.toml line (whatever its section)
_PYTEST_KEY = re.compile(
    r"""^[+-]?\s*["']?(addopts|testpaths|python_files|python_classes|python_functions|norecursedirs|"""
    r"""filterwarnings|xfail_strict|required_plugins|pythonpath|confcutdir|usefixtures|doctest_optionflags|"""
    r"""minversion|markers|empty_parameter_set_mark|console_output_style|cache_dir|legacy_tox_ini)["']?\s*[=:]""",
    re.I)
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_GIT_HEADER = re.compile(rf"^({_QUOTED}|\S+) ({_QUOTED}|\S+)\s*$")
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$")
_MODE = re.compile(r"^(?:new file mode|deleted file mode|new mode|old mode) (\d+)\s*$")
_BINARY = re.compile(r"^Binary files (.+?) and (.+?) differ\s*$")
_ESCAPES = {"a": b"\a", "b": b"\b", "t": b"\t", "n": b"\n", "v": b"\v", "f": b"\f", "r": b"\r"}


def changes_to_tests(patch: str, instance: dict, base: Callable[[str], str | None] | None = None) -> dict[str, str]:
    """{path: why} for each file of `patch` that changes how `instance`'s tests run (sorted by path;
    empty for a clean patch). `base(path)` gives a file's text at the base commit, when a clone is
    at hand: it makes the setup.cfg / pyproject.toml check exact."""
    tests = _test_patch(instance.get("test_patch") or "")
    found: dict[str, str] = {}
    configs: dict[str, set[str]] = {}  # setup.cfg / pyproject.toml headers: path -> its variants
    for raw, extra, prefixed in _scan(patch):
        shown, variants = _variants(raw, prefixed)
        if not variants:
            continue
        why = extra or next(filter(None, (_path_rule(v, tests) for v in variants)), None)
        if why:
            found.setdefault(shown, why)
        elif any(posixpath.basename(v) in SECTION_CONFIGS for v in variants):
            configs.setdefault(shown, set()).update(variants)
    for shown, why in _config_changes(patch, configs, base).items():
        found.setdefault(shown, why)
    return dict(sorted(found.items()))


def marked(reason: str, changes: dict[str, str]) -> str:
    """A verdict's reason with the marker naming the files that change tests."""
    return f"{reason} ({MARK}: {_listed(changes)})" if changes else reason


def rejection(changes: dict[str, str]) -> str:
    return f"rejected: {MARK} ({_listed(changes)})"


def changes_tests(reason: str) -> bool:
    """Whether a verdict's reason says its patch changes tests (flagged or rejected)."""
    return f"({MARK}: " in reason or reason.startswith(f"rejected: {MARK} (")


def _listed(changes: dict[str, str], shown: int = 3) -> str:
    paths = [p if len(p) <= 80 else p[:77] + "..." for p in changes]
    return ", ".join(paths[:shown]) + (f", +{len(paths) - shown} more" if len(paths) > shown else "")


# --- the paths a patch touches ---------------------------------------------------------------


def _scan(patch: str) -> list[tuple[str, str | None, bool]]:
    """(raw path, why or None, whether the path has a -p1 prefix) for every file header of the patch,
    in any format `git apply` or GNU `patch` reads, and (current file, why, True) for symlinks,
    submodules, binary changes and changed lines that name a plugin or start-up hook. Lines inside
    a unified hunk (as its header counts them) are content, never headers."""
    lines = [line.rstrip("\r") for line in patch.split("\n")]
    out: list[tuple[str, str | None, bool]] = []
    current: str | None = None
    old_left = new_left = 0  # lines of the current unified hunk still to come
    for line in lines:
        tag = line[:1]
        if (old_left > 0 or new_left > 0) and tag in (" ", "", "-", "+", "\\"):
            old_left -= tag in (" ", "", "-")
            new_left -= tag in (" ", "", "+")
            if tag in ("-", "+") and current and (token := _token(line)):
                out.append((current, f"mentions {token}", True))
            continue
        old_left = new_left = 0
        if m := _HUNK.match(line):
            old_left, new_left = int(m[1] or 1), int(m[2] or 1)
        elif line.startswith("diff --git "):
            paths = _git_header_paths(line[len("diff --git "):])
            out += [(p, None, True) for p in paths]
            current = paths[-1] if paths else None
        elif m := _RENAME.match(line):
            out.append((m[1], None, False))
        elif line.startswith(("Index: ", "--- ", "+++ ", "*** ")):
            paths = _header_path(line[line.index(" ") + 1:])
            out += [(p, None, True) for p in paths]
            if paths and paths[0] != "/dev/null":
                current = paths[0]
        elif m := _BINARY.match(line):
            out += [(m[1], "binary change", True), (m[2], "binary change", True)]
        elif current and line.startswith("GIT binary patch"):
            out.append((current, "binary change", True))
        elif current and (m := _MODE.match(line)) and m[1] in ("120000", "160000"):
            out.append((current, "symlink" if m[1] == "120000" else "submodule", True))
        elif current and (token := _token(line)):  # context-diff hunks, text GNU patch may read
            out.append((current, f"mentions {token}", True))
    return out


def _token(line: str) -> str | None:
    low = line.lower()
    return next((t for t in TOKENS if t in low), None)


def _git_header_paths(rest: str) -> list[str]:
    if m := _GIT_HEADER.match(rest):
        return [m[1], m[2]]
    # Unquoted names with spaces: every split at " b/" is a candidate (and the whole, for its basename).
    splits = [i for i in range(len(rest)) if rest.startswith(" b/", i)]
    return [part for i in splits for part in (rest[:i], rest[i + 1:])] or [rest]


def _header_path(text: str) -> list[str]:
    """A ---/+++/*** header's path: before a tab (timestamp), and its first word (GNU diff puts the
    timestamp after spaces when names have none)."""
    text = text.strip()
    if text.startswith('"'):
        return [m[0]] if (m := re.match(_QUOTED, text)) else [text]
    name = text.split("\t")[0].strip()
    return list(dict.fromkeys([name, name.split(" ")[0]]))


def _unquote(path: str) -> str:
    """git's C-style quoted path ("a/t\\303\\251st.py") as text."""
    if not (len(path) >= 2 and path[0] == path[-1] == '"'):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            octal = re.match(r"[0-7]{1,3}", body[i + 1:])
            if octal:
                out.append(int(octal[0], 8) & 0xFF)
                i += 1 + len(octal[0])
            else:
                out += _ESCAPES.get(body[i + 1], body[i + 1].encode())
                i += 2
        else:
            out += body[i].encode()
            i += 1
    return out.decode("utf-8", "replace")


def _variants(raw: str, prefixed: bool = True) -> tuple[str, list[str]]:
    """(the path as shown, its lower-cased normalized forms): a header path loses its first component
    (`-p1`, as the harness applies patches), and one without the usual a/ or b/ is also taken whole;
    rename and copy lines name paths from the repository root."""
    path = _unquote(raw.strip()).strip()
    if not path or path == "/dev/null":
        return "", []
    stripped = path.split("/", 1)[1] if prefixed and "/" in path.strip("/") else path
    forms = [stripped] if path.startswith(("a/", "b/")) else [path, stripped]
    return _normal(forms[0]), list(dict.fromkeys(_normal(p).lower() for p in forms))


def _normal(path: str) -> str:
    normal = posixpath.normpath(path)
    return normal[1:] if normal.startswith("//") else normal


def _path_rule(path: str, tests: _TestPatchPaths) -> str | None:
    """Why a (normalized, lower-case) path changes how tests run, or None."""
    parts = path.split("/")
    name = parts[-1]
    if path.startswith("/") or parts[0] == "..":
        return "outside the repository"
    if ".git" in parts[:-1] or name in GIT_FILES:  # a hook runs at the eval script's `git checkout`
        return "git metadata (hooks, config, attributes)"
    if name == "conftest.py":
        return "conftest"
    if name in PYTEST_CONFIGS:
        return "pytest configuration"
    if name in WHOLE_FILE_CONFIGS:
        return WHOLE_FILE_CONFIGS[name]
    if name in STARTUP_HOOKS or name.endswith(".pth"):
        return "interpreter start-up hook"
    if "__pycache__" in parts or name.endswith(COMPILED):
        return "compiled code"
    if name in RUNNER_NAMES or path in RUNNER_PATHS:
        return "test runner"
    module = name[:-3] if name.endswith(".py") else None
    if name == "__init__.py" and len(parts) > 1:
        module = parts[-2]
    if module in SHADOWED:
        return f"shadows {module}"
    if name in INSTALL_SCRIPTS:
        return "install script (the eval script may rerun it)"
    if path in tests.files:
        return "a file of the test patch"
    if any(path.startswith(d + "/") for d in tests.added_dirs):
        return "under a directory the test patch adds files to"
    if parts[0] not in DOC_DIRS and (TEST_DIRS & set(parts[:-1]) or _TEST_MODULE.match(name)):
        return "test code"
    return None


@dataclass(frozen=True)
class _TestPatchPaths:
    files: frozenset[str]  # lower-case, with and without the -p1 prefix
    added_dirs: frozenset[str]  # lower-case directories it adds files to (not the root)


@lru_cache(maxsize=1024)
def _test_patch(test_patch: str) -> _TestPatchPaths:
    """The (lower-case) files of an instance's test patch and the directories it adds files to."""
    files = {v for raw, _, prefixed in _scan(test_patch) for v in _variants(raw, prefixed)[1]}
    added = set()
    for pfile in _parsed(test_patch) or []:
        if pfile.is_added_file and (shown := _variants(pfile.target_file)[0]) and "/" in shown:
            added.add(posixpath.dirname(shown).lower())
    return _TestPatchPaths(frozenset(files), frozenset(added))


def _parsed(patch: str):
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    try:
        return PatchSet(patch)
    except (UnidiffParseError, ValueError, IndexError):
        return None


# --- setup.cfg and pyproject.toml ----------------------------------------------------------------


def _config_changes(patch: str, configs: dict[str, set[str]], base) -> dict[str, str]:
    """{path: why} for the setup.cfg / pyproject.toml files whose change touches test configuration.
    A file whose change cannot be read hunk by hunk (a rename, a binary or mode-only change, a patch
    unidiff cannot parse) is flagged."""
    if not configs:
        return {}
    pfiles = _parsed(patch) or []
    found = {}
    for shown, variants in configs.items():
        matching = [f for f in pfiles if variants & _forms(f)]
        if not matching or not all(_readable(f) for f in matching):
            found[shown] = "test configuration (change not analysed)"
            continue
        syntax = SECTION_CONFIGS[posixpath.basename(shown.lower())]
        if why := next(filter(None, (_config_change(f, syntax, base) for f in matching)), None):
            found[shown] = why
    return found


def _forms(pfile) -> set[str]:
    return {v for side in (pfile.source_file, pfile.target_file) for v in _variants(side)[1]}


def _readable(pfile) -> bool:
    sides = {_variants(side)[0] for side in (pfile.source_file, pfile.target_file)} - {""}
    return len(sides) == 1 and len(pfile) > 0 and not pfile.is_binary_file


def _config_change(pfile, syntax: str, base) -> str | None:
    """Why a hunk-by-hunk change of setup.cfg ("cfg") or pyproject.toml ("toml") touches test
    configuration, or None. Changed lines that name pytest or are headers of test sections always
    count. Then, when the file's old text is known (a new or deleted file, or `base` reads it), the
    test-related settings before and after are compared as parsed (quoting and escapes cannot hide
    a change); otherwise each changed line's section is read from the hunk and a line whose section
    the hunk does not show counts (conservative)."""
    for line in (line for hunk in pfile for line in hunk if line.is_added or line.is_removed):
        if _test_section(section := _section(line.value, syntax), syntax):
            return f"test configuration [{section}]"
        if "pytest" in line.value.lower():
            return "test configuration (names pytest)"
        if key := _PYTEST_KEY.match(line.value):
            return f"test configuration ({key[1].lower()})"
    old = new = None
    if pfile.is_added_file:
        old, new = "", "".join(line.value for hunk in pfile for line in hunk.target_lines())
    elif pfile.is_removed_file:
        old, new = "".join(line.value for hunk in pfile for line in hunk.source_lines()), ""
    elif base is not None and (text := base(_variants(pfile.source_file)[0])) is not None:
        old, new = text, _applied(text, pfile)
        if new is None:  # GNU patch's fuzz could put the hunk anywhere
            return "test configuration (hunks do not match the base file)"
    if old is not None:
        before, after = _test_settings(old, syntax), _test_settings(new, syntax)
        if UNPARSEABLE in (before, after):
            return "test configuration (unparseable)"
        return None if before == after else "test configuration (settings differ)"
    for hunk in pfile:
        old_section = new_section = None  # None: not shown in the hunk
        for line in hunk:
            header = _section(line.value, syntax)
            if header is not None and line.is_added:
                new_section = None  # an added header may be text (in a TOML string): unknown
            elif header is not None:
                old_section = header
                new_section = new_section if line.is_removed else header
            if line.is_added or line.is_removed:
                section = new_section if line.is_added else old_section
                if section is None:
                    return "test configuration (section unknown)"
                if _test_section(section, syntax):
                    return f"test configuration [{section}]"
    return None


def _section(line: str, syntax: str) -> str | None:
    """The section a header line opens (lower-case; TOML keys as parsed, escapes decoded), or None.
    An indented line of setup.cfg continues a value (as configparser and pytest's iniconfig read it)."""
    text = line.strip()
    if not text.startswith("[") or (syntax == "cfg" and not line.startswith("[")):
        return None
    if syntax == "cfg":
        return m[1].lower() if (m := re.match(r"^\[([^\]]+)\]", text)) else None
    try:
        keys, table = [], tomllib.loads(text.strip("[]").join("[]") + "\n")
    except tomllib.TOMLDecodeError:
        return None  # not a table header (an array's line, say)
    while isinstance(table, dict) and len(table) == 1:
        key, table = next(iter(table.items()))
        keys.append(key)
    return ".".join(keys).lower()


def _test_section(section: str | None, syntax: str) -> bool:
    if section is None:
        return False
    prefixes = ("tox", "testenv") + (("options.entry_points",) if syntax == "cfg" else
                                     ("tool.tox", "build-system", "project.entry-points", "tool.poetry.plugins"))
    return "pytest" in section or section.startswith(prefixes)


def _test_settings(text: str, syntax: str):
    """The settings of a setup.cfg / pyproject.toml that decide how tests run (or install), parsed."""
    if syntax == "toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return UNPARSEABLE
        tool = doc.get("tool") if isinstance(doc.get("tool"), dict) else {"": doc.get("tool")}
        poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
        project = doc.get("project") if isinstance(doc.get("project"), dict) else {"": doc.get("project")}
        selected = {k: v for k, v in tool.items() if "pytest" in k.lower() or k.lower().startswith("tox")}
        return selected, poetry.get("plugins"), doc.get("build-system"), project.get("entry-points")
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    try:
        parser.read_string(text)
    except configparser.Error:
        return UNPARSEABLE
    return {name.lower(): dict(parser[name]) for name in parser.sections() if _test_section(name.lower(), "cfg")}


def _applied(text: str, pfile) -> str | None:
    """The file after the patch's hunks, or None when a hunk does not match the old text exactly."""
    old, out, at = text.splitlines(keepends=True), [], 0
    for hunk in pfile:
        start = hunk.source_start if hunk.source_length == 0 else hunk.source_start - 1
        source = [line.value for line in hunk.source_lines()]
        if start < at or _lines(old[start:start + len(source)]) != _lines(source):
            return None
        out += old[at:start] + [line.value for line in hunk.target_lines()]
        at = start + len(source)
    return "".join(out + old[at:])


def _lines(lines: list[str]) -> list[str]:
    return [line.rstrip("\r\n") for line in lines]
