"""Convert justinchiu-test/codecontests-repo problems into CodeContests-style JSONL rows.

Usage: python convert.py GIT_DIR COMMIT > problems.jsonl

Each upstream problem directory holds PROBLEM.md (name, difficulty, description), main.py (a
Python 3 solution from deepmind/code_contests, after a shebang and a blank line) and
tests/input_i.txt / output_i.txt (public, then private, then generated tests of the dataset, each
stripped of surrounding whitespace by the upstream tool). Nothing is edited: rows carry the text as
found, with the upstream directory for provenance.
"""

import json
import re
import subprocess
import sys


def git(*args):
    return subprocess.run(["git", "--git-dir", GIT_DIR, *args], check=True, capture_output=True, text=True).stdout


def section(markdown, title):
    match = re.search(rf"^## {title}\n\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    return match.group(1).strip() if match else None


def convert(directory):
    files = git("ls-tree", "-r", "--name-only", COMMIT, directory).split()
    markdown = git("show", f"{COMMIT}:{directory}/PROBLEM.md")
    count = len([f for f in files if re.search(r"/tests/input_\d+\.txt$", f)])
    tests = {"input": [], "output": []}
    for i in range(1, count + 1):
        for kind in ("input", "output"):
            tests[kind].append(git("show", f"{COMMIT}:{directory}/tests/{kind}_{i}.txt"))
    solution = git("show", f"{COMMIT}:{directory}/main.py").removeprefix("#!/usr/bin/env python3\n\n")
    return {
        "name": re.search(r"^# (.*)$", markdown, re.M).group(1),
        "description": section(markdown, "Description"),
        "difficulty": re.search(r"\*\*Difficulty:\*\* (.*)", markdown).group(1),
        "source": section(markdown, "Source"),
        "cf_tags": (section(markdown, "Categories") or "").replace("- ", "").split("\n"),
        "tests": tests,
        "solutions": {"language": ["PYTHON3"], "solution": [solution]},
        "upstream_dir": directory,
    }


if __name__ == "__main__":
    GIT_DIR, COMMIT = sys.argv[1], sys.argv[2]
    listing = git("ls-tree", "-r", "--name-only", COMMIT, "problems_original").split()
    for directory in sorted({f.rsplit("/", 1)[0] for f in listing if f.endswith("/PROBLEM.md")}):
        print(json.dumps(convert(directory)))
