"""A tokenizer that reads a proof body the way Lean 4's parser does (`Lean.Parser.Basic`, v4.9).

Why: the rejection rules decide what a proof may contain from its tokens. A scanner that reads a
comment or a string where Lean reads code (or the reverse) lets code hide from the rules: `'"'`
is a character literal, not the start of a string; `\\/-` is the token `\\/` followed by `-`, not
the start of a block comment; `r#"\\"#` is a complete raw string, not a string with an escaped
quote. So this module transcribes Lean's token functions rather than approximating them with
regular expressions:

- `whitespace`: spaces and newlines, `--` line comments, `/- -/` block comments that nest; `/--`
  and `/-!` are not comments but doc-comment tokens. A tab is an error (Lean: "tabs are not
  allowed"); a carriage return is an error here (Lean 4.9 skips it, later versions reject an
  isolated one: rejecting it is right for both).
- `tokenFnAux`: `"` string (escapes `\\\\ \\" \\' \\r \\n \\t \\xHH \\uHHHH`, string gaps `\\` newline
  whitespace), `'` character literal unless followed by another `'`, digits (decimal, `0x`, `0b`,
  `0o`, scientific `1.5e-3`; no `_` separators before Lean 4.12), `` ` `` name literal, `r"`/`r#"`
  raw string, otherwise the longest token of the token table compared with the identifier read at
  the same place (`identFnAux`: dotted parts, `«escaped»` parts, `isIdRest` includes `?`, `!`,
  `'`, subscripts and Lean's letter-like ranges; a keyword wins when its token is at least as long
  as the identifier).
- Interpolated strings (`s!"a{x}b"`) are read by the parser, not by `tokenFn`: after the
  prefixes that take one (`s!`, `m!`, `f!`, `throwError`, `dbg_trace`, `trace[..]`) the string is
  read as chunks with code between `{` and `}`.
- A field index after a dot (`h.2.1`) is digits only (the `fieldIdx` parser), not a decimal.

Lean's token table is extensible (every notation adds tokens). `SYMBOLS` holds the tokens of
Lean core and Mathlib that matter for splitting symbol runs; it only holds tokens that exist in
Lean 4.9 / Mathlib of mid-2024, so that wherever this lexer joins characters into one token, Lean
does too. Where it cannot be sure to agree with Lean (a token Lean knows and this table does not),
the difference can only split a run of symbol characters differently; the rules reject the few
places where such a split could move a comment or literal boundary (a comment opener glued to the
token before it, a `'` after a symbol) — see `rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class LexError(ValueError):
    """The text is not lexically valid Lean (Lean would report a parse error there too)."""

    def __init__(self, message: str, pos: int):
        super().__init__(f"{message} at offset {pos}")
        self.message, self.pos = message, pos


@dataclass(frozen=True)
class Token:
    kind: str  # ident, symbol, num, sci, field, str, char, rawstr, name, interp, doc
    text: str  # the source text of the token
    start: int  # offsets into the source
    end: int
    line: int  # 1-based
    col: int  # codepoints from the start of the line (Lean's column)
    ws_before: bool  # whitespace or a comment (or the start of the text) precedes it
    first_on_line: bool  # no other token precedes it on its line
    parts: tuple[str, ...] = ()  # identifier components, escapes removed
    inner: tuple["Token", ...] = ()  # code inside `{ }` of an interpolated string


@dataclass(frozen=True)
class Comment:
    start: int
    end: int
    text: str
    glued: bool  # the opener directly follows a character that is not whitespace


@dataclass
class Lexed:
    tokens: list[Token] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


# Tokens of Lean 4.9 core and of Mathlib (mid-2024) that contain more than one character, or that
# decide how a run of symbol characters splits. Identifier-like keywords (`fun`, `at`) need not be
# listed: they lex as identifiers of the same length and the rules read them by their text.
SYMBOLS = frozenset(
    """
    := :: => -> <- <-> <;> <|> <| |> |>. <= >= != == && || ++ .. // /\\ \\/ <$> <*> <* *> >>= >> <<<
    >>> ^^^ &&& ||| ∘ ⁻¹ ⁻¹' '' ∑' ∏' Σ' ×' ×ˢ +ᵥ -ᵥ •
    ∃! #[ @[ @& .(
    [MOD [ZMOD [PMOD ⌋₊ ⌉₊ ‖₊
    Type* Sort* ℝ≥0 ℝ≥0∞ ℚ≥0 ℕ+ trace[
    s! m! f!
    """.split()
)
_MAX_SYMBOL = max(len(s) for s in SYMBOLS)

# Prefixes whose following string literal is parsed as an interpolated string (`interpolatedStr`).
INTERPOLATION_PREFIXES = frozenset({"s!", "m!", "f!", "throwError", "throwErrorAt", "dbg_trace"})


def is_letter_like(c: str) -> bool:
    """`Lean.isLetterLike` (Init/Meta.lean, v4.9)."""
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)  # lower Greek, but lambda
        or (0x391 <= v <= 0x3A9 and v != 0x3A0 and v != 0x3A3)  # upper Greek, but Pi and Sigma
        or 0x3CA <= v <= 0x3FB  # Coptic letters
        or 0x1F00 <= v <= 0x1FFE  # polytonic Greek
        or 0x2100 <= v <= 0x214F  # letter-like block
        or 0x1D49C <= v <= 0x1D59F  # script, double-struck, fraktur
    )


def is_subscript_alnum(c: str) -> bool:
    v = ord(c)
    return 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A


def _ascii_alpha(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


def is_id_first(c: str) -> bool:
    return _ascii_alpha(c) or c == "_" or is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return _ascii_alpha(c) or "0" <= c <= "9" or c in "_'!?" or is_letter_like(c) or is_subscript_alnum(c)


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _is_hex(c: str) -> bool:
    return _is_digit(c) or "a" <= c <= "f" or "A" <= c <= "F"


WHITESPACE = " \t\r\n"  # Lean's Char.isWhitespace


class _Lexer:
    def __init__(self, src: str):
        self.src, self.n = src, len(src)
        self.out = Lexed()
        self.line_starts = [0]
        for i, c in enumerate(src):
            if c == "\n":
                self.line_starts.append(i + 1)

    def at(self, i: int) -> str:
        return self.src[i] if i < self.n else ""

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:  # last line start <= offset
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo]

    # -- whitespace and comments -------------------------------------------------------------
    def whitespace(self, i: int) -> int:
        src = self.src
        while i < self.n:
            c = src[i]
            if c == "\t":
                raise LexError("tabs are not allowed", i)
            if c == "\r":
                raise LexError("carriage return", i)
            if c in WHITESPACE:
                i += 1
            elif c == "-" and self.at(i + 1) == "-":
                end = src.find("\n", i)
                end = self.n if end < 0 else end
                self._comment(i, end)
                i = end
            elif c == "/" and self.at(i + 1) == "-" and self.at(i + 2) not in ("-", "!"):
                end = self.finish_comment_block(i + 2)
                self._comment(i, end)
                i = end
            else:
                break
        return i

    def _comment(self, start: int, end: int) -> None:
        glued = start > 0 and self.src[start - 1] not in WHITESPACE
        self.out.comments.append(Comment(start, end, self.src[start:end], glued))

    def finish_comment_block(self, i: int, nesting: int = 1) -> int:
        """Offset after the `-/` closing a block comment whose opener ends at `i`."""
        src = self.src
        while True:
            if i >= self.n:
                raise LexError("unterminated comment", i)
            c = src[i]
            i += 1
            if c == "-":
                if i >= self.n:
                    raise LexError("unterminated comment", i)
                if src[i] == "/":
                    i += 1
                    nesting -= 1
                    if nesting == 0:
                        return i
            elif c == "/":
                if i >= self.n:
                    raise LexError("unterminated comment", i)
                if src[i] == "-":
                    i += 1
                    nesting += 1

    # -- literals ----------------------------------------------------------------------------
    def quoted_char(self, i: int, in_string: bool, interpolant: bool = False) -> int:
        """After a backslash at `i - 1`: the offset after the escape (`quotedCharCoreFn`)."""
        c = self.at(i)
        if not c:
            raise LexError("unterminated escape", i)
        if c in "\\\"'rnt" or (interpolant and c == "{"):
            return i + 1
        if c == "x":
            for k in (1, 2):
                if not _is_hex(self.at(i + k)):
                    raise LexError("invalid hexadecimal numeral", i + k)
            return i + 3
        if c == "u":
            for k in (1, 2, 3, 4):
                if not _is_hex(self.at(i + k)):
                    raise LexError("invalid hexadecimal numeral", i + k)
            return i + 5
        if in_string and c == "\n":
            return self.string_gap(i)
        raise LexError("invalid escape sequence", i)

    def string_gap(self, i: int) -> int:
        """`stringGapFn`: whitespace after `\\` holding exactly one newline."""
        seen_newline = False
        while i < self.n:
            c = self.src[i]
            if c == "\n":
                if seen_newline:
                    raise LexError("unexpected additional newline in string gap", i)
                seen_newline = True
                i += 1
            elif c in WHITESPACE:
                i += 1
            elif seen_newline:
                return i
            else:
                raise LexError("expecting newline in string gap", i)
        return i

    def string(self, start: int) -> int:
        i = start + 1
        while True:
            if i >= self.n:
                raise LexError("unterminated string literal", start)
            c = self.src[i]
            i += 1
            if c == '"':
                return i
            if c == "\\":
                i = self.quoted_char(i, in_string=True)

    def char_literal(self, start: int) -> int:
        i = start + 1
        if i >= self.n:
            raise LexError("unterminated character literal", start)
        c = self.src[i]
        i += 1
        if c == "\\":
            i = self.quoted_char(i, in_string=False)
        if self.at(i) != "'":
            raise LexError("missing end of character literal", i)
        return i + 1

    def raw_string_start(self, i: int) -> bool:
        """`isRawStrLitStart`, at the offset after the `r`."""
        while self.at(i) == "#":
            i += 1
        return self.at(i) == '"'

    def raw_string(self, start: int) -> int:
        i, hashes = start + 1, 0
        while self.at(i) == "#":
            hashes, i = hashes + 1, i + 1
        i += 1  # the opening quote
        closing = '"' + "#" * hashes
        end = self.src.find(closing, i)
        if end < 0:
            raise LexError("unterminated raw string literal", start)
        return end + len(closing)

    def number(self, start: int) -> tuple[int, str]:
        src, i = self.src, start
        if src[i] == "0" and self.at(i + 1) in ("b", "B", "o", "O", "x", "X"):
            base = self.at(i + 1).lower()
            ok = {"b": lambda c: c in "01", "o": lambda c: "0" <= c <= "7", "x": _is_hex}[base]
            i += 2
            if not ok(self.at(i)):
                raise LexError("invalid numeral", i)
            while ok(self.at(i)):
                i += 1
            return i, "num"
        while _is_digit(self.at(i)):
            i += 1
        if self.at(i) not in (".", "e", "E") or not self.at(i):
            return i, "num"
        if self.at(i) == ".":  # parseOptDot: the dot is taken even without digits after it
            i += 1
            while _is_digit(self.at(i)):
                i += 1
        if self.at(i) in ("e", "E") and self.at(i):
            i += 1
            if self.at(i) in ("+", "-") and self.at(i):
                i += 1
            if not _is_digit(self.at(i)):
                raise LexError("missing exponent digits in scientific literal", i)
            while _is_digit(self.at(i)):
                i += 1
        return i, "sci"

    def symbol_match(self, i: int) -> str | None:
        """The longest token of the table that the text at `i` starts with."""
        for size in range(min(_MAX_SYMBOL, self.n - i), 1, -1):
            if self.src[i : i + size] in SYMBOLS:
                return self.src[i : i + size]
        return None

    def identifier(self, start: int) -> tuple[int, tuple[str, ...]]:
        """`identFnAux`: dotted parts, each plain or «escaped»."""
        src, i, parts = self.src, start, []
        while True:
            c = self.at(i)
            if c == "«":
                close = src.find("»", i + 1)
                if close < 0:
                    raise LexError("unterminated identifier escape", i + 1)
                parts.append(src[i + 1 : close])
                i = close + 1
            elif c and is_id_first(c):
                j = i + 1
                while j < self.n and is_id_rest(src[j]):
                    j += 1
                parts.append(src[i:j])
                i = j
            else:
                raise LexError("identifier expected", i)
            nxt = self.at(i + 1)
            if self.at(i) == "." and nxt and (is_id_first(nxt) or nxt == "«"):
                i += 1
                continue
            return i, tuple(parts)

    def interpolated(self, start: int) -> tuple[int, tuple[Token, ...]]:
        """`interpolatedStrFn`: chunks of string, code between `{` and `}`."""
        i, inner = start + 1, []
        while True:
            if i >= self.n:
                raise LexError("unterminated string literal", start)
            c = self.src[i]
            i += 1
            if c == '"':
                return i, tuple(inner)
            if c == "\\":
                i = self.quoted_char(i, in_string=True, interpolant=True)
            elif c == "{":
                i = self.whitespace(i)
                depth = 0
                while True:
                    if i >= self.n:
                        raise LexError("unterminated string interpolation", i)
                    if self.src[i] == "}" and depth == 0:
                        i += 1
                        break
                    tok = self.token(i, ws_before=True, first_on_line=False, previous=inner[-1] if inner else None)
                    inner.extend((tok, *tok.inner))
                    depth += tok.text in ("{", "{{") and tok.kind == "symbol"
                    depth -= tok.text == "}" and tok.kind == "symbol"
                    i = self.whitespace(tok.end)

    # -- one token ---------------------------------------------------------------------------
    def token(self, i: int, ws_before: bool, first_on_line: bool, previous: Token | None) -> Token:
        src, c = self.src, self.src[i]
        kind, parts, inner = "symbol", (), ()
        if c == '"':
            if previous is not None and previous.kind in ("ident", "symbol") and (
                previous.text in INTERPOLATION_PREFIXES or previous.text == "]" and self._after_trace(previous)
            ):
                end, inner = self.interpolated(i)
                kind = "interp"
            else:
                end, kind = self.string(i), "str"
        elif c == "'" and self.at(i + 1) != "'":
            end, kind = self.char_literal(i), "char"
        elif _is_digit(c):
            if previous is not None and previous.text == "." and not ws_before and self._field_dot(previous):
                end = i
                while _is_digit(self.at(end)):
                    end += 1
                kind = "field"
            else:
                end, kind = self.number(i)
        elif c == "`" and self.at(i + 1) and (is_id_first(self.at(i + 1)) or self.at(i + 1) == "«"):
            end, parts = self.identifier(i + 1)
            kind = "name"
        elif c == "r" and self.raw_string_start(i + 1):
            end, kind = self.raw_string(i), "rawstr"
        elif c == "/" and self.at(i + 1) == "-" and self.at(i + 2) in ("-", "!"):
            end, kind = self.finish_comment_block(i + 3), "doc"
        else:
            symbol = self.symbol_match(i)
            if c == "«" or is_id_first(c):
                end, parts = self.identifier(i)
                if symbol is not None and len(symbol) >= end - i:
                    end, parts = i + len(symbol), ()  # a keyword token at least as long wins
                else:
                    kind = "ident"
            else:
                end = i + len(symbol) if symbol else i + 1
        line, col = self.position(i)
        return Token(kind, src[i:end], i, end, line, col, ws_before, first_on_line, parts, inner)

    def _after_trace(self, close: Token) -> bool:
        """Whether `]` (`close`) ends a `trace[cls]`, whose string is interpolated."""
        tokens = self.out.tokens
        return len(tokens) >= 3 and tokens[-3].text == "trace["

    def _field_dot(self, dot: Token) -> bool:
        """A `.` glued to the token before it (`h.1`, `(f x).2`): a projection, digits follow."""
        tokens = self.out.tokens
        return len(tokens) >= 2 and tokens[-1] is dot and not dot.ws_before

    def run(self) -> Lexed:
        i = self.whitespace(0)
        last_line = 0  # the line the previous token ends on
        ws_before = True
        while i < self.n:
            line, _ = self.position(i)
            previous = self.out.tokens[-1] if self.out.tokens else None
            tok = self.token(i, ws_before, line != last_line, previous)
            self.out.tokens.append(tok)
            last_line, _ = self.position(tok.end - 1)
            j = self.whitespace(tok.end)
            ws_before = j > tok.end
            i = j
        return self.out


def lex(src: str) -> Lexed:
    """The tokens and comments of `src`; `LexError` where Lean's tokenizer fails."""
    return _Lexer(src).run()
