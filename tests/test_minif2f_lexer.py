"""The proof lexer against a corpus of tricky literals and comments, each with the tokens Lean 4.9's
`tokenFn`/`whitespace` (Lean.Parser.Basic) produce: where this lexer and Lean disagree, code can hide
from the rules."""

import pytest

from monkeys.tasks.minif2f.lexer import LexError, lex


def tokens(src: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in lex(src).tokens]


def comments(src: str) -> list[str]:
    return [c.text for c in lex(src).comments]


I, S = "ident", "symbol"

CORPUS = [
    # comments: nested blocks, line comments, doc comments are tokens
    ("/- a /- b -/ c -/ d", [(I, "d")]),
    ("/- -/-/ x", [(S, "-"), (S, "/"), (I, "x")]),
    ("/-/ x -/ y", [(I, "y")]),
    ("a -- b /- c\nd", [(I, "a"), (I, "d")]),
    ("/-- doc /- nested -/ -/ e", [("doc", "/-- doc /- nested -/ -/"), (I, "e")]),
    ("/-! module doc -/ e", [("doc", "/-! module doc -/"), (I, "e")]),
    ("---x\ny", [(I, "y")]),
    # character literals: a quote inside is not a string, an escaped quote is one character
    ("'\"' sorry", [("char", "'\"'"), (I, "sorry")]),
    ("'\\'' x", [("char", "'\\''"), (I, "x")]),
    ("'\\\\' x", [("char", "'\\\\'"), (I, "x")]),
    ("'\\x41' '\\u03B1' 'a'", [("char", "'\\x41'"), ("char", "'\\u03B1'"), ("char", "'a'")]),
    ("f '' s", [(I, "f"), (S, "''"), (I, "s")]),
    ("h' h'' x'y", [(I, "h'"), (I, "h''"), (I, "x'y")]),
    # strings: comment openers inside are text; escapes; gaps
    ('"a -- b" c', [("str", '"a -- b"'), (I, "c")]),
    ('"/- x" y', [("str", '"/- x"'), (I, "y")]),
    ('"a\\"b" c', [("str", '"a\\"b"'), (I, "c")]),
    ('"a\\\n   b" c', [("str", '"a\\\n   b"'), (I, "c")]),
    ('"\\t\\n\\r\\x41\\u00e9" z', [("str", '"\\t\\n\\r\\x41\\u00e9"'), (I, "z")]),
    # raw strings: no escapes, closed by a quote and as many hashes as opened
    ('r"\\" x', [("rawstr", 'r"\\"'), (I, "x")]),
    ('r#"a"b"# c', [("rawstr", 'r#"a"b"#'), (I, "c")]),
    ('r##"x"#y"## z', [("rawstr", 'r##"x"#y"##'), (I, "z")]),
    ('r#x', [(I, "r"), (S, "#"), (I, "x")]),
    ('fr"a"', [(I, "fr"), ("str", '"a"')]),
    # interpolated strings: code between braces, with its own strings and comments
    ('s!"a{x}b" c', [(S, "s!"), ("interp", '"a{x}b"'), (I, "c")]),
    ('s!"{"}"}" c', [(S, "s!"), ("interp", '"{"}"}"'), (I, "c")]),
    ('s!"{x -- }"\n}" d', [(S, "s!"), ("interp", '"{x -- }"\n}"'), (I, "d")]),
    ('m! "\\{x}" y', [(S, "m!"), ("interp", '"\\{x}"'), (I, "y")]),
    ('throwError "a{b}" c', [(I, "throwError"), ("interp", '"a{b}"'), (I, "c")]),
    ('trace[foo] "x{y}" z', [(S, "trace["), (I, "foo"), (S, "]"), ("interp", '"x{y}"'), (I, "z")]),
    ('trace "x{y}" z', [(I, "trace"), ("str", '"x{y}"'), (I, "z")]),
    # identifiers: escapes (anything but », even quotes and comment openers), dots, ? and !
    ("«a b».c d", [(I, "«a b».c"), (I, "d")]),
    ('«x -- "y» z', [(I, '«x -- "y»'), (I, "z")]),
    ("get? get! exact? h.mp", [(I, "get?"), (I, "get!"), (I, "exact?"), (I, "h.mp")]),
    ("h₀ x₁₂ aᵢ α β₁ ℕ", [(I, "h₀"), (I, "x₁₂"), (I, "aᵢ"), (I, "α"), (I, "β₁"), (I, "ℕ")]),
    ("λ x", [(S, "λ"), (I, "x")]),
    ("Nat.succ_le.mpr", [(I, "Nat.succ_le.mpr")]),
    ("x.«y».z", [(I, "x.«y».z")]),
    # keyword tokens at least as long as the identifier win
    ("Type* ℝ≥0 ℝ≥0∞ s!x", [(S, "Type*"), (S, "ℝ≥0"), (S, "ℝ≥0∞"), (I, "s!x")]),
    # numbers
    ("0x1F 0b101 0o17 42", [("num", "0x1F"), ("num", "0b101"), ("num", "0o17"), ("num", "42")]),
    ("1.5 1e10 2.5e-3 2. x", [("sci", "1.5"), ("sci", "1e10"), ("sci", "2.5e-3"), ("sci", "2."), (I, "x")]),
    ("1_000", [("num", "1"), (I, "_000")]),  # no digit separators before Lean 4.12
    ("h.2.1 (f x).1", [(I, "h"), (S, "."), ("field", "2"), (S, "."), ("field", "1"),
                       (S, "("), (I, "f"), (I, "x"), (S, ")"), (S, "."), ("field", "1")]),
    # symbols that end where a comment opener starts: Lean reads the token, then the rest
    ("//- x", [(S, "//"), (S, "-"), (I, "x")]),
    ("\\/-x", [(S, "\\/"), (S, "-"), (I, "x")]),
    ("<--x", [(S, "<-"), (S, "-"), (I, "x")]),
    ("<--- x\ny", [(S, "<-"), (I, "y")]),
    ("a-/-b-/c", [(I, "a"), (S, "-"), (I, "c")]),
    ("<;> <|> |>. := => ← ↦", [(S, "<;>"), (S, "<|>"), (S, "|>."), (S, ":="), (S, "=>"), (S, "←"), (S, "↦")]),
    ("∑' i, f ⁻¹' s ∃! x", [(S, "∑'"), (I, "i"), (S, ","), (I, "f"), (S, "⁻¹'"), (I, "s"), (S, "∃!"), (I, "x")]),
    ("‹_› ⌊x⌋₊ ‖v‖₊", [(S, "‹"), (I, "_"), (S, "›"), (S, "⌊"), (I, "x"), (S, "⌋₊"), (S, "‖"), (I, "v"), (S, "‖₊")]),
    # name literals
    ("`foo.bar ``baz", [("name", "`foo.bar"), (S, "`"), ("name", "`baz")]),
]


@pytest.mark.parametrize("src, expected", CORPUS, ids=[c[0][:24] for c in CORPUS])
def test_lean_reads_these_tokens(src, expected):
    assert tokens(src) == expected


@pytest.mark.parametrize(
    "src, error",
    [
        ("x /- open", "unterminated comment"),
        ("/-- doc", "unterminated comment"),
        ('"open', "unterminated string literal"),
        ("'ab'", "missing end of character literal"),
        ('"\\q"', "invalid escape sequence"),
        ('"a\\\n\n b"', "unexpected additional newline in string gap"),
        ('"a\\ b"', "invalid escape sequence"),
        ("2e", "missing exponent digits in scientific literal"),
        ("0x", "invalid numeral"),
        ("«open", "unterminated identifier escape"),
        ("\tx", "tabs are not allowed"),
        ("x\r\ny", "carriage return"),
        ('r#"open"', "unterminated raw string literal"),
    ],
)
def test_what_lean_cannot_tokenize(src, error):
    with pytest.raises(LexError, match=error):
        lex(src)


def test_comments_are_recorded_with_whether_they_follow_a_token_directly():
    lexed = lex("a -- one\nb--two\n/- three -/c")
    assert [(c.text, c.glued) for c in lexed.comments] == [("-- one", False), ("--two", True), ("/- three -/", False)]


def test_positions_are_lines_and_codepoint_columns():
    lexed = lex("  norm_num [h₀]\n  · linarith\n    ring")
    assert [(t.text, t.line, t.col, t.first_on_line) for t in lexed.tokens] == [
        ("norm_num", 1, 2, True), ("[", 1, 11, False), ("h₀", 1, 12, False), ("]", 1, 14, False),
        ("·", 2, 2, True), ("linarith", 2, 4, False), ("ring", 3, 4, True),
    ]
    assert lex("a  b").tokens[1].ws_before and not lex("a(b").tokens[1].ws_before


def test_a_multiline_string_does_not_start_a_line():
    lexed = lex('trace "a\nb" c\nd')
    assert [(t.text, t.first_on_line) for t in lexed.tokens] == [("trace", True), ('"a\nb"', False), ("c", False),
                                                                  ("d", True)]
